"""Schema migrations with Alembic, for SQLite and PostgreSQL.

The revisions live in ``migrations/versions`` inside the package, so an installed claimwatch
carries them. ``upgrade`` (``claimwatch migrate``) applies every revision the database lacks;
``prepare`` runs when a process opens the store and applies them only when that is safe (a
new, empty database; or revisions all marked ``safe_on_start``), otherwise it raises
``SchemaError`` telling the operator to run ``claimwatch migrate``.

Each upgrade is one transaction that holds a lock, so processes starting together migrate
once and a failure leaves the schema as it was: on PostgreSQL a transaction-level advisory
lock (DDL is transactional there); on SQLite ``BEGIN IMMEDIATE`` on a connection of its own,
which Python's sqlite3 otherwise would not open before DDL, with foreign keys off while
Alembic copies a table to alter it (checked with ``PRAGMA foreign_key_check`` before commit).

A database made before migrations existed has the tables but no ``alembic_version``: the first
revision adopts it, adding what older releases lacked, and nothing stored is lost.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import Script, ScriptDirectory
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import NullPool

log = logging.getLogger("claimwatch.migrate")
# Alembic says at INFO which dialect it met, each time a store opens; what a migration did is
# logged here, once, instead
logging.getLogger("alembic").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock's key: any constant of our own ("claimwatch schema")
LOCK_KEY = 0x636C_6D77_5363_6D61 & 0x7FFF_FFFF_FFFF_FFFF


class SchemaError(Exception):
    """The database's schema does not fit this claimwatch and cannot be fixed at start."""


@dataclass(frozen=True)
class Revision:
    """One revision script: its id, what it does, and whether a process may apply it at start."""

    id: str
    message: str
    safe_on_start: bool


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: ``current`` is None before any revision (a database made
    before migrations, or an empty one: ``empty`` tells which)."""

    current: str | None
    head: str
    empty: bool
    pending: tuple[Revision, ...]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this claimwatch knows."""
    heads = _scripts().get_heads()
    if len(heads) != 1:  # two branches each added a revision: one must follow the other
        raise SchemaError(f"the migrations have {len(heads)} heads ({', '.join(heads)})")
    return heads[0]


def _revision(script: Script) -> Revision:
    return Revision(
        script.revision,
        (script.doc or "").strip().splitlines()[0] if script.doc else "",
        bool(getattr(script.module, "safe_on_start", False)),
    )


def state(connection: Connection) -> SchemaState:
    """The database's revision, this code's head and the revisions in between, oldest first.

    Raises ``SchemaError`` for a revision this claimwatch does not know (a newer release
    migrated the database)."""
    current = MigrationContext.configure(connection).get_current_revision()
    scripts, top = _scripts(), head()
    try:
        chain = list(scripts.iterate_revisions(top, current))
    except Exception as err:  # alembic.util.CommandError, ResolutionError
        raise SchemaError(
            f"the database is at schema revision {current}, which this claimwatch does not "
            f"know (its newest is {top}): it was migrated by a newer release; run that one"
        ) from err
    empty = current is None and not inspect(connection).get_table_names()
    return SchemaState(current, top, empty, tuple(_revision(s) for s in reversed(chain)))


def _sqlite_file(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def _serialised_sqlite(url: str) -> Engine:
    """An engine whose transactions are real, BEGIN IMMEDIATE ones (see the module's doc)."""
    engine = create_engine(url, poolclass=NullPool)

    def connect(dbapi_conn: Any, _record: object) -> None:
        dbapi_conn.isolation_level = None  # sqlite3 leaves BEGIN to us
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=60000")  # another process may be migrating
        cur.execute("PRAGMA foreign_keys=OFF")  # only outside a transaction; see _check
        cur.close()

    def begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", connect)
    event.listen(engine, "begin", begin)
    return engine


@contextmanager
def locked(target: str | Engine) -> Iterator[Connection]:
    """A connection inside a transaction that holds the migration lock; committed on success."""
    owned: Engine | None = None
    if isinstance(target, str):
        engine = owned = (
            _serialised_sqlite(target) if _sqlite_file(target) else create_engine(target)
        )
    elif _sqlite_file(target.url.render_as_string(hide_password=False)):
        engine = owned = _serialised_sqlite(target.url.render_as_string(hide_password=False))
    else:
        engine = target  # PostgreSQL, or an in-memory SQLite only this process sees
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
            yield conn
            if conn.dialect.name == "sqlite":
                _check(conn)
    finally:
        if owned is not None:
            owned.dispose()


def _check(conn: Connection) -> None:
    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise SchemaError(f"the migration would leave {len(broken)} broken references: {broken}")


def upgrade(target: str | Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply every revision up to ``revision``; returns (revision before, revision after)."""
    with locked(target) as conn:
        before = state(conn)
        if before.pending:
            command.upgrade(_config(conn), revision)
        after = MigrationContext.configure(conn).get_current_revision()
    assert after is not None
    for rev in before.pending:
        log.info("schema: applied revision %s (%s)", rev.id, rev.message)
    return before.current, after


def prepare(engine: Engine) -> None:
    """Bring the schema to this code's head when a process opens the store, if that is safe.

    Up to date: one query. A new database: made at head. Revisions all marked
    ``safe_on_start``: applied (under the lock; a process that waited finds nothing left to
    do). Otherwise ``SchemaError`` says which revisions wait for ``claimwatch migrate``."""
    with engine.connect() as conn:
        now = state(conn)
    if now.up_to_date:
        return
    if not now.empty:
        unsafe = [r for r in now.pending if not r.safe_on_start]
        if unsafe:
            raise SchemaError(
                f"the database is at schema revision {now.current or '(before migrations)'}; "
                f"this claimwatch needs {now.head}, and "
                + ", ".join(f"{r.id} ({r.message})" for r in unsafe)
                + " must not run while an older claimwatch uses the database: stop every "
                "claimwatch process, back the database up, and run `claimwatch migrate`"
            )
    before, after = upgrade(engine)
    if not now.empty:
        log.warning(
            "schema upgraded at start from %s to %s", before or "(before migrations)", after
        )
