"""Purging old entries: by age and by count, per feed and globally.

An entry is kept while any of its subscribers wants it: the most generous of their
per-feed settings wins, the global setting applies where they have none. Starred and
labelled entries are never purged. A purged entry leaves a tombstone (feed, key) so
that the next fetch, which may still list it, does not bring it back as unread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, delete, func, insert, literal, select

from newsriver.store import schema

_e, _s = schema.entries, schema.subscriptions


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
    feed_settings = connection.execute(
        select(
            _s.c.feed_id,
            # NULL (use the global default) must win over any number: count NULLs first.
            func.count().label("subscribers"),
            func.count(_s.c.keep_max_age_days).label("with_age"),
            func.max(_s.c.keep_max_age_days).label("max_age_days"),
            func.count(_s.c.keep_max_count).label("with_count"),
            func.max(_s.c.keep_max_count).label("max_count"),
        ).group_by(_s.c.feed_id)
    ).all()
    for feed_id, subscribers, with_age, max_age_days, with_count, max_count in feed_settings:
        age = policy.max_age if with_age < subscribers else timedelta(days=max_age_days)
        count = policy.max_count if with_count < subscribers else max_count
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
