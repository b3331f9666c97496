"""Shared fixtures: real loopback servers, config files written per test, the CLI runner."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parent))

from servers import FeedServer, HttpReceiver, SmtpServer  # imports imghdr quietly; see servers.py

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).parent / "data"
WATCHLIST = ROOT / "config" / "watchlist.yaml"
DEMO_FEED = ROOT / "seeds" / "demo-feed.xml"

needs_shared = pytest.mark.skipif(
    not (SHARED / "eval").is_dir(),
    reason="../shared/ (evaluation data) is not beside this clone",
)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with HttpReceiver() as server:
        yield server


def write_config(
    directory: Path,
    feeds: list[dict[str, Any]],
    channels: list[dict[str, Any]] | None = None,
    watchlist: Path = WATCHLIST,
) -> Path:
    """A main config in ``directory`` with its own SQLite file, using ``watchlist``; with no
    ``channels`` given, the terminal (a configuration with feeds and no channel is refused)."""
    path = directory / "claimwatch.yaml"
    data = {
        "database": f"sqlite:///{directory / 'claimwatch.sqlite'}",
        "watchlist": str(watchlist),
        "feeds": feeds,
        "channels": channels
        if channels is not None
        else [{"name": "terminal", "url": "stdout://"}],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def cli(*args: str) -> Result:
    """Run the claimwatch command in-process, as a user would type it."""
    from monitor.cli import main

    return CliRunner().invoke(main, list(args), catch_exceptions=False)
