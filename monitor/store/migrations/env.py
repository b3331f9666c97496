"""Alembic's environment for claimwatch's schema (see ``monitor.store.migrate``).

``claimwatch migrate`` and every process at start pass their own connection, already inside a
transaction that holds the migration lock. A developer writing a revision runs Alembic itself:

    alembic -c monitor/store/migrations/alembic.ini -x url=sqlite:///dev.sqlite upgrade head
    alembic -c monitor/store/migrations/alembic.ini -x url=sqlite:///dev.sqlite \\
        revision --autogenerate -m "what changes"
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from monitor.store import migrate, tables  # noqa: F401  (tables: the models compared with)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=True,  # SQLite alters a table by copying it: Alembic's batch mode
        compare_type=True,
    )
    with context.begin_transaction():  # a no-op inside the caller's transaction
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database: alembic -x url=sqlite:///path ... (or postgresql://)")
    with migrate.locked(url) as locked:
        _run(locked)
