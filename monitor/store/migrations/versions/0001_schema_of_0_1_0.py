"""the schema of claimwatch 0.1.0 (feeds, articles, claims, alerts, the outbox, state)

Revision ID: 0001
Revises:
Create Date: 2026-11-30

On an empty database it creates the tables. A database made before migrations existed has
tables but no revision: it is adopted in place, keeping every row. Releases before this one
lacked some of what is here (the first had no outlets, disputes, stances or digests; until
the polling work, feeds had no fetch_url/next_poll/ttl and articles no content_hash; operator
alerts made alert.claim_id nullable), so missing tables, columns and indexes are added, with
the defaults the code reads as "not known yet" (an empty content_hash: "stored before hashes
were kept"). On PostgreSQL, timestamps stored without a time zone (by an older SQLModel) become
``timestamptz``, read in the session's time zone, which is how they were written.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

safe_on_start = True  # on a database of 0.1.0 it only records the revision

TIME = sa.DateTime(timezone=True)


def _feed() -> None:
    op.create_table(
        "feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("last_poll", TIME, nullable=True),
        sa.Column("last_success", TIME, nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("fetch_url", sa.String(), nullable=True),
        sa.Column("next_poll", TIME, nullable=True),
        sa.Column("ttl", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("url"),
    )


def _article() -> None:
    op.create_table(
        "article",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("feed", sa.String(), nullable=False),
        sa.Column("link", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("published", TIME, nullable=True),
        sa.Column("fetched_at", TIME, nullable=False),
        sa.Column("content_hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )


def _channel_state() -> None:
    op.create_table(
        "channel_state",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("last_error_at", TIME, nullable=True),
        sa.Column("last_success_at", TIME, nullable=True),
        sa.Column("last_digest_at", TIME, nullable=True),
        sa.Column("next_digest_attempt", TIME, nullable=True),
        sa.PrimaryKeyConstraint("name"),
    )


def _daemon_state() -> None:
    op.create_table(
        "daemon_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", TIME, nullable=True),
        sa.Column("stopped_at", TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )


def _claim() -> None:
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(), nullable=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("topics", sa.String(), nullable=False),
        sa.Column("speaker", sa.String(), nullable=False),
        sa.Column("cue", sa.String(), nullable=False),
        sa.Column("content", sa.String(), nullable=False),
        sa.Column("sentence", sa.String(), nullable=False),
        sa.Column("resolution", sa.String(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("said_at", TIME, nullable=False),
        sa.Column("repeat_of", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def _alert() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("topics", sa.String(), nullable=False),
        sa.Column("previous", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def _claim_key() -> None:
    op.create_table(
        "claim_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("topic", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("stance", sa.String(), nullable=False),
        sa.Column("said_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def _dispute() -> None:
    op.create_table(
        "dispute",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("disputed_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.ForeignKeyConstraint(["disputed_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "disputed_id"),
    )


def _outlet() -> None:
    op.create_table(
        "outlet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("outlet", sa.String(), nullable=False),
        sa.Column("link", sa.String(), nullable=False),
        sa.Column("said_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(["claim_id"], ["claim.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("claim_id", "outlet"),
    )


def _delivery() -> None:
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("next_attempt", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("deferred", sa.String(), nullable=False),
        sa.Column("queued_at", TIME, nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "channel"),
    )


# in the order foreign keys need them
TABLES: list[tuple[str, Callable[[], None]]] = [
    ("feed", _feed),
    ("article", _article),
    ("channel_state", _channel_state),
    ("daemon_state", _daemon_state),
    ("claim", _claim),
    ("alert", _alert),
    ("claim_key", _claim_key),
    ("dispute", _dispute),
    ("outlet", _outlet),
    ("delivery", _delivery),
]

INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_claim_actor", "claim", ["actor"]),
    ("ix_claim_article_id", "claim", ["article_id"]),
    ("ix_claim_repeat_of", "claim", ["repeat_of"]),
    ("ix_alert_claim_id", "alert", ["claim_id"]),
    ("ix_claim_key_actor_topic", "claim_key", ["actor", "topic", "said_at"]),
    ("ix_claim_key_claim_id", "claim_key", ["claim_id"]),
    ("ix_claim_key_lookup", "claim_key", ["actor", "topic", "type", "said_at"]),
    ("ix_claim_key_topic_type", "claim_key", ["topic", "type", "said_at"]),
    ("ix_dispute_claim_id", "dispute", ["claim_id"]),
    ("ix_dispute_disputed_id", "dispute", ["disputed_id"]),
    ("ix_outlet_claim_id", "outlet", ["claim_id"]),
    ("ix_delivery_due", "delivery", ["status", "next_attempt"]),
]


def _added() -> list[tuple[str, sa.Column[object]]]:
    """Columns earlier releases did not have, with what existing rows get (NOT NULL needs one).

    Made afresh on each call: a column belongs to the one table it is added to."""
    return [
        ("feed", sa.Column("fetch_url", sa.String(), nullable=True)),
        ("feed", sa.Column("next_poll", TIME, nullable=True)),
        ("feed", sa.Column("ttl", sa.Integer(), nullable=True)),
        ("article", sa.Column("content_hash", sa.String(), nullable=False, server_default="")),
        ("claim", sa.Column("repeat_of", sa.Integer(), nullable=True)),
        ("claim_key", sa.Column("stance", sa.String(), nullable=False, server_default="")),
        ("alert", sa.Column("message", sa.String(), nullable=False, server_default="")),
        ("alert", sa.Column("detail", sa.String(), nullable=False, server_default="")),
        ("alert", sa.Column("digest", sa.Boolean(), nullable=False, server_default=sa.false())),
        ("delivery", sa.Column("deferred", sa.String(), nullable=False, server_default="")),
        ("delivery", sa.Column("queued_at", TIME, nullable=True)),
    ]


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "feed" in existing or "article" in existing:
        _adopt(existing)
        return
    for _, create in TABLES:
        create()
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def _adopt(existing: set[str]) -> None:
    """Bring the tables of a release made before migrations to this schema, keeping the rows."""
    bind = op.get_bind()
    for table, create in TABLES:
        if table not in existing:
            create()
    inspector = sa.inspect(bind)
    for table, column in _added():
        if column.name not in {c["name"] for c in inspector.get_columns(table)}:
            op.add_column(table, column)
    alert_claim = next(c for c in inspector.get_columns("alert") if c["name"] == "claim_id")
    if not alert_claim["nullable"]:  # operator alerts have no claim
        with op.batch_alter_table("alert") as batch:
            batch.alter_column("claim_id", existing_type=sa.Integer(), nullable=True)
    inspector = sa.inspect(bind)
    for name, table, columns in INDEXES:
        if name not in {i["name"] for i in inspector.get_indexes(table)}:
            op.create_index(name, table, columns, unique=False)
    if bind.dialect.name == "postgresql":
        for table, _ in TABLES:
            for reflected in inspector.get_columns(table):
                kind = reflected["type"]
                if isinstance(kind, sa.DateTime) and not kind.timezone:
                    # the implicit cast reads the value in the session's time zone, which is
                    # how psycopg's aware datetimes were turned into these naive ones
                    op.alter_column(table, reflected["name"], type_=TIME, existing_type=kind)


def downgrade() -> None:
    for table, _ in reversed(TABLES):
        op.drop_table(table)
