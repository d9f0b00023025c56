"""The storage contract, search: words and phrases, case and accents, edits, purges,
entries committed out of id order, concurrent indexers (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import text

from newsriver.service.refresh import indexing_alongside
from newsriver.store.database import Database
from newsriver.store.retention import RetentionPolicy, purge
from newsriver.store.search import index_pending
from newsriver.store.search_text import MAX_TEXT_CHARS, text_of
from tests.store import (
    NOW,
    add_feed,
    add_user,
    commit_out_of_id_order,
    dated_items,
    empty_tables,
    entries_of,
    entry_count,
    ids_of,
    index_search,
    refresh,
)
from tests.support.feed_server import Item


def _indexed_count(database: Database) -> int:
    with database.read() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM entry_search")) or 0)


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


def test_search_folds_case_and_on_sqlite_accents(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/accents.xml", alice)
    body = "<p>Cr&egrave;me <b>BRÛLÉE</b> at the Café&nbsp;Olé</p>"
    [entry_id] = refresh(database, feed_id, [Item("a-1", "Éclairs", body=body)]).new_ids
    index_search(database)

    for words in ("crème brûlée", '"café olé"', "éCLAIRS", "CAFÉ"):
        assert ids_of(database, alice, search=words) == [entry_id], words
    # unicode61 with remove_diacritics 2; PostgreSQL's `simple` keeps accents.
    folded = [entry_id] if database.dialect == "sqlite" else []
    assert ids_of(database, alice, search="creme brulee") == folded
    assert ids_of(database, alice, search='"cafe ole" eclairs') == folded


def test_purged_entries_leave_the_index(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/purged.xml", alice)
    ids = refresh(database, feed_id, dated_items("p", 4)).new_ids
    assert index_search(database) == 4
    with database.write() as connection:
        assert purge(connection, RetentionPolicy(max_age=None, max_count=1), now=NOW) == 3

    assert _indexed_count(database) == entry_count(database) == 1
    assert ids_of(database, alice, search="entry") == [ids[-1]]


def test_indexers_on_postgresql_take_separate_batches(postgresql_database: Database) -> None:
    """Several workers may index at once: the second takes the entries the first has not
    claimed, without waiting for it (and without indexing an entry twice). PostgreSQL
    only: SQLite has one writer at a time."""
    try:
        _two_indexers_at_once(postgresql_database)
    finally:
        empty_tables(postgresql_database)


def _two_indexers_at_once(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/two-workers.xml", alice)
    ids = refresh(database, feed_id, dated_items("w", 5)).new_ids

    with database.write() as first:
        assert index_pending(first, limit=3) == 3
        with database.write() as second:
            second.execute(text("SET LOCAL lock_timeout = '5s'"))
            assert index_pending(second, limit=10) == 2
            assert index_pending(second, limit=10) == 0
    assert index_search(database) == 0
    assert _indexed_count(database) == 5
    assert sorted(ids_of(database, alice, search="entry")) == sorted(ids)


def test_text_of_keeps_the_words_and_at_least_the_first_max_text_chars() -> None:
    assert text_of(None) == text_of("") == ""
    html = '<p>Fish &amp; <a href="https://example.org/x">chips</a></p><p>pea&shy;soup</p>'
    assert text_of(html).split() == ["Fish", "&", "chips", "pea\u00adsoup"]
    # Long texts are cut after their white space is collapsed, as markup-heavy HTML is
    # mostly white space once its tags are gone.
    words = [f"w{number}" for number in range(6000)]
    html = "".join(f"<p>{word}</p>\n  " for word in words)
    assert text_of(html) == " ".join(words)[:MAX_TEXT_CHARS]


def test_text_of_keeps_text_outside_tags_and_drops_a_tag_cut_short() -> None:
    assert text_of("no markup at all").split() == ["no", "markup", "at", "all"]
    assert text_of("before <b>bold</b> after").split() == ["before", "bold", "after"]
    assert text_of("one<br>two").split() == ["one", "two"]
    # The length limit on the HTML may cut a tag in the middle (here markup is most of
    # it, so the text stays under MAX_TEXT_CHARS): its attributes are not words.
    markup = "<i>w</i>" * (MAX_TEXT_CHARS * 4 // 8 - 10)
    html = markup + '<a href="https://x.example/' + "a" * 100 + '">link</a>'
    assert html.index("https:") < MAX_TEXT_CHARS * 4 < html.index('">link')
    assert set(text_of(html).split()) == {"w"}


def test_on_postgresql_entries_are_indexed_while_a_refresh_runs(database: Database) -> None:
    """`service.refresh.indexing_alongside`: a thread indexes what gets queued during the
    block (PostgreSQL); on SQLite the refresh writer indexes instead, and no thread runs."""
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/alongside.xml", alice)
    before = {thread.name for thread in threading.enumerate()}
    with indexing_alongside(database):
        running = {thread.name for thread in threading.enumerate()} - before
        refresh(database, feed_id, dated_items("a", 5))
        deadline = time.monotonic() + 10
        while database.dialect == "postgresql" and _queued(database):
            assert time.monotonic() < deadline, "the queue was not emptied within 10 s"
            time.sleep(0.05)
    if database.dialect == "postgresql":
        assert running == {"newsriver-indexer"}
        assert _indexed_count(database) == 5
        assert len(ids_of(database, alice, search="entry")) == 5
    else:
        assert running == set()
        assert _queued(database) == 5
    assert "newsriver-indexer" not in {thread.name for thread in threading.enumerate()}


def _queued(database: Database) -> int:
    with database.read() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM search_queue")) or 0)
