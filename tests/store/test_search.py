"""The storage contract, search: words and phrases, edits, and entries committed out of
id order (on SQLite and PostgreSQL)."""

from __future__ import annotations

from newsriver.store.database import Database
from tests.store import (
    add_feed,
    add_user,
    commit_out_of_id_order,
    entries_of,
    entry_count,
    ids_of,
    index_search,
    refresh,
)
from tests.support.feed_server import Item


def test_search_matches_words_and_phrases_of_the_users_own_entries(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    mine = add_feed(database, "https://example.org/mine.xml", alice)
    theirs = add_feed(database, "https://example.org/theirs.xml", bob)
    stored = refresh(
        database,
        mine,
        [
            Item("m-1", "Kernel release notes", body="<p>The scheduler got faster.</p>"),
            Item("m-2", "Gardening", body="<p>Release the <b>scheduler</b> of tomatoes.</p>"),
        ],
    )
    refresh(database, theirs, [Item("t-1", "Kernel release", body="<p>scheduler</p>")])
    assert index_search(database) == 3
    first, second = sorted(stored.new_ids)
    by_key = {row.title: row.id for row in entries_of(database, alice)}

    assert set(ids_of(database, alice, search="scheduler")) == {first, second}
    assert ids_of(database, alice, search="kernel") == [by_key["Kernel release notes"]]
    assert ids_of(database, alice, search="SCHEDULER tomatoes") == [by_key["Gardening"]]
    assert ids_of(database, alice, search='"release notes"') == [by_key["Kernel release notes"]]
    assert ids_of(database, alice, search='"notes release"') == []
    # Query syntax of the engines is not interpreted: these are words, never an error.
    for hostile in ('kernel OR "', "NEAR(kernel)", "kernel*", "'; DROP TABLE entries; --"):
        ids_of(database, alice, search=hostile)
    assert entry_count(database) == 3


def test_search_follows_edits(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/edits.xml", alice)
    items = [Item("x-1", "Original headline", body="<p>About aardvarks.</p>")]
    [entry_id] = refresh(database, feed_id, items).new_ids
    index_search(database)
    assert ids_of(database, alice, search="aardvarks") == [entry_id]

    # Edited after it was indexed: the index is corrected with the edit.
    refresh(database, feed_id, [Item("x-1", "Corrected headline", body="<p>About zebras.</p>")])
    index_search(database)
    assert ids_of(database, alice, search="zebras") == [entry_id]
    assert ids_of(database, alice, search="corrected headline") == [entry_id]
    assert ids_of(database, alice, search="aardvarks") == []
    assert ids_of(database, alice, search="original") == []

    # Edited before it was indexed: the index gets the latest text.
    [other_id] = refresh(database, feed_id, [Item("y-1", "Fresh", body="<p>lemurs</p>")]).new_ids
    refresh(database, feed_id, [Item("y-1", "Fresh", body="<p>okapis</p>")])
    index_search(database)
    assert ids_of(database, alice, search="okapis") == [other_id]
    assert ids_of(database, alice, search="lemurs") == []


def test_entries_committed_out_of_id_order_are_still_indexed(database: Database) -> None:
    alice = add_user(database, "alice")
    a_ids, b_ids = commit_out_of_id_order(database, alice, lambda: index_search(database))
    index_search(database)
    assert sorted(ids_of(database, alice, search="entry")) == sorted(a_ids + b_ids)
