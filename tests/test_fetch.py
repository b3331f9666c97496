"""The fetch stage against real loopback servers: politeness, limits, redirects, bad servers."""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from servers import FeedServer

from monitor import fetch
from monitor.fetch import Fetcher, Timeouts

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


class RawServer:
    """A socket server on 127.0.0.1 whose handler writes whatever bytes, whenever it likes:
    for what a well-behaved HTTP server never does (trickle, stall, lie)."""

    def __init__(self, handler: Callable[[socket.socket], None]) -> None:
        self.handler = handler
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/feed"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            with contextlib.suppress(OSError):  # the client gave up: what these tests want
                self.handler(conn)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def raw() -> Iterator[Callable[[Callable[[socket.socket], None]], RawServer]]:
    made: list[RawServer] = []

    def start(handler: Callable[[socket.socket], None]) -> RawServer:
        made.append(RawServer(handler))
        return made[-1]

    yield start
    for server in made:
        server.close()


def test_conditional_get_and_user_agent(feeds: FeedServer) -> None:
    feeds.set(
        "/rss", RSS, headers={"ETag": '"v1"', "Last-Modified": "Mon, 02 Feb 2026 10:00:00 GMT"}
    )
    first = fetch.fetch(feeds.url("/rss"))
    assert first.status == 200 and first.body == RSS
    assert first.etag == '"v1"' and first.last_modified == "Mon, 02 Feb 2026 10:00:00 GMT"
    again = fetch.fetch(feeds.url("/rss"), etag=first.etag, last_modified=first.last_modified)
    assert again.not_modified and again.body is None and again.error is None
    assert again.etag == '"v1"'  # kept for the next poll
    sent = feeds.requests[-1].headers
    assert sent["If-None-Match"] == '"v1"'
    assert sent["If-Modified-Since"] == "Mon, 02 Feb 2026 10:00:00 GMT"
    agent = sent["User-Agent"]
    assert agent.startswith("claimwatch/") and "http" in agent  # who we are and where to look
    assert "gzip" in sent["Accept-Encoding"]


def test_http_errors_are_one_line_and_carry_retry_after(feeds: FeedServer) -> None:
    feeds.set("/busy", b"slow down", status=429, headers={"Retry-After": "120"})
    when = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    feeds.set("/down", b"maintenance", status=503, headers={"Retry-After": when})
    feeds.set("/boom", b"oops", status=500)
    busy = fetch.fetch(feeds.url("/busy"))
    assert busy.error == "HTTP 429 Too Many Requests" and busy.retry_after == 120
    down = fetch.fetch(feeds.url("/down"))
    assert down.status == 503 and down.retry_after is not None
    assert 3500 < down.retry_after <= 3600
    boom = fetch.fetch(feeds.url("/boom"))
    assert boom.error == "HTTP 500 Internal Server Error" and boom.retry_after is None
    assert fetch.fetch(feeds.url("/missing")).error == "HTTP 404 Not Found"


def test_cache_control_max_age_is_read_also_on_304(feeds: FeedServer) -> None:
    feeds.set("/rss", RSS, headers={"ETag": "e", "Cache-Control": "public, max-age=3600"})
    assert fetch.fetch(feeds.url("/rss")).max_age == 3600
    assert fetch.fetch(feeds.url("/rss"), etag="e").max_age == 3600
    assert fetch.cache_max_age('no-cache, s-maxage=10, max-age="600"') == 600
    assert fetch.cache_max_age("no-store") is None


def test_retry_after_forms() -> None:
    now = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    assert fetch.retry_after("30", now) == 30
    assert fetch.retry_after("Sun, 01 Feb 2026 12:10:00 GMT", now) == 600
    assert fetch.retry_after("Sun, 01 Feb 2026 11:00:00 GMT", now) == 0  # in the past: now
    assert fetch.retry_after("soon", now) is None
    assert fetch.retry_after("", now) is None


def test_gzip_and_deflate_bodies_are_decoded(feeds: FeedServer) -> None:
    feeds.set("/gz", gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    feeds.set("/zlib", zlib.compress(RSS), headers={"Content-Encoding": "deflate"})
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    feeds.set(
        "/raw",
        raw_deflate.compress(RSS) + raw_deflate.flush(),
        headers={"Content-Encoding": "deflate"},
    )
    feeds.set(
        "/two",
        gzip.compress(RSS[:20]) + gzip.compress(RSS[20:]),
        headers={"Content-Encoding": "gzip"},
    )
    for path in ("/gz", "/zlib", "/raw", "/two"):
        got = fetch.fetch(feeds.url(path))
        assert got.error is None and got.body == RSS, path
    feeds.set("/bad", b"\x1f\x8bnot gzip at all", headers={"Content-Encoding": "gzip"})
    assert (fetch.fetch(feeds.url("/bad")).error or "").startswith("bad gzip data")
    feeds.set("/br", b"xx", headers={"Content-Encoding": "br"})  # never asked for: as it is
    assert fetch.fetch(feeds.url("/br")).body == b"xx"


def test_size_cap_on_plain_and_chunked_bodies(
    feeds: FeedServer, raw: Callable[..., RawServer]
) -> None:
    feeds.set("/big", b"x" * 5000)
    got = Fetcher(max_bytes=4096).fetch(feeds.url("/big"))
    assert got.body is None and got.error == "larger than 4096 bytes (0 MB), not read further"

    sent = []

    def endless_chunks(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(10000):  # 80 MB if nobody stops it
            conn.sendall(b"2000\r\n" + b"y" * 0x2000 + b"\r\n")
            sent.append(1)

    server = raw(endless_chunks)
    got = Fetcher(max_bytes=64 * 1024).fetch(server.url)
    assert got.error is not None and got.error.startswith("larger than 65536 bytes")
    assert len(sent) < 10000  # the client hung up: it did not read the rest


def test_gzip_bomb_stops_at_the_cap(feeds: FeedServer) -> None:
    bomb = gzip.compress(b"\0" * (200 * 1024 * 1024), compresslevel=9)  # 200 MB in ~200 KB
    feeds.set(
        "/bomb", bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/xml"}
    )
    got = fetch.fetch(feeds.url("/bomb"))  # the default 10 MB cap
    assert got.body is None
    assert got.error == f"larger than {fetch.MAX_BYTES} bytes (10 MB), not read further"


def test_inflating_never_produces_more_than_the_cap() -> None:
    bomb = zlib.compress(b"\0" * (50 * 1024 * 1024), 9)
    chunks = [bomb[i : i + 16384] for i in range(0, len(bomb), 16384)]
    produced = sum(len(p) for p in fetch._decode(iter(chunks), "deflate", 1_000_000))
    assert produced == 1_000_001  # one byte past the cap is how the reader knows to stop


def test_redirects_permanent_temporary_and_too_many(feeds: FeedServer) -> None:
    feeds.set("/old", b"", status=301, headers={"Location": "/older"})
    feeds.set("/older", b"", status=308, headers={"Location": feeds.url("/new")})
    feeds.set("/new", RSS)
    got = fetch.fetch(feeds.url("/old"))
    assert got.body == RSS and got.url == feeds.url("/new")
    assert got.moved_to == feeds.url("/new")  # every hop permanent: the feed moved

    feeds.set("/temp", b"", status=302, headers={"Location": "/old"})
    got = fetch.fetch(feeds.url("/temp"))
    assert got.body == RSS and got.moved_to is None  # a temporary hop first: keep the URL

    feeds.set("/perm-then-temp", b"", status=301, headers={"Location": "/temp"})
    assert fetch.fetch(feeds.url("/perm-then-temp")).moved_to == feeds.url("/temp")

    feeds.set("/loop", b"", status=302, headers={"Location": "/loop"})
    loop = fetch.fetch(feeds.url("/loop"))
    assert loop.error == f"more than {fetch.MAX_REDIRECTS} redirects"
    assert len([r for r in feeds.requests if r.path == "/loop"]) == fetch.MAX_REDIRECTS + 1

    feeds.set("/nowhere", b"<rss/>", status=301)  # a redirect with no Location is an error
    assert fetch.fetch(feeds.url("/nowhere")).error == "HTTP 301 Moved Permanently"

    feeds.set("/to-file", b"", status=301, headers={"Location": "file:///etc/passwd"})
    assert fetch.fetch(feeds.url("/to-file")).error == "unsupported URL scheme: file:///etc/passwd"


def test_stalled_server_times_out(raw: Callable[..., RawServer]) -> None:
    stall = threading.Event()
    server = raw(lambda conn: stall.wait(10))  # accepts, reads the request, says nothing
    try:
        got = Fetcher(timeouts=Timeouts(connect=1, read=0.3, total=5)).fetch(server.url)
    finally:
        stall.set()
    assert got.error == "timed out" and got.status == 0


def test_trickling_server_hits_the_whole_request_deadline(raw: Callable[..., RawServer]) -> None:
    def trickle(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(200):
            conn.sendall(b"<")
            time.sleep(0.05)  # each byte well within the read timeout

    server = raw(trickle)
    start = time.monotonic()
    got = Fetcher(timeouts=Timeouts(connect=1, read=1, total=0.6)).fetch(server.url)
    assert got.error == "timed out"
    assert time.monotonic() - start < 5  # not the ten seconds the trickle would take


def test_dead_host_and_bad_urls_are_one_line_errors() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once closed
    dead = fetch.fetch(f"http://127.0.0.1:{port}/feed")
    assert dead.status == 0 and (dead.error or "").startswith("cannot connect")
    for url in ("http://127.0.0.1:99999/feed", "ftp://127.0.0.1/feed", "http://[::1/feed"):
        got = fetch.fetch(url)
        assert got.error and "\n" not in got.error, url


def test_file_urls_and_their_cap(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(RSS)
    assert fetch.fetch(path.as_uri()).body == RSS
    assert (fetch.fetch(path.as_uri(), max_bytes=10).error or "").startswith("larger than 10 bytes")
    assert (fetch.fetch((path.parent / "nope.xml").as_uri()).error or "").startswith("cannot read")
