"""How a user's feeds are faring: the feed's state and what its recent fetches show.

The numbers come from two places: the `feeds` row (the last fetch, consecutive errors,
the next check and why) and `fetch_log` (one row per fetch, trimmed by retention to
the last hundred per feed) over `RECENT`. Every function here costs a fixed number of
queries, however many feeds the user has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import Connection, func, select, update

from newsriver.errors import NotFoundError
from newsriver.store import schema
from newsriver.store.records import FetchOutcome

_f, _s, _c, _log = schema.feeds, schema.subscriptions, schema.categories, schema.fetch_log

# The window the fetch statistics cover.
RECENT = timedelta(days=30)

FeedState = Literal["new", "ok", "failing", "disabled"]


@dataclass(frozen=True, slots=True)
class FetchCounts:
    """How the feed's fetches within RECENT ended."""

    fetches: int = 0
    ok: int = 0
    not_modified: int = 0
    errors: int = 0

    @property
    def not_modified_ratio(self) -> float | None:
        """The share of answered fetches that were 304 Not Modified (errors left out:
        they say nothing of the server's caching); None when none was answered."""
        answered = self.ok + self.not_modified
        return self.not_modified / answered if answered else None


@dataclass(frozen=True, slots=True)
class FeedHealth:
    feed_id: int
    url: str
    # The user's title, else the feed's, else None (never fetched successfully).
    title: str | None
    site_url: str | None
    category: str | None
    last_fetched_at: datetime | None
    # HTTP status of the last answer (None: no answer, e.g. a connection failure).
    last_status: int | None
    last_error: str | None
    # Consecutive failed fetches up to now.
    error_count: int
    last_new_entry_at: datetime | None
    next_check_at: datetime
    next_check_reason: str
    # Set when the feed is no longer fetched (410 Gone), with why.
    disabled_reason: str | None
    recent: FetchCounts

    @property
    def state(self) -> FeedState:
        if self.disabled_reason is not None:
            return "disabled"
        if self.error_count:
            return "failing"
        return "new" if self.last_fetched_at is None else "ok"


@dataclass(frozen=True, slots=True)
class FetchAttempt:
    """One row of the fetch log."""

    at: datetime
    outcome: FetchOutcome
    status: int | None
    error: str | None
    duration_ms: int
    new_entries: int
    changed_entries: int


@dataclass(frozen=True, slots=True)
class FeedHealthReport:
    """One feed's health page: its state, its latest fetches and its latest errors."""

    health: FeedHealth
    # Newest first.
    fetches: tuple[FetchAttempt, ...]
    errors: tuple[FetchAttempt, ...]
    # Over RECENT: the mean time a fetch took (None without fetches), new entries found.
    mean_duration_ms: int | None
    new_entries: int


def health_overview(connection: Connection, user_id: int, *, now: datetime) -> list[FeedHealth]:
    """Every feed the user subscribes to: disabled ones first, then by consecutive
    errors (most first), then by title. Two queries."""
    return _health(connection, user_id, None, now)


def feed_health(
    connection: Connection, user_id: int, feed_id: int, *, now: datetime, history: int = 20
) -> FeedHealthReport:
    """One subscribed feed's health with its last `history` fetches and errors.

    NotFoundError when the user does not subscribe to the feed. Five queries.
    """
    found = _health(connection, user_id, feed_id, now)
    if not found:
        raise NotFoundError(f"no subscription to feed {feed_id}")
    latest = (
        select(*_ATTEMPT_COLUMNS)
        .where(_log.c.feed_id == feed_id)
        .order_by(_log.c.at.desc(), _log.c.id.desc())
        .limit(history)
    )
    fetches = tuple(FetchAttempt(*row) for row in connection.execute(latest))
    errors = tuple(
        FetchAttempt(*row) for row in connection.execute(latest.where(_log.c.outcome == "error"))
    )
    mean_duration, new_entries = connection.execute(
        select(func.avg(_log.c.duration_ms), func.coalesce(func.sum(_log.c.new_entries), 0)).where(
            _log.c.feed_id == feed_id, _log.c.at >= now - RECENT
        )
    ).one()
    return FeedHealthReport(
        found[0],
        fetches,
        errors,
        mean_duration_ms=None if mean_duration is None else round(float(mean_duration)),
        new_entries=int(new_entries),
    )


def request_check(connection: Connection, user_id: int, feed_id: int, *, now: datetime) -> None:
    """Make the subscribed feed due now, re-enabling it if it was disabled (a feed gone
    by mistake, or back). The scheduler fetches it on its next round; NotFoundError when
    the user does not subscribe to it."""
    subscribed = select(_s.c.id).where(_s.c.user_id == user_id, _s.c.feed_id == feed_id)
    changed = connection.execute(
        update(_f)
        .where(_f.c.id == feed_id, subscribed.exists())
        .values(
            next_check_at=now,
            next_check_reason="a subscriber asked for a check",
            disabled_reason=None,
        )
    ).rowcount
    if not changed:
        raise NotFoundError(f"no subscription to feed {feed_id}")


_ATTEMPT_COLUMNS = (
    _log.c.at,
    _log.c.outcome,
    _log.c.status,
    _log.c.error,
    _log.c.duration_ms,
    _log.c.new_entries,
    _log.c.changed_entries,
)


def _health(
    connection: Connection, user_id: int, feed_id: int | None, now: datetime
) -> list[FeedHealth]:
    title = func.coalesce(_s.c.title, _f.c.title)
    query = (
        select(
            _f.c.id.label("feed_id"),
            _f.c.url,
            title.label("title"),
            _f.c.site_url,
            _c.c.name.label("category"),
            _f.c.last_fetched_at,
            _f.c.last_status,
            _f.c.last_error,
            _f.c.error_count,
            _f.c.last_new_entry_at,
            _f.c.next_check_at,
            _f.c.next_check_reason,
            _f.c.disabled_reason,
        )
        .select_from(
            _s.join(_f, _f.c.id == _s.c.feed_id).outerjoin(_c, _c.c.id == _s.c.category_id)
        )
        .where(_s.c.user_id == user_id)
        .order_by(
            _f.c.disabled_reason.is_(None),
            _f.c.error_count.desc(),
            func.lower(func.coalesce(title, _f.c.url)),
            _f.c.id,
        )
    )
    if feed_id is not None:
        query = query.where(_s.c.feed_id == feed_id)
    rows = connection.execute(query).all()
    if not rows:
        return []
    counts = _recent_counts(connection, user_id, feed_id, since=now - RECENT)
    return [
        FeedHealth(**row._mapping, recent=counts.get(row.feed_id, FetchCounts())) for row in rows
    ]


def _recent_counts(
    connection: Connection, user_id: int, feed_id: int | None, *, since: datetime
) -> dict[int, FetchCounts]:
    """Fetches per feed and outcome. Grouped by (feed_id, outcome) rather than summing
    CASEs: an index on (feed_id, outcome, at) answers it without reading the table."""
    # The caller has checked the subscription when it names one feed.
    in_scope = (
        _log.c.feed_id == feed_id
        if feed_id is not None
        else _log.c.feed_id.in_(select(_s.c.feed_id).where(_s.c.user_id == user_id))
    )
    rows = connection.execute(
        select(_log.c.feed_id, _log.c.outcome, func.count())
        .where(in_scope, _log.c.at >= since)
        .group_by(_log.c.feed_id, _log.c.outcome)
    )
    by_feed: dict[int, dict[str, int]] = {}
    for row_feed_id, outcome, count in rows:
        by_feed.setdefault(row_feed_id, {})[outcome] = int(count)
    return {
        row_feed_id: FetchCounts(
            fetches=sum(outcomes.values()),
            ok=outcomes.get("ok", 0),
            not_modified=outcomes.get("not_modified", 0),
            errors=outcomes.get("error", 0),
        )
        for row_feed_id, outcomes in by_feed.items()
    }
