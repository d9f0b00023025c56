"""The storage contract, retention: purging by age and count, what is never purged, and
tombstones that keep a purged entry from coming back (on SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import insert, update

from newsriver.store import schema, subscriptions
from newsriver.store.database import Database
from newsriver.store.retention import RetentionPolicy, purge
from tests.store import (
    DAY,
    HOUR,
    NOW,
    add_feed,
    add_user,
    dated_items,
    entry_count,
    ids_of,
    mark,
    refresh,
)
from tests.support.feed_server import Item


def _old_and_new(database: Database, feed_id: int) -> list[int]:
    """Three entries 300, 200 and 100 days old and two from yesterday, oldest first."""
    items = [
        Item(f"age-{days}", f"{days} days old", published=NOW - days * DAY)
        for days in (1, 1.5, 100, 200, 300)
    ]
    return refresh(database, feed_id, items).new_ids


def test_purge_by_age_keeps_starred_and_labelled_entries(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/old.xml", alice, bob)
    ids = _old_and_new(database, feed_id)  # 300, 200, 100, 1.5, 1 days old
    mark(database, bob, [ids[0]], starred=True)
    with database.write() as connection:
        label_id = connection.scalar(
            insert(schema.labels).values(user_id=alice, name="keep").returning(schema.labels.c.id)
        )
        connection.execute(insert(schema.entry_labels).values(label_id=label_id, entry_id=ids[1]))

    with database.write() as connection:
        purged = purge(connection, RetentionPolicy(max_age=150 * DAY, max_count=None), now=NOW)

    assert purged == 0  # the two oldest are protected, 100 days is young enough
    with database.write() as connection:
        purged = purge(connection, RetentionPolicy(max_age=50 * DAY, max_count=None), now=NOW)
    assert purged == 1
    assert sorted(ids_of(database, alice)) == [ids[0], ids[1], ids[3], ids[4]]
    assert sorted(ids_of(database, bob)) == [ids[0], ids[1], ids[3], ids[4]]
    assert entry_count(database) == 4


def test_purge_by_count_keeps_the_newest_and_starred(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/count.xml", alice)
    other = add_feed(database, "https://example.org/untouched.xml", alice)
    ids = refresh(database, feed_id, dated_items("c", 6)).new_ids
    other_ids = refresh(database, other, dated_items("u", 2)).new_ids
    mark(database, alice, [ids[0]], starred=True)

    with database.write() as connection:
        purged = purge(connection, RetentionPolicy(max_age=None, max_count=3), now=NOW)

    assert purged == 2
    assert sorted(ids_of(database, alice, feed_id=feed_id)) == [ids[0], *ids[3:]]
    assert sorted(ids_of(database, alice, feed_id=other)) == sorted(other_ids)


def test_purge_keeps_what_the_most_generous_subscriber_wants(database: Database) -> None:
    """retention.py: "the most generous of their per-feed settings wins, the global
    setting applies where they have none"."""
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/generous.xml", alice, bob)
    ids = refresh(database, feed_id, dated_items("g", 8)).new_ids
    subs = schema.subscriptions

    def keep(user_id: int, count: int | None) -> None:
        with database.write() as connection:
            connection.execute(
                update(subs)
                .where(subs.c.user_id == user_id, subs.c.feed_id == feed_id)
                .values(keep_max_count=count)
            )

    def purge_with_global_count(count: int) -> int:
        with database.write() as connection:
            return purge(connection, RetentionPolicy(max_age=None, max_count=count), now=NOW)

    keep(alice, 7)
    keep(bob, 6)
    assert purge_with_global_count(2) == 1  # both set: alice's 7 wins over bob's 6
    assert sorted(ids_of(database, bob)) == ids[1:]
    keep(bob, None)  # bob follows the global limit (5): alice's 7 is still more generous
    assert purge_with_global_count(5) == 0
    assert sorted(ids_of(database, alice)) == ids[1:]


def test_a_purged_entry_never_comes_back(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/tomb.xml", alice)
    items = dated_items("t", 4, newest=NOW - 10 * DAY)
    ids = refresh(database, feed_id, items).new_ids
    with database.write() as connection:
        assert purge(connection, RetentionPolicy(max_age=None, max_count=2), now=NOW) == 2

    # The publisher still lists everything, and even edits a purged entry.
    still_listed = [*items[:3], Item(items[3].guid, "Edited after purge", published=None)]
    again = refresh(database, feed_id, still_listed, now=NOW + HOUR)

    assert again.new_ids == []
    assert again.decisions.changed == ()
    assert again.decisions.unchanged == 4
    assert sorted(ids_of(database, alice)) == ids[2:]
    assert ids_of(database, alice, unread_only=True) == sorted(ids[2:], reverse=True)
    assert entry_count(database) == 2
    # A genuinely new entry still arrives.
    assert len(refresh(database, feed_id, [Item("t-new", "New"), *items]).new_ids) == 1


def test_purge_removes_old_entries_of_feeds_nobody_reads(database: Database) -> None:
    """An entry is kept while a subscriber wants it: with none left, retention applies."""
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/abandoned.xml", alice)
    refresh(database, feed_id, dated_items("x", 3, newest=NOW - 400 * DAY))
    with database.write() as connection:
        subscriptions.unsubscribe(connection, alice, feed_id)

    with database.write() as connection:
        purged = purge(connection, RetentionPolicy(max_age=180 * DAY, max_count=None), now=NOW)

    assert purged == 3
    assert entry_count(database) == 0
