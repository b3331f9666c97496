"""feeds remember the last article the budget read only in part, and why

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

``feed.last_notice`` and ``feed.last_notice_at``: what ``claimwatch status`` shows when an
article was cut to its size or time budget (the poison-input work). Two nullable columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# adds nullable columns that the previous release ignores, in seconds
safe_on_start = True


def upgrade() -> None:
    # a database from between the budget's release and this revision (its columns were added
    # by the pre-Alembic add_missing_columns) already has them: add only what is missing
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("feed")}
    if "last_notice" not in have:
        op.add_column("feed", sa.Column("last_notice", sa.String(), nullable=True))
    if "last_notice_at" not in have:
        op.add_column(
            "feed", sa.Column("last_notice_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("feed") as batch:
        batch.drop_column("last_notice_at")
        batch.drop_column("last_notice")
