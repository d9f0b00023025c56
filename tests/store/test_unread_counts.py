"""Unread counts kept per subscription by triggers (migration 0005) equal a fresh count
of the state rows after every kind of write, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import func, inspect, select, text

from newsriver.service import accounts, reading
from newsriver.service import labels as label_service
from newsriver.service import subscriptions as subscription_service
from newsriver.service.reading import Stream
from newsriver.store import counts, retention, schema, subscriptions
from newsriver.store.database import Database, open_database
from newsriver.store.retention import RetentionPolicy
from newsriver.store.subscriptions import SubscriptionSettings
from tests.store import (
    DAY,
    DIALECTS,
    HOUR,
    NOW,
    add_feed,
    add_user,
    dated_items,
    entries_of,
    mark,
    postgresql_url,
    refresh,
    sqlite_url,
)

MIGRATIONS = Path(schema.__file__).parent / "migrations"

_s, _st = schema.subscriptions, schema.entry_states


def kept_and_counted(
    database: Database,
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]:
    """Every subscription's kept count, and the count of its unread state rows."""
    with database.read() as connection:
        kept = {
            (user_id, feed_id): count
            for user_id, feed_id, count in connection.execute(
                select(_s.c.user_id, _s.c.feed_id, _s.c.unread_count)
            )
        }
        rows = connection.execute(
            select(_st.c.user_id, _st.c.feed_id, func.count())
            .where(_st.c.read.is_(False))
            .group_by(_st.c.user_id, _st.c.feed_id)
        )
        counted = {(user_id, feed_id): count for user_id, feed_id, count in rows}
    return kept, {key: counted.get(key, 0) for key in kept}


def assert_counts_kept(database: Database) -> dict[tuple[int, int], int]:
    kept, counted = kept_and_counted(database)
    assert kept == counted
    return kept


def test_counts_follow_every_write(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    news = add_feed(database, "https://example.org/news.xml", alice, bob, category="News")
    blog = add_feed(database, "https://example.org/blog.xml", alice)
    refresh(database, news, dated_items("n", 6))
    refresh(database, blog, dated_items("b", 4))
    assert assert_counts_kept(database) == {(alice, news): 6, (bob, news): 6, (alice, blog): 4}

    # Marking read and unread, by id and by stream; bob's counts do not move.
    rows = entries_of(database, alice)
    mark(database, alice, [row.id for row in rows[:3]], read=True)
    mark(database, alice, [rows[0].id], read=False)
    mark(database, alice, [rows[0].id], read=False)  # no change: no double count
    assert assert_counts_kept(database)[(bob, news)] == 6
    newest = max(row.id for row in rows)
    reading.mark_all_read(database, alice, Stream("feed", blog), up_to_id=newest)
    assert assert_counts_kept(database)[(alice, blog)] == 0
    reading.mark_all_read(database, bob, Stream(), up_to_id=newest)
    assert assert_counts_kept(database)[(bob, news)] == 0

    # New entries arrive for both subscribers; a subscriber joins with the history.
    refresh(database, news, dated_items("n2", 3, newest=NOW), now=NOW + HOUR)
    carol = add_user(database, "carol")
    add_feed(database, "https://example.org/news.xml", carol)
    kept = assert_counts_kept(database)
    assert kept[(bob, news)] == 3
    assert kept[(carol, news)] == 9

    # Unsubscribing, moving a subscription to another feed, deleting a user.
    with database.write() as connection:
        subscriptions.unsubscribe(connection, alice, blog)
    assert (alice, blog) not in assert_counts_kept(database)
    with database.write() as connection:
        moved = subscriptions.change_url(
            connection, carol, news, "https://example.org/elsewhere.xml", now=NOW
        )
    assert assert_counts_kept(database)[(carol, moved)] == 0
    accounts.delete_user(database, carol, acting_user_id=alice)
    assert all(user != carol for user, _ in assert_counts_kept(database))

    # Retention purges old read entries (cascading their states).
    with database.write() as connection:
        purged = retention.purge(
            connection, RetentionPolicy(max_age=timedelta(days=30), max_count=2), now=NOW + DAY
        )
    assert purged > 0
    assert_counts_kept(database)
    with database.read() as connection:
        assert counts.unread_per_feed(connection, alice) == {
            feed: count
            for (user, feed), count in kept_and_counted(database)[0].items()
            if user == alice and count
        }


@pytest.fixture(params=DIALECTS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database that no migration has touched, on each backend."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path)
        return
    with postgresql_url() as url:
        yield url


def test_the_migration_counts_existing_state_and_downgrades(empty_url: str) -> None:
    """A database at 0004 with unread and read states gets right counts on upgrade; a
    downgrade removes the columns and the triggers, and upgrading again restores them."""
    database = open_database(empty_url, upgrade=False)
    try:
        migrate(database, "0004")
        with database.write() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, name, password_hash, created_at)"
                    " VALUES (1, 'alice', 'h', '2024-01-01 00:00:00.000000')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO feeds (id, url, created_at, next_check_at)"
                    " VALUES (1, 'https://example.org/a.xml', '2024-01-01 00:00:00.000000',"
                    " '2024-01-01 00:00:00.000000')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO subscriptions (user_id, feed_id, created_at)"
                    " VALUES (1, 1, '2024-01-01 00:00:00.000000')"
                )
            )
            for number in range(5):
                connection.execute(
                    text(
                        "INSERT INTO entries (feed_id, key, content_hash, sort_at, first_seen_at)"
                        " VALUES (1, :key, 'x', '2024-01-01 00:00:00.000000',"
                        " '2024-01-01 00:00:00.000000')"
                    ),
                    {"key": f"k{number}"},
                )
            connection.execute(
                text(
                    "INSERT INTO entry_states (user_id, entry_id, feed_id, read)"
                    " SELECT 1, id, 1, id % 2 = 0 FROM entries ORDER BY id"
                )
            )
        migrate(database, "head")
        assert assert_counts_kept(database) == {(1, 1): 3}
        with database.read() as connection:
            assert connection.scalar(text(TRIGGERS[database.dialect])) == 11
        migrate(database, "0004", down=True)
        with database.read() as connection:
            columns = {
                table: {column["name"] for column in inspect(connection).get_columns(table)}
                for table in ("subscriptions", "feeds", "categories", "labels")
            }
            triggers = connection.scalar(text(TRIGGERS[database.dialect]))
        assert "unread_count" not in columns["subscriptions"]
        assert all("version" not in names for names in columns.values())
        assert triggers == 0
        migrate(database, "head")
        assert assert_counts_kept(database) == {(1, 1): 3}
    finally:
        database.close()


# How many of migration 0005's triggers (all named tr_…) a database has.
TRIGGERS = {
    "sqlite": (
        "SELECT count(*) FROM sqlite_master"
        " WHERE type = 'trigger' AND name LIKE 'tr\\_%' ESCAPE '\\'"
    ),
    "postgresql": "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'tr\\_%' AND NOT tgisinternal",
}


def migrate(database: Database, revision: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.write() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def fresh_sidebar(database: Database, user_id: int) -> reading.Sidebar:
    with database.read() as connection:
        return reading._read_sidebar(connection, user_id, with_counts=True)


def test_a_kept_sidebar_is_served_only_while_nothing_it_shows_changed(
    database: Database,
) -> None:
    """After every kind of change the sidebar shows, the sidebar served equals one read
    afresh; with no change in between, the kept one is served again."""
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    news = add_feed(database, "https://example.org/news.xml", alice, bob, category="News")
    blog = add_feed(database, "https://example.org/blog.xml", alice)
    refresh(database, news, dated_items("n", 4))
    refresh(database, blog, dated_items("b", 3))
    rows = entries_of(database, alice)
    f, c = schema.feeds, schema.categories
    label: list[int] = []

    def write(statement: Any) -> None:
        with database.write() as connection:
            connection.execute(statement)

    changes: list[tuple[str, Callable[[], object]]] = [
        ("mark read", lambda: mark(database, alice, [rows[0].id], read=True)),
        ("star", lambda: reading.star(database, alice, [rows[1].id], starred=True)),
        ("new entries", lambda: refresh(database, news, dated_items("n2", 2, newest=NOW))),
        ("feed title", lambda: write(f.update().where(f.c.id == blog).values(title="Blog!"))),
        ("feed error", lambda: write(f.update().where(f.c.id == blog).values(last_error="500"))),
        (
            "own title",
            lambda: subscription_service.update_subscription(
                database, alice, blog, SubscriptionSettings(title="Mine")
            ),
        ),
        ("category", lambda: subscription_service.create_category(database, alice, "Later")),
        ("rename category", lambda: write(c.update().where(c.c.name == "Later").values(name="L"))),
        ("label", lambda: label.append(label_service.create_label(database, alice, "Keep"))),
        ("labelled", lambda: label_service.label_entries(database, alice, label[0], [rows[3].id])),
        ("rename label", lambda: label_service.rename_label(database, alice, label[0], "Kept")),
        (
            "unlabelled",
            lambda: label_service.unlabel_entries(database, alice, label[0], [rows[3].id]),
        ),
        ("delete label", lambda: label_service.delete_label(database, alice, label[0])),
        ("unsubscribe", lambda: subscription_service.unsubscribe(database, alice, blog)),
        ("subscribe", lambda: add_feed(database, "https://example.org/blog.xml", alice)),
    ]
    served = reading.load_sidebar(database, alice)
    for what, change in changes:
        change()
        now_served = reading.load_sidebar(database, alice)
        assert now_served == fresh_sidebar(database, alice), what
        assert now_served != served, f"{what}: the sidebar should show the change"
        # Unchanged since: the same kept object, not a new read.
        assert reading.load_sidebar(database, alice) is now_served, what
        served = now_served
    # Bob's reading changes nothing of alice's: her kept sidebar is served on.
    bobs = [row.id for row in entries_of(database, bob)]
    mark(database, bob, bobs[:2], read=True)
    assert reading.load_sidebar(database, alice) is served
    # Bob's sidebar is his own, kept apart.
    assert reading.load_sidebar(database, bob) == fresh_sidebar(database, bob)
    assert reading.load_sidebar(database, bob).unread == len(bobs) - 2
