"""Feed health for the web UI: how each of a user's feeds is being fetched, and why."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from newsriver.clock import utcnow
from newsriver.store import health
from newsriver.store.database import Database
from newsriver.store.health import FeedHealth, FeedHealthReport


@dataclass(frozen=True, slots=True)
class HealthOverview:
    """Every feed of the user, problems first, with how many are in each state."""

    feeds: tuple[FeedHealth, ...]
    ok: int
    failing: int
    disabled: int
    # Not fetched yet (just subscribed, or imported from OPML).
    new: int


def health_overview(database: Database, user_id: int) -> HealthOverview:
    with database.read() as connection:
        feeds = tuple(health.health_overview(connection, user_id, now=utcnow()))
    states = Counter(feed.state for feed in feeds)
    return HealthOverview(
        feeds,
        ok=states["ok"],
        failing=states["failing"],
        disabled=states["disabled"],
        new=states["new"],
    )


def feed_health(database: Database, user_id: int, feed_id: int) -> FeedHealthReport:
    """NotFoundError unless the user subscribes to the feed."""
    with database.read() as connection:
        return health.feed_health(connection, user_id, feed_id, now=utcnow())


def request_check(database: Database, user_id: int, feed_id: int) -> None:
    """Have the feed fetched on the scheduler's next round (re-enabled if disabled)."""
    with database.write() as connection:
        health.request_check(connection, user_id, feed_id, now=utcnow())
