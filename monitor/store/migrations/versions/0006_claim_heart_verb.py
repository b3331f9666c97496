"""a claim's heart may open on the speaker's own verb

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

``claim.heart_verb``: the heart opens on the speaker's own verb ("criticised Amnesty over the
report", "denied responsibility"), so the headline is the speaker and the heart; NULL for
claims stored before (their headline is as it was: the type's verb, then the heart).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# adds a nullable column that the previous release ignores, in seconds
safe_on_start = True


def upgrade() -> None:
    op.add_column("claim", sa.Column("heart_verb", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("claim") as batch:
        batch.drop_column("heart_verb")
