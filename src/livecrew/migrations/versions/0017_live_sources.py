"""Live sources: a show's platform connectors (TikTok LIVE, Facebook Live) and how each is doing.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import livecrew.core.db

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "live_sources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("show_id", sa.String(length=32), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("garbage", sa.Integer(), nullable=False),
        sa.Column("reconnects", sa.Integer(), nullable=False),
        sa.Column("last_event_at", livecrew.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("runner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", livecrew.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", livecrew.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("updated_at", livecrew.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_live_sources_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["show_id"], ["shows.id"], name=op.f("fk_live_sources_show_id_shows"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_live_sources_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_sources")),
    )
    with op.batch_alter_table("live_sources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_live_sources_show_id"), ["show_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_live_sources_workspace_id"), ["workspace_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("live_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_sources_workspace_id"))
        batch_op.drop_index(batch_op.f("ix_live_sources_show_id"))
    op.drop_table("live_sources")
