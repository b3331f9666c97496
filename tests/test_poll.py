"""The polling policy, and polls end to end against real loopback servers and a real SQLite.

Unit tests pin ``next_delay``/``health``/``Limiter``; the rest poll real HTTP servers through
``Monitor``: a 304 costs no parsing, failures back off and raise the failing/recovered
transitions once each, Retry-After/ttl/max-age push the next poll back, a permanent redirect
moves the stored URL, an edited entry raises only its new claims, summary-only entries can be
completed from the article page, and the daemon reschedules a feed from the poll's answer.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DATA, WATCHLIST, write_config
from servers import FeedServer

from monitor import poller
from monitor.config import load_config
from monitor.extract import Extractor
from monitor.pipeline import Monitor
from monitor.poller import Limiter, Policy, health, next_delay, origin, run_all
from monitor.store import utcnow

POLICY = Policy(failure_threshold=3, backoff_cap=3600, max_interval=86400, jitter=0.1)


# --- the policy, as plain functions ---------------------------------------------------------------
def test_next_delay_on_success_honours_ttl_and_max_age_only_upwards() -> None:
    def nd(**kw: Any) -> float:
        return next_delay(600, failures=0, policy=POLICY, rand=lambda: 0.0, **kw)

    assert nd() == 600
    assert nd(ttl_minutes=60) == 3600  # <ttl> asks for less frequent polling
    assert nd(max_age=7200) == 7200  # so does Cache-Control: max-age
    assert nd(ttl_minutes=1, max_age=30) == 600  # but can never make polling more frequent
    assert nd(ttl_minutes=60 * 24 * 365) == 86400  # and is capped: a year-long ttl is a typo


def test_backoff_is_exponential_up_to_the_cap_and_retry_after_wins() -> None:
    delays = [next_delay(300, failures=n, policy=POLICY, rand=lambda: 0.0) for n in range(1, 7)]
    assert delays == [300, 600, 1200, 2400, 3600, 3600]
    assert next_delay(300, failures=1, policy=POLICY, retry_after=5000, rand=lambda: 0.0) == 5000
    assert next_delay(300, failures=9, policy=POLICY, retry_after=60, rand=lambda: 0.0) == 3600
    assert next_delay(7200, failures=3, policy=POLICY, rand=lambda: 0.0) == 7200  # cap ≥ interval
    assert next_delay(300, failures=0, policy=POLICY, retry_after=10**9, rand=lambda: 0) == 86400


def test_jitter_only_ever_adds() -> None:
    assert next_delay(1000, failures=0, policy=POLICY, rand=lambda: 0.999) == pytest.approx(1099.9)
    spread = {round(next_delay(1000, failures=0, policy=POLICY)) for _ in range(50)}
    assert min(spread) >= 1000 and max(spread) <= 1100 and len(spread) > 10


def test_health_transitions_once_each_way() -> None:
    counts = [0, 1, 2, 3, 4, 5, 0, 1]
    states = [health(b, a, 3) for b, a in itertools.pairwise(counts)]
    assert [s.became_failing for s in states] == [False, False, True, False, False, False, False]
    assert [s.recovered for s in states] == [False] * 5 + [True, False]
    assert [s.failing for s in states] == [False, False, True, True, True, False, False]


def test_origin_is_scheme_host_and_port() -> None:
    assert origin("http://Example.org/feed") == origin("http://example.org:80/other")
    assert origin("http://127.0.0.1:8001/a") != origin("http://127.0.0.1:8002/a")
    assert origin("https://example.org/a") != origin("http://example.org/a")
    assert origin("http://example.org:bad/a") == "http://example.org"


# --- concurrency limits against a real server that counts what it sees at once -------------------
class CountingSite:
    """An HTTP server on one loopback port that holds each request a while and records how
    many it was serving at once."""

    def __init__(self, delay: float) -> None:
        self.delay, self.now, self.peak, self.served = delay, 0, 0, 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with site.lock:
                    site.now += 1
                    site.peak = max(site.peak, site.now)
                time.sleep(site.delay)
                with site.lock:
                    site.now -= 1
                    site.served += 1
                body = b"<rss version='2.0'><channel><title>x</title></channel></rss>"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sites() -> Iterator[list[CountingSite]]:
    made = [CountingSite(0.15) for _ in range(3)]
    yield made
    for site in made:
        site.close()


def test_run_all_keeps_per_host_and_overall_limits(sites: list[CountingSite]) -> None:
    from monitor.fetch import Fetcher

    limiter = Limiter(per_host=2, overall=4)
    urls = [site.url(f"/f{i}") for site in sites for i in range(6)]
    with Fetcher(limiter=limiter) as fetcher:
        results = run_all(urls, fetcher.fetch, url=lambda u: u, limiter=limiter, workers=8)
    assert [r.url for r in results] == urls and all(r.error is None for r in results)
    assert all(site.served == 6 and site.peak <= 2 for site in sites)  # K per host
    assert limiter.peak_total <= 4 and limiter.peak_host <= 2  # M overall
    assert limiter.peak_total >= 3 and max(s.peak for s in sites) == 2  # side by side


def test_run_all_returns_in_order_and_reraises_after_finishing() -> None:
    limiter = Limiter(1, 2)
    seen: list[int] = []

    def work(n: int) -> int:
        seen.append(n)
        if n == 3:
            raise ValueError("boom")
        return n * n

    assert run_all(
        list(range(5)),
        lambda n: n * n,
        url=lambda n: f"http://h{n % 2}/",
        limiter=limiter,
        workers=3,
    ) == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError, match="boom"):
        run_all(list(range(6)), work, url=lambda n: "http://h/", limiter=limiter, workers=2)
    assert sorted(seen) == list(range(6))  # the others still ran


# --- polls end to end ---------------------------------------------------------------------------
ITEM = """<item><title>{title}</title><guid isPermaLink="false">{guid}</guid>
<link>https://news.example.org/{guid}</link><pubDate>Tue, 10 Feb 2026 09:30:00 GMT</pubDate>
<description>{text}</description></item>"""
FIRST = "Zelensky said on Monday that Ukraine wants the presence of American troops after the war."
ADDED = "Lavrov threatened retaliatory attacks on any foreign troops deployed in Ukraine."


def rss(*items: str, extra: str = "") -> str:
    body = "".join(items)
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{extra}{body}</channel></rss>"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    from monitor.config import load_watchlist

    return Extractor(load_watchlist(WATCHLIST))


def monitor_for(
    tmp_path: Path, extractor: Extractor, feeds: list[dict[str, Any]], **polling: Any
) -> Monitor:
    path = write_config(tmp_path, feeds=feeds)
    if polling:
        data = yaml.safe_load(path.read_text())
        data["polling"] = polling
        path.write_text(yaml.safe_dump(data))
    return Monitor(load_config(path), extractor=extractor)


def test_304_costs_no_parsing(tmp_path: Path, feeds: FeedServer, extractor: Extractor) -> None:
    feeds.set("/rss", rss(), headers={"ETag": '"1"'})
    mon = monitor_for(tmp_path, extractor, [{"name": "f", "url": feeds.url("/rss")}])
    try:
        feed = mon.config.feeds[0]
        assert mon.poll(feed).error is None
        # same validator, but bytes that could never parse: a 304 must not look at them
        feeds.set("/rss", b"\x00 definitely not a feed", headers={"ETag": '"1"'})
        report = mon.poll(feed)
        assert report.not_modified and report.error is None and report.failures == 0
        assert feeds.requests[-1].headers["If-None-Match"] == '"1"'
    finally:
        mon.close()


def test_failing_after_n_failures_alerts_once_and_recovers(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor, caplog: pytest.LogCaptureFixture
) -> None:
    feeds.set("/rss", b"oops", status=500)
    mon = monitor_for(
        tmp_path,
        extractor,
        [{"name": "shaky", "url": feeds.url("/rss"), "interval": 60}],
        failure_threshold=3,
        backoff_cap="10m",
    )
    feed = mon.config.feeds[0]
    caplog.set_level(logging.WARNING, "claimwatch.pipeline")
    try:
        reports = [mon.poll(feed) for _ in range(4)]
        assert [r.failures for r in reports] == [1, 2, 3, 4]
        assert [r.became_failing for r in reports] == [False, False, True, False]
        assert [round(r.next_poll, -1) // 60 for r in reports] == [1, 2, 4, 8]  # ~, with jitter
        failing = [m for m in caplog.messages if "FAILING" in m]
        assert failing == [
            f"feed shaky: FAILING after 3 consecutive failures (last: HTTP 500 Internal Server "
            f"Error); retrying in {failing[0].rsplit('retrying in ', 1)[1]}"
        ]
        assert failing[0].endswith("until it recovers")
        feeds.set("/rss", rss())
        back = mon.poll(feed)
        assert back.recovered and back.failures == 0 and back.error is None
        assert "feed shaky: recovered after 4 consecutive failures" in caplog.messages
        assert 60 <= back.next_poll <= 66
    finally:
        mon.close()


def test_retry_after_ttl_and_max_age_push_the_next_poll(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor
) -> None:
    feeds.set("/busy", b"later", status=429, headers={"Retry-After": "7200"})
    feeds.set("/ttl", rss(extra="<ttl>120</ttl>"), headers={"ETag": "t"})
    feeds.set("/cached", rss(), headers={"Cache-Control": "max-age=5400"})
    mon = monitor_for(
        tmp_path,
        extractor,
        [
            {"name": n, "url": feeds.url(f"/{n}"), "interval": 600}
            for n in ("busy", "ttl", "cached")
        ],
    )
    try:
        busy, ttl, cached = mon.poll_many(mon.config.feeds)
        assert busy.error == "HTTP 429 Too Many Requests" and 7200 <= busy.next_poll <= 7920
        assert 7200 <= ttl.next_poll <= 7920
        assert 5400 <= cached.next_poll <= 5940
        again = mon.poll(mon.config.feeds[1])  # a 304 carries no <ttl>: the stored one counts
        assert again.not_modified and 7200 <= again.next_poll <= 7920
        due = mon.next_due(mon.config.feeds[0])  # a restart still waits for the Retry-After
        assert due - utcnow() > timedelta(seconds=7000)
    finally:
        mon.close()


def test_permanent_redirect_moves_the_stored_url(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor, caplog: pytest.LogCaptureFixture
) -> None:
    feeds.set("/old", b"", status=301, headers={"Location": "/new"})
    feeds.set("/new", rss())
    mon = monitor_for(tmp_path, extractor, [{"name": "moved", "url": feeds.url("/old")}])
    caplog.set_level(logging.WARNING, "claimwatch.pipeline")
    try:
        feed = mon.config.feeds[0]
        assert mon.poll(feed).moved_to == feeds.url("/new")
        assert any("moved permanently to" in m for m in caplog.messages)
        feeds.clear()
        assert mon.poll(feed).error is None
        assert [r.path for r in feeds.requests] == ["/new"]  # straight to the new place
    finally:
        mon.close()


def _claims(tmp_path: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as db:
        return db.execute("select actor, type from claim order by id").fetchall()


def test_an_edited_entry_is_reread_and_raises_only_new_claims(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor
) -> None:
    feeds.set("/rss", rss(ITEM.format(title="Talks", guid="s1", text=FIRST)))
    mon = monitor_for(tmp_path, extractor, [{"name": "f", "url": feeds.url("/rss")}])
    try:
        feed = mon.config.feeds[0]
        first = mon.poll(feed)
        assert first.articles == 1 and first.edited == 0 and first.claims >= 1
        before = _claims(tmp_path)
        assert ("zelensky", "demand") in before or any(a == "zelensky" for a, _ in before)

        assert mon.poll(feed).articles == 0  # unchanged: not read again

        feeds.set("/rss", rss(ITEM.format(title="Talks", guid="s1", text=f"{FIRST} {ADDED}")))
        edited = mon.poll(feed)
        assert edited.articles == 1 and edited.edited == 1
        after = _claims(tmp_path)
        assert after[: len(before)] == before  # nothing stored twice
        new = after[len(before) :]
        assert new and all(actor == "lavrov" for actor, _ in new)
        assert edited.claims == len(new)
        with sqlite3.connect(tmp_path / "claimwatch.sqlite") as db:
            assert db.execute("select count(*) from article").fetchone() == (1,)

        assert mon.poll(feed).articles == 0  # and the edit is now what is stored
    finally:
        mon.close()


def test_summary_only_entries_fetch_the_article_page_when_asked(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor
) -> None:
    page = (DATA / "feeds" / "article.html").read_bytes()
    feeds.set("/story", page, headers={"Content-Type": "text/html; charset=utf-8"})
    item = f"""<item><title>Troops</title><guid>g-story</guid><link>{feeds.url("/story")}</link>
    <description>Kyiv and Moscow trade words.</description></item>"""
    feeds.set("/rss", rss(item))
    plain_dir, full_dir = tmp_path / "plain", tmp_path / "full"
    plain_dir.mkdir()
    full_dir.mkdir()
    mon = monitor_for(plain_dir, extractor, [{"name": "plain", "url": feeds.url("/rss")}])
    try:
        plain = mon.poll(mon.config.feeds[0])
        assert plain.articles == 1 and plain.claims == 0  # the summary says nothing quotable
        assert not any(r.path == "/story" for r in feeds.requests)  # opt-in only
    finally:
        mon.close()
    mon = monitor_for(
        full_dir, extractor, [{"name": "full", "url": feeds.url("/rss"), "fetch_article": True}]
    )
    try:
        full = mon.poll(mon.config.feeds[0])
        assert full.articles == 1 and full.claims >= 2
        assert {"zelensky", "lavrov"} <= {a for a, _ in _claims(full_dir)}
        story = [r for r in feeds.requests if r.path == "/story"]
        assert len(story) == 1 and story[0].headers["User-Agent"].startswith("claimwatch/")
    finally:
        mon.close()


def test_run_once_polls_many_feeds_concurrently_and_survives_bad_ones(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor
) -> None:
    names = [f"f{i}" for i in range(12)]
    for i, name in enumerate(names):
        if i % 4 == 0:
            feeds.set(f"/{name}", b"<html><body>moved</body></html>")
        elif i % 4 == 1:
            feeds.set(f"/{name}", b"nope", status=503, headers={"Retry-After": "60"})
        else:
            feeds.set(f"/{name}", rss())
    mon = monitor_for(
        tmp_path,
        extractor,
        [{"name": n, "url": feeds.url(f"/{n}")} for n in names],
        max_per_host=3,
        max_concurrent=6,
    )
    try:
        reports = mon.run_once()
        assert [r.feed for r in reports] == names
        errors = [r.error for r in reports]
        assert errors[0::4] == ["not a feed: HTML document"] * 3
        assert errors[1::4] == ["HTTP 503 Service Unavailable"] * 3
        assert errors[2::4] == errors[3::4] == [None] * 3
        assert mon.limiter.peak_host <= 3
    finally:
        mon.close()


def test_daemon_reschedules_a_feed_from_the_polls_answer(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor
) -> None:
    from monitor import daemon

    feeds.set("/rss", b"later", status=429, headers={"Retry-After": "3600"})
    mon = monitor_for(
        tmp_path, extractor, [{"name": "f", "url": feeds.url("/rss"), "interval": 60}]
    )
    scheduler = daemon.schedule(mon)
    scheduler.start()
    try:
        feeds.wait_for(1, timeout=10)
        job_id = f"feed:{mon.config.feeds[0].url}"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            job = scheduler.get_job(job_id)
            if job.next_run_time - utcnow() > timedelta(seconds=3000):
                break
            time.sleep(0.05)
        assert job.next_run_time - utcnow() > timedelta(seconds=3500)  # not the 60 s interval
    finally:
        scheduler.shutdown(wait=True)
        mon.close()
    assert len(feeds.requests) == 1


OLD_SCHEMA = """
CREATE TABLE feed (id INTEGER PRIMARY KEY, url VARCHAR NOT NULL UNIQUE, name VARCHAR NOT NULL,
  etag VARCHAR, last_modified VARCHAR, last_poll DATETIME, last_success DATETIME,
  last_error VARCHAR, failures INTEGER NOT NULL, items INTEGER NOT NULL);
CREATE TABLE article (id INTEGER PRIMARY KEY, key VARCHAR NOT NULL UNIQUE, feed VARCHAR NOT NULL,
  link VARCHAR NOT NULL, title VARCHAR NOT NULL, published DATETIME, fetched_at DATETIME NOT NULL);
INSERT INTO article (key, feed, link, title, fetched_at)
  VALUES ('s1', 'f', 'https://news.example.org/s1', 'Talks', '2026-02-10 09:00:00');
"""


def test_a_database_from_before_gets_the_new_columns_and_old_articles_are_not_reread(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor
) -> None:
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as db:
        db.executescript(OLD_SCHEMA)
    feeds.set("/rss", rss(ITEM.format(title="Talks", guid="s1", text=FIRST)))
    mon = monitor_for(tmp_path, extractor, [{"name": "f", "url": feeds.url("/rss")}])
    try:
        assert mon.store.article_hashes(["s1"]) == {"s1": ""}
        report = mon.poll(mon.config.feeds[0])
        assert report.error is None and report.articles == 0  # read before: not read again
        assert len(mon.store.article_hashes(["s1"])["s1"]) == 64  # but now it can tell an edit
        assert mon.store.feed_state(feeds.url("/rss"), "f").next_poll is not None
    finally:
        mon.close()


def test_policy_defaults_come_from_the_config_defaults() -> None:
    from monitor import config

    p = config.PollingConfig()
    assert (p.max_per_host, p.max_concurrent, p.failure_threshold, p.backoff_cap) == (
        config.DEFAULT_MAX_PER_HOST,
        config.DEFAULT_MAX_CONCURRENT,
        config.DEFAULT_FAILURE_THRESHOLD,
        config.DEFAULT_BACKOFF_CAP_SECONDS,
    )
    assert poller.Policy().failure_threshold == config.DEFAULT_FAILURE_THRESHOLD
