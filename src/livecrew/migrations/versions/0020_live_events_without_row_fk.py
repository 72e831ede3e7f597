"""The event log's rows no longer check their show one by one: the ingest's head row does it once a batch.

A foreign key is checked row by row: on PostgreSQL, a query of ``shows`` for each of a batch's 1,000 rows,
over a quarter of the database's work for a batch. Every row of ``live_events`` is written by the ingest's
one statement, which numbers the rows from the show's ``live_log_heads`` row, in the same statement: that
row has the foreign key to ``shows`` (checked when it is created), and deleting a show deletes it first
(its cascade waits for a batch that holds it). So a row cannot name a show that does not exist. Deleting a
show still deletes its log: a trigger does what ``ON DELETE CASCADE`` did.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_live_events_show_id_shows"


def upgrade() -> None:
    with op.batch_alter_table("live_events", schema=None) as batch_op:
        batch_op.drop_constraint(FK, type_="foreignkey")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION live_events_follow_show() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN DELETE FROM live_events WHERE show_id = OLD.id; RETURN OLD; END $$"
        )
        op.execute(
            "CREATE TRIGGER live_events_follow_show AFTER DELETE ON shows "
            "FOR EACH ROW EXECUTE FUNCTION live_events_follow_show()"
        )
    else:
        op.execute(
            "CREATE TRIGGER live_events_follow_show AFTER DELETE ON shows FOR EACH ROW "
            "BEGIN DELETE FROM live_events WHERE show_id = OLD.id; END"
        )


def downgrade() -> None:
    op.execute("DROP TRIGGER live_events_follow_show" + (" ON shows" if _pg() else ""))
    if _pg():
        op.execute("DROP FUNCTION live_events_follow_show()")
    with op.batch_alter_table("live_events", schema=None) as batch_op:
        batch_op.create_foreign_key(FK, "shows", ["show_id"], ["id"], ondelete="CASCADE")


def _pg() -> bool:
    return op.get_bind().dialect.name == "postgresql"
