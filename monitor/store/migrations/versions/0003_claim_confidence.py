"""claims keep their confidence and its reasons; alerts under a rule's minimum are "possible"

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30

``claim.confidence`` (0..1) and ``claim.confidence_why``: how likely the claim's actor, type and
topics are right, from how each was decided (the alert-precision work); NULL for claims stored
before. ``alert.possible``: the claim was under every matching rule's ``min_confidence``, so the
alert went to the digest marked "possible"; false for alerts stored before. ``claim.heart``
and ``claim.heart_object``: what an alert's headline gives after the speaker and the verb;
NULL before (the headline then quotes the content).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# adds nullable or defaulted columns that the previous release ignores, in seconds
safe_on_start = True


def upgrade() -> None:
    op.add_column("claim", sa.Column("confidence", sa.Float(), nullable=True))
    op.add_column("claim", sa.Column("confidence_why", sa.String(), nullable=True))
    op.add_column("claim", sa.Column("heart", sa.String(), nullable=True))
    op.add_column("claim", sa.Column("heart_object", sa.Boolean(), nullable=True))
    op.add_column(
        "alert",
        sa.Column("possible", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.drop_column("possible")
    with op.batch_alter_table("claim") as batch:
        batch.drop_column("heart_object")
        batch.drop_column("heart")
        batch.drop_column("confidence_why")
        batch.drop_column("confidence")
