"""A feed's entries in id order (`ix_entries_feed_id_id`), for the refresh's writes.

Storing a feed's new entries asks for the feed's highest entry id, then for its ids
above that. PostgreSQL answered the first by walking the primary key backwards from the
newest entry until it met one of the feed (35,000 rows passed over at 35,404 entries:
22 ms a feed), and the second by intersecting the feed's rows with every id above the
old maximum. Both grow with the whole table: with 350,000 entries, a refresh where 970
of 10,000 feeds had 5 new entries took 82 s. With this index each is a short range
scan. On SQLite it is what the (feed_id, key) index already gave (every index there
ends with the row id), at the cost of one more small index per entry.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 21:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_entries_feed_id_id", "entries", ["feed_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_entries_feed_id_id", table_name="entries")
