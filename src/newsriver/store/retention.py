"""Purging old entries: by age and by count, per feed and globally.

An entry is kept while any of its subscribers wants it: the most generous of their
per-feed settings wins, the global setting applies where they have none. Starred and
labelled entries are never purged. A purged entry leaves a tombstone (feed, key) so
that the next fetch, which may still list it, does not bring it back as unread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, Connection, delete, func, insert, literal, select

from newsriver.store import schema

_e, _s = schema.entries, schema.subscriptions
T = TypeVar("T", int, timedelta)


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """The instance's defaults; None disables that limit."""

    max_age: timedelta | None = timedelta(days=180)
    # Entries kept per feed at most (the newest by id).
    max_count: int | None = 1000


def _protected(entry_id: ColumnElement[int]) -> ColumnElement[bool]:
    """Starred by anyone, or carrying any label: never purged."""
    st, el = schema.entry_states, schema.entry_labels
    return (
        select(st.c.entry_id).where(st.c.entry_id == entry_id, st.c.starred).exists()
        | select(el.c.entry_id).where(el.c.entry_id == entry_id).exists()
    )


def purge(connection: Connection, policy: RetentionPolicy, *, now: datetime) -> int:
    """Delete the entries no subscriber keeps any more; returns how many were purged.

    Call inside `Database.write()`.
    """
    doomed: set[int] = set()
    f = schema.feeds
    # Per feed: how many subscribers, how many of them set each limit, and the largest
    # limit set. A feed nobody reads any more gets the global policy.
    feed_settings = connection.execute(
        select(
            f.c.id,
            func.count(_s.c.id),
            func.count(_s.c.keep_max_age_days),
            func.max(_s.c.keep_max_age_days),
            func.count(_s.c.keep_max_count),
            func.max(_s.c.keep_max_count),
        )
        .select_from(f.outerjoin(_s, _s.c.feed_id == f.c.id))
        .group_by(f.c.id)
    ).all()
    for feed_id, subscribers, with_age, max_age_days, with_count, max_count in feed_settings:
        # The most generous wins; a subscriber without a setting wants the global one.
        ages: list[timedelta | None] = [timedelta(days=max_age_days)] if with_age else []
        counts: list[int | None] = [max_count] if with_count else []
        if with_age < subscribers or not subscribers:
            ages.append(policy.max_age)
        if with_count < subscribers or not subscribers:
            counts.append(policy.max_count)
        age = _most_generous(ages)
        count = _most_generous(counts)
        candidates = select(_e.c.id).where(_e.c.feed_id == feed_id, ~_protected(_e.c.id))
        if age is not None:
            doomed.update(connection.scalars(candidates.where(_e.c.sort_at < now - age)))
        if count is not None:
            newest_kept = (
                select(_e.c.id)
                .where(_e.c.feed_id == feed_id)
                .order_by(_e.c.id.desc())
                .limit(count)
                .scalar_subquery()
            )
            doomed.update(connection.scalars(candidates.where(_e.c.id.not_in(newest_kept))))
    ids = sorted(doomed)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        connection.execute(
            insert(schema.entry_tombstones).from_select(
                ["feed_id", "key", "purged_at"],
                select(_e.c.feed_id, _e.c.key, literal(now, schema.UtcDateTime())).where(
                    _e.c.id.in_(chunk)
                ),
            )
        )
        connection.execute(delete(_e).where(_e.c.id.in_(chunk)))
    _trim_fetch_log(connection, keep=100)
    return len(ids)


def _most_generous(limits: Sequence[T | None]) -> T | None:
    """The largest limit; None (no limit) when any of them is None."""
    if any(limit is None for limit in limits):
        return None
    return max(limit for limit in limits if limit is not None)


def _trim_fetch_log(connection: Connection, *, keep: int) -> None:
    """Keep the last `keep` fetches of each feed: enough for the health page."""
    log = schema.fetch_log
    ranked = select(
        log.c.id,
        func.row_number().over(partition_by=log.c.feed_id, order_by=log.c.id.desc()).label("rank"),
    ).subquery()
    connection.execute(
        delete(log).where(log.c.id.in_(select(ranked.c.id).where(ranked.c.rank > keep)))
    )
