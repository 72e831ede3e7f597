"""Every workspace has its settings rows (goods, scheduling): they are made with the workspace now, so
that reading them never writes; this backfills the workspaces made before.

Revision ID: 0013
Revises: 0007
Create Date: 2026-12-05 23:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The columns' defaults, as the models give them (goods: 15 % margin, licence and inspection
    # documents, 15 % return rate, 1 % conversion; scheduling: 10 hours' rest between a host's shows).
    op.execute(
        "INSERT INTO goods_settings "
        "(workspace_id, min_margin_bp, required_docs, return_rate_flag_bp, conversion_flag_bp, extra) "
        "SELECT id, 1500, '[\"licence\", \"inspection\"]', 1500, 100, '{}' FROM workspaces "
        "WHERE id NOT IN (SELECT workspace_id FROM goods_settings)"
    )
    op.execute(
        "INSERT INTO show_settings (workspace_id, host_rest_hours) "
        "SELECT id, 10 FROM workspaces WHERE id NOT IN (SELECT workspace_id FROM show_settings)"
    )


def downgrade() -> None:
    # The rows are the defaults a read shows anyway; nothing to undo.
    pass
