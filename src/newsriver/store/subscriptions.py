"""Feeds, categories and who subscribes to what.

A feed row is shared by every subscriber of its URL; `subscribe` reuses it, so a URL
already known is not fetched a second time for the new user, who sees its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

from newsriver.errors import NotFoundError
from newsriver.store import schema

_f, _s, _c = schema.feeds, schema.subscriptions, schema.categories


@dataclass(frozen=True, slots=True)
class Subscription:
    """A user's view of one feed."""

    id: int
    feed_id: int
    url: str
    # The user's title if set, else the feed's, else None (not fetched yet).
    title: str | None
    site_url: str | None
    category: str | None
    last_error: str | None
    disabled_reason: str | None


def find_feed(connection: Connection, url: str) -> int | None:
    """The id of the feed fetched from `url`, if newsriver has one."""
    feed_id = connection.scalar(select(_f.c.id).where(_f.c.url == url))
    return None if feed_id is None else int(feed_id)


def feed_title(connection: Connection, feed_id: int) -> str | None:
    title: str | None = connection.scalar(select(_f.c.title).where(_f.c.id == feed_id))
    return title


def get_or_create_feed(connection: Connection, url: str, *, now: datetime) -> tuple[int, bool]:
    """The id of the feed at `url`, creating it (due at once) when new; (id, created)."""
    existing = connection.scalar(select(_f.c.id).where(_f.c.url == url))
    if existing is not None:
        return int(existing), False
    try:
        with connection.begin_nested():
            feed_id = connection.scalar(
                insert(_f)
                .values(url=url, created_at=now, next_check_at=now, next_check_reason="new feed")
                .returning(_f.c.id)
            )
    except IntegrityError:
        # Another writer created it between our SELECT and INSERT (PostgreSQL).
        feed_id = connection.scalar(select(_f.c.id).where(_f.c.url == url))
        assert feed_id is not None
        return feed_id, False
    assert feed_id is not None
    return feed_id, True


def get_or_create_category(connection: Connection, user_id: int, name: str) -> int:
    existing = connection.scalar(select(_c.c.id).where(_c.c.user_id == user_id, _c.c.name == name))
    if existing is not None:
        return int(existing)
    position = connection.scalar(
        select(func.coalesce(func.max(_c.c.position), 0) + 1).where(_c.c.user_id == user_id)
    )
    category_id = connection.scalar(
        insert(_c).values(user_id=user_id, name=name, position=position).returning(_c.c.id)
    )
    assert category_id is not None
    return int(category_id)


def subscribe(
    connection: Connection,
    user_id: int,
    feed_id: int,
    *,
    category_id: int | None,
    title: str | None,
    now: datetime,
) -> tuple[int, bool]:
    """Subscribe the user to the feed; (subscription id, created).

    A new subscriber gets the feed's stored entries as unread, like FreshRSS. An
    existing subscription is left as it is (its title and category are the user's).
    """
    existing = connection.scalar(
        select(_s.c.id).where(_s.c.user_id == user_id, _s.c.feed_id == feed_id)
    )
    if existing is not None:
        return existing, False
    subscription_id = connection.scalar(
        insert(_s)
        .values(
            user_id=user_id, feed_id=feed_id, category_id=category_id, title=title, created_at=now
        )
        .returning(_s.c.id)
    )
    assert subscription_id is not None
    e, st = schema.entries, schema.entry_states
    connection.execute(
        insert(st).from_select(
            ["user_id", "entry_id", "feed_id"],
            select(_s.c.user_id, e.c.id, e.c.feed_id)
            .join(_s, _s.c.feed_id == e.c.feed_id)
            .where(_s.c.id == subscription_id),
        )
    )
    return subscription_id, True


def unsubscribe(connection: Connection, user_id: int, feed_id: int) -> None:
    """Remove the subscription and the user's state on its entries.

    The shared feed and its entries stay for other subscribers; a feed nobody reads
    is no longer fetched (see `updates.feeds_for_update`).
    """
    removed = connection.execute(
        delete(_s).where(_s.c.user_id == user_id, _s.c.feed_id == feed_id)
    ).rowcount
    if not removed:
        raise NotFoundError(f"no subscription to feed {feed_id}")
    st, el, lb = schema.entry_states, schema.entry_labels, schema.labels
    connection.execute(delete(st).where(st.c.user_id == user_id, st.c.feed_id == feed_id))
    # The user's labels on the feed's entries are their state too (and would keep the
    # entries from ever being purged).
    connection.execute(
        delete(el).where(
            el.c.label_id.in_(select(lb.c.id).where(lb.c.user_id == user_id)),
            el.c.entry_id.in_(
                select(schema.entries.c.id).where(schema.entries.c.feed_id == feed_id)
            ),
        )
    )


def list_subscriptions(connection: Connection, user_id: int) -> list[Subscription]:
    """The user's subscriptions by category name (uncategorised first), then title."""
    title = func.coalesce(_s.c.title, _f.c.title)
    rows = connection.execute(
        select(
            _s.c.id,
            _f.c.id,
            _f.c.url,
            title,
            _f.c.site_url,
            _c.c.name,
            _f.c.last_error,
            _f.c.disabled_reason,
        )
        .select_from(
            _s.join(_f, _f.c.id == _s.c.feed_id).outerjoin(_c, _c.c.id == _s.c.category_id)
        )
        .where(_s.c.user_id == user_id)
        .order_by(
            _c.c.position.nulls_first(), _c.c.name, func.lower(func.coalesce(title, _f.c.url))
        )
    )
    return [Subscription(*row) for row in rows]


def subscriber_count(connection: Connection, feed_ids: Sequence[int]) -> dict[int, int]:
    rows = connection.execute(
        select(_s.c.feed_id, func.count()).where(_s.c.feed_id.in_(feed_ids)).group_by(_s.c.feed_id)
    )
    return {row[0]: row[1] for row in rows}
