"""Managing subscriptions (on SQLite and PostgreSQL): the edit form's settings, the rules
for changing a feed's URL, unsubscribing, OPML import by user id, and users kept apart."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from newsriver.clock import utcnow
from newsriver.errors import ConflictError, FetchError, NotAFeedError, NotFoundError
from newsriver.fetch import FetcherConfig
from newsriver.service import subscriptions as service
from newsriver.service.subscribe import FeedChoices, Subscribed
from newsriver.service.subscriptions import AlreadySubscribed
from newsriver.settings import parse_private_networks
from newsriver.store import categories, schema, subscriptions
from newsriver.store.database import Database
from newsriver.store.subscriptions import SubscriptionSettings
from newsriver.store.updates import apply_update
from tests.store import (
    HOUR,
    NOW,
    add_feed,
    add_user,
    dated_items,
    entries_of,
    ids_of,
    mark,
    plain_update,
    refresh,
)
from tests.support.feed_server import FeedServer, Item

A_URL = "https://example.org/a.xml"
B_URL = "https://example.org/b.xml"


def feed_row(database: Database, feed_id: int) -> dict[str, Any]:
    with database.read() as connection:
        row = connection.execute(select(schema.feeds).where(schema.feeds.c.id == feed_id)).one()
    return dict(row._mapping)


def ids_by_key(database: Database, feed_id: int) -> dict[str, int]:
    e = schema.entries
    with database.read() as connection:
        rows = connection.execute(select(e.c.key, e.c.id).where(e.c.feed_id == feed_id))
        return {row.key: row.id for row in rows}


def settings_of(database: Database, user_id: int, feed_id: int) -> SubscriptionSettings:
    return service.get_subscription(database, user_id, feed_id).settings


def test_settings_round_trip_and_blank_title_means_the_feeds(database: Database) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, A_URL, alice)
    refresh(database, feed, dated_items("a", 2))
    news = service.create_category(database, alice, "News")
    wanted = SubscriptionSettings(
        title="  My   feed ",
        category_id=news.id,
        refresh_interval_s=600,
        keep_max_age_days=30,
        keep_max_count=200,
        open_original=True,
    )

    service.update_subscription(database, alice, feed, wanted)

    details = service.get_subscription(database, alice, feed)
    assert details.settings == SubscriptionSettings("My feed", news.id, 600, 30, 200, True)
    assert details.category_name == "News"
    assert details.url == A_URL
    assert details.feed_title == "Test feed"
    assert details.display_title == "My feed"

    service.update_subscription(database, alice, feed, SubscriptionSettings(title="   "))
    details = service.get_subscription(database, alice, feed)
    assert details.settings == SubscriptionSettings()
    assert details.display_title == "Test feed"
    (listed,) = service.list_subscriptions(database, alice)
    assert (listed.title, listed.category) == ("Test feed", None)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("refresh_interval_s", 299),
        ("refresh_interval_s", 7 * 24 * 3600 + 1),
        ("refresh_interval_s", 0),
        ("keep_max_age_days", 0),
        ("keep_max_age_days", -5),
        ("keep_max_age_days", 3651),
        ("keep_max_count", 0),
        ("keep_max_count", 100_001),
        ("title", "x" * 301),
    ],
)
def test_values_out_of_bounds_are_refused_and_nothing_changes(
    database: Database, field: str, value: object
) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, A_URL, alice)
    before = settings_of(database, alice, feed)

    with pytest.raises(ValueError, match=r"must be|longer than"):
        service.update_subscription(
            database,
            alice,
            feed,
            SubscriptionSettings(**{field: value}),  # type: ignore[arg-type]
        )

    assert settings_of(database, alice, feed) == before


def test_bounds_themselves_are_accepted(database: Database) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, A_URL, alice)
    for low_or_high in (0, 1):
        chosen = SubscriptionSettings(
            refresh_interval_s=subscriptions.REFRESH_INTERVAL_S[low_or_high],
            keep_max_age_days=subscriptions.KEEP_MAX_AGE_DAYS[low_or_high],
            keep_max_count=subscriptions.KEEP_MAX_COUNT[low_or_high],
        )
        service.update_subscription(database, alice, feed, chosen)
        assert settings_of(database, alice, feed) == chosen


def test_a_shorter_interval_brings_the_next_check_forward_and_a_longer_one_does_not(
    database: Database,
) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, A_URL, alice)
    with database.write() as connection:
        apply_update(connection, plain_update(feed, at=NOW, next_at=NOW + 10 * HOUR))

    def choose(interval_s: int, now: datetime) -> None:
        with database.write() as connection:
            subscriptions.update_subscription(
                connection,
                alice,
                feed,
                SubscriptionSettings(refresh_interval_s=interval_s),
                now=now,
            )

    choose(3 * 24 * 3600, NOW + HOUR)
    assert feed_row(database, feed)["next_check_at"] == NOW + 10 * HOUR

    choose(1800, NOW + HOUR)  # half an hour after the last fetch is past: due at once
    row = feed_row(database, feed)
    assert (row["next_check_at"], row["next_check_reason"]) == (
        NOW + HOUR,
        "a subscriber changed the interval",
    )

    choose(2 * 3600, NOW + HOUR)  # later than the check already planned: kept
    assert feed_row(database, feed)["next_check_at"] == NOW + HOUR
    with database.write() as connection:
        apply_update(connection, plain_update(feed, at=NOW + HOUR, next_at=NOW + 11 * HOUR))
    choose(3 * 3600, NOW + 2 * HOUR)
    assert feed_row(database, feed)["next_check_at"] == NOW + 4 * HOUR


def test_another_users_ids_behave_like_ids_that_do_not_exist(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    alices_feed = add_feed(database, A_URL, alice)
    bobs_feed = add_feed(database, B_URL, bob)
    bobs_news = service.create_category(database, bob, "News")
    missing = bobs_feed + 1000

    for feed_id in (bobs_feed, missing):
        with pytest.raises(NotFoundError):
            service.get_subscription(database, alice, feed_id)
        with pytest.raises(NotFoundError):
            service.update_subscription(database, alice, feed_id, SubscriptionSettings())
        with pytest.raises(NotFoundError):
            service.change_url(database, alice, feed_id, "https://example.org/new.xml")
        with pytest.raises(NotFoundError):
            service.unsubscribe(database, alice, feed_id)
    with pytest.raises(NotFoundError):
        service.update_subscription(
            database, alice, alices_feed, SubscriptionSettings(category_id=bobs_news.id)
        )

    assert service.get_subscription(database, bob, bobs_feed).url == B_URL
    assert settings_of(database, alice, alices_feed).category_id is None
    assert feed_row(database, bobs_feed)["url"] == B_URL


def test_a_feed_only_this_user_reads_moves_in_place_keeping_entries_and_state(
    database: Database,
) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, A_URL, alice)
    ids = refresh(database, feed, dated_items("a", 3)).new_ids
    mark(database, alice, ids[:1], read=True, starred=True)
    with database.write() as connection:
        connection.execute(
            schema.feeds.update()
            .where(schema.feeds.c.id == feed)
            .values(etag='"v1"', error_count=4, last_error="boom", disabled_reason="gone")
        )

    new_url = "https://example.org/moved.xml"
    asked = utcnow()
    assert service.change_url(database, alice, feed, f"  {new_url} ") == feed

    row = feed_row(database, feed)
    assert row["url"] == new_url
    assert (row["etag"], row["error_count"], row["last_error"], row["disabled_reason"]) == (
        None,
        0,
        None,
        None,
    )
    assert row["next_check_reason"] == "URL changed"
    assert asked <= row["next_check_at"] <= utcnow()  # due at once
    states = {row.id: (row.read, row.starred) for row in entries_of(database, alice)}
    assert states == {ids[0]: (True, True), ids[1]: (False, False), ids[2]: (False, False)}


def test_a_shared_feed_is_left_alone_and_the_subscription_moves_with_its_settings(
    database: Database,
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    shared = add_feed(database, A_URL, alice, bob)
    items = dated_items("a", 3)
    ids = refresh(database, shared, items).new_ids
    mark(database, alice, [ids[0]], read=True)
    mark(database, alice, [ids[1]], starred=True)
    tech = service.create_category(database, alice, "Tech")
    chosen = SubscriptionSettings("Mine", tech.id, 900, 10, 50, True)
    service.update_subscription(database, alice, shared, chosen)
    subscription_id = service.get_subscription(database, alice, shared).id

    new_url = "https://example.org/elsewhere.xml"
    moved = service.change_url(database, alice, shared, new_url)

    assert moved != shared
    assert feed_row(database, shared)["url"] == A_URL
    assert service.get_subscription(database, bob, shared).url == A_URL
    details = service.get_subscription(database, alice, moved)
    assert (details.id, details.url, details.settings) == (subscription_id, new_url, chosen)
    assert feed_row(database, moved)["next_check_reason"] == "new feed"
    with pytest.raises(NotFoundError):
        service.get_subscription(database, alice, shared)
    assert ids_of(database, alice) == []  # the old feed's entries are no longer hers
    assert len(ids_of(database, bob)) == 3

    # A new feed has no entries to carry her state to: its first fetch brings them unread.
    new_ids = refresh(database, moved, items).new_ids
    assert [row.read for row in entries_of(database, alice)] == [False] * len(new_ids)


def test_moving_to_a_known_feed_carries_state_and_labels_by_entry_key(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    old = add_feed(database, A_URL, alice)
    new = add_feed(database, B_URL, bob)
    shared_items = [Item("same-1", "One"), Item("same-2", "Two")]
    refresh(database, old, [*shared_items, Item("only-old", "Old")])
    refresh(database, new, [*shared_items, Item("only-new", "New")])
    by_key = ids_by_key(database, old)
    mark(database, alice, [by_key["same-1"]], read=True, starred=True)
    mark(database, alice, [by_key["only-old"]], read=True)
    with database.write() as connection:
        label = connection.scalar(
            schema.labels.insert().values(user_id=alice, name="keep").returning(schema.labels.c.id)
        )
        connection.execute(
            schema.entry_labels.insert(), [{"label_id": label, "entry_id": by_key["same-2"]}]
        )

    assert service.change_url(database, alice, old, B_URL) == new
    assert feed_row(database, old)["url"] == A_URL  # another feed had the URL: not renamed

    new_by_key = ids_by_key(database, new)
    states = {row.id: (row.read, row.starred) for row in entries_of(database, alice)}
    assert states == {
        new_by_key["same-1"]: (True, True),
        new_by_key["same-2"]: (False, False),
        new_by_key["only-new"]: (False, False),
    }
    with database.read() as connection:
        labelled = set(connection.scalars(select(schema.entry_labels.c.entry_id)))
    assert labelled == {new_by_key["same-2"]}
    # Bob's state on the feed she joined is untouched.
    assert all(not row.read for row in entries_of(database, bob))


def test_changing_to_a_url_the_user_already_reads_is_a_conflict(database: Database) -> None:
    alice = add_user(database, "alice")
    a = add_feed(database, A_URL, alice)
    b = add_feed(database, B_URL, alice)

    with pytest.raises(ConflictError):
        service.change_url(database, alice, a, B_URL)

    assert service.get_subscription(database, alice, a).url == A_URL
    assert service.get_subscription(database, alice, b).url == B_URL


def test_the_same_url_changes_nothing_and_bad_urls_are_refused(database: Database) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, A_URL, alice)
    before = feed_row(database, feed)

    assert service.change_url(database, alice, feed, A_URL) == feed
    for bad in ("", "example.org/feed", "ftp://example.org/f", "https://", "http://a b/"):
        with pytest.raises(ValueError, match="http"):
            service.change_url(database, alice, feed, bad)

    assert feed_row(database, feed) == before


def test_unsubscribing_keeps_the_shared_feed_for_others(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    shared = add_feed(database, A_URL, alice, bob)
    refresh(database, shared, dated_items("a", 2))

    service.unsubscribe(database, alice, shared)

    assert service.list_subscriptions(database, alice) == []
    assert ids_of(database, alice) == []
    assert len(ids_of(database, bob)) == 2


def test_opml_import_by_id_reports_what_it_added(database: Database) -> None:
    alice = add_user(database, "alice")
    add_feed(database, A_URL, alice)
    document = f"""<?xml version="1.0"?><opml version="2.0"><body>
      <outline text="Tech"><outline text="B feed" type="rss" xmlUrl="{B_URL}"/></outline>
      <outline text="A again" type="rss" xmlUrl="{A_URL}"/>
      <outline text="no url"/>
    </body></opml>""".encode()

    report = service.import_opml(database, user_id=alice, user_name="alice", data=document)

    assert (report.summary.added, report.summary.already_subscribed) == (1, 1)
    assert [(row.url, row.title, row.category) for row in report.added] == [
        (B_URL, "B feed", "Tech")
    ]
    exported = service.export_opml(database, "alice").decode()
    assert B_URL in exported
    assert A_URL in exported
    with database.read() as connection:
        assert [c.name for c in categories.list_categories(connection, alice)] == ["Tech"]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def add(
    database: Database, server: FeedServer, user_id: int, url: str, **options: Any
) -> Subscribed | FeedChoices | AlreadySubscribed:
    config = FetcherConfig(allowlist=parse_private_networks(options.pop("allow", server.endpoint)))
    adding = service.add_subscription(
        database, config, user_id=user_id, user_name="alice", url=url, **options
    )
    # In a thread of its own, as the web UI does: a Playwright session run earlier in this
    # process may leave an event loop running in the main thread.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, adding).result()


def test_adding_by_url_into_a_category_by_id_and_again(
    database: Database, server: FeedServer
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    news = service.create_category(database, alice, "News")
    bobs = service.create_category(database, bob, "Bob's")
    url = server.feed("/feed.xml", [Item("a", "First")], title="Blog")

    with pytest.raises(NotFoundError):
        add(database, server, alice, url, category_id=bobs.id)
    assert server.hits() == 0
    first = add(database, server, alice, f" {url} ", category_id=news.id, title=" Mine ")
    again = add(database, server, alice, url)

    assert isinstance(first, Subscribed)
    assert again == AlreadySubscribed(first.feed_id)
    assert server.hits("/feed.xml") == 1
    details = service.get_subscription(database, alice, first.feed_id)
    assert (details.category_name, details.settings.title) == ("News", "Mine")


def test_failures_to_add_are_said_plainly(database: Database, server: FeedServer) -> None:
    alice = add_user(database, "alice")
    page = server.page("/page.html", "<html><head><title>x</title></head><body>Hi</body></html>")
    # Not at a path guessed from a page (/feed.xml…), so the page above names no feed.
    feed = server.feed("/blog/posts.rss", [Item("a", "First")])
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]

    def message(url: str, **options: Any) -> str:
        with pytest.raises((FetchError, NotAFeedError)) as caught:
            add(database, server, alice, url, **options)
        assert isinstance(caught.value, FetchError | NotAFeedError)
        return service.describe_subscribe_error(caught.value)

    assert message(page) == "That address is not a feed, and its page does not name one."
    assert message(f"http://127.0.0.1:{closed_port}/feed.xml", allow="1") == (
        "The host refused the connection or could not be reached."
    )
    assert message(feed, allow="") == (
        "That address is on a private network, which this server is not allowed to reach."
    )
    assert (
        message(server.status("/missing.xml", 404))
        == "The server answered with an error (HTTP 404)."
    )
    with pytest.raises(ValueError, match="http"):
        add(database, server, alice, "feed.example.org")
    assert service.list_subscriptions(database, alice) == []
