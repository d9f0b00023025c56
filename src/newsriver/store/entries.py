"""A user's entries: listing with keyset pagination, and read/starred state.

Streams are ordered by entry id, which grows with insertion (FreshRSS orders its main
stream the same way): pagination is `id < cursor` on an index, never OFFSET, and a page
stays stable while new entries arrive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, Select, select, update

from newsriver.store import schema
from newsriver.store.search import search_clause

_e, _st = schema.entries, schema.entry_states


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """Which of a user's entries to list. Every filter narrows; none widens."""

    feed_id: int | None = None
    category_id: int | None = None
    unread_only: bool = False
    starred_only: bool = False
    # Plain words and "quoted phrases", all required.
    search: str | None = None
    order: Literal["newest", "oldest"] = "newest"
    # Keyset cursor: the id of the last entry of the previous page.
    after_id: int | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class EntryRow:
    id: int
    feed_id: int
    title: str | None
    link: str | None
    author: str | None
    summary: str | None
    content: str | None
    published: datetime | None
    sort_at: datetime
    read: bool
    starred: bool


def _select(user_id: int) -> Select[tuple[object, ...]]:
    return (
        select(
            _e.c.id,
            _e.c.feed_id,
            _e.c.title,
            _e.c.link,
            _e.c.author,
            _e.c.summary,
            _e.c.content,
            _e.c.published,
            _e.c.sort_at,
            _st.c.read,
            _st.c.starred,
        )
        .select_from(_st.join(_e, _e.c.id == _st.c.entry_id))
        .where(_st.c.user_id == user_id)
    )


def list_entries(connection: Connection, user_id: int, query: EntryQuery) -> list[EntryRow]:
    """One page of the user's entries matching `query`. Does not mark them read."""
    statement = _select(user_id)
    if query.feed_id is not None:
        statement = statement.where(_st.c.feed_id == query.feed_id)
    if query.category_id is not None:
        s = schema.subscriptions
        statement = statement.where(
            _st.c.feed_id.in_(
                select(s.c.feed_id).where(
                    s.c.user_id == user_id, s.c.category_id == query.category_id
                )
            )
        )
    if query.unread_only:
        statement = statement.where(~_st.c.read)
    if query.starred_only:
        statement = statement.where(_st.c.starred)
    if query.search:
        statement = statement.where(search_clause(connection, _st.c.entry_id, query.search))
    newest = query.order == "newest"
    if query.after_id is not None:
        statement = statement.where(
            _st.c.entry_id < query.after_id if newest else _st.c.entry_id > query.after_id
        )
    statement = statement.order_by(_st.c.entry_id.desc() if newest else _st.c.entry_id)
    rows = connection.execute(statement.limit(max(1, min(query.limit, 1000))))
    return [EntryRow(**row._mapping) for row in rows]


def set_read(
    connection: Connection, user_id: int, entry_ids: Sequence[int], *, read: bool, now: datetime
) -> int:
    """Mark the user's entries read or unread; ids not theirs are ignored. Returns the
    number of entries whose state changed."""
    return connection.execute(
        update(_st)
        .where(_st.c.user_id == user_id, _st.c.entry_id.in_(entry_ids), _st.c.read != read)
        .values(read=read, read_at=now if read else None)
    ).rowcount


def set_starred(
    connection: Connection, user_id: int, entry_ids: Sequence[int], *, starred: bool, now: datetime
) -> int:
    """Star or unstar the user's entries; ids not theirs are ignored."""
    return connection.execute(
        update(_st)
        .where(_st.c.user_id == user_id, _st.c.entry_id.in_(entry_ids), _st.c.starred != starred)
        .values(starred=starred, starred_at=now if starred else None)
    ).rowcount
