"""Faults from the field, first kind: data lost without a word (issue 15).

Each test feeds the field's example and at least one other instance of the same kind through
real parts: a feed server on 127.0.0.1, a real SQLite store, the CLI through click's runner.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import WATCHLIST, write_config
from servers import FeedServer

from monitor.config import load_config
from monitor.extract import Extractor
from monitor.pipeline import Monitor

STORIES = [
    "Zelensky said on Monday that Ukraine wants the presence of American troops after the war.",
    "Lavrov threatened retaliatory attacks on any foreign troops deployed in Ukraine.",
    "Macron said that France was ready to send troops to Ukraine after a ceasefire.",
]


def item(text: str, guid: str | None, link: str | None, n: int) -> str:
    parts = [f"<title>story {n}</title>", f"<description>{text}</description>"]
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if link is not None:
        parts.append(f"<link>{link}</link>")
    parts.append(f"<pubDate>Tue, 10 Feb 2026 0{n}:30:00 GMT</pubDate>")
    return f"<item>{''.join(parts)}</item>"


def rss(*items: str) -> str:
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{''.join(items)}</channel></rss>"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    from monitor.config import load_watchlist

    return Extractor(load_watchlist(WATCHLIST))


def monitor(tmp_path: Path, extractor: Extractor, feeds: list[dict[str, Any]]) -> Monitor:
    config = write_config(tmp_path, feeds=feeds, channels=[{"url": "stdout://"}])
    return Monitor(load_config(config), extractor=extractor)


def stored(tmp_path: Path, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
        return list(con.execute(query))


# --- items that collide on identity ---------------------------------------------------------------
@pytest.mark.parametrize(
    "items",
    [
        pytest.param(  # the field's example: every item carries the site's one guid
            [
                item(t, "https://site.example/", f"https://site.example/{n}", n)
                for n, t in enumerate(STORIES)
            ],
            id="one-guid-for-all-items",
        ),
        pytest.param(  # a live blog: no guid, every entry links to the one page, texts differ
            [
                item(t, None, "https://site.example/live?utm_source=rss", n)
                for n, t in enumerate(STORIES)
            ],
            id="one-link-no-guid",
        ),
        pytest.param(  # one guid, one link, only the text tells them apart
            [item(t, "42", "https://site.example/42", n) for n, t in enumerate(STORIES)],
            id="one-guid-one-link",
        ),
    ],
)
def test_items_sharing_an_identity_are_each_read_once_and_logged(
    tmp_path: Path,
    feeds: FeedServer,
    extractor: Extractor,
    caplog: pytest.LogCaptureFixture,
    items: list[str],
) -> None:
    feeds.set("/rss", rss(*items))
    mon = monitor(tmp_path, extractor, [{"name": "site", "url": feeds.url("/rss")}])
    try:
        with caplog.at_level(logging.WARNING, logger="claimwatch.pipeline"):
            first = mon.poll(mon.config.feeds[0])
        assert first.error is None and first.articles == 3
        assert stored(tmp_path, "select count(*) from article")[0][0] == 3
        texts = {r[0] for r in stored(tmp_path, "select sentence from claim")}
        assert all(any(t[:30] in s for s in texts) for t in STORIES)  # every story's claims
        assert "3 entries share the identity" in caplog.text  # said, not silent
        again = mon.poll(mon.config.feeds[0])  # the identities hold from poll to poll
        assert again.error is None and again.articles == 0
    finally:
        mon.close()


def test_an_entry_listed_twice_is_still_read_once(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor, caplog: pytest.LogCaptureFixture
) -> None:
    same = item(STORIES[0], "g1", "https://site.example/1", 1)
    feeds.set("/rss", rss(same, same))
    mon = monitor(tmp_path, extractor, [{"name": "site", "url": feeds.url("/rss")}])
    try:
        with caplog.at_level(logging.WARNING, logger="claimwatch.pipeline"):
            assert mon.poll(mon.config.feeds[0]).articles == 1
        assert "share the identity" not in caplog.text
    finally:
        mon.close()


def test_two_feeds_numbering_their_guids_alike_are_both_read(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor, caplog: pytest.LogCaptureFixture
) -> None:
    """Another instance: guid "1" in two sites' feeds. The second was taken for an edit of the
    first and its article row rewritten under the first feed."""
    feeds.set("/a", rss(item(STORIES[0], "1", "https://a.example/one", 1)))
    feeds.set("/b", rss(item(STORIES[1], "1", "https://b.example/uno", 2)))
    mon = monitor(
        tmp_path,
        extractor,
        [{"name": "a", "url": feeds.url("/a")}, {"name": "b", "url": feeds.url("/b")}],
    )
    try:
        a, b = mon.config.feeds
        assert mon.poll(a).articles == 1
        with caplog.at_level(logging.WARNING, logger="claimwatch.pipeline"):
            assert mon.poll(b).articles == 1
        assert "shares the identity '1' with an article of feed a" in caplog.text
        rows = stored(tmp_path, "select feed, link from article order by id")
        assert rows == [("a", "https://a.example/one"), ("b", "https://b.example/uno")]
        assert mon.poll(a).articles == 0 and mon.poll(b).articles == 0
    finally:
        mon.close()


# --- alerts routed nowhere ------------------------------------------------------------------------
WATCHLIST_RULES = """actors:
  zelensky: {{name: Volodymyr Zelensky, aliases: [Zelensky]}}
rules:
  - name: leaders
    actors: [zelensky]
    channels: {tags}
"""


def routed(tmp_path: Path, tags: str, channels: list[dict[str, Any]]) -> Path:
    wl = tmp_path / "wl.yaml"
    wl.write_text(WATCHLIST_RULES.format(tags=tags))
    return write_config(
        tmp_path, feeds=[{"name": "f", "url": "file:feed.xml"}], channels=channels, watchlist=wl
    )


@pytest.mark.parametrize(
    ("tags", "channels", "expected"),
    [
        pytest.param(  # the field's case: a tag no channel has (here a near miss)
            "[email]",
            [{"name": "desk", "url": "stdout://", "tags": ["mail"]}],
            "{wl}:6: rules.0.channels.0: no channel has the tag 'email', so rule 'leaders' would "
            "send those alerts nowhere (tags: mail); did you mean 'mail'?",
            id="unknown-tag",
        ),
        pytest.param(  # a channel's name where a tag belongs
            "[desk]",
            [{"name": "desk", "url": "stdout://"}],
            "{wl}:6: rules.0.channels.0: no channel has the tag 'desk', so rule 'leaders' would "
            "send those alerts nowhere (tags: none); channel 'desk' has that name: give it "
            "`tags: [desk]`",
            id="name-for-tag",
        ),
        pytest.param(  # one good tag and a typo: half the alerts would go nowhere
            "[mail, slak]",
            [
                {"name": "desk", "url": "stdout://", "tags": ["mail"]},
                {"name": "chat", "url": "stdout://", "tags": ["slack"]},
            ],
            "{wl}:6: rules.0.channels.1: no channel has the tag 'slak', so rule 'leaders' would "
            "send those alerts nowhere (tags: mail, slack); did you mean 'slack'?",
            id="typo-among-good-tags",
        ),
        pytest.param(  # feeds and rules, but no channel at all
            "[]",
            [],
            "{main}:6: channels: no channel is configured, so every alert of rule 'leaders' "
            "would be stored and sent nowhere (add one; `url: stdout://` prints to the terminal)",
            id="no-channel",
        ),
    ],
)
def test_a_configuration_that_routes_alerts_nowhere_is_refused(
    tmp_path: Path, tags: str, channels: list[dict[str, Any]], expected: str
) -> None:
    from conftest import cli

    config = routed(tmp_path, tags, channels)
    line = expected.format(wl=tmp_path / "wl.yaml", main=config)
    for command in ("check", "run"):
        args = [command, "--config", str(config)] + (["--once"] if command == "run" else [])
        result = cli(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.strip().splitlines() == [line]
    assert not (tmp_path / "claimwatch.sqlite").exists()  # nothing stored for nobody


def test_outbox_does_not_call_alerts_sent_to_no_channel_delivered(tmp_path: Path) -> None:
    """A store written before such configurations were refused: its alerts with no delivery
    row are counted, not reported as delivered."""
    from conftest import cli

    from monitor.store import Store

    config = routed(tmp_path, "[mail]", [{"name": "desk", "url": "stdout://", "tags": ["mail"]}])
    Store(load_config(config).database).close()
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
        con.execute(
            "insert into article (key, feed, link, title, fetched_at, content_hash) "
            "values ('k', 'f', '', 't', '2026-01-01', '')"
        )
        con.execute(
            "insert into claim (article_id, actor, type, topics, speaker, cue, content, "
            'sentence, resolution, start, "end", said_at) values '
            "(1, 'zelensky', 'statement', '', '', '', '', 's', '', 0, 1, '2026-01-01')"
        )
        con.execute(
            "insert into alert (claim_id, message, kind, rule, severity, topics, previous, "
            "detail, digest, created_at) values "
            "(1, '', 'new', 'leaders', 'normal', '', '[]', '', 0, '2026-01-01')"
        )
    out = cli("outbox", "--config", str(config)).stdout
    assert "every alert was delivered" not in out
    assert "1 alerts were queued for no channel" in out


# --- poison input ------------------------------------------------------------------------------
def soup(size: int) -> str:
    """Word soup of short lines, as a scraper's "article" of a page's menus and tags."""
    words = "Zelensky said Russia denied troops Kyiv threatened the strike Putin warned".split()
    lines, total, n = [], 0, 0
    while total < size:
        line = " ".join(words[(n * 7 + k) % len(words)] for k in range(3 + n % 6))
        lines.append(line)
        total += len(line) + 1
        n += 1
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("poison", "notice"),
    [
        pytest.param(  # the field's case: one paragraph over spaCy's 1,000,000 characters
            "<p>" + "lorem ipsum dolor sit amet " * 40_000 + "</p>",
            r"read the first 200,000 of 1,079,999 characters; a paragraph of 1,079,999 "
            r"characters read in pieces",
            id="one-paragraph-over-a-million",
        ),
        pytest.param(  # an image's base64 leaked into the text: one "word" of 2 MB
            "<p>data:image/png;base64," + "iVBORw0KGgo" * 200_000 + "</p>",
            r"read the first 200,000 of 2,200,0\d\d characters; a paragraph of 2,200,0\d\d "
            r"characters read in pieces",
            id="a-two-megabyte-word",
        ),
        pytest.param(  # the field's other case, smaller: word soup of short lines
            soup(400_000).replace("\n", "<br/>"),
            r"read the first 199,\d\d\d of 400,\d\d\d characters; kept the first 500 of its claims",
            id="word-soup-of-short-lines",
        ),
    ],
)
def test_a_poison_entry_costs_its_budget_and_the_feed_goes_on(
    tmp_path: Path,
    feeds: FeedServer,
    extractor: Extractor,
    monkeypatch: pytest.MonkeyPatch,
    poison: str,
    notice: str,
) -> None:
    import re

    from conftest import cli

    from monitor import pipeline

    monkeypatch.setattr(pipeline, "ARTICLE_SECONDS", 2.0)  # the default 30 s, shorter for a test
    items = [item(t, f"g{n}", f"https://site.example/{n}", n) for n, t in enumerate(STORIES[:2])]
    items.insert(1, item(f"<![CDATA[{poison}]]>", "poison", "https://site.example/p", 5))
    feeds.set("/rss", rss(*items))
    mon = monitor(tmp_path, extractor, [{"name": "site", "url": feeds.url("/rss")}])
    try:
        report = mon.poll(mon.config.feeds[0])
    finally:
        mon.close()
    assert report.error is None and report.articles == 3
    texts = [r[0] for r in stored(tmp_path, "select sentence from claim")]
    for story in STORIES[:2]:  # the entries around the poison are read
        assert any(story[:30] in t for t in texts)
    (note,) = report.notices
    assert re.match(r"article 'story 5': " + notice, note), note
    status = cli("status", "--config", str(tmp_path / "claimwatch.yaml")).stdout
    assert "articles read only in part" in status and "article 'story 5': read the first" in status


def test_an_article_is_extracted_in_pieces_while_other_feeds_go_on(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lock is taken per piece and handed out in turn: another feed's article is read
    while the long one is still being extracted, not after it."""
    import threading

    from monitor import pipeline

    monkeypatch.setattr(pipeline, "ARTICLE_SECONDS", 6.0)
    lorem = "\n".join(f"lorem ipsum {n} dolor sit amet" for n in range(10_000))  # no claim
    feeds.set("/soup", rss(item(lorem.replace("\n", "<br/>"), "s", "https://s/1", 1)))
    feeds.set("/news", rss(item(STORIES[0], "n", "https://n/1", 2)))
    mon = monitor(
        tmp_path,
        extractor,
        [{"name": "soup", "url": feeds.url("/soup")}, {"name": "news", "url": feeds.url("/news")}],
    )
    done: dict[str, float] = {}
    import time

    def poll(n: int) -> None:
        mon.poll(mon.config.feeds[n])
        done[mon.config.feeds[n].label] = time.monotonic()

    try:
        soup_thread = threading.Thread(target=poll, args=(0,))
        soup_thread.start()
        while not mon._extracting._next:  # until the soup's first piece is being extracted
            time.sleep(0.01)
        poll(1)
        soup_thread.join(60)
    finally:
        mon.close()
    assert done["news"] < done["soup"]
    assert stored(tmp_path, "select count(*) from article where feed = 'news'") == [(1,)]


def test_the_daemon_stays_healthy_and_reads_other_feeds_through_a_5_mb_article(
    tmp_path: Path, feeds: FeedServer
) -> None:
    """The field's case end to end: a 5 MB article of short lines in one feed; the other
    feed's alert is delivered, /healthz answers 200 throughout, status names the article."""
    import time

    from conftest import cli
    from servers import HttpReceiver, json_url
    from test_service import Daemon, configure, get

    big = soup(5_000_000).replace("\n", "<br/>")
    feeds.set("/soup", rss(item(big, "soup-1", "https://soup.example/1", 1)))
    feeds.set("/news", rss(item(STORIES[0], "news-1", "https://news.example/1", 2)))
    with HttpReceiver() as hook:
        config = configure(
            tmp_path,
            feeds=[
                {"name": "soup", "url": feeds.url("/soup"), "interval": "1h"},
                {"name": "news", "url": feeds.url("/news"), "interval": "1h"},
            ],
            channels=[{"name": "hook", "url": json_url(hook)}],
            health={"listen": "127.0.0.1:0"},
        )
        with Daemon(config) as daemon:
            base = daemon.health_url()
            while get(base + "/healthz")[0] != 200:  # the scheduler's first beat
                time.sleep(0.1)
            health = []
            deadline = time.monotonic() + 120
            notice = "select count(*) from feed where last_notice is not null"
            while not (tmp_path / "claimwatch.sqlite").exists() or stored(tmp_path, notice) == [
                (0,)
            ]:
                assert time.monotonic() < deadline, daemon.text()
                health.append(get(base + "/healthz")[0])
                time.sleep(0.5)
            assert any("Zelensky" in str(r.json) for r in hook.wait_for(1, timeout=30))
            log = daemon.text()
    assert health and set(health) == {200}
    assert "feed news: new article" in log
    status = cli("status", "--config", str(config)).stdout
    assert "soup: " in status and "read the first 199," in status


# --- order and duplicates ----------------------------------------------------------------------
ORDERED = [
    "Donald Trump said on Monday that he was cautious about sending American troops to Ukraine.",
    "Russia's defence ministry said that Ukraine had attacked a fuel depot with drones.",
    "Ukraine's foreign ministry denied the claim about the drone attack, calling it a fabrication.",
    "Zelensky said that Ukraine was open to new talks with Moscow.",
]


def _sure_watchlist(directory: Path) -> Path:
    """The example watchlist with every rule sending at once (min_confidence 0): these tests
    are about delivery order, not about which claims are sure enough."""
    data = yaml.safe_load(WATCHLIST.read_text(encoding="utf-8"))
    for rule in data["rules"]:
        rule["min_confidence"] = 0
    path = directory / "watchlist.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _alert_ids(config: Path) -> list[int]:
    """The alerts sent one by one (not those held for the digest as "possible")."""
    with sqlite3.connect(config.parent / "claimwatch.sqlite") as con:
        return [r[0] for r in con.execute("select id from alert where not possible order by id")]


def test_a_failed_alert_is_not_overtaken_when_the_mail_server_comes_back(tmp_path: Path) -> None:
    """The field's case: the mail server down from the start, then back. The first alert
    waits for its retry; the others wait behind it, and all arrive in order."""
    from conftest import cli
    from servers import SMTP_TRANSIENT_FAILURE, SmtpServer, mailto_url

    with FeedServer() as feeds, SmtpServer() as smtp:
        feeds.set(
            "/rss", rss(*(item(t, f"o{n}", f"https://o/{n}", n) for n, t in enumerate(ORDERED)))
        )
        config = write_config(
            tmp_path,
            feeds=[{"name": "wire", "url": feeds.url("/rss")}],
            channels=[{"name": "mail", "url": mailto_url(smtp)}],
            watchlist=_sure_watchlist(tmp_path),
        )
        smtp.fail = SMTP_TRANSIENT_FAILURE
        cli("run", "--once", "--config", str(config))
        assert smtp.messages == [] and len(_alert_ids(config)) >= 3
        smtp.fail = None
        cli("run", "--once", "--config", str(config))  # the first alert's retry is not due yet
        assert smtp.messages == []  # ... so none of the later ones goes before it
        cli("outbox", "--retry", "--config", str(config))
        cli("run", "--once", "--config", str(config))
        got = [str(m["Subject"]) for m in smtp.wait_for(len(_alert_ids(config)))]
    assert got[0].startswith("Trump")  # the first story's alert first
    assert len(got) == len(set(got)) == len(_alert_ids(config))


def test_new_alerts_do_not_overtake_a_webhook_retry(tmp_path: Path) -> None:
    """Another instance: a webhook answering 503, then alerts of a later poll arriving while
    the first waits for its retry."""
    from conftest import cli
    from servers import HttpReceiver, json_url

    with FeedServer() as feeds, HttpReceiver() as hook:
        feeds.set("/rss", rss(item(ORDERED[0], "w0", "https://w/0", 0)))
        config = write_config(
            tmp_path,
            feeds=[{"name": "wire", "url": feeds.url("/rss")}],
            channels=[{"name": "hook", "url": json_url(hook)}],
        )
        hook.status = 503
        cli("run", "--once", "--config", str(config))
        assert len(hook.requests) == 1  # tried once, failed
        hook.status = 200
        feeds.set(
            "/rss", rss(*(item(t, f"w{n}", f"https://w/{n}", n) for n, t in enumerate(ORDERED)))
        )
        cli("run", "--once", "--config", str(config))
        assert len(hook.requests) == 1  # the new alerts wait behind the first
        cli("outbox", "--retry", "--config", str(config))
        cli("run", "--once", "--config", str(config))
        bodies = [str(r.json) for r in hook.requests[1:]]
    assert "Trump" in bodies[0]
    assert len(bodies) == len(_alert_ids(config))


@pytest.mark.parametrize("mode", ["immediate", "digest"])
def test_a_kill_while_the_server_answers_quit_sends_nothing_twice(
    tmp_path: Path, mode: str
) -> None:
    """The duplicate window: the outbox records a delivery when the server has taken the
    message (its 250), not after the QUIT that follows; killed while QUIT is answered, the
    restart sends nothing again. For one alert, and for a digest of several."""
    import signal
    import subprocess
    import sys
    import time

    from servers import SmtpServer, mailto_url

    exe = str(Path(sys.executable).parent / "claimwatch")
    with FeedServer() as feeds, SmtpServer() as smtp:
        stories = ORDERED[:1] if mode == "immediate" else ORDERED
        feeds.set(
            "/rss", rss(*(item(t, f"q{n}", f"https://q/{n}", n) for n, t in enumerate(stories)))
        )
        channel: dict[str, Any] = {"name": "mail", "url": mailto_url(smtp)}
        if mode == "digest":
            channel |= {"mode": "digest", "digest": {"every": "daily", "at": "00:00"}}
        config = write_config(
            tmp_path, feeds=[{"name": "wire", "url": feeds.url("/rss")}], channels=[channel]
        )
        smtp.quit_delay = 30.0  # the kill lands while the client waits for "221"
        proc = subprocess.Popen(
            [exe, "run", "--once", "--config", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            smtp.wait_for(1, timeout=60)
            deadline = time.monotonic() + 10
            sent = "select count(*) from delivery where status = 'sent'"
            while stored(tmp_path, sent) == [(0,)] and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proc.poll() is None  # still waiting for the answer to QUIT
            recorded = stored(tmp_path, sent)[0][0]
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert recorded == stored(tmp_path, "select count(*) from delivery")[0][0] >= 1
        smtp.quit_delay = 0.0
        again = subprocess.run(
            [exe, "run", "--once", "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
        time.sleep(0.5)
        assert len(smtp.messages) == 1


# --- failures not recorded ---------------------------------------------------------------------
def _health(mon: Monitor) -> tuple[int, str]:
    """GET /healthz of a real HealthServer over ``mon``'s store, with a beating heartbeat."""
    from test_service import get

    from monitor.health import HealthServer, Metrics
    from monitor.service import Heartbeat

    beat = Heartbeat(5)
    beat.beat()
    server = HealthServer("127.0.0.1:0", Metrics(lambda: {}), beat, lambda: mon.store)
    host, port = server.start()
    try:
        return get(f"http://{host}:{port}/healthz")
    finally:
        server.stop()


def test_a_poll_the_locked_store_refuses_is_a_failure_and_health_says_so(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The field's case: a database locked by another process. The poll is a failure with a
    one-line reason, /healthz answers 503, and the count survives until the store takes it."""
    from monitor.store import tables

    monkeypatch.setattr(tables, "BUSY_TIMEOUT_MS", 200)  # 10 s in service; shorter for a test
    feeds.set("/rss", rss(item(STORIES[0], "a", "https://a/1", 1)))
    mon = monitor(tmp_path, extractor, [{"name": "site", "url": feeds.url("/rss")}])
    feed = mon.config.feeds[0]
    try:
        assert mon.poll(feed).error is None
        assert _health(mon)[0] == 200
        feeds.set("/rss", rss(item(STORIES[1], "b", "https://a/2", 2)))
        lock = sqlite3.connect(tmp_path / "claimwatch.sqlite", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            report = mon.poll(feed)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        assert report.error == "store: database is locked" and report.failures == 1
        status, text = _health(mon)
        assert status == 503 and "store: not taking writes: database is locked" in text
        feeds.set("/rss", b"oops", status=500)  # the next poll fails too, and is recorded
        report = mon.poll(feed)
        assert report.failures == 2
        row = stored(tmp_path, "select failures, last_error from feed")
        assert row == [(2, "HTTP 500 Internal Server Error")]
    finally:
        mon.close()


@pytest.mark.parametrize(
    ("break_store", "reason"),
    [
        pytest.param(  # the field's case: the database full (here: at its page limit)
            "full",
            "store: database or disk is full",
            id="full-database",
        ),
        pytest.param(  # a column an old version or a hand edit left renamed
            "ALTER TABLE claim RENAME COLUMN resolution TO resolution_old",
            "store: table claim has no column named resolution",
            id="schema-drift",
        ),
    ],
)
def test_a_poll_whose_articles_the_store_refuses_is_recorded_and_alerts_the_operator(
    tmp_path: Path, feeds: FeedServer, extractor: Extractor, break_store: str, reason: str
) -> None:
    from conftest import cli
    from sqlalchemy import event

    feeds.set("/rss", rss(item(STORIES[0], "a", "https://a/1", 1)))
    config = write_config(
        tmp_path,
        feeds=[{"name": "site", "url": feeds.url("/rss")}],
        channels=[{"name": "ops", "url": "stdout://", "operator": True}],
    )
    config.write_text(config.read_text() + "polling: {failure_threshold: 2}\n")
    mon = Monitor(load_config(config), extractor=extractor)
    feed = mon.config.feeds[0]
    try:
        assert mon.poll(feed).error is None
        long = " ".join(STORIES) * 400  # an article too big for what is left
        feeds.set("/rss", rss(item(long, "b", "https://a/2", 2)))
        if break_store == "full":
            pages = stored(tmp_path, "pragma page_count")[0][0]

            def limit(dbapi: Any, _record: Any) -> None:
                dbapi.execute(f"PRAGMA max_page_count = {pages + 2}")

            event.listen(mon.store.engine, "connect", limit)
            mon.store.engine.dispose()
        else:
            with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
                con.execute(break_store)
        first, second = mon.poll(feed), mon.poll(feed)
        assert first.error == second.error == reason
        assert second.failures == 2 and second.became_failing
        assert _health(mon)[0] == 503
    finally:
        mon.close()
    assert stored(tmp_path, "select failures, last_error from feed") == [(2, reason)]
    assert stored(tmp_path, "select kind from alert where claim_id is null") == [("feed-failing",)]
    status = cli("status", "--config", str(config)).stdout
    assert "site" in status and reason in status
