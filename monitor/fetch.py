"""Fetch feed documents: the only module that touches the network.

It never raises for a bad server: every outcome, including a dead host, is a ``Fetched`` with a
one-line ``error`` that the caller logs and stores, so one broken feed cannot stop a poll cycle.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import __version__

USER_AGENT = f"claimwatch/{__version__} (+https://github.com/claimwatch/claimwatch)"
MAX_BYTES = 10 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Fetched:
    """What one request gave; ``body`` is None for a 304, an error, or nothing new."""

    url: str
    status: int  # HTTP status; 0 when no response arrived
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""
    error: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
    client: httpx.Client | None = None,
) -> Fetched:
    """Get ``url`` (http, https or file), conditionally when validators are known."""
    if url.startswith("file:"):
        return _fetch_file(url, max_bytes)
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    own = client is None
    http = client or httpx.Client(
        timeout=TIMEOUT, follow_redirects=True, max_redirects=MAX_REDIRECTS
    )
    try:
        with http.stream("GET", url, headers=headers) as resp:
            final = str(resp.url)
            if resp.status_code == 304:
                return Fetched(final, 304, etag=etag, last_modified=last_modified)
            if resp.status_code >= 400:
                return Fetched(final, resp.status_code, error=f"HTTP {resp.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in resp.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    return Fetched(final, resp.status_code, error=f"larger than {max_bytes} bytes")
                chunks.append(chunk)
            return Fetched(
                final,
                resp.status_code,
                body=b"".join(chunks),
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
                content_type=resp.headers.get("Content-Type", ""),
            )
    except httpx.TooManyRedirects:
        return Fetched(url, 0, error=f"more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        return Fetched(url, 0, error="timed out")
    except httpx.ConnectError as exc:
        return Fetched(url, 0, error=f"cannot connect: {_reason(exc)}")
    except httpx.HTTPError as exc:
        return Fetched(url, 0, error=f"{type(exc).__name__}: {_reason(exc)}")
    finally:
        if own:
            http.close()


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
        return Fetched(url, 0, error=f"larger than {max_bytes} bytes")
    return Fetched(url, 200, body=body)
