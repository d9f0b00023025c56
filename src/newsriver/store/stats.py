"""Counts for `newsriver stats` and the admin pages. Every count is one indexed query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, func, select

from newsriver.store import schema


@dataclass(frozen=True, slots=True)
class Stats:
    users: int
    feeds: int
    entries: int
    # Per user name.
    unread: dict[str, int]
    starred: dict[str, int]


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def collect_stats(connection: Connection) -> Stats:
    u, st = schema.users, schema.entry_states
    unread = dict.fromkeys(connection.scalars(select(u.c.name)), 0)
    starred = dict(unread)
    for name, count in connection.execute(
        select(u.c.name, func.count())
        .join(st, st.c.user_id == u.c.id)
        .where(~st.c.read)
        .group_by(u.c.name)
    ):
        unread[name] = count
    for name, count in connection.execute(
        select(u.c.name, func.count())
        .join(st, st.c.user_id == u.c.id)
        .where(st.c.starred)
        .group_by(u.c.name)
    ):
        starred[name] = count
    return Stats(
        users=len(unread),
        feeds=_count(connection, schema.feeds),
        entries=_count(connection, schema.entries),
        unread=unread,
        starred=starred,
    )


def unread_counts(connection: Connection, user_id: int) -> dict[int, int]:
    """Unread entries per feed for one user (an index-only count on SQLite and PostgreSQL)."""
    st = schema.entry_states
    rows = connection.execute(
        select(st.c.feed_id, func.count())
        .where(st.c.user_id == user_id, ~st.c.read)
        .group_by(st.c.feed_id)
    )
    return {row[0]: row[1] for row in rows}
