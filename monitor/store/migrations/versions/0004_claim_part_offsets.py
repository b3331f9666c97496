"""claims remember where their speaker, cue and content lie in the sentence

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

``claim.speaker_start`` / ``speaker_end``, ``cue_start`` / ``cue_end``, ``content_start`` /
``content_end``: character offsets into ``claim.sentence`` that ``store.history`` writes when
it records a claim, so the dashboard marks the parts exactly. Six nullable columns; claims
stored before them keep NULL, and the pages find their parts by their texts.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# adds nullable columns that the previous release ignores, in seconds
safe_on_start = True

PARTS = ("speaker", "cue", "content")


def upgrade() -> None:
    with op.batch_alter_table("claim") as batch:
        for part in PARTS:
            batch.add_column(sa.Column(f"{part}_start", sa.Integer(), nullable=True))
            batch.add_column(sa.Column(f"{part}_end", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claim") as batch:
        for part in reversed(PARTS):
            batch.drop_column(f"{part}_end")
            batch.drop_column(f"{part}_start")
