"""The storage contract suite, and its kit: throwaway databases and building blocks.

`tests/store/conftest.py` turns the database helpers into the `database` fixture (other
test modules that want the same pair of databases build their fixture from them too);
the building blocks make users, feeds and refreshes the way the rest of newsriver does.

Measured here (2 cores, PostgreSQL 15 on 127.0.0.1): a fresh PostgreSQL database per
test costs about 1 s (CREATE 0.1 s, migrations 0.5 s, DROP 0.4 s), emptying the tables
with TRUNCATE 0.4 s, and with DELETE 0.03 s. So the suite shares one migrated PostgreSQL
database, emptied with DELETE after each test; SQLite gets a new file per test (0.2 s
with its migrations).
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import func, select

from newsriver.feeds import parse_feed
from newsriver.store import accounts, schema, subscriptions
from newsriver.store.database import Database
from newsriver.store.entries import EntryQuery, EntryRow, list_entries, set_read, set_starred
from newsriver.store.records import FeedUpdate, FetchRecord, NextCheck
from newsriver.store.search import index_pending
from newsriver.store.updates import apply_update, known_entries
from newsriver.update.decide import EntryDecisions, decide_entries, feed_metadata
from tests.support.feed_server import Item, rss

DIALECTS = ["sqlite", "postgresql"]
POSTGRESQL_SERVER = "postgresql://postgres@127.0.0.1:5432"


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{(directory / 'newsriver.db').as_posix()}"


@contextmanager
def postgresql_url() -> Iterator[str]:
    """Create an empty PostgreSQL database, yield its URL, and drop it afterwards.

    Skips the calling test (a failure under NEWSRIVER_REQUIRE_ALL=1, see tests/conftest.py)
    when the server cannot be reached.
    """
    try:
        admin = psycopg.connect(f"{POSTGRESQL_SERVER}/postgres", autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        pytest.skip(
            f"PostgreSQL is not reachable at {POSTGRESQL_SERVER} ({reason}); the storage "
            "contract must pass on it too: start a server there that accepts user postgres"
        )
    name = f"newsriver_test_{os.getpid()}_{secrets.token_hex(4)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"{POSTGRESQL_SERVER}/{name}"
        finally:
            # FORCE: a test that failed half-way may have left a connection open.
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def empty_tables(database: Database) -> None:
    """Delete every row the tests can have written, keeping the schema and its version.

    The search index goes with the entries (ON DELETE CASCADE on PostgreSQL). Sequences
    are not reset: no test may depend on the value of an id.
    """
    with database.write() as connection:
        for table in reversed(schema.metadata.sorted_tables):
            connection.execute(table.delete())


# --- Building blocks: users, feeds and refreshes as the rest of newsriver makes them ---

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def add_user(database: Database, name: str) -> int:
    with database.write() as connection:
        return accounts.add_user(
            connection, name, password_hash="argon2-hash", is_admin=False, now=NOW
        ).id


def add_feed(database: Database, url: str, *subscribers: int, category: str | None = None) -> int:
    """The feed at `url`, with `subscribers` subscribed (in `category`, when given)."""
    with database.write() as connection:
        feed_id, _ = subscriptions.get_or_create_feed(connection, url, now=NOW)
        for user_id in subscribers:
            category_id = (
                subscriptions.get_or_create_category(connection, user_id, category)
                if category
                else None
            )
            subscriptions.subscribe(
                connection, user_id, feed_id, category_id=category_id, title=None, now=NOW
            )
    return feed_id


def dated_items(prefix: str, count: int, *, newest: datetime = NOW - HOUR) -> list[Item]:
    """`count` items an hour apart, newest first as feeds list them."""
    return [
        Item(f"{prefix}-{number}", f"{prefix} entry {number}", published=newest - age * HOUR)
        for age, number in enumerate(range(count - 1, -1, -1))
    ]


@dataclass(frozen=True, slots=True)
class Stored:
    new_ids: list[int]
    decisions: EntryDecisions


def fetched(
    database: Database, feed_id: int, items: Sequence[Item], *, now: datetime = NOW
) -> tuple[FeedUpdate, EntryDecisions]:
    """What one successful fetch of `items` would write: parsed, decided against the store."""
    parsed = parse_feed(rss(items), f"https://example.org/feeds/{feed_id}.xml")
    with database.read() as connection:
        known = known_entries(connection, [feed_id])[feed_id]
    decisions = decide_entries(parsed, known, now)
    feed_update = FeedUpdate(
        feed_id=feed_id,
        fetch=FetchRecord(
            at=now,
            outcome="ok",
            duration_ms=3,
            status=200,
            new_entries=len(decisions.new),
            changed_entries=len(decisions.changed),
        ),
        next_check=NextCheck(at=now + HOUR, reason="checking every 1 h"),
        metadata=feed_metadata(parsed),
        new_entries=decisions.new,
        changed_entries=decisions.changed,
        unchanged=decisions.unchanged,
    )
    return feed_update, decisions


def refresh(
    database: Database, feed_id: int, items: Sequence[Item], *, now: datetime = NOW
) -> Stored:
    """One successful fetch of `items`: parse, decide against the store, apply."""
    feed_update, decisions = fetched(database, feed_id, items, now=now)
    with database.write() as connection:
        return Stored(apply_update(connection, feed_update), decisions)


def index_search(database: Database) -> int:
    """Bring the search index up to date, in small batches, as `newsriver refresh` does."""
    total = 0
    while True:
        with database.write() as connection:
            indexed = index_pending(connection, limit=3)
        if not indexed:
            return total
        total += indexed


def entries_of(database: Database, user_id: int, **query: Any) -> list[EntryRow]:
    """One page of up to 1000 of the user's entries."""
    with database.read() as connection:
        return list_entries(connection, user_id, EntryQuery(limit=1000, **query))


def ids_of(database: Database, user_id: int, **query: Any) -> list[int]:
    return [row.id for row in entries_of(database, user_id, **query)]


def mark(
    database: Database,
    user_id: int,
    entry_ids: Sequence[int],
    *,
    read: bool | None = None,
    starred: bool | None = None,
) -> int:
    with database.write() as connection:
        changed = 0
        if read is not None:
            changed += set_read(connection, user_id, entry_ids, read=read, now=NOW)
        if starred is not None:
            changed += set_starred(connection, user_id, entry_ids, starred=starred, now=NOW)
        return changed


def entry_count(database: Database) -> int:
    with database.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(schema.entries)) or 0)


def plain_update(feed_id: int, *, at: datetime, next_at: datetime, **extra: Any) -> FeedUpdate:
    return FeedUpdate(
        feed_id=feed_id,
        fetch=FetchRecord(at=at, outcome="not_modified", duration_ms=2, status=304),
        next_check=NextCheck(at=next_at, reason="test"),
        **extra,
    )


def commit_out_of_id_order(
    database: Database, user_id: int, between: Callable[[], object]
) -> tuple[list[int], list[int]]:
    """Two writers, as two workers on PostgreSQL: A inserts entries first (smaller ids) but
    commits after B. `between` runs once B has committed; on PostgreSQL A has not yet.
    (SQLite has one writer at a time: there B waits for A, and the order is kept.)
    Returns the entry ids of A and of B."""
    feed_a = add_feed(database, "https://example.org/worker-a.xml", user_id)
    feed_b = add_feed(database, "https://example.org/worker-b.xml", user_id)
    update_a, _ = fetched(database, feed_a, dated_items("a", 3))
    b_committed = threading.Event()
    a_inserted = threading.Event()
    outcome: dict[str, list[int]] = {}
    errors: list[BaseException] = []

    def writer_a() -> None:
        try:
            with database.write() as connection:
                outcome["a"] = apply_update(connection, update_a)
                a_inserted.set()
                b_committed.wait(0.5)  # on SQLite, B is waiting for this transaction
        except BaseException as e:
            errors.append(e)
            a_inserted.set()

    thread = threading.Thread(target=writer_a)
    thread.start()
    try:
        a_inserted.wait(5)
        b_ids = refresh(database, feed_b, dated_items("b", 2)).new_ids
        between()
    finally:
        b_committed.set()
        thread.join(10)
    assert errors == []
    assert max(outcome["a"]) < min(b_ids)
    return outcome["a"], b_ids
