"""The same pipeline on a real PostgreSQL: found on 127.0.0.1:5432, or started if installed."""

from __future__ import annotations

import glob
import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest
from conftest import DEMO_FEED, cli, write_config
from servers import SmtpServer, mailto_url

psycopg = pytest.importorskip("psycopg")
ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"


def _reachable() -> bool:
    try:
        psycopg.connect(ADMIN).close()
    except psycopg.OperationalError:
        return False
    return True


def _start_cluster() -> None:
    """Start the machine's PostgreSQL cluster, as its packaging does, when it is not running."""
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
        if _reachable():
            return


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not _reachable():
        _start_cluster()
    if not _reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432 and none could be started")
    name = f"claimwatch_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN, autocommit=True) as con:
        con.execute(f'create database "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as con:
            con.execute(f'drop database if exists "{name}" with (force)')


def test_end_to_end_on_postgres(tmp_path: object, pg_url: str, smtp: SmtpServer) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    config = write_config(
        tmp_path,
        feeds=[{"name": "demo", "url": DEMO_FEED.as_uri()}],
        channels=[{"name": "mail", "url": mailto_url(smtp)}],
    )
    config.write_text(
        config.read_text().replace(f"sqlite:///{tmp_path / 'claimwatch.sqlite'}", pg_url)
    )
    first = cli("run", "--once", "--config", str(config))
    assert first.exit_code == 0, first.output
    sent = int(first.stderr.rsplit(", ", 1)[1].split()[0])
    assert sent >= 5
    assert len(smtp.wait_for(sent)) == sent
    second = cli("run", "--once", "--config", str(config))
    assert "0 new articles, 0 claims, 0 alerts" in second.stderr
    assert len(smtp.messages) == sent
    claims = cli("claims", "--config", str(config), "--actor", "lavrov")
    assert "state terrorism" in claims.stdout
