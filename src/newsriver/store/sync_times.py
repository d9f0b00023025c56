"""Times that sync clients reason with, where the listings by entry id do not reach:
when a user's feeds were last fetched, which entries existed at a moment, and undoing
the reads of the last minutes.

Fever clients name moments rather than entry ids: "mark this feed read `before` the
time of my last sync", "unread what I read recently". Entry ids grow with insertion,
so a moment becomes an id bound (`newest_entry_seen_by`), which the id-ordered
mark-all-read of `store/entries.py` then applies on its indexes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, select, update

from newsriver.store import schema

_e, _f, _s, _st = schema.entries, schema.feeds, schema.subscriptions, schema.entry_states


def feed_fetch_times(connection: Connection, user_id: int) -> dict[int, datetime]:
    """When each of the user's feeds was last fetched; feeds never fetched are absent."""
    return _feed_times(connection, user_id, _f.c.last_fetched_at)


def newest_entry_times(connection: Connection, user_id: int) -> dict[int, datetime]:
    """When each of the user's feeds last brought a new entry (Google Reader's
    `newestItemTimestampUsec`); feeds that never did are absent. From the feeds' own
    rows: the entries' times sit after their content, and reading 1,000 of them cost
    five times more."""
    return _feed_times(connection, user_id, _f.c.last_new_entry_at)


def _feed_times(
    connection: Connection, user_id: int, moment: ColumnElement[datetime]
) -> dict[int, datetime]:
    """A time column of each of the user's feeds, where set. One row per subscription,
    on the (user_id, feed_id) key and the feeds' primary key."""
    rows = connection.execute(
        select(_f.c.id, moment)
        .join(_s, _s.c.feed_id == _f.c.id)
        .where(_s.c.user_id == user_id, moment.is_not(None))
    )
    return {int(feed_id): at for feed_id, at in rows}


def last_fetch_time(connection: Connection, user_id: int) -> datetime | None:
    """The most recent fetch of any of the user's feeds; None when none was fetched yet
    (or the user reads none)."""
    # max() keeps the column's type, so SQLite's value comes back aware too.
    latest: datetime | None = connection.scalar(
        select(func.max(_f.c.last_fetched_at))
        .join(_s, _s.c.feed_id == _f.c.id)
        .where(_s.c.user_id == user_id)
    )
    return latest


def newest_entry_seen_by(connection: Connection, at: datetime) -> int | None:
    """The highest entry id first seen at or before `at`; None when every entry is newer.

    Walks the entries' primary key down from the newest, so it costs the entries stored
    since `at` (a client's last sync: few), not the whole table; the oldest entry is
    looked at first so that a moment before everything does not walk it all. Entries
    are shared by every subscriber, so the bound holds for any user. First-seen times
    follow ids closely but not exactly (two workers' transactions interleave): the
    bound can be off by the entries of one concurrent refresh.
    """
    oldest = connection.scalar(select(_e.c.first_seen_at).order_by(_e.c.id).limit(1))
    if oldest is None or oldest > at:
        return None
    newest = connection.scalar(
        select(_e.c.id).where(_e.c.first_seen_at <= at).order_by(_e.c.id.desc()).limit(1)
    )
    return None if newest is None else int(newest)


def unread_read_since(connection: Connection, user_id: int, since: datetime) -> list[int]:
    """Mark unread the user's entries read at or after `since` (Fever's "unread recently
    read"); returns their ids. Scans the user's state rows (`read_at` has no index):
    an action a person takes now and then, not a per-sync query."""
    reopened = connection.execute(
        update(_st)
        .where(_st.c.user_id == user_id, _st.c.read.is_(True), _st.c.read_at >= since)
        .values(read=False, read_at=None)
        .returning(_st.c.entry_id)
    )
    return sorted(int(entry_id) for entry_id in reopened.scalars())
