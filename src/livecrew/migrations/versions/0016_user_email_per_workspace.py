"""An e-mail address is unique within a workspace, not across workspaces (adding a person must not tell
one workspace which addresses another holds).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 23:45:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint("uq_users_email", type_="unique")
        batch_op.create_unique_constraint("uq_users_workspace_email", ["workspace_id", "email"])
        batch_op.create_index("ix_users_email", ["email"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_email")
        batch_op.drop_constraint("uq_users_workspace_email", type_="unique")
        batch_op.create_unique_constraint("uq_users_email", ["email"])
