"""The storage contract, reading: keyset pagination under every filter while entries
arrive, users kept apart, unread and starred counts (on SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from sqlalchemy import select

from newsriver.store import schema, subscriptions
from newsriver.store.counts import unread_per_feed
from newsriver.store.database import Database
from newsriver.store.entries import EntryQuery, list_entries
from newsriver.store.stats import collect_stats
from tests.store import (
    HOUR,
    NOW,
    add_feed,
    add_user,
    commit_out_of_id_order,
    dated_items,
    entries_of,
    ids_of,
    mark,
    refresh,
)


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_keyset_pages_never_repeat_or_skip_while_entries_arrive(
    database: Database, order: Literal["newest", "oldest"]
) -> None:
    alice = add_user(database, "alice")
    feed_a = add_feed(database, "https://example.org/a.xml", alice)
    feed_b = add_feed(database, "https://example.org/b.xml", alice)
    refresh(database, feed_a, dated_items("a", 9))
    refresh(database, feed_b, dated_items("b", 8))
    before = ids_of(database, alice, order=order)
    assert len(before) == 17

    seen: list[int] = []
    cursor: int | None = None
    arrivals = 0
    while True:
        with database.read() as connection:
            page = list_entries(
                connection, alice, EntryQuery(order=order, after_id=cursor, limit=4)
            )
        if not page:
            break
        assert len(page) <= 4
        seen.extend(row.id for row in page)
        cursor = page[-1].id
        if arrivals < 3:
            arrivals += 1
            for feed_id, prefix in ((feed_a, "a"), (feed_b, "b")):
                newer = dated_items(f"{prefix}{arrivals}", 2, newest=NOW + arrivals * HOUR)
                refresh(database, feed_id, newer, now=NOW + arrivals * HOUR)

    assert len(seen) == len(set(seen)), "an entry was listed twice"
    assert set(before) <= set(seen), "an entry was skipped"
    assert seen[: len(before)] == before
    if order == "newest":
        assert seen == before  # the arrivals are above the first page
    else:
        assert seen == ids_of(database, alice, order="oldest")
        assert len(seen) == 17 + 12


def test_filtered_pages_cover_exactly_the_matching_entries(database: Database) -> None:
    alice = add_user(database, "alice")
    news = add_feed(database, "https://example.org/news.xml", alice, category="News")
    tech = add_feed(database, "https://example.org/tech.xml", alice, category="Tech")
    more = add_feed(database, "https://example.org/more.xml", alice, category="Tech")
    for feed_id, prefix in ((news, "n"), (tech, "t"), (more, "m")):
        refresh(database, feed_id, dated_items(prefix, 7))
    everything = entries_of(database, alice)
    ids = [row.id for row in everything]
    mark(database, alice, ids[::3], read=True)
    mark(database, alice, ids[1::4], starred=True)
    with database.read() as connection:
        tech_id = connection.scalar(
            select(schema.categories.c.id).where(schema.categories.c.name == "Tech")
        )
    rows = entries_of(database, alice)
    feeds_in_tech = {tech, more}
    # Another user's category id selects nothing of theirs.
    bob = add_user(database, "bob")
    add_feed(database, "https://example.org/tech.xml", bob)
    assert entries_of(database, bob, category_id=tech_id) == []

    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({"unread_only": True}, [row.id for row in rows if not row.read]),
        ({"starred_only": True}, [row.id for row in rows if row.starred]),
        ({"feed_id": news}, [row.id for row in rows if row.feed_id == news]),
        ({"category_id": tech_id}, [row.id for row in rows if row.feed_id in feeds_in_tech]),
        (
            {"category_id": tech_id, "unread_only": True, "order": "oldest"},
            [row.id for row in reversed(rows) if row.feed_id in feeds_in_tech and not row.read],
        ),
    ]
    for filters, expected in cases:
        assert expected, filters
        seen: list[int] = []
        cursor: int | None = None
        while True:
            with database.read() as connection:
                page = list_entries(
                    connection, alice, EntryQuery(after_id=cursor, limit=3, **filters)
                )
            if not page:
                break
            seen.extend(row.id for row in page)
            cursor = page[-1].id
        assert seen == expected, filters


def test_marking_each_unread_page_read_skips_nothing(database: Database) -> None:
    """The reader's "mark page as read and go on" must not hide the next unread entries."""
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/river.xml", alice)
    refresh(database, feed_id, dated_items("r", 20))
    unread = ids_of(database, alice, unread_only=True)

    seen: list[int] = []
    cursor: int | None = None
    while True:
        with database.read() as connection:
            page = list_entries(
                connection, alice, EntryQuery(unread_only=True, after_id=cursor, limit=6)
            )
        if not page:
            break
        seen.extend(row.id for row in page)
        cursor = page[-1].id
        mark(database, alice, [row.id for row in page], read=True)

    assert seen == unread
    assert ids_of(database, alice, unread_only=True) == []


def test_users_never_see_or_change_each_others_state(database: Database) -> None:
    alice, bob, carol = (add_user(database, name) for name in ("alice", "bob", "carol"))
    shared = add_feed(database, "https://example.org/shared.xml", alice, bob)
    private = add_feed(database, "https://example.org/private.xml", carol)
    shared_ids = refresh(database, shared, dated_items("s", 4)).new_ids
    private_ids = refresh(database, private, dated_items("p", 3)).new_ids

    assert mark(database, alice, shared_ids, read=True, starred=True) == 8
    assert not any(row.read or row.starred for row in entries_of(database, bob))
    # Ids of entries bob does not subscribe to: nothing changes, nothing appears.
    assert mark(database, bob, private_ids, read=True, starred=True) == 0
    assert mark(database, bob, private_ids, read=False, starred=False) == 0
    assert not any(row.read or row.starred for row in entries_of(database, carol))
    assert entries_of(database, bob, feed_id=private) == []
    assert mark(database, carol, [], read=True) == 0
    assert set(ids_of(database, bob)) == set(shared_ids)
    assert set(ids_of(database, carol)) == set(private_ids)
    assert len(ids_of(database, bob, unread_only=True)) == 4
    assert len(ids_of(database, carol, unread_only=True)) == 3
    assert ids_of(database, alice, unread_only=True) == []
    # Marking unread what is already unread changes nothing either.
    assert mark(database, bob, shared_ids, read=False) == 0


def test_unread_and_starred_counts(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    add_user(database, "carol")
    feed_a = add_feed(database, "https://example.org/a.xml", alice)
    feed_b = add_feed(database, "https://example.org/b.xml", alice, bob)
    a_ids = refresh(database, feed_a, dated_items("a", 3)).new_ids
    b_ids = refresh(database, feed_b, dated_items("b", 2)).new_ids
    mark(database, alice, a_ids[:1], read=True)
    mark(database, alice, [a_ids[1], b_ids[0]], starred=True)
    mark(database, bob, b_ids, read=True, starred=True)

    with database.read() as connection:
        stats = collect_stats(connection)
        assert subscriptions.subscriber_count(connection, [feed_a, feed_b]) == {
            feed_a: 1,
            feed_b: 2,
        }
        assert unread_per_feed(connection, alice) == {feed_a: 2, feed_b: 2}
        assert unread_per_feed(connection, bob) == {}
    assert (stats.users, stats.feeds, stats.entries) == (3, 2, 5)
    assert stats.unread == {"alice": 4, "bob": 0, "carol": 0}
    assert stats.starred == {"alice": 2, "bob": 2, "carol": 0}


def test_oldest_first_sync_sees_entries_committed_out_of_id_order(database: Database) -> None:
    """What a Fever client does with since_id, or a reader with "oldest first" pages:
    everything after the largest id it already has."""
    alice = add_user(database, "alice")
    synced: list[int] = []
    a_ids, b_ids = commit_out_of_id_order(
        database, alice, lambda: synced.extend(ids_of(database, alice, order="oldest"))
    )
    synced.extend(ids_of(database, alice, order="oldest", after_id=max(synced)))
    assert sorted(synced) == sorted(a_ids + b_ids)
