"""Fetch feed documents and article pages: the only module that touches the network.

It never raises for a bad server: every outcome, including a dead host, is a ``Fetched`` with a
one-line ``error`` that the caller logs and stores, so one broken feed cannot stop a poll cycle.

Politeness and robustness live here because they are properties of each request:

- a conditional GET (``If-None-Match`` / ``If-Modified-Since``) when validators are known;
- a slot from the ``poller.Limiter`` for every request and every redirect hop;
- timeouts on connect and on each read, and a deadline on the whole request (a server that
  trickles a byte a second cannot hold a worker for ever);
- a size cap counted on the *decoded* bytes while streaming: compressed bodies are inflated
  here with a bounded ``zlib`` output, so a gzip bomb stops at the cap without ever being
  inflated further;
- redirects followed by hand, at most ``max_redirects``, http(s) only; a chain of permanent
  redirects (301/308) is reported as ``moved_to`` so the caller can update the stored URL;
- the server's wishes, ``Retry-After`` and ``Cache-Control: max-age``, parsed into seconds.
"""

from __future__ import annotations

import email.utils
import ipaddress
import itertools
import re
import socket
import ssl
import threading
import time
import urllib.parse
import zlib
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpcore
import httpx

from . import __version__
from .poller import Limiter

USER_AGENT = (
    f"claimwatch/{__version__} (news feed monitor; +https://github.com/claimwatch/claimwatch)"
)
MAX_BYTES = 10 * 1024 * 1024
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
TOTAL_TIMEOUT = 60.0
MAX_REDIRECTS = 5
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
#: The response headers the parse stage needs (encoding, base URL, language).
KEPT_HEADERS = ("content-type", "content-location", "content-language")
_PERMANENT = (301, 308)
_REDIRECT = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Fetched:
    """What one request gave; ``body`` is None for a 304 or an error."""

    url: str  # the final URL, after redirects
    status: int  # HTTP status; 0 when no response arrived
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    error: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # KEPT_HEADERS, lower-case names
    retry_after: float | None = None  # seconds the server asked us to wait (429, 503)
    max_age: float | None = None  # Cache-Control max-age, seconds
    moved_to: str | None = None  # where permanent redirects lead: poll this URL from now on
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(frozen=True)
class Timeouts:
    connect: float = CONNECT_TIMEOUT
    read: float = READ_TIMEOUT  # the longest wait for any one chunk
    total: float = TOTAL_TIMEOUT  # the whole request, redirects and body included


class _TooLarge(Exception):
    pass


# --- the whole request within its deadline ------------------------------------------------------
# httpx's timeouts bound each read, not the request: a server sending its headers a byte every
# 2 s never trips a 30 s read timeout. The deadline of the request in hand (per thread: each
# poll runs on one) caps every socket operation's timeout, so the total holds, headers included.
_DEADLINE = threading.local()


def _bounded(timeout: float | None, connecting: bool = False) -> float | None:
    at: float | None = getattr(_DEADLINE, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        if connecting:
            raise httpcore.ConnectTimeout("the whole request took too long")
        raise httpcore.ReadTimeout("the whole request took too long")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout))
        return _DeadlineStream(tls)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(
            host, port, _bounded(timeout, connecting=True), local_address, socket_options
        )
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        return _DeadlineStream(
            self._inner.connect_unix_socket(path, _bounded(timeout), socket_options)
        )

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class Fetcher:
    """One connection pool, its limits and timeouts, shared by every poll of a ``Monitor``.

    Thread-safe: the pipeline polls many feeds at once through one ``Fetcher``."""

    def __init__(
        self,
        *,
        limiter: Limiter | None = None,
        max_bytes: int = MAX_BYTES,
        timeouts: Timeouts | None = None,
        max_redirects: int = MAX_REDIRECTS,
        user_agent: str = USER_AGENT,
        allow_hosts: frozenset[str] = frozenset(),
    ) -> None:
        self.limiter = limiter
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.max_bytes = max_bytes
        self.timeouts = timeouts or Timeouts()
        self.max_redirects = max_redirects
        self.user_agent = user_agent
        pool = limiter.overall if limiter else 10
        limits = httpx.Limits(max_connections=pool, max_keepalive_connections=pool)
        transport = httpx.HTTPTransport(limits=limits, trust_env=False)
        # the same pool httpx builds, on a network backend that holds every read and write,
        # the status line and headers included, to the request's total deadline
        transport._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )
        self._client = httpx.Client(
            timeout=self._timeout(self.timeouts.total),
            follow_redirects=False,
            transport=transport,
            trust_env=False,  # no proxy from the environment: requests go where the URL says
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _timeout(self, remaining: float) -> httpx.Timeout:
        t = self.timeouts
        return httpx.Timeout(
            connect=min(t.connect, remaining),
            read=min(t.read, remaining),
            write=min(t.read, remaining),
            pool=remaining,
        )

    def _slot(self, url: str) -> AbstractContextManager[None]:
        return self.limiter.slot(url) if self.limiter else nullcontext()

    def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        max_bytes: int | None = None,
        trusted: str | None = "",
    ) -> Fetched:
        """Get ``url`` (http, https or file), conditionally when validators are known.

        ``trusted`` is the host the operator named (a feed's configured URL): it may be
        loopback or private. ``""`` trusts ``url`` itself (a feed's own URL, ``try URL``);
        ``None`` trusts nothing: a URL taken from a feed's content (an article page) must be
        http(s) to a public address. Every redirect is held to the same rule, and to a host
        in ``allow_hosts``, which the operator allows by name, anything goes."""
        cap = self.max_bytes if max_bytes is None else max_bytes
        if url.startswith("file:"):
            if trusted is None:
                return Fetched(url, 0, error="refused: a file: link in a feed's content")
            return _fetch_file(url, cap)
        if trusted == "":
            try:
                trusted = (urllib.parse.urlsplit(url).hostname or "").lower()
            except ValueError:  # the request below says what is wrong with it
                trusted = None
        start = time.monotonic()
        headers = {
            "User-Agent": self.user_agent,
            "Accept": accept,
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, moved_to, permanent = url, None, True
        _DEADLINE.at = start + self.timeouts.total
        try:
            for _hop in range(self.max_redirects + 1):
                if not current.startswith(("http://", "https://")):
                    return Fetched(current, 0, error=f"unsupported URL scheme: {current[:100]}")
                refused = self._refused(current, trusted)
                if refused:
                    return Fetched(current, 0, error=refused)
                remaining = self.timeouts.total - (time.monotonic() - start)
                if remaining <= 0:
                    return Fetched(current, 0, error="timed out", elapsed=time.monotonic() - start)
                with (
                    self._slot(current),
                    self._client.stream(
                        "GET", current, headers=headers, timeout=self._timeout(remaining)
                    ) as resp,
                ):
                    location = resp.headers.get("Location")
                    if resp.status_code in _REDIRECT and location:
                        target = urllib.parse.urljoin(current, location.strip())
                        if resp.status_code in _PERMANENT and permanent:
                            moved_to = target
                        else:
                            permanent = False
                        current = target
                        continue
                    return self._outcome(resp, current, moved_to, etag, last_modified, cap, start)
            return Fetched(
                current, 0, error=f"more than {self.max_redirects} redirects", moved_to=moved_to
            )
        except httpx.TimeoutException:
            return Fetched(current, 0, error="timed out", elapsed=time.monotonic() - start)
        except httpx.ConnectError as exc:
            return Fetched(current, 0, error=f"cannot connect: {_reason(exc)}")
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
            return Fetched(current, 0, error=f"{type(exc).__name__}: {_reason(exc)}")
        finally:
            _DEADLINE.at = None

    def _refused(self, url: str, trusted: str | None) -> str | None:
        """Why ``url`` may not be fetched: a host neither trusted, allowed by name, nor public
        (loopback, private, link-local such as 169.254.169.254, reserved), after resolving it."""
        try:
            parts = urllib.parse.urlsplit(url)
            host = (parts.hostname or "").lower()
            if host == trusted or host in self.allow_hosts:
                return None
            port = parts.port or (443 if parts.scheme == "https" else 80)
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, ValueError, UnicodeError):
            return None  # the request itself reports the host it cannot find
        for *_, sockaddr in infos:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
            mapped = getattr(address, "ipv4_mapped", None)
            address = mapped or address
            if not address.is_global or address.is_multicast:
                kind = (
                    "loopback"
                    if address.is_loopback
                    else "link-local"
                    if address.is_link_local
                    else "private"
                    if address.is_private
                    else "non-public"
                )
                return (
                    f"refused: {host} is a {kind} address ({address}); allow it by name in "
                    "polling.allow_hosts"
                )
        return None

    def _outcome(
        self,
        resp: httpx.Response,
        url: str,
        moved_to: str | None,
        etag: str | None,
        last_modified: str | None,
        cap: int,
        start: float,
    ) -> Fetched:
        h = resp.headers
        common: dict[str, Any] = {
            "moved_to": moved_to,
            "max_age": cache_max_age(h.get("Cache-Control", "")),
            "retry_after": retry_after(h.get("Retry-After", "")),
        }
        status = resp.status_code
        if status == 304:
            return Fetched(
                url,
                304,
                etag=h.get("ETag") or etag,
                last_modified=h.get("Last-Modified") or last_modified,
                elapsed=time.monotonic() - start,
                **common,
            )
        if not 200 <= status < 300:  # errors, and a 3xx that gave no Location to follow
            reason = f"HTTP {status} {resp.reason_phrase}".strip()
            return Fetched(url, status, error=reason, elapsed=time.monotonic() - start, **common)
        declared = h.get("Content-Length", "")
        encoding = h.get("Content-Encoding", "identity").strip().lower()
        if declared.isdigit() and encoding in ("", "identity") and int(declared) > cap:
            return Fetched(url, status, error=_too_large(cap), **common)
        try:
            body = self._read(resp, encoding, cap, start)
        except _TooLarge:
            return Fetched(url, status, error=_too_large(cap), **common)
        except zlib.error as exc:
            return Fetched(url, status, error=f"bad {encoding} data: {exc}", **common)
        return Fetched(
            url,
            status,
            body=body,
            etag=h.get("ETag"),
            last_modified=h.get("Last-Modified"),
            content_type=h.get("Content-Type", ""),
            headers={k: h[k] for k in KEPT_HEADERS if k in h},
            elapsed=time.monotonic() - start,
            **common,
        )

    def _read(self, resp: httpx.Response, encoding: str, cap: int, start: float) -> bytes:
        """The decoded body, at most ``cap`` bytes of it, within the whole-request deadline."""
        out = bytearray()
        for piece in _decode(resp.iter_raw(), encoding, cap):
            out += piece
            if len(out) > cap:
                raise _TooLarge
            if time.monotonic() - start > self.timeouts.total:
                raise httpx.ReadTimeout("the whole request took too long")
        return bytes(out)


def _decode(raw: Iterator[bytes], encoding: str, cap: int) -> Iterator[bytes]:
    """Inflate ``raw`` chunks, never producing more than ``cap + 1`` bytes in all."""
    # The label is a claim, the bytes are the truth, as browsers and feedparser read it: a body
    # labelled gzip that is not (no 1f 8b magic), or an encoding we never asked for ("utf-8",
    # "binary", "none"), is read as it is; gzip or zlib bytes under any label are inflated.
    first_chunk = b""
    for first_chunk in raw:
        if first_chunk:
            break
    raw = itertools.chain([first_chunk], raw)
    if first_chunk[:2] == b"\x1f\x8b":
        encoding = "gzip"
    elif _zlib_header(first_chunk):
        encoding = "deflate"
    elif encoding != "deflate" or first_chunk.lstrip()[:1] in (b"<", b"{"):
        encoding = "identity"  # raw deflate is only believed where it was announced
    if encoding == "identity":
        yield from raw
        return
    # zlib-wrapped deflate, as the RFC says; raw deflate is tried below
    wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    produced = 0
    first = True
    for chunk in raw:
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, cap + 1 - produced)
            except zlib.error:
                if not (first and encoding == "deflate"):
                    raise
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # servers that send raw deflate
                first = False
                continue
            first = False
            produced += len(out)
            if out:
                yield out
            if produced > cap:
                return
            if inflater.eof and inflater.unused_data:  # concatenated gzip members
                data = inflater.unused_data
                inflater = zlib.decompressobj(wbits)
            else:
                data = inflater.unconsumed_tail
    tail = inflater.flush()
    if tail:
        yield tail[: cap + 1 - produced]


def _zlib_header(data: bytes) -> bool:
    """Whether ``data`` starts with a zlib header (RFC 1950: CM 8, and a checksum of 31)."""
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0


def _too_large(cap: int) -> str:
    return f"larger than {cap} bytes ({cap / 1048576:.0f} MB), not read further"


_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.I)


def cache_max_age(value: str) -> float | None:
    """``max-age`` from a Cache-Control header, in seconds."""
    m = _MAX_AGE.search(value)
    return float(m.group(1)) if m else None


def retry_after(value: str, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> Fetched:
    """One request with a one-off ``Fetcher`` (the CLI's ``try``; polling shares one)."""
    with Fetcher(max_bytes=max_bytes) as fetcher:
        return fetcher.fetch(url, etag=etag, last_modified=last_modified)


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _fetch_file(url: str, max_bytes: int) -> Fetched:
    path = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
    try:
        with path.open("rb") as fh:
            body = fh.read(max_bytes + 1)
    except OSError as exc:
        return Fetched(url, 0, error=f"cannot read {path}: {exc.strerror}")
    if len(body) > max_bytes:
        return Fetched(url, 0, error=_too_large(max_bytes))
    return Fetched(url, 200, body=body)
