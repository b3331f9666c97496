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
