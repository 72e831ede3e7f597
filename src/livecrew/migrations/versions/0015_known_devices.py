"""Known devices: browsers where a person signed in (sign-in throttling spares them).

Revision ID: 0015
Revises: 0006
Create Date: 2026-12-05 23:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from livecrew.core.db import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "known_devices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_known_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_devices")),
    )
    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_known_devices_user_id"), ["user_id"], unique=False)
    # Failures were counted per address and per IP; the pair key is new, and old rows age out by themselves.


def downgrade() -> None:
    with op.batch_alter_table("known_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_known_devices_user_id"))
    op.drop_table("known_devices")
