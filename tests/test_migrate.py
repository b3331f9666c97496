"""Schema migrations: databases made by earlier releases upgrade in place with nothing lost, on
SQLite and PostgreSQL; the migrated schema is the models' schema; processes starting together
migrate once; a revision that is not safe at start waits for `claimwatch migrate`; a failed
migration leaves the database as it was."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from conftest import DATA, DEMO_FEED, ROOT, cli, write_config
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from monitor.store import Store, migrate

SCHEMA = DATA / "schema"
SQLITE_RELEASES = ["d26eebf", "07ec9ab", "075cc52"]  # first release, before polling, last one
POSTGRES_RELEASES = ["07ec9ab", "075cc52"]


def _snapshot(url: str) -> dict[str, tuple[list[str], list[tuple[Any, ...]]]]:
    """Every table's columns and rows (ordered by primary key), alembic's own table aside."""
    engine = create_engine(url)
    out = {}
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            for table in insp.get_table_names():
                if table == "alembic_version":
                    continue
                columns = [c["name"] for c in insp.get_columns(table)]
                key = insp.get_pk_constraint(table)["constrained_columns"]
                names = ", ".join(f'"{c}"' for c in columns)
                order = ", ".join(f'"{c}"' for c in key)
                rows = conn.execute(text(f'SELECT {names} FROM "{table}" ORDER BY {order}'))
                out[table] = (columns, [tuple(r) for r in rows])
    finally:
        engine.dispose()
    return out


def _kept(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Every row of every old table is still there, every old column unchanged."""
    for table, (columns, rows) in before.items():
        new_columns, new_rows = after[table]
        assert set(columns) <= set(new_columns), table
        index = [new_columns.index(c) for c in columns]
        assert [tuple(r[i] for i in index) for r in new_rows] == rows, table


def _same_as_models(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert migrate.state(conn).up_to_date
            diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diffs == []


def _load_sqlite(path: Path, release: str) -> str:
    with sqlite3.connect(path) as con:
        con.executescript((SCHEMA / f"sqlite-{release}.sql").read_text(encoding="utf-8"))
    con.close()
    return f"sqlite:///{path}"


def _works(tmp_path: Path, url: str) -> None:
    """The upgraded store is used as before: the demo feed's article is known (nothing new is
    read twice), the old claims are listed, and an operator alert (no claim) is queued."""
    config = write_config(tmp_path, feeds=[{"name": "demo", "url": DEMO_FEED.as_uri()}])
    config.write_text(
        config.read_text().replace(f"sqlite:///{tmp_path / 'claimwatch.sqlite'}", url)
    )
    ran = cli("run", "--once", "--config", str(config))
    assert ran.exit_code == 0, ran.output
    assert "0 new articles" in ran.stderr
    claims = cli("claims", "--config", str(config), "--actor", "lavrov")
    assert "state terrorism" in claims.stdout
    store = Store(url)
    try:
        assert store.queue_operator("crash", "test", ["ops"]) is not None
    finally:
        store.close()


@pytest.mark.parametrize("release", SQLITE_RELEASES)
def test_sqlite_database_of_an_earlier_release_upgrades_in_place(
    tmp_path: Path, release: str
) -> None:
    url = _load_sqlite(tmp_path / "old.sqlite", release)
    before = _snapshot(url)
    assert before["claim"][1] and before["alert"][1] and before["delivery"][1]
    Store(url).close()  # at start: the first revision adopts the tables
    _kept(before, _snapshot(url))
    _same_as_models(url)
    _works(tmp_path, url)


@pytest.mark.parametrize("release", POSTGRES_RELEASES)
def test_postgres_database_of_an_earlier_release_upgrades_in_place(
    tmp_path: Path, pg_url: str, release: str
) -> None:
    import psycopg

    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as con:
        con.execute((SCHEMA / f"postgres-{release}.sql").read_text(encoding="utf-8"))
    with psycopg.connect(plain, autocommit=True) as con:  # the dump emptied the search_path
        zone = con.execute("SELECT current_setting('TimeZone')").fetchone()
        naive = con.execute("SELECT last_poll FROM feed WHERE id = 1").fetchone()
    assert zone and naive and naive[0].tzinfo is None  # SQLModel 0.0.22: no time zone
    before = _snapshot(pg_url)
    result = cli("migrate", "--config", str(_config(tmp_path, pg_url)))
    assert result.exit_code == 0, result.output
    assert f"upgraded from (before migrations) to {migrate.head()}" in result.stdout
    after = _snapshot(pg_url)
    # times gained a zone: the same instant, read in the zone they were written in
    from zoneinfo import ZoneInfo

    feed_columns = before["feed"][0]
    when = after["feed"][1][0][after["feed"][0].index("last_poll")]
    assert when == naive[0].replace(tzinfo=ZoneInfo(zone[0]))
    for table in before:  # compare the rest with times as instants
        before[table] = (before[table][0], [_instants(r, zone[0]) for r in before[table][1]])
        after[table] = (after[table][0], [_instants(r, "UTC") for r in after[table][1]])
    _kept(before, after)
    assert feed_columns
    _same_as_models(pg_url)
    _works(tmp_path, pg_url)


def _instants(row: tuple[Any, ...], zone: str) -> tuple[Any, ...]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    return tuple(
        (v if v.tzinfo else v.replace(tzinfo=ZoneInfo(zone))).astimezone(UTC)
        if isinstance(v, datetime)
        else v
        for v in row
    )


def _config(tmp_path: Path, url: str) -> Path:
    config = write_config(tmp_path, feeds=[])
    config.write_text(
        config.read_text().replace(f"sqlite:///{tmp_path / 'claimwatch.sqlite'}", url)
    )
    return config


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_new_database_is_made_by_the_migrations_and_matches_the_models(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'new.sqlite'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    Store(url).close()
    _same_as_models(url)
    again = cli("migrate", "--check", "--config", str(_config(tmp_path, url)))
    assert again.exit_code == 0, again.output
    assert f"schema at {migrate.head()}, up to date" in again.stdout


def test_the_migrations_have_one_head_and_ship_in_the_package(tmp_path: Path) -> None:
    """Two branches that each added a revision must be put in order; and the wheel that
    `pip install` makes carries every migration file (package-data), not only a clone."""
    assert migrate.head()
    source = tmp_path / "source"  # a clean copy: no build/ or egg-info of an earlier build
    junk = (".venv", ".git", "build", "*.egg-info", "__pycache__", ".*_cache", ".state")
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*junk))
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("claimwatch-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        shipped = set(zf.namelist())
    tree = {
        str(p.relative_to(ROOT))
        for p in migrate.MIGRATIONS.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert "monitor/store/migrations/versions/0001_schema_of_0_1_0.py" in tree
    assert tree <= shipped, tree - shipped


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_processes_starting_together_migrate_once(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """Three processes open one legacy database at once: each waits for the lock, one adopts
    it, the others find it done; the data is intact."""
    if backend == "sqlite":
        url = _load_sqlite(tmp_path / "old.sqlite", "07ec9ab")
    else:
        import psycopg

        url = request.getfixturevalue("pg_url")
        plain = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(plain, autocommit=True) as con:
            con.execute((SCHEMA / "postgres-07ec9ab.sql").read_text(encoding="utf-8"))
    before = _snapshot(url)
    code = "import sys; from monitor.store import Store; Store(sys.argv[1]).close()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    engine = create_engine(url)
    with engine.connect() as conn:
        versions = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    assert versions == [(migrate.head(),)]
    after = _snapshot(url)
    for table in ("claim", "alert", "delivery", "article"):
        assert len(after[table][1]) == len(before[table][1])


# --- a revision of a later release: safe at start or not, failing halfway --------------------
# the packaged head revision, and the id a later release's next one takes
HEAD = max(p.name[:4] for p in migrate.MIGRATIONS.glob("versions/[0-9][0-9][0-9][0-9]_*.py"))
NEXT = f"{int(HEAD) + 1:04d}"


@pytest.fixture
def next_release(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The packaged revisions plus room for one more, as a later release would ship them."""
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    migrate._scripts.cache_clear()
    yield scripts / "versions"
    migrate._scripts.cache_clear()


def _revision(versions: Path, *, safe: bool, body: str) -> None:
    (versions / f"{NEXT}_later.py").write_text(
        f'''"""a later release's change

Revision ID: {NEXT}
Revises: {HEAD}
"""
import sqlalchemy as sa
from alembic import op

revision = "{NEXT}"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None
safe_on_start = {safe}


def upgrade() -> None:
{body}


def downgrade() -> None:
    pass
''',
        encoding="utf-8",
    )
    migrate._scripts.cache_clear()


def test_a_revision_not_safe_at_start_waits_for_claimwatch_migrate(
    tmp_path: Path, next_release: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Store(url).close()  # made at the head by this release
    _revision(
        next_release,
        safe=False,
        body='    op.add_column("feed", sa.Column("later", sa.String(), nullable=True))',
    )
    with pytest.raises(migrate.SchemaError, match="run `claimwatch migrate`"):
        Store(url)
    config = _config(tmp_path, url)
    status = cli("status", "--config", str(config))
    assert status.exit_code == 1
    assert f"{NEXT} (a later release's change)" in status.stderr
    assert "Traceback" not in status.output
    check = cli("migrate", "--check", "--config", str(config))
    assert check.exit_code == 1
    assert f"{NEXT}: a later release's change (needs `claimwatch migrate`)" in check.stdout
    done = cli("migrate", "--config", str(config))
    assert done.exit_code == 0, done.output
    assert f"schema upgraded from {HEAD} to {NEXT}" in done.stdout
    Store(url).close()


def test_a_revision_safe_at_start_is_applied_by_the_first_process(
    tmp_path: Path, next_release: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Store(url).close()
    _revision(
        next_release,
        safe=True,
        body='    op.add_column("feed", sa.Column("later", sa.String(), nullable=True))',
    )
    Store(url).close()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert "later" in {c["name"] for c in inspect(conn).get_columns("feed")}
        assert migrate.state(conn).current == NEXT
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_migration_that_fails_halfway_leaves_the_database_as_it_was(
    tmp_path: Path, next_release: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = (
        f"sqlite:///{tmp_path / 'db.sqlite'}"
        if backend == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    Store(url).close()
    _revision(
        next_release,
        safe=False,
        body='    op.add_column("feed", sa.Column("later", sa.String(), nullable=True))\n'
        '    op.execute("SELECT * FROM no_such_table")',
    )
    with pytest.raises(Exception, match="no_such_table"):
        migrate.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert "later" not in {c["name"] for c in inspect(conn).get_columns("feed")}
        assert migrate.state(conn).current == HEAD
    engine.dispose()


def test_a_database_migrated_by_a_newer_release_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    Store(url).close()
    with sqlite3.connect(tmp_path / "db.sqlite") as con:
        con.execute("UPDATE alembic_version SET version_num = '0099'")
    con.close()
    with pytest.raises(migrate.SchemaError, match="migrated by a newer release"):
        Store(url)
