"""Counts for `newsriver stats` and the admin pages. Every count is one indexed query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Table, func, select

from newsriver.store import schema
from newsriver.store.entries import STARRED, UNREAD


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
        .where(UNREAD)
        .group_by(u.c.name)
    ):
        unread[name] = count
    for name, count in connection.execute(
        select(u.c.name, func.count())
        .join(st, st.c.user_id == u.c.id)
        .where(STARRED)
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
