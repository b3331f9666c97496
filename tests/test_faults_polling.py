"""Faults from the field: polling (issue 15), through a real HTTP server and the real
scheduler."""

from __future__ import annotations

import gzip
import time
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import write_config
from servers import FeedServer

from monitor import fetch, parse

RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        (RSS, "gzip"),  # the field's case: labelled gzip, sent plain
        (RSS, "utf-8"),  # an encoding that is a charset, as misconfigured servers send
        (RSS, "deflate"),  # plain text labelled deflate
        (gzip.compress(RSS), "identity"),  # gzip bytes under no label
        (zlib.compress(RSS), "x-unknown"),  # zlib bytes under an unknown one
    ],
)
def test_a_body_is_read_by_its_bytes_not_its_label(
    feeds: FeedServer, body: bytes, encoding: str
) -> None:
    feeds.set("/rss", body, headers={"Content-Encoding": encoding})
    got = fetch.fetch(feeds.url("/rss"))
    assert got.error is None and got.body == RSS


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("&amp;amp;#8220;Peace,&amp;amp;#8221; he said.", "“Peace,” he said."),  # the field's
        ("Kyiv &amp;amp;amp; Moscow &amp;eacute;", "Kyiv & Moscow é"),  # three times, named
        (
            "&amp;lt;p&amp;gt;First.&amp;lt;/p&amp;gt;&amp;lt;p&amp;gt;Second.&amp;lt;/p&amp;gt;",
            "First.\nSecond.",
        ),  # markup encoded twice
        ("AT&amp;T and R&amp;D stay", "AT&T and R&D stay"),  # once is once
    ],
)
def test_entities_encoded_twice_come_out_as_text(description: str, expected: str) -> None:
    doc = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x'
        f"</title><guid>g</guid><description>{description}</description></item></channel></rss>"
    ).encode()
    (article,) = parse.parse(doc, url="https://x.example/", feed="f").articles
    assert article.text == expected


@pytest.mark.parametrize(
    ("interval", "late"),
    [
        ("1h", timedelta(hours=1)),  # the field's case: a suspend of an hour
        ("1d", timedelta(minutes=6)),  # a daily feed, a pause just past APScheduler's 300 s
    ],
)
def test_a_missed_poll_runs_at_once_on_resume(
    tmp_path: Path, interval: str, late: timedelta
) -> None:
    """After a suspend the scheduler wakes with a feed's poll overdue: it runs at once, once,
    not an interval later (APScheduler skipped runs later than misfire_grace_time)."""
    from monitor.config import load_config
    from monitor.daemon import schedule
    from monitor.pipeline import Monitor
    from monitor.store import utcnow

    config = write_config(
        tmp_path, feeds=[{"name": "f", "url": "file:none.xml", "interval": interval}]
    )
    mon = Monitor(load_config(config))
    ran: list[str] = []
    scheduler = schedule(mon)
    try:
        scheduler.start(paused=True)
        for j in scheduler.get_jobs():
            scheduler.modify_job(j.id, func=lambda *a, i=j.id: ran.append(i))
            scheduler.modify_job(j.id, next_run_time=utcnow() + timedelta(hours=1))
        feed = next(j for j in scheduler.get_jobs() if j.id.startswith("feed"))
        scheduler.modify_job(feed.id, next_run_time=utcnow() - late)
        scheduler.resume()
        deadline = time.monotonic() + 10
        while not ran and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.shutdown(wait=False)
        mon.close()
    assert ran == [feed.id]


@pytest.mark.parametrize(
    ("zone", "at", "night"),
    [
        ("Europe/Paris", "02:30", "2026-03-29"),  # the field's case: clocks go forward (4 sent)
        ("Europe/Paris", "02:30", "2026-10-25"),  # the field's case: clocks go back (2 sent)
        ("Australia/Lord_Howe", "02:15", "2026-10-04"),  # a half-hour shift, 02:15 skipped
        ("America/Santiago", "00:15", "2026-09-06"),  # the change at midnight: no 00:15 at all
        ("America/New_York", "01:30", "2026-11-01"),  # 01:30 happens twice
    ],
)
def test_a_daily_digest_goes_once_a_day_across_clock_changes(
    zone: str, at: str, night: str
) -> None:
    """The channel's delivery round every 30 s over three days around the change: one digest
    a day, at the local time or the first moment after it."""
    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo

    from monitor.config import DigestConfig
    from monitor.notify import digest_due

    tz = ZoneInfo(zone)
    config = DigestConfig(every="daily", at=at)
    noon = datetime.min.time().replace(hour=12)  # noon the day before to noon after: 3 slots
    start = datetime.combine(date.fromisoformat(night), noon, tz) - timedelta(days=1)
    now, last, sent = start.astimezone(UTC), start.astimezone(UTC), []
    while now < start.astimezone(UTC) + timedelta(days=3):
        if digest_due(last, config, now, tz):
            sent.append(now.astimezone(tz))
            last = now
        now += timedelta(seconds=30)
    days = [s.date() for s in sent]
    assert len(days) == len(set(days)) == 3, sent
    hour, minute = map(int, at.split(":"))
    for s in sent:  # never before the local time, and within a minute of it or of the change
        assert (s.hour, s.minute) >= (hour, minute)
        assert s.hour * 60 + s.minute - (hour * 60 + minute) <= 60


JSON_FEED = """{{
  "version": "https://jsonfeed.org/version/{version}",
  "title": "Wire",
  "items": [
    {{"id": {first_id}, "url": "/world/1", "title": "One",
      "content_html": "<p>Zelensky said that Ukraine wants American troops.</p>",
      "date_published": "2026-02-10T09:30:00Z"}},
    {{"id": "2", "url": "https://wire.example/world/2", "title": "Two",
      "content_text": "Lavrov threatened retaliatory attacks on foreign troops.",
      "date_modified": "2026-02-11T10:00:00+01:00"}},
    {{"id": "3", "title": "Three", "summary": "A summary only."}}
  ]
}}"""


@pytest.mark.parametrize(
    ("version", "first_id", "content_type"),
    [
        ("1.1", '"1"', "application/feed+json"),  # the field's case
        ("1", '"1"', "application/json"),  # 1.0
        ("1.1", "1", "text/plain"),  # a number for an id, a wrong Content-Type
    ],
)
def test_a_json_feed_is_a_feed(
    tmp_path: Path, feeds: FeedServer, version: str, first_id: str, content_type: str
) -> None:
    import sqlite3

    from monitor.config import load_config
    from monitor.pipeline import Monitor

    body = JSON_FEED.format(version=version, first_id=first_id)
    feeds.set("/feed.json", body, headers={"Content-Type": content_type})
    parsed = parse.parse(body.encode(), url=feeds.url("/feed.json"), feed="f")
    assert parsed.error is None and parsed.title == "Wire"
    one, two, _ = parsed.articles
    assert (one.key, one.link) == ("1", feeds.url("/world/1"))
    assert one.text == "Zelensky said that Ukraine wants American troops."
    assert one.published is not None and one.published.isoformat() == "2026-02-10T09:30:00+00:00"
    assert two.published is not None and two.published.hour == 9  # 10:00+01:00
    assert parsed.summary_only == {"3"}
    config = write_config(tmp_path, feeds=[{"name": "f", "url": feeds.url("/feed.json")}])
    mon = Monitor(load_config(config))
    try:
        assert mon.poll(mon.config.feeds[0]).articles == 3
    finally:
        mon.close()
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
        assert con.execute("select count(*) from claim").fetchone()[0] >= 2


@pytest.mark.parametrize(
    "trickle",
    [
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n", id="headers"),  # field's
        pytest.param(b"HTTP/1.1 301 Moved", id="a-redirect's-status-line"),
    ],
)
def test_a_server_trickling_its_headers_hits_the_total_deadline(trickle: bytes) -> None:
    """The field's case: headers a byte at a time hold a poll for ever (each byte comes well
    within the read timeout), and the status line of a redirect, trickled the same way."""
    import socket
    import threading

    from monitor.fetch import Fetcher, Timeouts

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    stop = threading.Event()

    def serve() -> None:
        conn, _ = sock.accept()
        with conn:
            conn.recv(65536)
            for byte in trickle * 50:
                if stop.is_set():
                    break
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    break
                time.sleep(0.1)

    threading.Thread(target=serve, daemon=True).start()
    start = time.monotonic()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/feed"
        got = Fetcher(timeouts=Timeouts(connect=1, read=1, total=1.0)).fetch(url)
    finally:
        stop.set()
        sock.close()
    assert got.error == "timed out"
    assert time.monotonic() - start < 3  # not the minutes the trickle would take
