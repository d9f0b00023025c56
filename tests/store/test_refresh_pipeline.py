"""The refresh pipeline end to end: a real HTTP server on 127.0.0.1, the real fetcher,
parser and decisions, and the store on SQLite and on PostgreSQL.

The `database` fixture (tests/store/conftest.py) runs each test on both. Each test
subscribes users to feeds served by `tests.support.feed_server`, runs `refresh_feeds` as
`newsriver refresh` does, and checks what the server saw and what the store holds.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, RowMapping, func, select

from newsriver.clock import utcnow
from newsriver.fetch import FetcherConfig
from newsriver.settings import parse_private_networks
from newsriver.store import accounts, schema, search, subscriptions
from newsriver.store.database import Database, open_database
from newsriver.store.entries import EntryQuery, EntryRow, list_entries, set_read, set_starred
from newsriver.store.records import FeedForUpdate
from newsriver.store.updates import claim_due_feeds, feeds_for_update
from newsriver.update import worker
from newsriver.update.outcomes import REDIRECT_STABLE_AFTER
from newsriver.update.pipeline import RefreshSummary, refresh_feeds
from tests.support.feed_server import FeedServer, Item

PUBLISHED = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as running:
        yield running


def items(prefix: str, count: int) -> list[Item]:
    """`count` items a day apart, newest first."""
    return [
        Item(f"{prefix}-{n}", f"{prefix} entry {n}", published=PUBLISHED - age * timedelta(days=1))
        for age, n in enumerate(range(count - 1, -1, -1))
    ]


def add_user(database: Database, name: str) -> int:
    with database.write() as connection:
        return accounts.add_user(
            connection, name, password_hash="hash", is_admin=False, now=utcnow()
        ).id


def subscribe(database: Database, url: str, *user_ids: int) -> int:
    with database.write() as connection:
        feed_id, _ = subscriptions.get_or_create_feed(connection, url, now=utcnow())
        for user_id in user_ids:
            subscriptions.subscribe(
                connection, user_id, feed_id, category_id=None, title=None, now=utcnow()
            )
    return feed_id


def refresh(database: Database, *, allow: str = "127.0.0.1") -> RefreshSummary:
    """Refresh every feed with subscribers now, as `newsriver refresh --all` does."""
    with database.read() as connection:
        feeds = feeds_for_update(connection, due_before=None)
    config = FetcherConfig(allowlist=parse_private_networks(allow))
    return asyncio.run(
        refresh_feeds(database, feeds, fetcher_config=config, now=utcnow, rng=random.Random(7))
    )


def entries(database: Database, user_id: int) -> list[EntryRow]:
    with database.read() as connection:
        return list_entries(connection, user_id, EntryQuery(limit=1000))


def feed_row(database: Database, feed_id: int) -> RowMapping:
    with database.read() as connection:
        row = connection.execute(select(schema.feeds).where(schema.feeds.c.id == feed_id)).one()
    return row._mapping


def entry_count(database: Database) -> int:
    with database.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(schema.entries)) or 0)


def outcomes(summary: RefreshSummary) -> tuple[int, int, int, int, int]:
    return (
        summary.feeds,
        summary.ok,
        summary.not_modified,
        summary.failed,
        summary.new_entries,
    )


def test_a_cold_refresh_stores_every_entry_once(database: Database, server: FeedServer) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    repeated = items("r", 3)
    urls = {
        "/a.xml": server.feed("/a.xml", items("a", 5)),
        # Feeds do repeat an item within one document.
        "/r.xml": server.feed("/r.xml", [*repeated, repeated[0]]),
        "/empty.xml": server.feed("/empty.xml", []),
    }
    shared = subscribe(database, urls["/a.xml"], alice, bob)
    subscribe(database, urls["/r.xml"], alice)
    subscribe(database, urls["/empty.xml"], bob)

    summary = refresh(database)

    assert outcomes(summary) == (3, 3, 0, 0, 8)
    assert summary.errors == {}
    assert entry_count(database) == 8
    # A feed two users read is fetched once.
    assert [server.hits(path) for path in urls] == [1, 1, 1]
    alices, bobs = entries(database, alice), entries(database, bob)
    assert len(alices) == 8
    assert len({row.id for row in alices}) == 8
    assert {row.id for row in bobs} == {row.id for row in alices if row.feed_id == shared}
    assert not any(row.read for row in alices + bobs)
    row = feed_row(database, shared)
    assert row["title"] == "Test feed"
    assert row["etag"] is not None
    assert row["error_count"] == 0
    assert row["last_status"] == 200
    assert row["next_check_at"] > row["last_fetched_at"]


def test_a_second_refresh_gets_304s_and_stores_nothing(
    database: Database, server: FeedServer
) -> None:
    alice = add_user(database, "alice")
    for path in ("/a.xml", "/b.xml"):
        subscribe(database, server.feed(path, items(path[1], 4)), alice)
    refresh(database)
    before = entries(database, alice)

    summary = refresh(database)

    assert outcomes(summary) == (2, 0, 2, 0, 0)
    assert server.statuses("/a.xml") == [200, 304]
    assert server.statuses("/b.xml") == [200, 304]
    assert entries(database, alice) == before
    with database.read() as connection:
        logged = connection.execute(
            select(schema.fetch_log.c.outcome, schema.fetch_log.c.status).order_by(
                schema.fetch_log.c.id
            )
        ).all()
    assert [tuple(row) for row in logged] == [("ok", 200)] * 2 + [("not_modified", 304)] * 2


def test_edited_entries_are_updated_in_place_and_keep_their_state(
    database: Database, server: FeedServer
) -> None:
    alice = add_user(database, "alice")
    original = items("e", 3)
    feed_id = subscribe(database, server.feed("/e.xml", original), alice)
    refresh(database)
    edited_row = {row.title: row for row in entries(database, alice)}["e entry 1"]
    with database.write() as connection:
        set_read(connection, alice, [edited_row.id], read=True, now=utcnow())
        set_starred(connection, alice, [edited_row.id], starred=True, now=utcnow())

    edit = Item(
        "e-1", "e entry 1, corrected", body="<p>Fixed.</p>", published=original[1].published
    )
    server.feed("/e.xml", [Item("e-3", "e entry 3"), original[0], edit, original[2]])
    summary = refresh(database)

    assert outcomes(summary) == (1, 1, 0, 0, 1)
    rows = {row.id: row for row in entries(database, alice)}
    assert len(rows) == 4
    assert entry_count(database) == 4
    updated = rows[edited_row.id]
    assert updated.title == "e entry 1, corrected"
    assert updated.summary == "<p>Fixed.</p>"
    assert (updated.read, updated.starred) == (True, True)
    assert updated.sort_at == edited_row.sort_at
    newest = max(rows)
    assert rows[newest].title == "e entry 3"
    assert not rows[newest].read
    with database.read() as connection:
        changed = connection.scalar(
            select(schema.fetch_log.c.changed_entries)
            .where(schema.fetch_log.c.feed_id == feed_id)
            .order_by(schema.fetch_log.c.id.desc())
            .limit(1)
        )
    assert changed == 1


def test_a_server_error_backs_off_and_leaves_entries_alone(
    database: Database, server: FeedServer
) -> None:
    alice = add_user(database, "alice")
    url = server.feed("/flaky.xml", items("f", 3))
    feed_id = subscribe(database, url, alice)
    refresh(database)
    first_id = entries(database, alice)[0].id
    with database.write() as connection:
        set_read(connection, alice, [first_id], read=True, now=utcnow())
    before = entries(database, alice)
    etag = feed_row(database, feed_id)["etag"]
    server.status("/flaky.xml", 500)

    summary = refresh(database)

    assert outcomes(summary) == (1, 0, 0, 1, 0)
    assert summary.errors == {url: "HTTP 500"}
    row = feed_row(database, feed_id)
    assert (row["error_count"], row["last_status"], row["last_error"]) == (1, 500, "HTTP 500")
    assert row["next_check_reason"].startswith("the last fetch failed; retrying in ")
    assert row["etag"] == etag
    first_wait = row["next_check_at"] - row["last_fetched_at"]

    refresh(database)
    row = feed_row(database, feed_id)
    assert row["error_count"] == 2
    assert row["next_check_reason"].startswith("2 errors in a row; backing off ")
    assert row["next_check_at"] - row["last_fetched_at"] > first_wait
    assert entries(database, alice) == before
    assert server.statuses("/flaky.xml") == [200, 500, 500]

    # Back to normal: the stored validators still apply, the count resets.
    server.feed("/flaky.xml", items("f", 3))
    assert outcomes(refresh(database)) == (1, 0, 1, 0, 0)
    assert feed_row(database, feed_id)["error_count"] == 0
    assert entries(database, alice) == before


def test_a_feed_turned_into_an_html_page_fails_clearly(
    database: Database, server: FeedServer
) -> None:
    alice = add_user(database, "alice")
    url = server.feed("/parked.xml", items("p", 2))
    feed_id = subscribe(database, url, alice)
    refresh(database)
    before = entries(database, alice)
    server.page("/parked.xml", "<!doctype html><html><head><title>Domain for sale</title>")

    summary = refresh(database)

    assert outcomes(summary) == (1, 0, 0, 1, 0)
    assert summary.errors == {url: "an HTML page, not a feed"}
    row = feed_row(database, feed_id)
    assert row["last_error"] == "an HTML page, not a feed"
    assert row["error_count"] == 1
    assert row["title"] == "Test feed"
    assert entries(database, alice) == before


def test_a_gone_feed_is_disabled(database: Database, server: FeedServer) -> None:
    alice = add_user(database, "alice")
    url = server.feed("/gone.xml", items("g", 2))
    feed_id = subscribe(database, url, alice)
    subscribe(database, server.feed("/alive.xml", items("l", 1)), alice)
    refresh(database)
    server.status("/gone.xml", 410)

    summary = refresh(database)

    assert outcomes(summary) == (2, 0, 1, 1, 0)
    assert "410" in summary.errors[url]
    row = feed_row(database, feed_id)
    assert row["disabled_reason"] is not None
    assert "410" in row["disabled_reason"]
    assert len(entries(database, alice)) == 3
    refresh(database)
    assert server.hits("/gone.xml") == 2
    with database.read() as connection:
        assert feed_id not in {f.id for f in feeds_for_update(connection, due_before=None)}


def test_a_stable_permanent_redirect_moves_the_feed(database: Database, server: FeedServer) -> None:
    alice = add_user(database, "alice")
    new_url = server.feed("/new.xml", items("n", 2))
    old_url = server.redirect("/old.xml", new_url, status=301)
    temporary = server.redirect("/temporary.xml", new_url, status=302)
    feed_id = subscribe(database, old_url, alice)
    other_id = subscribe(database, temporary, alice)

    for seen in range(1, REDIRECT_STABLE_AFTER):
        refresh(database)
        row = feed_row(database, feed_id)
        assert (row["url"], row["redirect_url"], row["redirect_count"]) == (
            old_url,
            new_url,
            seen,
        )
    refresh(database)

    row = feed_row(database, feed_id)
    assert (row["url"], row["redirect_url"], row["redirect_count"]) == (new_url, None, 0)
    assert feed_row(database, other_id)["url"] == temporary
    # From now on the feed is fetched where it lives.
    refresh(database)
    assert server.hits("/old.xml") == REDIRECT_STABLE_AFTER
    assert len(entries(database, alice)) == 4  # the two feeds' own copies


def test_private_addresses_are_refused_before_connecting(
    database: Database, server: FeedServer
) -> None:
    alice = add_user(database, "alice")
    url = server.feed("/internal.xml", items("i", 2))
    feed_id = subscribe(database, url, alice)

    summary = refresh(database, allow="")

    assert outcomes(summary) == (1, 0, 0, 1, 0)
    assert "private address" in summary.errors[url]
    assert "private address" in feed_row(database, feed_id)["last_error"]
    assert server.connections == 0
    assert server.hits() == 0
    assert entry_count(database) == 0


def test_the_worker_sleeps_while_no_feed_it_may_fetch_is_due(
    database: Database, server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """worker.py: each round "sleeps until the next one is due (at most `poll`)". A feed
    nobody reads any more is never claimed, so it must not count as due."""
    alice = add_user(database, "alice")
    subscribe(database, server.feed("/a.xml", items("a", 1)), alice)
    abandoned = subscribe(database, server.feed("/abandoned.xml", items("b", 1)), alice)
    with database.write() as connection:
        subscriptions.unsubscribe(connection, alice, abandoned)
    rounds: list[datetime] = []

    def counting_claim(connection: Connection, **options: Any) -> list[FeedForUpdate]:
        rounds.append(utcnow())
        return claim_due_feeds(connection, **options)

    monkeypatch.setattr(worker, "claim_due_feeds", counting_claim)

    async def run_for(seconds: float) -> None:
        stop = asyncio.Event()
        config = FetcherConfig(allowlist=parse_private_networks(server.endpoint))
        running = asyncio.create_task(
            worker.run_worker(database, config, poll=timedelta(seconds=30), stop=stop)
        )
        await asyncio.sleep(seconds)
        stop.set()
        await running

    asyncio.run(run_for(1.5))

    assert server.hits("/a.xml") == 1
    assert server.hits("/abandoned.xml") == 0
    assert len(rounds) == 1, f"{len(rounds)} rounds in 1.5 s"


def _queued_and_found(database: Database, user_id: int, word: str) -> tuple[int, int]:
    """How many entries wait in the search queue, and how many a search for `word` finds."""
    with database.read() as connection:
        queued = int(connection.scalar(select(func.count()).select_from(schema.search_queue)) or 0)
        found = list_entries(connection, user_id, EntryQuery(limit=1000, search=word))
    return queued, len(found)


def test_on_sqlite_a_refresh_indexes_what_it_stores(database: Database, server: FeedServer) -> None:
    """SQLite's writer indexes in the refresh's own transactions; PostgreSQL leaves the
    queue to `index_pending`, which `newsriver refresh` and the worker run afterwards."""
    alice = add_user(database, "alice")
    original = [Item(f"a-{n}", f"a entry {n}", body="<p>About aardvarks.</p>") for n in range(4)]
    subscribe(database, server.feed("/a.xml", original), alice)
    subscribe(database, server.feed("/b.xml", items("b", 3)), alice)

    assert outcomes(refresh(database)) == (2, 2, 0, 0, 7)

    def catch_up(expected_queue: int) -> None:
        """PostgreSQL's pass after the refresh; on SQLite there is nothing left to do."""
        if database.dialect == "sqlite":
            expected_queue = 0
        assert _queued_and_found(database, alice, "entry")[0] == expected_queue
        with database.write() as connection:
            assert search.index_pending(connection) == expected_queue

    assert _queued_and_found(database, alice, "aardvarks")[1] == (
        4 if database.dialect == "sqlite" else 0
    )
    catch_up(7)
    assert _queued_and_found(database, alice, "entry") == (0, 7)

    # An edit replaces the entry's words in the index, in the refresh that sees it.
    edited = Item("a-2", "a entry 2, corrected", body="<p>About zebras.</p>")
    server.feed("/a.xml", [original[3], edited, *original[:2]])
    assert outcomes(refresh(database)) == (2, 1, 1, 0, 0)
    catch_up(1)
    assert _queued_and_found(database, alice, "zebras") == (0, 1)
    assert _queued_and_found(database, alice, "aardvarks") == (0, 3)
    assert _queued_and_found(database, alice, "corrected") == (0, 1)


def test_a_failure_to_index_keeps_the_refresh_and_the_queue(
    tmp_path: Path, server: FeedServer
) -> None:
    """If the index cannot be written, the entries are still stored, and stay queued so
    that a later pass indexes them once the index works again."""
    database = open_database(f"sqlite:///{tmp_path / 'broken-index.db'}")
    try:
        alice = add_user(database, "alice")
        subscribe(database, server.feed("/a.xml", items("a", 3)), alice)
        with database.write() as connection:
            connection.exec_driver_sql("ALTER TABLE entry_search RENAME TO entry_search_away")

        assert outcomes(refresh(database)) == (1, 1, 0, 0, 3)

        assert entry_count(database) == 3
        with database.write() as connection:
            connection.exec_driver_sql("ALTER TABLE entry_search_away RENAME TO entry_search")
        assert _queued_and_found(database, alice, "entry") == (3, 0)
        with database.write() as connection:
            assert search.index_pending(connection) == 3
        assert _queued_and_found(database, alice, "entry") == (0, 3)
    finally:
        database.close()
