"""What the Fever API reads and writes in the store, on SQLite and PostgreSQL
(store/sync_times.py, store/icons.py): feed fetch times per user, the newest
entry seen by a moment, unreading what was read since a moment, and all of a user's
feed icons; each only ever about the user asked for."""

from __future__ import annotations

from sqlalchemy import select, update

from newsriver.store import icons, schema
from newsriver.store.counts import unread_total
from newsriver.store.database import Database
from newsriver.store.entries import set_read
from newsriver.store.icons import icons_of_user
from newsriver.store.sync_times import (
    feed_fetch_times,
    last_fetch_time,
    newest_entry_seen_by,
    unread_read_since,
)
from tests.store import DAY, HOUR, NOW, add_feed, add_user, dated_items, ids_of, refresh


def test_fetch_times_are_those_of_the_users_own_feeds(database: Database) -> None:
    alice, bob, carol = (add_user(database, name) for name in ("alice", "bob", "carol"))
    shared = add_feed(database, "https://example.org/shared.xml", alice, bob)
    alices = add_feed(database, "https://example.org/alice.xml", alice)
    bobs = add_feed(database, "https://example.org/bob.xml", bob)
    never = add_feed(database, "https://example.org/never.xml", alice)
    refresh(database, shared, dated_items("s", 1), now=NOW - DAY)
    refresh(database, alices, dated_items("a", 1), now=NOW - HOUR)
    refresh(database, bobs, dated_items("b", 1), now=NOW)
    with database.read() as connection:
        assert feed_fetch_times(connection, alice) == {shared: NOW - DAY, alices: NOW - HOUR}
        assert never not in feed_fetch_times(connection, alice)
        assert feed_fetch_times(connection, bob) == {shared: NOW - DAY, bobs: NOW}
        assert feed_fetch_times(connection, carol) == {}
        # Bob's feed was fetched last, but it is not Alice's.
        latest = last_fetch_time(connection, alice)
        assert latest == NOW - HOUR
        assert latest is not None
        assert latest.tzinfo is not None
        assert last_fetch_time(connection, bob) == NOW
        assert last_fetch_time(connection, carol) is None


def test_the_newest_entry_seen_by_a_moment_bounds_what_had_arrived(database: Database) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, "https://example.org/a.xml", alice)
    with database.read() as connection:
        assert newest_entry_seen_by(connection, NOW) is None  # nothing stored at all
    first = refresh(database, feed, dated_items("a", 3), now=NOW - DAY).new_ids
    later = refresh(database, feed, dated_items("a", 5), now=NOW).new_ids
    assert len(first) == 3
    assert len(later) == 2
    with database.read() as connection:
        assert newest_entry_seen_by(connection, NOW - DAY - HOUR) is None
        assert newest_entry_seen_by(connection, NOW - DAY) == max(first)
        assert newest_entry_seen_by(connection, NOW - HOUR) == max(first)
        assert newest_entry_seen_by(connection, NOW) == max(later)
        assert newest_entry_seen_by(connection, NOW + DAY) == max(later)


def test_unreading_what_was_read_since_touches_only_those_and_only_the_users(
    database: Database,
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed = add_feed(database, "https://example.org/shared.xml", alice, bob)
    ids = sorted(refresh(database, feed, dated_items("s", 4)).new_ids)
    with database.write() as connection:
        set_read(connection, alice, ids[:1], read=True, now=NOW - DAY)
        set_read(connection, alice, ids[1:3], read=True, now=NOW - HOUR)
        set_read(connection, bob, ids, read=True, now=NOW)
    with database.write() as connection:
        reopened = unread_read_since(connection, alice, NOW - 2 * HOUR)
    assert reopened == ids[1:3]
    assert ids_of(database, alice, unread_only=True) == sorted(ids[1:], reverse=True)
    assert ids_of(database, bob, unread_only=True) == []
    # The unread counts kept beside the subscriptions follow.
    with database.read() as connection:
        assert unread_total(connection, alice) == 3
        assert unread_total(connection, bob) == 0
    with database.read() as connection:
        read_at = connection.scalars(
            select(schema.entry_states.c.read_at).where(
                schema.entry_states.c.user_id == alice,
                schema.entry_states.c.entry_id.in_(ids[1:3]),
            )
        ).all()
    assert read_at == [None, None]
    # Read long ago stays read; asking again finds nothing more.
    with database.write() as connection:
        assert unread_read_since(connection, alice, NOW - 2 * HOUR) == []
        # A read state without a time (written by an older version) is not "recent".
        connection.execute(
            update(schema.entry_states)
            .where(schema.entry_states.c.user_id == bob)
            .values(read_at=None)
        )
        assert unread_read_since(connection, bob, NOW - DAY) == []


def test_a_users_icons_are_those_of_their_own_feeds_that_have_one(database: Database) -> None:
    alice, bob, carol = (add_user(database, name) for name in ("alice", "bob", "carol"))
    shared = add_feed(database, "https://example.org/shared.xml", alice, bob)
    missing = add_feed(database, "https://example.org/missing.xml", alice)
    unlooked = add_feed(database, "https://example.org/unlooked.xml", alice)
    bobs = add_feed(database, "https://example.org/bob.xml", bob)
    with database.write() as connection:
        for feed_id, data in ((shared, b"\x89PNG shared"), (bobs, b"GIF89a bob")):
            icons.save_icon(
                connection, feed_id, content_type="image/png", data=data, source_url=None, now=NOW
            )
        icons.save_icon(connection, missing, content_type=None, data=None, source_url=None, now=NOW)
    with database.read() as connection:
        alices = icons_of_user(connection, alice)
        assert alices == {shared: icons.StoredIcon("image/png", b"\x89PNG shared", NOW)}
        assert unlooked not in alices
        assert set(icons_of_user(connection, bob)) == {shared, bobs}
        assert icons_of_user(connection, carol) == {}
