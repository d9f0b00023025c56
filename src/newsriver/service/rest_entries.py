"""Entries for the REST API: Miniflux's `offset`/`limit` pages with their `total`, one
entry, and the star toggle.

Streams are keyset-paged by entry id (`store.entries`); Miniflux clients page with an
offset instead. An offset is turned into a cursor by walking the ids alone, up to
MAX_IDS at a time, so a page at offset N costs N/10,000 id scans and never OFFSET on
the table; offsets past MAX_OFFSET are refused.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from newsriver.clock import utcnow
from newsriver.errors import NotFoundError
from newsriver.store import entries
from newsriver.store.database import Database
from newsriver.store.entries import MAX_IDS, EntryDetails, EntryQuery

# Ten walks of the ids at most (a reader of 100,000 entries is paged to the end).
MAX_OFFSET = 10 * MAX_IDS
# The highest id a "mark everything read" reaches: all there is.
ALL_ENTRIES = 2**63 - 1


@dataclass(frozen=True, slots=True)
class EntriesPage:
    # How many entries the query selects, the cursor and limit aside.
    total: int
    entries: tuple[EntryDetails, ...]


def entries_page(
    database: Database, user_id: int, query: EntryQuery, *, offset: int, by_date: bool = False
) -> EntriesPage:
    """`query.limit` of the user's entries selected by `query`, after skipping `offset`
    of them, with the total; in id order, or `by_date` (published, else first seen).
    ValueError for an offset past MAX_OFFSET."""
    if not 0 <= offset <= MAX_OFFSET:
        raise ValueError(f"offset must be between 0 and {MAX_OFFSET}")
    if by_date:
        return _page_by_date(database, user_id, query, offset)
    with database.read() as connection:
        cursor = query.after_id
        skipped = 0
        while skipped < offset:
            wanted = min(offset - skipped, MAX_IDS)
            ids = entries.list_entry_ids(
                connection, user_id, replace(query, after_id=cursor, limit=wanted)
            )
            if ids:
                cursor = ids[-1]
            skipped += len(ids)
            if len(ids) < wanted:
                # Fewer entries than the offset: an empty page.
                return EntriesPage(skipped, ())
        found = entries.list_entry_details(connection, user_id, replace(query, after_id=cursor))
        if len(found) < query.limit:
            # The last page: its length tells the total without counting.
            return EntriesPage(offset + len(found), tuple(found))
        total = entries.count_entries(connection, user_id, query)
    return EntriesPage(total, tuple(found))


def _page_by_date(database: Database, user_id: int, query: EntryQuery, offset: int) -> EntriesPage:
    """`entries_page` by date: the page's ids come in date order with the offset applied
    by the database (no keyset exists for this order), then their details."""
    with database.read() as connection:
        ids = entries.list_entry_ids_by_date(connection, user_id, query, offset=offset)
        found = {}
        if ids:
            details = entries.list_entry_details(
                connection, user_id, EntryQuery(entry_ids=tuple(ids), limit=len(ids))
            )
            found = {entry.id: entry for entry in details}
        page = tuple(found[entry_id] for entry_id in ids if entry_id in found)
        if len(ids) < query.limit and (ids or offset == 0):
            return EntriesPage(offset + len(ids), page)
        total = entries.count_entries(connection, user_id, query)
    return EntriesPage(total, page)


def one_entry(database: Database, user_id: int, entry_id: int, query: EntryQuery) -> EntryDetails:
    """The user's entry `entry_id`, if `query` (a feed or category) selects it;
    NotFoundError otherwise."""
    only = replace(query, entry_ids=(entry_id,), limit=1)
    with database.read() as connection:
        found = entries.list_entry_details(connection, user_id, only)
    if not found:
        raise NotFoundError(f"no entry {entry_id}")
    return found[0]


def toggle_star(database: Database, user_id: int, entry_id: int) -> bool:
    """Star the user's entry if it is not starred, unstar it if it is; returns whether
    it is starred now. NotFoundError when the entry is not the user's."""
    with database.write() as connection:
        rows = entries.list_entries(connection, user_id, EntryQuery(entry_ids=(entry_id,), limit=1))
        if not rows:
            raise NotFoundError(f"no entry {entry_id}")
        starred = not rows[0].starred
        entries.set_starred(connection, user_id, [entry_id], starred=starred, now=utcnow())
    return starred
