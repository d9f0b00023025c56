"""Feeds, categories and who subscribes to what.

A feed row is shared by every subscriber of its URL; `subscribe` reuses it, so a URL
already known is not fetched a second time for the new user, who sees its history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError

from newsriver.errors import ConflictError, NotFoundError
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


def is_subscribed(connection: Connection, user_id: int, feed_id: int) -> bool:
    found = connection.scalar(
        select(_s.c.id).where(_s.c.user_id == user_id, _s.c.feed_id == feed_id)
    )
    return found is not None


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
    add_entry_states(connection, user_id, feed_id)
    return subscription_id, True


def add_entry_states(connection: Connection, user_id: int, feed_id: int) -> None:
    """Give the user an unread state row for each of the feed's stored entries."""
    e, st = schema.entries, schema.entry_states
    connection.execute(
        insert(st).from_select(
            ["user_id", "entry_id", "feed_id"],
            select(literal(user_id, schema.Id), e.c.id, e.c.feed_id).where(e.c.feed_id == feed_id),
        )
    )


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
    forget_entry_states(connection, user_id, feed_id)


def forget_entry_states(connection: Connection, user_id: int, feed_id: int) -> None:
    """Delete the user's read/starred state and labels on the feed's entries."""
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


# --- One subscription's settings, as the edit form shows and changes them ---

# Bounds of a user's choices, inclusive. The scheduler accepts faster overrides
# (`update.schedule.MIN_OVERRIDE`), for admins; a user's form does not.
REFRESH_INTERVAL_S = (5 * 60, 7 * 24 * 3600)
KEEP_MAX_AGE_DAYS = (1, 3650)
KEEP_MAX_COUNT = (1, 100_000)
MAX_TITLE = 300


@dataclass(frozen=True, slots=True)
class SubscriptionSettings:
    """What a user may change about one subscription; None means "the default"."""

    # The user's own name for the feed; None shows the feed's title.
    title: str | None = None
    # None: the default category ("Uncategorised").
    category_id: int | None = None
    # None: adaptive, from the publisher's rhythm (see `update.schedule`).
    refresh_interval_s: int | None = None
    # None: the instance's retention policy.
    keep_max_age_days: int | None = None
    keep_max_count: int | None = None
    # Open the article's own page instead of the stored content.
    open_original: bool = False


@dataclass(frozen=True, slots=True)
class SubscriptionDetails:
    """One subscription with everything its edit form shows."""

    id: int
    feed_id: int
    url: str
    # The feed's own title and site, as last fetched (None before the first fetch).
    feed_title: str | None
    site_url: str | None
    category_name: str | None
    settings: SubscriptionSettings
    created_at: datetime

    @property
    def display_title(self) -> str:
        return self.settings.title or self.feed_title or self.url


def validate_settings(settings: SubscriptionSettings) -> SubscriptionSettings:
    """The settings with the title trimmed (blank: None); ValueError for a value out of
    bounds, naming the field and its bounds so a form can show it as it is."""
    title = " ".join((settings.title or "").split()) or None
    if title is not None and len(title) > MAX_TITLE:
        raise ValueError(f"the title is longer than {MAX_TITLE} characters")
    for value, (low, high), what in (
        (settings.refresh_interval_s, REFRESH_INTERVAL_S, "the refresh interval (seconds)"),
        (settings.keep_max_age_days, KEEP_MAX_AGE_DAYS, "the maximum age (days)"),
        (settings.keep_max_count, KEEP_MAX_COUNT, "the maximum number of entries"),
    ):
        if value is not None and not low <= value <= high:
            raise ValueError(f"{what} must be between {low} and {high}")
    return SubscriptionSettings(
        title=title,
        category_id=settings.category_id,
        refresh_interval_s=settings.refresh_interval_s,
        keep_max_age_days=settings.keep_max_age_days,
        keep_max_count=settings.keep_max_count,
        open_original=settings.open_original,
    )


def get_subscription(connection: Connection, user_id: int, feed_id: int) -> SubscriptionDetails:
    """The user's subscription to the feed; NotFoundError when they have none."""
    row = connection.execute(
        select(
            _s.c.id,
            _s.c.feed_id,
            _f.c.url,
            _f.c.title,
            _f.c.site_url,
            _c.c.name,
            _s.c.title,
            _s.c.category_id,
            _s.c.refresh_interval_s,
            _s.c.keep_max_age_days,
            _s.c.keep_max_count,
            _s.c.open_original,
            _s.c.created_at,
        )
        .select_from(
            _s.join(_f, _f.c.id == _s.c.feed_id).outerjoin(_c, _c.c.id == _s.c.category_id)
        )
        .where(_s.c.user_id == user_id, _s.c.feed_id == feed_id)
    ).one_or_none()
    if row is None:
        raise NotFoundError(f"no subscription to feed {feed_id}")
    return SubscriptionDetails(
        id=row[0],
        feed_id=row[1],
        url=row[2],
        feed_title=row[3],
        site_url=row[4],
        category_name=row[5],
        settings=SubscriptionSettings(*row[6:12]),
        created_at=row[12],
    )


def update_subscription(
    connection: Connection,
    user_id: int,
    feed_id: int,
    settings: SubscriptionSettings,
    *,
    now: datetime,
) -> None:
    """Replace the subscription's settings (all of them: a form sends every field).

    NotFoundError for no such subscription or a category that is not the user's;
    ValueError for values out of bounds. A refresh interval shorter than the wait until
    the next check brings that check forward, so the change shows without a long wait.
    """
    settings = validate_settings(settings)
    if settings.category_id is not None and not _owns_category(
        connection, user_id, settings.category_id
    ):
        raise NotFoundError(f"no category {settings.category_id}")
    updated = connection.execute(
        update(_s)
        .where(_s.c.user_id == user_id, _s.c.feed_id == feed_id)
        .values(
            title=settings.title,
            category_id=settings.category_id,
            refresh_interval_s=settings.refresh_interval_s,
            keep_max_age_days=settings.keep_max_age_days,
            keep_max_count=settings.keep_max_count,
            open_original=settings.open_original,
        )
    ).rowcount
    if not updated:
        raise NotFoundError(f"no subscription to feed {feed_id}")
    if settings.refresh_interval_s is not None:
        _bring_check_forward(connection, feed_id, settings.refresh_interval_s, now)


def _owns_category(connection: Connection, user_id: int, category_id: int) -> bool:
    return (
        connection.scalar(select(_c.c.id).where(_c.c.id == category_id, _c.c.user_id == user_id))
        is not None
    )


def _bring_check_forward(
    connection: Connection, feed_id: int, interval_s: int, now: datetime
) -> None:
    row = connection.execute(
        select(_f.c.last_fetched_at, _f.c.next_check_at).where(_f.c.id == feed_id)
    ).one()
    last_fetched_at, next_check_at = row
    wanted = max(now, (last_fetched_at or now) + timedelta(seconds=interval_s))
    if wanted < next_check_at:
        connection.execute(
            update(_f)
            .where(_f.c.id == feed_id)
            .values(next_check_at=wanted, next_check_reason="a subscriber changed the interval")
        )


# --- Changing a subscription's URL ---


def change_url(
    connection: Connection, user_id: int, feed_id: int, url: str, *, now: datetime
) -> int:
    """Point the user's subscription to the feed at `url`; returns the feed's id.

    A feed nobody else reads is moved in place: it keeps its entries and everyone's
    state, forgets its HTTP validators and errors, and is due at once. Otherwise (others
    read it, or newsriver already has a feed at `url`) the subscription moves to the feed
    at `url`, created when new and due at once, keeping its title, category and settings;
    read, starred and labels carry over to the entries both feeds share by key (those
    the new feed already has; a feed created here has none yet).
    NotFoundError for no such subscription, ConflictError when the user already
    subscribes to `url`. Does not check that `url` is a feed.
    """
    current = connection.execute(
        select(_s.c.id, _f.c.url)
        .join(_f, _f.c.id == _s.c.feed_id)
        .where(_s.c.user_id == user_id, _s.c.feed_id == feed_id)
    ).one_or_none()
    if current is None:
        raise NotFoundError(f"no subscription to feed {feed_id}")
    subscription_id, current_url = current
    if url == current_url:
        return feed_id
    target = find_feed(connection, url)
    if target is None and subscriber_count(connection, [feed_id]).get(feed_id) == 1:
        if _move_feed_in_place(connection, feed_id, url, now=now):
            return feed_id
        target = find_feed(connection, url)
    if target is None:
        target, _ = get_or_create_feed(connection, url, now=now)
    if is_subscribed(connection, user_id, target):
        raise ConflictError(f"you already subscribe to {url}")
    connection.execute(update(_s).where(_s.c.id == subscription_id).values(feed_id=target))
    add_entry_states(connection, user_id, target)
    _carry_state(connection, user_id, old_feed_id=feed_id, new_feed_id=target)
    forget_entry_states(connection, user_id, feed_id)
    return target


def _move_feed_in_place(connection: Connection, feed_id: int, url: str, *, now: datetime) -> bool:
    """Give the feed a new URL; False when another writer took that URL meanwhile."""
    try:
        with connection.begin_nested():
            connection.execute(
                update(_f)
                .where(_f.c.id == feed_id)
                .values(
                    url=url,
                    etag=None,
                    last_modified=None,
                    error_count=0,
                    last_error=None,
                    disabled_reason=None,
                    redirect_url=None,
                    redirect_count=0,
                    next_check_at=now,
                    next_check_reason="URL changed",
                )
            )
    except IntegrityError:
        return False
    return True


def _carry_state(
    connection: Connection, user_id: int, *, old_feed_id: int, new_feed_id: int
) -> None:
    """Copy the user's read/starred state and labels from the old feed's entries to the
    new feed's entries with the same key (the same article, as both feeds identify it)."""
    e, st, el, lb = schema.entries, schema.entry_states, schema.entry_labels, schema.labels
    old, new = e.alias("old_entry"), e.alias("new_entry")
    same_article = (new.c.key == old.c.key) & (new.c.feed_id == new_feed_id)
    pairs = connection.execute(
        select(new.c.id, st.c.read, st.c.read_at, st.c.starred, st.c.starred_at)
        .select_from(st.join(old, old.c.id == st.c.entry_id).join(new, same_article))
        .where(st.c.user_id == user_id, st.c.feed_id == old_feed_id, st.c.read | st.c.starred)
    ).all()
    if pairs:
        connection.execute(
            update(st)
            .where(st.c.user_id == user_id, st.c.entry_id == bindparam("b_entry_id"))
            .values(
                read=bindparam("b_read"),
                read_at=bindparam("b_read_at"),
                starred=bindparam("b_starred"),
                starred_at=bindparam("b_starred_at"),
            ),
            [
                {
                    "b_entry_id": entry_id,
                    "b_read": read,
                    "b_read_at": read_at,
                    "b_starred": starred,
                    "b_starred_at": starred_at,
                }
                for entry_id, read, read_at, starred, starred_at in pairs
            ],
        )
    other = el.alias("other_label")
    already = (
        select(other.c.entry_id)
        .where(other.c.label_id == el.c.label_id, other.c.entry_id == new.c.id)
        .exists()
    )
    connection.execute(
        insert(el).from_select(
            ["label_id", "entry_id"],
            select(el.c.label_id, new.c.id)
            .select_from(
                el.join(lb, lb.c.id == el.c.label_id)
                .join(old, old.c.id == el.c.entry_id)
                .join(new, same_article)
            )
            .where(lb.c.user_id == user_id, old.c.feed_id == old_feed_id, ~already),
        )
    )
