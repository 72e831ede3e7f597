"""A workspace's allow-word may protect one term only (``applies_to``; empty: every term).

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-05 23:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("text_lexicon_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("applies_to", sa.String(length=80), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("text_lexicon_changes", schema=None) as batch_op:
        batch_op.drop_column("applies_to")
