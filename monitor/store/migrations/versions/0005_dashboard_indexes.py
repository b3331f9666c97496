"""the indexes the dashboard reads by (bench/web.py)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

An actor's claims newest first (claim: actor, said_at), everyone's (claim: said_at), a topic's
claims and timeline (claim_key: topic, said_at, actor, type), the few claim keys that take a
stance, per actor and per topic (partial indexes), articles by feed, and alerts by kind. The
writes do not read them. About 7 s on a SQLite store of 1M claims (measured), once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# indexes the previous release ignores; seconds even on a large store
safe_on_start = True

STANCE = sa.text("stance != ''")
INDEXES: list[tuple[str, str, list[str], dict[str, object]]] = [
    ("ix_article_feed", "article", ["feed"], {}),
    ("ix_claim_actor_said_at", "claim", ["actor", "said_at"], {}),
    ("ix_claim_said_at", "claim", ["said_at"], {}),
    ("ix_claim_key_topic_said_at", "claim_key", ["topic", "said_at", "actor", "type"], {}),
    (
        "ix_claim_key_stance_actor",
        "claim_key",
        ["actor", "topic", "said_at"],
        {"sqlite_where": STANCE, "postgresql_where": STANCE},
    ),
    (
        "ix_claim_key_stance_topic",
        "claim_key",
        ["topic", "actor", "said_at"],
        {"sqlite_where": STANCE, "postgresql_where": STANCE},
    ),
    ("ix_alert_kind", "alert", ["kind", "id"], {}),
]


def upgrade() -> None:
    for name, table, columns, options in INDEXES:
        op.create_index(name, table, columns, **options)  # type: ignore[arg-type]


def downgrade() -> None:
    for name, table, _, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
