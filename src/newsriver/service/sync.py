"""Reading for the sync APIs (Google Reader, Fever, REST): entries with every detail
and their labels, or their ids alone, chosen by any `EntryQuery`.

The web UI reads pages through `service.reading`, shaped for its streams; sync clients
instead name their own filters (ids above or below a mark, read or unread, dated after
a time, given ids), which `EntryQuery` carries as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from newsriver.store import entries, labels, sync_times
from newsriver.store.database import Database
from newsriver.store.entries import MAX_IDS, EntryDetails, EntryQuery
from newsriver.store.sync_items import SyncItemRow, list_sync_items

__all__ = [
    "MAX_IDS",
    "EntryDetails",
    "EntryQuery",
    "SyncEntries",
    "SyncItemRow",
    "count_entries",
    "entry_ids",
    "list_entries",
    "list_items",
    "newest_entry_times",
]


@dataclass(frozen=True, slots=True)
class SyncEntries:
    entries: tuple[EntryDetails, ...]
    # The ids of the user's labels on each entry; entries without any are absent.
    labels: dict[int, tuple[int, ...]]


def list_entries(database: Database, user_id: int, query: EntryQuery) -> SyncEntries:
    """The user's entries that `query` selects, in its order, up to its limit (callers
    cap it: a page of full entries is large). Another user's ids select nothing."""
    with database.read() as connection:
        found = entries.list_entry_details(connection, user_id, query)
        carried = labels.labels_of(connection, user_id, [entry.id for entry in found])
    return SyncEntries(
        entries=tuple(found),
        labels={entry_id: tuple(ids) for entry_id, ids in carried.items()},
    )


def list_items(database: Database, user_id: int, query: EntryQuery) -> list[SyncItemRow]:
    """What `list_entries` gives, as the rows sync answers build their items from: only
    the columns items show, times as epoch numbers, labels included. For pages of up to
    1,000 items, where building `EntryDetails` cost more than the query."""
    with database.read() as connection:
        return list_sync_items(connection, user_id, query)


def entry_ids(database: Database, user_id: int, query: EntryQuery) -> list[int]:
    """The ids alone of the user's entries that `query` selects (at most MAX_IDS)."""
    with database.read() as connection:
        return entries.list_entry_ids(connection, user_id, query)


def count_entries(database: Database, user_id: int, query: EntryQuery) -> int:
    """How many of the user's entries `query` selects (its cursor and limit ignored)."""
    with database.read() as connection:
        return entries.count_entries(connection, user_id, query)


def newest_entry_times(database: Database, user_id: int) -> dict[int, datetime]:
    """When each of the user's feeds last brought a new entry (absent: never)."""
    with database.read() as connection:
        return sync_times.newest_entry_times(connection, user_id)
