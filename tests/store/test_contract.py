"""The storage contract, run on SQLite and PostgreSQL: the schema, users, shared feeds,
entries inserted and updated in place, what the update pipeline is told it knows, times,
unsubscribing.

Every test of this package takes the `database` fixture (conftest.py), so it runs on
both. Entries are made as a refresh makes them (`tests.store.refresh`): a small RSS
document parsed by `parse_feed`, sorted by `decide_entries` against `known_entries`, and
written by `apply_update`. The rest of the contract: test_reading.py, test_search.py,
test_retention.py, test_leases.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import StatementError

from newsriver.errors import ConflictError, NotFoundError
from newsriver.feeds import parse_feed
from newsriver.models import ParsedEntry
from newsriver.store import accounts, schema, subscriptions
from newsriver.store import database as database_module
from newsriver.store import updates as updates_module
from newsriver.store.database import Database
from newsriver.store.records import FeedUpdate, KnownEntry, entry_write
from newsriver.store.retention import RetentionPolicy, purge
from newsriver.store.updates import apply_update, feeds_for_update, known_entries
from newsriver.update.decide import entry_hash
from tests.store import (
    DAY,
    HOUR,
    NOW,
    add_feed,
    add_user,
    dated_items,
    entries_of,
    entry_count,
    fetched,
    ids_of,
    mark,
    plain_update,
    refresh,
)
from tests.support.feed_server import Item, rss


def _outside_the_portable_schema(name: str | None, type_: str, parent_names: Any) -> bool:
    """The search index is dialect-specific (FTS5 tables, a tsvector table and GIN index)."""
    return not (name or "").startswith(("entry_search", "ix_entry_search"))


def _compare_server_default(
    context: Any,
    inspected_column: Any,
    metadata_column: Any,
    inspected_default: str | None,
    metadata_default: Any,
    rendered_metadata_default: str | None,
) -> bool | None:
    # Alembic reflects SQLite's DEFAULT '' as "('')" and then reports it as changed.
    if inspected_default in ("''", "('')") and rendered_metadata_default == "":
        return False
    return None  # Alembic's own comparison.


def test_migrations_produce_exactly_the_schema(database: Database) -> None:
    with database.read() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_name": _outside_the_portable_schema,
                "compare_type": True,
                "compare_server_default": _compare_server_default,
            },
        )
        differences = compare_metadata(context, schema.metadata)
        inspector = inspect(connection)
        tables = set(inspector.get_table_names())
        reflected = {
            index["name"]: index for index in inspector.get_indexes(schema.entry_states.name)
        }

    assert differences == []
    assert "entry_search" in tables
    # Alembic does not compare partial indexes' conditions: check that they are partial.
    where = f"{database.dialect}_where"
    for index in schema.entry_states.indexes:
        expected = index.dialect_options[database.dialect]["where"]
        assert index.name is not None
        options = reflected[index.name].get("dialect_options", {})
        assert (where in options) == (expected is not None), index.name


def test_users_are_unique_by_name_and_api_passwords_revoke_tokens(database: Database) -> None:
    with database.write() as connection:
        alice = accounts.add_user(connection, "alice", password_hash="h1", is_admin=True, now=NOW)
        with pytest.raises(ConflictError, match="alice"):
            accounts.add_user(connection, "alice", password_hash="h2", is_admin=False, now=NOW)
        # The refused insert must not poison the transaction (a savepoint on PostgreSQL).
        accounts.add_user(connection, "bob", password_hash="h3", is_admin=False, now=NOW)

    with database.write() as connection, pytest.raises(ConflictError):
        accounts.add_user(connection, "alice", password_hash="h4", is_admin=False, now=NOW)

    with database.read() as connection:
        assert [user.name for user in accounts.list_users(connection)] == ["alice", "bob"]
        assert accounts.count_users(connection) == 2
        assert accounts.get_user(connection, "alice") == alice
        assert accounts.find_user(connection, "nobody") is None
        with pytest.raises(NotFoundError, match="nobody"):
            accounts.get_user(connection, "nobody")
        before = accounts.credentials(connection, "alice")
    assert before is not None
    assert (before.password_hash, before.api_password_hash) == ("h1", None)
    assert before.user.is_admin

    with database.write() as connection:
        accounts.set_api_password(connection, alice.id, "api-1")
        accounts.set_api_password(connection, alice.id, "api-2")
    with database.read() as connection:
        after = accounts.credentials(connection, "alice")
        bob = accounts.credentials(connection, "bob")
    assert after is not None
    assert bob is not None
    assert after.api_password_hash == "api-2"
    assert after.password_hash == "h1"
    assert after.token_version == before.token_version + 2
    assert bob.token_version == 0


def test_a_feed_is_shared_by_url_and_a_new_subscriber_sees_its_history(
    database: Database,
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    url = "https://example.org/shared.xml"
    with database.write() as connection:
        first = subscriptions.get_or_create_feed(connection, url, now=NOW)
        again = subscriptions.get_or_create_feed(connection, url, now=NOW)
    assert first[1] is True
    assert again == (first[0], False)
    feed_id = first[0]
    add_feed(database, url, alice)
    stored = refresh(database, feed_id, dated_items("s", 3))
    mark(database, alice, stored.new_ids[:1], read=True)

    with database.write() as connection:
        _, created = subscriptions.subscribe(
            connection, bob, feed_id, category_id=None, title="Bob's name", now=NOW
        )
        _, again_created = subscriptions.subscribe(
            connection, bob, feed_id, category_id=None, title="ignored", now=NOW
        )
    assert (created, again_created) == (True, False)

    bobs = entries_of(database, bob)
    assert sorted(row.id for row in bobs) == sorted(stored.new_ids)
    assert not any(row.read or row.starred for row in bobs)
    assert len(ids_of(database, alice, unread_only=True)) == 2
    with database.read() as connection:
        assert connection.scalar(select(func.count()).select_from(schema.feeds)) == 1
        [bob_sees] = subscriptions.list_subscriptions(connection, bob)
        [alice_sees] = subscriptions.list_subscriptions(connection, alice)
    assert (bob_sees.feed_id, bob_sees.url, bob_sees.title) == (feed_id, url, "Bob's name")
    assert alice_sees.title == "Test feed"  # the feed's own title, from the last parse


def test_entry_ids_grow_with_insertion_and_every_subscriber_gets_them_unread(
    database: Database,
) -> None:
    alice, bob, carol = (add_user(database, name) for name in ("alice", "bob", "carol"))
    feed_a = add_feed(database, "https://example.org/a.xml", alice, bob)
    feed_b = add_feed(database, "https://example.org/b.xml", carol)

    first = refresh(database, feed_a, dated_items("a", 4))
    second = refresh(database, feed_b, dated_items("b", 2))
    # A back-dated post arriving later still gets a larger id: ids follow insertion.
    late = [Item("a-old", "Back-dated", published=NOW - 400 * DAY), *dated_items("a", 4)]
    third = refresh(database, feed_a, late)

    assert [len(first.new_ids), len(second.new_ids), len(third.new_ids)] == [4, 2, 1]
    in_order = first.new_ids + second.new_ids + third.new_ids
    assert in_order == sorted(in_order)
    assert len(set(in_order)) == len(in_order)
    # Within one fetch, oldest first: ids and publication dates grow together.
    rows = {row.id: row for row in entries_of(database, alice)}
    published = [rows[entry_id].published for entry_id in first.new_ids]
    assert published == sorted(published, key=lambda moment: moment or NOW)

    for user_id in (alice, bob):
        rows_of_user = entries_of(database, user_id)
        assert {row.id for row in rows_of_user} == set(first.new_ids + third.new_ids)
        assert not any(row.read or row.starred for row in rows_of_user)
    assert set(ids_of(database, carol)) == set(second.new_ids)
    assert entry_count(database) == 7


def test_an_edited_entry_is_updated_in_place_and_keeps_its_state(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/edits.xml", alice, bob)
    items = dated_items("e", 3)
    stored = refresh(database, feed_id, items)
    target = stored.new_ids[1]  # e-1, the middle one by date
    mark(database, alice, [target], read=True, starred=True)
    mark(database, bob, [target], starred=True)

    edited = [
        items[0],
        Item(
            items[1].guid,
            "Corrected headline",
            body="<p>Now with a zanzibar paragraph.</p>",
            published=items[1].published,
        ),
        items[2],
    ]
    again = refresh(database, feed_id, edited, now=NOW + HOUR)

    assert again.new_ids == []
    assert [write.entry_id for write in again.decisions.changed] == [target]
    assert again.decisions.unchanged == 2
    assert entry_count(database) == 3
    alices = {row.id: row for row in entries_of(database, alice)}
    bobs = {row.id: row for row in entries_of(database, bob)}
    assert alices[target].title == "Corrected headline"
    assert "zanzibar" in (alices[target].summary or "")
    assert (alices[target].read, alices[target].starred) == (True, True)
    assert (bobs[target].read, bobs[target].starred) == (False, True)
    # An edit does not move the entry in the stream.
    assert alices[target].sort_at == items[1].published
    # Refreshing the same document again changes nothing.
    assert refresh(database, feed_id, edited, now=NOW + 2 * HOUR).decisions.changed == ()


def test_known_entries_are_hashes_by_key_with_tombstones(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/known.xml", alice)
    other = add_feed(database, "https://example.org/other.xml", alice)
    items = dated_items("k", 3, newest=NOW - 300 * DAY)
    stored = refresh(database, feed_id, items)
    refresh(database, other, dated_items("o", 1))
    parsed = parse_feed(rss(items), "https://example.org/known.xml")

    with database.read() as connection:
        known = known_entries(connection, [feed_id])
        assert known_entries(connection, []) == {}
    ids = {
        write.key: entry_id
        for write, entry_id in zip(stored.decisions.new, stored.new_ids, strict=True)
    }
    assert known == {
        feed_id: {
            entry.id: KnownEntry(entry_id=ids[entry.id], content_hash=entry_hash(entry))
            for entry in parsed.entries
        }
    }

    with database.write() as connection:
        purged = purge(connection, RetentionPolicy(max_age=180 * DAY, max_count=None), now=NOW)
    assert purged == 3
    with database.read() as connection:
        after = known_entries(connection, [feed_id, other])
    assert after[feed_id] == {
        item.guid: KnownEntry(entry_id=None, content_hash="") for item in items
    }
    assert set(after[other]) == {"o-0"}


def test_aware_datetimes_round_trip_exactly(database: Database) -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    moments = [
        datetime(2024, 3, 10, 23, 59, 59, 999_999, tzinfo=india),
        datetime(1969, 7, 20, 20, 17, 40, 123_456, tzinfo=UTC),
        datetime(2199, 12, 31, 23, 0, 0, 1, tzinfo=timezone(timedelta(hours=-9))),
    ]
    created = datetime(2024, 2, 29, 1, 2, 3, 456_789, tzinfo=india)
    with database.write() as connection:
        user = accounts.add_user(
            connection, "alice", password_hash="h", is_admin=False, now=created
        )
    feed_id = add_feed(database, "https://example.org/time.xml", user.id)
    writes = tuple(
        entry_write(
            ParsedEntry(id=f"t-{n}", id_source="guid", title=f"t{n}", published=moment),
            content_hash=f"{n:032x}",
            sort_at=moment,
        )
        for n, moment in enumerate(moments)
    )
    fetched_at = datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=india)
    with database.write() as connection:
        apply_update(
            connection,
            plain_update(feed_id, at=fetched_at, next_at=fetched_at + HOUR, new_entries=writes),
        )

    with database.read() as connection:
        stored_user = accounts.get_user(connection, "alice")
        [feed] = feeds_for_update(connection, due_before=None)
    rows = {row.title: row for row in entries_of(database, user.id)}
    read_back = [
        stored_user.created_at,
        feed.last_fetched_at,
        feed.last_new_entry_at,
        *(rows[f"t{n}"].published for n in range(3)),
        *(rows[f"t{n}"].sort_at for n in range(3)),
    ]
    expected = [created, fetched_at, fetched_at, *moments, *moments]
    assert read_back == expected
    for moment in read_back:
        assert moment is not None
        assert moment.tzinfo is UTC, moment
    with database.read() as connection:
        due = feeds_for_update(connection, due_before=fetched_at + HOUR)
        not_due = feeds_for_update(
            connection, due_before=fetched_at + HOUR - timedelta(microseconds=1)
        )
    assert [f.id for f in due] == [feed_id]
    assert not_due == []


def test_naive_datetimes_are_refused(database: Database) -> None:
    with database.write() as connection, pytest.raises(StatementError, match="naive datetime"):
        accounts.add_user(
            connection, "alice", password_hash="h", is_admin=False, now=datetime(2024, 1, 1)
        )


def test_unsubscribe_removes_only_that_users_state(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    shared = add_feed(database, "https://example.org/shared.xml", alice, bob)
    kept = add_feed(database, "https://example.org/kept.xml", alice)
    shared_ids = refresh(database, shared, dated_items("s", 3)).new_ids
    kept_ids = refresh(database, kept, dated_items("k", 2)).new_ids
    mark(database, alice, shared_ids + kept_ids, read=True, starred=True)
    mark(database, bob, shared_ids[:1], starred=True)

    with database.write() as connection:
        subscriptions.unsubscribe(connection, alice, shared)
    with database.write() as connection, pytest.raises(NotFoundError):
        subscriptions.unsubscribe(connection, alice, shared)

    assert set(ids_of(database, alice)) == set(kept_ids)
    assert all(row.read and row.starred for row in entries_of(database, alice))
    bobs = entries_of(database, bob)
    assert {row.id for row in bobs} == set(shared_ids)
    assert [row.id for row in bobs if row.starred] == shared_ids[:1]
    assert entry_count(database) == 5
    with database.read() as connection:
        assert [s.feed_id for s in subscriptions.list_subscriptions(connection, alice)] == [kept]
        states = connection.scalar(
            select(func.count())
            .select_from(schema.entry_states)
            .where(schema.entry_states.c.user_id == alice)
        )
    assert states == 2

    with database.write() as connection:
        subscriptions.unsubscribe(connection, bob, shared)
    with database.read() as connection:
        # Nobody reads it any more: not fetched, but its entries stay (retention's job).
        assert {feed.id for feed in feeds_for_update(connection, due_before=None)} == {kept}
    assert entry_count(database) == 5


def test_unsubscribe_removes_the_users_labels_on_that_feed(database: Database) -> None:
    """DESIGN.md: "read, starred and label state belongs to (user, entry)"."""
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    shared = add_feed(database, "https://example.org/shared.xml", alice, bob)
    kept = add_feed(database, "https://example.org/kept.xml", alice)
    [shared_id] = refresh(database, shared, dated_items("s", 1)).new_ids
    [kept_id] = refresh(database, kept, dated_items("k", 1)).new_ids
    labels, entry_labels = schema.labels, schema.entry_labels
    with database.write() as connection:
        for user_id, entry_ids in ((alice, [shared_id, kept_id]), (bob, [shared_id])):
            label_id = connection.scalar(
                insert(labels).values(user_id=user_id, name="later").returning(labels.c.id)
            )
            for entry_id in entry_ids:
                connection.execute(
                    insert(entry_labels).values(label_id=label_id, entry_id=entry_id)
                )

    with database.write() as connection:
        subscriptions.unsubscribe(connection, alice, shared)

    with database.read() as connection:
        labelled = connection.execute(
            select(labels.c.user_id, entry_labels.c.entry_id).join(
                entry_labels, entry_labels.c.label_id == labels.c.id
            )
        ).all()
    assert sorted(tuple(row) for row in labelled) == sorted([(alice, kept_id), (bob, shared_id)])


def test_the_schema_revision_constant_is_alembics_head() -> None:
    """`open_database` skips Alembic when the database is at SCHEMA_REVISION: a new
    migration must move that constant too, or it would never be applied."""
    assert database_module.head_revision() == database_module.SCHEMA_REVISION


def test_a_feeds_new_entry_ids_are_found_through_its_own_index(database: Database) -> None:
    """The refresh asks, per feed, for its highest entry id and the ids above it. Before
    migration 0008, PostgreSQL without fresh statistics (right after a big refresh)
    answered by walking the primary key from the newest entry of all feeds, which grew
    with the table: 82 s for 970 feeds' new entries among 350,000."""
    alice = add_user(database, "alice")
    feeds = [add_feed(database, f"https://example.org/{n}.xml", alice) for n in range(3)]
    for feed_id in feeds:
        refresh(database, feed_id, dated_items(f"f{feed_id}-", 5))
    plans = []
    with database.read() as connection:
        for statement in (updates_module._MAX_ENTRY_ID, updates_module._ENTRY_IDS_ABOVE):
            compiled = statement.compile(dialect=connection.dialect)
            values = compiled.construct_params({"feed_id": feeds[0], "above": 0})
            if database.dialect == "sqlite":
                positional = tuple(values[name] for name in compiled.positiontup or ())
                sql = f"EXPLAIN QUERY PLAN {compiled}"
                rows = connection.exec_driver_sql(sql, positional).all()
            else:
                rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", dict(values)).all()
            plans.append(" ".join(str(value) for row in rows for value in row))
    for plan in plans:
        if database.dialect == "sqlite":
            assert "INDEX" in plan, plan
            assert "(feed_id=?" in plan, plan
        else:
            assert "ix_entries_feed_id_id" in plan, plan


def test_updates_applied_together_write_what_each_would_alone(database: Database) -> None:
    """`apply_updates` (the refresh writer's batches, the feed rows and the fetch history
    written by one statement each) against `apply_update` feed by feed, on two groups of
    feeds given the same fetches: the same entries, feed rows and history."""
    alice = add_user(database, "alice")
    later = NOW + HOUR

    def group(name: str) -> tuple[list[int], list[FeedUpdate]]:
        feeds = [add_feed(database, f"https://{name}.example/{n}.xml", alice) for n in range(6)]
        updates = [
            fetched(database, feed_id, dated_items(f"item{n}-", 3), now=later)[0]
            if n % 2 == 0
            else plain_update(feed_id, at=later, next_at=later + HOUR)
            for n, feed_id in enumerate(feeds)
        ]
        return feeds, updates

    def written(feeds: list[int]) -> list[tuple[object, ...]]:
        f, log, e = schema.feeds, schema.fetch_log, schema.entries
        statements = (
            select(f.c.last_status, f.c.last_fetched_at, f.c.next_check_at, f.c.title)
            .where(f.c.id.in_(feeds))
            .order_by(f.c.id),
            select(log.c.status, log.c.new_entries)
            .where(log.c.feed_id.in_(feeds))
            .order_by(log.c.feed_id),
            select(e.c.key, e.c.title).where(e.c.feed_id.in_(feeds)).order_by(e.c.id),
        )
        with database.read() as connection:
            return [tuple(row) for statement in statements for row in connection.execute(statement)]

    together, batch = group("together")
    with database.write() as connection:
        new_ids = updates_module.apply_updates(connection, batch)
    assert [len(ids) for ids in new_ids] == [3, 0, 3, 0, 3, 0]
    alone, one_by_one = group("alone")
    for update in one_by_one:
        with database.write() as connection:
            updates_module.apply_update(connection, update)
    assert written(together) == written(alone)
    assert [row[0] for row in written(together)[:6]] == [200, 304] * 3
