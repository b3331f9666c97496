"""Faults from the field: reading what it should not (issue 15)."""

from __future__ import annotations

import signal
from pathlib import Path

import yaml
from conftest import DEMO_FEED, WATCHLIST
from servers import FeedServer
from test_service import Daemon, configure


def test_a_reload_that_would_drop_everything_or_move_the_database_is_refused(
    tmp_path: Path, feeds: FeedServer
) -> None:
    """The field's case, an empty main file sent by SIGHUP, and two more of its kind: an
    emptied watchlist, another database. Each is refused; the daemon runs on as it was."""
    feeds.set("/a", DEMO_FEED.read_bytes())
    watchlist = tmp_path / "watchlist.yaml"  # the default name: an empty main file finds it
    watchlist.write_text(WATCHLIST.read_text())
    config = configure(tmp_path, [{"name": "a", "url": feeds.url("/a"), "interval": "1h"}])
    config.write_text(config.read_text().replace(str(WATCHLIST), str(watchlist)))
    good = config.read_text()
    with Daemon(config) as daemon:
        daemon.wait_log(r"feed a: new article")
        config.write_text("")  # the field's case
        daemon.signal(signal.SIGHUP)
        daemon.wait_log(r"reload refused \(.*every feed would be dropped")
        assert f"{config}: every channel would be dropped (1 now)" in daemon.text()

        config.write_text(good)
        watchlist.write_text("")  # an editor that crashed while saving
        daemon.signal(signal.SIGHUP)
        daemon.wait_log(rf"reload refused: {watchlist}: every actor would be dropped")

        watchlist.write_text(WATCHLIST.read_text())
        data = yaml.safe_load(good)
        data["database"] = f"sqlite:///{tmp_path / 'other.sqlite'}"
        config.write_text(yaml.safe_dump(data))
        daemon.signal(signal.SIGHUP)
        daemon.wait_log(r"reload refused: .*the database changed: restart claimwatch")

        config.write_text(good)
        daemon.signal(signal.SIGHUP)
        daemon.wait_log(r"reloaded: 1 feeds")
        daemon.signal(signal.SIGTERM)
        assert daemon.exit_code() == 0
    assert not (tmp_path / "other.sqlite").exists()


# --- links and redirects to what the operator did not name ---------------------------------------
def _page_feed(link: str) -> str:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>s</title>'
        f"<guid>g</guid><link>{link}</link><description>A summary.</description></item>"
        "</channel></rss>"
    )


PAGE = (
    "<html><body><article><p>Zelensky said that the secret plan was ready, according to "
    "the internal page.</p></article></body></html>"
)


def _poll_with_pages(tmp_path: Path, feeds: FeedServer, allow: list[str] | None = None) -> str:
    """Poll /rss with fetch_article; the claims' sentences stored, joined."""
    import sqlite3

    from conftest import write_config

    from monitor.config import load_config
    from monitor.pipeline import Monitor

    config = write_config(
        tmp_path, feeds=[{"name": "f", "url": feeds.url("/rss"), "fetch_article": True}]
    )
    if allow:
        config.write_text(config.read_text() + f"polling: {{allow_hosts: {allow}}}\n")
    mon = Monitor(load_config(config))
    try:
        mon.poll(mon.config.feeds[0])
    finally:
        mon.close()
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
        return " ".join(r[0] for r in con.execute("select sentence from claim"))


def test_a_file_link_is_not_read(tmp_path: Path, feeds: FeedServer) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text(PAGE)
    for n, link in enumerate((f"file://localhost{secret}", f"file://{secret}")):
        feeds.set("/rss", _page_feed(link))  # the field's case, then without a host
        (tmp_path / str(n)).mkdir()
        assert "secret plan" not in _poll_with_pages(tmp_path / str(n), feeds)


def test_links_and_redirects_to_loopback_are_refused_unless_allowed(
    tmp_path: Path, feeds: FeedServer
) -> None:
    """The feed's own host (the operator named it) may serve its pages; "localhost", the same
    machine under another name, is refused as a link and as a redirect, until allowed."""
    feeds.set("/internal", PAGE, headers={"Content-Type": "text/html"})
    other = feeds.url("/internal").replace("127.0.0.1", "localhost")
    feeds.set("/rss", _page_feed(other))
    for sub in "abc":
        (tmp_path / sub).mkdir()
    assert "secret plan" not in _poll_with_pages(tmp_path / "a", feeds)
    assert not any(r.path == "/internal" for r in feeds.requests)

    feeds.set("/moved", b"", status=301, headers={"Location": other})
    feeds.set("/rss", _page_feed(feeds.url("/moved")))  # a 301 from the feed's host
    assert "secret plan" not in _poll_with_pages(tmp_path / "b", feeds)
    assert not any(r.path == "/internal" for r in feeds.requests)

    feeds.set("/rss", _page_feed(other))
    assert "secret plan" in _poll_with_pages(tmp_path / "c", feeds, allow=["localhost"])


def test_a_feed_redirected_to_loopback_is_refused_and_not_moved(
    tmp_path: Path, feeds: FeedServer
) -> None:
    import sqlite3

    from conftest import write_config

    from monitor.config import load_config
    from monitor.pipeline import Monitor

    feeds.set("/rss", b"", status=301, headers={"Location": "http://localhost:9/feed"})
    config = write_config(tmp_path, feeds=[{"name": "f", "url": feeds.url("/rss")}])
    mon = Monitor(load_config(config))
    try:
        report = mon.poll(mon.config.feeds[0])
    finally:
        mon.close()
    assert report.error is not None and report.error.startswith("refused: localhost is a loopback")
    with sqlite3.connect(tmp_path / "claimwatch.sqlite") as con:
        assert con.execute("select fetch_url from feed").fetchall() == [(None,)]
