"""Each show's log has one order, assigned at commit: live_events.pos and the per-show head live_log_heads.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-05 23:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_log_heads",
        sa.Column("show_id", sa.String(length=32), nullable=False),
        sa.Column("pos", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_live_log_heads_show_id_shows"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("show_id", name=op.f("pk_live_log_heads")),
    )
    with op.batch_alter_table("live_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pos", sa.BigInteger(), nullable=True))
    # Rows logged so far keep the order they had (their seq); new rows are numbered above each show's head.
    op.execute("UPDATE live_events SET pos = seq")
    op.execute("INSERT INTO live_log_heads (show_id, pos) SELECT show_id, max(seq) FROM live_events GROUP BY show_id")
    with op.batch_alter_table("live_events", schema=None) as batch_op:
        batch_op.alter_column("pos", existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_index("ix_live_events_show_pos", ["show_id", "pos"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("live_events", schema=None) as batch_op:
        batch_op.drop_index("ix_live_events_show_pos")
        batch_op.drop_column("pos")
    op.drop_table("live_log_heads")
