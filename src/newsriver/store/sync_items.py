"""Pages of entries as the sync APIs' items show them (Google Reader's `stream/contents`),
one plain row per entry with only the columns an item shows, the conversions done by the
database.

A page of 1,000 items through `entries.EntryDetails` (a dataclass per entry, times
converted in Python by the column types) cost more than its query; these rows go
straight into the answer. The selection, order and cursor are `entries.sync_listing`'s,
so every stream and filter behaves as in the other listings.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, Text, cast, exists, func, literal_column, select

from newsriver.store import schema
from newsriver.store.entries import EntryQuery, json_list, sync_listing

_e, _st = schema.entries, schema.entry_states
_el, _lb = schema.entry_labels, schema.labels


# A page entry as the sync APIs' items show it, by position (the sync answers build
# their items straight from these tuples; a dataclass or a mapping per entry cost more
# than the query): id, feed_id, title ("" for none), link, author, body (the content,
# else the summary, else ""), published and updated (epoch seconds: the published time
# else `sort_at`, and the updated time else that), first seen (epoch microseconds,
# Google Reader's crawl time), enclosures (as stored: [{"url", "type", "length"}]; None
# for none), read, starred (bools, or 0 and 1), and the ids of the user's labels on it,
# in order (None for none).
SyncItemRow = tuple[
    int,
    int,
    str,
    str | None,
    str | None,
    str,
    int,
    int,
    int,
    tuple[dict[str, object], ...] | None,
    bool | int,
    bool | int,
    tuple[int, ...] | None,
]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def list_sync_items(connection: Connection, user_id: int, query: EntryQuery) -> list[SyncItemRow]:
    """The entries of `list_entry_ids(query)`, in its order, as `SyncItemRow`s: what
    `list_entry_details` gives the sync APIs' items, and only that, with the times
    already in epoch numbers and the labels of each entry. One query for the page.

    Times are converted by the database, and on SQLite only from the text form newsriver
    writes ("2024-05-06 12:00:00.000000"); rows holding another form (written by hand)
    have theirs converted in Python instead, with the same result.
    """
    statement = sync_listing(connection, user_id, query, _SYNC_ITEMS[connection.dialect.name])
    rows: list[Any] = list(connection.execute(statement).all())
    # Most rows are complete as read: no enclosures, no labels, times converted.
    special = [
        index
        for index, row in enumerate(rows)
        if row[9] is not None
        or row[12] is not None
        or row[6] is None
        or row[7] is None
        or row[8] is None
    ]
    if special:
        unconverted = [rows[index][0] for index in special if None in rows[index][6:9]]
        times = _epoch_times(connection, unconverted) if unconverted else {}
        for index in special:
            rows[index] = _completed(rows[index], times)
    return rows


def _completed(row: Any, times: dict[int, tuple[int, int, int]]) -> SyncItemRow:
    """A row with its enclosures and labels read, and its times from `times` when the
    database could not convert them."""
    published, updated, crawled = times.get(row[0]) or row[6:9]
    enclosures = row[9] and tuple(e for e in json_list(row[9]) if isinstance(e, dict))
    labels = row[12] and tuple(sorted(int(label) for label in row[12].split(",")))
    return (*row[:6], published, updated, crawled, enclosures or None, row[10], row[11], labels)


def _epoch_times(
    connection: Connection, entry_ids: Sequence[int]
) -> dict[int, tuple[int, int, int]]:
    """The entries' published and updated times (seconds) and when they were first seen
    (microseconds), read through `UtcDateTime`, which takes every text form."""
    rows = connection.execute(
        select(_e.c.id, _e.c.published, _e.c.updated, _e.c.sort_at, _e.c.first_seen_at).where(
            _e.c.id.in_(entry_ids)
        )
    )
    times = {}
    for entry_id, published, updated, sort_at, first_seen_at in rows:
        published = published or sort_at
        times[entry_id] = (
            # Truncated toward zero (before 1970 too), as the SQL's integer division.
            int(published.timestamp()),
            int((updated or published).timestamp()),
            (first_seen_at - _EPOCH) // _MICROSECOND,
        )
    return times


def _usec_sqlite(value: str) -> str:
    """SQL for the microseconds since the epoch of the text timestamp `value` when it
    is in the form newsriver writes, else NULL. julianday() of the whole seconds (which
    it holds to the millisecond) rounded to the second is exact, and exists in every
    SQLite (unixepoch() needs 3.38); the six digits of the fraction are added as they
    are written."""
    return (
        f"CASE WHEN length({value}) = 26 AND substr({value}, 20, 1) = '.' THEN "
        f"CAST(round((julianday(substr({value}, 1, 19)) - 2440587.5) * 86400) AS INTEGER)"
        f" * 1000000 + CAST(substr({value}, 21) AS INTEGER) END"
    )


def _usec_postgresql(value: str) -> str:
    # EXTRACT gives an exact numeric since PostgreSQL 14.
    return f"CAST(EXTRACT(EPOCH FROM {value}) * 1000000 AS BIGINT)"


def _sync_item_select(*, sqlite: bool) -> Select[Any]:
    """The columns of a `SyncItemRow` (before `_completed`). Written as SQL where
    Core's types would convert every value in Python (times, booleans on SQLite)."""
    usec = _usec_sqlite if sqlite else _usec_postgresql
    published = "COALESCE(entries.published, entries.sort_at)"
    updated = "COALESCE(entries.updated, entries.published, entries.sort_at)"
    label_id = _el.c.label_id if sqlite else cast(_el.c.label_id, Text)
    aggregate = func.group_concat(label_id) if sqlite else func.string_agg(label_id, ",")
    # The entry's labels (few) tested for being the user's, on `ix_entry_labels_entry_id`:
    # with a join, SQLite read the entry's key in every label of the user.
    labels = (
        select(aggregate)
        .where(
            _el.c.entry_id == _st.c.entry_id,
            exists()
            .where(_lb.c.id == _el.c.label_id, _lb.c.user_id == _st.c.user_id)
            .correlate_except(_lb),
        )
        .scalar_subquery()
    )
    return select(
        _e.c.id,
        _e.c.feed_id,
        func.coalesce(_e.c.title, ""),
        _e.c.link,
        _e.c.author,
        func.coalesce(func.nullif(_e.c.content, ""), _e.c.summary, ""),
        literal_column(f"({usec(published)}) / 1000000"),
        literal_column(f"({usec(updated)}) / 1000000"),
        literal_column(usec("entries.first_seen_at")),
        func.nullif(_e.c.enclosures, "[]"),
        literal_column("entry_states.read"),
        literal_column("entry_states.starred"),
        labels,
    ).select_from(_st.join(_e, _e.c.id == _st.c.entry_id))


# By dialect name.
_SYNC_ITEMS = {
    "sqlite": _sync_item_select(sqlite=True),
    "postgresql": _sync_item_select(sqlite=False),
}
