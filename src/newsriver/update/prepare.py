"""What a parse worker does with one fetched document: read what the store knows of the
feed, then compute the update (`outcomes.update_from_document`, pure).

Reading the known entries here, in the worker, rather than in the pipeline's process
keeps that process's single interpreter lock for fetching and writing: every hop through
a thread there costs a wake-up of the event loop. Each process keeps one read-only
`Database` per URL for its life (SQLite in WAL mode lets it read while the writer writes).
"""

from __future__ import annotations

from datetime import datetime

from newsriver.fetch import FetchResult
from newsriver.store.database import Database, open_database
from newsriver.store.records import FeedForUpdate, FeedUpdate
from newsriver.store.updates import known_entries
from newsriver.update.outcomes import update_from_document

_databases: dict[str, Database] = {}


def document_update(
    store: Database | str, feed: FeedForUpdate, result: FetchResult, *, now: datetime, jitter: float
) -> FeedUpdate:
    """The update for `feed` from a fetched document; reads the store, writes nothing.

    `store` is the caller's `Database` when this runs in one of its threads, or its URL
    when it runs in a worker process (which then opens the database once and keeps it).
    """
    if isinstance(store, Database):
        database = store
    else:
        database = _databases.get(store) or _databases.setdefault(
            store, open_database(store, upgrade=False)
        )
    with database.read() as connection:
        known = known_entries(connection, [feed.id])[feed.id]
    return update_from_document(feed, result, known, now=now, jitter=jitter)
