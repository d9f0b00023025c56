"""Google Reader's `mark-all-as-read`: a stream's unread entries read, up to an entry
id and, with the client's `ts`, only those dated before that exact moment.

`reading.mark_all_read` takes an age relative to its own clock (what the web UI's
"older than a week" needs); a sync client instead names an instant, and recomputing it
from an age would move it by the time between the two clock readings.
"""

from __future__ import annotations

from datetime import datetime

from newsriver.clock import utcnow
from newsriver.store import entries
from newsriver.store.database import Database
from newsriver.store.entries import EntryQuery


def mark_read_up_to(
    database: Database,
    user_id: int,
    query: EntryQuery,
    *,
    up_to_id: int,
    before: datetime | None = None,
) -> int:
    """Mark read the user's unread entries that `query` selects (its order, cursor and
    limit ignored) with ids up to `up_to_id` and, with `before`, dated (published, else
    first seen) before it. Returns how many changed. Filters naming another user's
    feed, category or label select nothing of this user's."""
    with database.write() as connection:
        return entries.mark_all_read(
            connection, user_id, query, up_to_id=up_to_id, before=before, now=utcnow()
        )
