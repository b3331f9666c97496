"""Shared fixtures: real loopback servers, config files written per test, the CLI runner."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
import uuid
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


# --- PostgreSQL: found on 127.0.0.1:5432, or started as the machine's packaging does ----------
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def pg_reachable() -> bool:
    import psycopg

    try:
        psycopg.connect(PG_ADMIN).close()
    except psycopg.OperationalError:
        return False
    return True


def _start_cluster() -> None:
    """Start the machine's PostgreSQL cluster when it is not running (idempotent)."""
    if not shutil.which("pg_ctlcluster"):
        return
    for version in sorted(glob.glob("/etc/postgresql/*"), reverse=True):
        subprocess.run(
            [
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                version.rsplit("/", 1)[1],
                "main",
                "start",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if pg_reachable():
            return


def pg_database(name: str) -> str:
    """Create database ``name``; returns its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f'create database "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def pg_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as con:
        con.execute(f'drop database if exists "{name}" with (force)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A new, empty PostgreSQL database of this test's own, dropped afterwards."""
    pytest.importorskip("psycopg")
    if not pg_reachable():
        _start_cluster()
    if not pg_reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 and none could be started")
    name = f"claimwatch_test_{uuid.uuid4().hex[:12]}"
    url = pg_database(name)
    try:
        yield url
    finally:
        pg_drop(name)
