"""Feed health (on SQLite and PostgreSQL): the numbers of the overview and of one feed's
page, computed from the feed row and its fetch log, for the user's own feeds only."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import event

from newsriver.errors import NotFoundError
from newsriver.store import health, subscriptions
from newsriver.store.database import Database
from newsriver.store.health import RECENT, FetchCounts
from newsriver.store.records import FeedUpdate, FetchRecord, NextCheck
from newsriver.store.subscriptions import SubscriptionSettings
from newsriver.store.updates import apply_update
from tests.store import DAY, HOUR, NOW, add_feed, add_user, dated_items, plain_update, refresh


def failed(feed_id: int, at: datetime, errors: int, *, status: int | None = 500) -> FeedUpdate:
    return FeedUpdate(
        feed_id=feed_id,
        fetch=FetchRecord(
            at=at, outcome="error", duration_ms=40, status=status, error=f"e{errors}"
        ),
        next_check=NextCheck(at=at + errors * HOUR, reason=f"{errors} errors in a row"),
        error_count=errors,
    )


def apply(database: Database, *updates: FeedUpdate) -> None:
    with database.write() as connection:
        for feed_update in updates:
            apply_update(connection, feed_update)


def overview(database: Database, user_id: int, now: datetime = NOW) -> list[health.FeedHealth]:
    with database.read() as connection:
        return health.health_overview(connection, user_id, now=now)


def report(database: Database, user_id: int, feed_id: int) -> health.FeedHealthReport:
    with database.read() as connection:
        return health.feed_health(connection, user_id, feed_id, now=NOW, history=3)


def test_the_overview_counts_recent_fetches_and_puts_problems_first(database: Database) -> None:
    alice = add_user(database, "alice")
    calm = add_feed(database, "https://example.org/calm.xml", alice, category="News")
    broken = add_feed(database, "https://example.org/broken.xml", alice)
    fresh = add_feed(database, "https://example.org/fresh.xml", alice)
    start = NOW - 5 * DAY
    # calm: one 200 bringing 3 entries, then three 304s.
    refresh(database, calm, dated_items("c", 3, newest=start - HOUR), now=start)
    apply(
        database,
        *(
            plain_update(calm, at=start + n * HOUR, next_at=start + (n + 1) * HOUR)
            for n in (1, 2, 3)
        ),
    )
    # broken: a 200 long ago (outside RECENT), then two failures in a row.
    refresh(database, broken, dated_items("b", 1, newest=NOW - 60 * DAY), now=NOW - 40 * DAY)
    apply(database, failed(broken, start, 1), failed(broken, start + HOUR, 2, status=None))

    feeds = overview(database, alice)

    # Problems first, then by name: the untitled feed by its URL ("https:…" < "test feed").
    assert [f.feed_id for f in feeds] == [broken, fresh, calm]
    by_id = {f.feed_id: f for f in feeds}
    assert [by_id[f].state for f in (calm, broken, fresh)] == ["ok", "failing", "new"]
    assert by_id[calm].recent == FetchCounts(fetches=4, ok=1, not_modified=3, errors=0)
    assert by_id[calm].recent.not_modified_ratio == 0.75
    assert (by_id[calm].title, by_id[calm].category) == ("Test feed", "News")
    assert by_id[calm].last_status == 304
    assert by_id[calm].last_fetched_at == start + 3 * HOUR
    assert by_id[calm].last_new_entry_at == start
    assert by_id[calm].next_check_at == start + 4 * HOUR
    assert by_id[calm].next_check_reason == "test"

    assert by_id[broken].recent == FetchCounts(fetches=2, ok=0, not_modified=0, errors=2)
    assert by_id[broken].recent.not_modified_ratio is None
    assert (by_id[broken].error_count, by_id[broken].last_error) == (2, "e2")
    assert by_id[broken].last_status is None
    assert by_id[broken].next_check_reason == "2 errors in a row"

    assert by_id[fresh].recent == FetchCounts()
    assert by_id[fresh].last_fetched_at is None
    assert by_id[fresh].title is None


def test_the_window_follows_now(database: Database) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, "https://example.org/a.xml", alice)
    refresh(database, feed, dated_items("a", 2), now=NOW)
    apply(database, plain_update(feed, at=NOW + DAY, next_at=NOW + 2 * DAY))

    (later,) = overview(database, alice, now=NOW + RECENT + HOUR)

    assert later.recent.fetches == 1
    assert later.recent.not_modified_ratio == 1.0


def test_a_disabled_feed_comes_first_and_the_user_title_is_shown(database: Database) -> None:
    alice = add_user(database, "alice")
    a = add_feed(database, "https://example.org/a.xml", alice)
    gone = add_feed(database, "https://example.org/gone.xml", alice)
    apply(database, failed(a, NOW, 3))
    gone_update = failed(gone, NOW, 1, status=410)
    apply(
        database,
        FeedUpdate(
            feed_id=gone,
            fetch=gone_update.fetch,
            next_check=gone_update.next_check,
            error_count=1,
            disable_reason="the server says the feed is gone (410); disabled",
        ),
    )
    with database.write() as connection:
        subscriptions.update_subscription(
            connection, alice, gone, SubscriptionSettings(title="Old blog"), now=NOW
        )

    first, second = overview(database, alice)

    assert (first.feed_id, first.state, first.title) == (gone, "disabled", "Old blog")
    assert first.disabled_reason == "the server says the feed is gone (410); disabled"
    assert (second.feed_id, second.state) == (a, "failing")


def test_one_feeds_page_lists_its_latest_fetches_and_errors(database: Database) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, "https://example.org/a.xml", alice)
    refresh(database, feed, dated_items("a", 2), now=NOW - 10 * HOUR)
    apply(
        database,
        failed(feed, NOW - 9 * HOUR, 1),
        failed(feed, NOW - 8 * HOUR, 2, status=503),
        plain_update(feed, at=NOW - 7 * HOUR, next_at=NOW),
        failed(feed, NOW - 6 * HOUR, 1, status=None),
        plain_update(feed, at=NOW - 5 * HOUR, next_at=NOW),
    )

    page = report(database, alice, feed)

    assert page.health.feed_id == feed
    assert page.health.recent == FetchCounts(fetches=6, ok=1, not_modified=2, errors=3)
    # 200 (3 ms) + three errors (40 ms) + two 304s (2 ms), and the 200's two entries.
    assert (page.mean_duration_ms, page.new_entries) == (round((3 + 3 * 40 + 2 * 2) / 6), 2)
    assert [(f.at, f.outcome, f.status) for f in page.fetches] == [
        (NOW - 5 * HOUR, "not_modified", 304),
        (NOW - 6 * HOUR, "error", None),
        (NOW - 7 * HOUR, "not_modified", 304),
    ]
    assert [(f.at, f.status, f.error) for f in page.errors] == [
        (NOW - 6 * HOUR, None, "e1"),
        (NOW - 8 * HOUR, 503, "e2"),
        (NOW - 9 * HOUR, 500, "e1"),
    ]


def test_another_users_feed_has_no_health_for_her(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    add_feed(database, "https://example.org/a.xml", alice)
    bobs = add_feed(database, "https://example.org/b.xml", bob)
    apply(database, failed(bobs, NOW, 1))

    with pytest.raises(NotFoundError):
        report(database, alice, bobs)
    with pytest.raises(NotFoundError):
        report(database, alice, bobs + 1000)
    assert [f.feed_id for f in overview(database, bob)] == [bobs]
    assert bobs not in {f.feed_id for f in overview(database, alice)}
    assert overview(database, add_user(database, "carol")) == []


def test_the_pages_cost_a_fixed_number_of_queries_however_many_feeds(database: Database) -> None:
    alice = add_user(database, "alice")
    for number in range(12):
        feed = add_feed(database, f"https://example.org/{number}.xml", alice)
        apply(database, plain_update(feed, at=NOW, next_at=NOW + HOUR))
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        assert len(overview(database, alice)) == 12
        feed_page = report(database, alice, feed)
    finally:
        event.remove(database.engine, "before_cursor_execute", count)

    assert feed_page.health.recent.not_modified_ratio == 1.0
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2 + 5


def test_a_check_asked_for_makes_the_feed_due_and_enabled_only_for_subscribers(
    database: Database,
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed = add_feed(database, "https://example.org/a.xml", alice)
    apply(
        database,
        FeedUpdate(
            feed_id=feed,
            fetch=FetchRecord(at=NOW, outcome="error", duration_ms=5, status=410),
            next_check=NextCheck(at=NOW + 365 * DAY, reason="gone"),
            error_count=1,
            disable_reason="gone",
        ),
    )
    with database.write() as connection, pytest.raises(NotFoundError):
        health.request_check(connection, bob, feed, now=NOW + HOUR)
    assert overview(database, alice)[0].state == "disabled"

    with database.write() as connection:
        health.request_check(connection, alice, feed, now=NOW + HOUR)

    (after,) = overview(database, alice)
    assert (after.disabled_reason, after.next_check_at) == (None, NOW + HOUR)
    assert after.next_check_reason == "a subscriber asked for a check"
