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
