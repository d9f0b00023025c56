"""Categories (on SQLite and PostgreSQL): create, rename, reorder, delete — feeds of a
deleted category fall back to the default one — and users kept apart."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from newsriver.errors import ConflictError, NotFoundError
from newsriver.service import subscriptions as service
from newsriver.store import schema
from newsriver.store.database import Database
from tests.store import add_feed, add_user


def names(database: Database, user_id: int) -> list[str]:
    return [category.name for category in service.list_categories(database, user_id)]


def test_created_categories_come_last_and_count_their_feeds(database: Database) -> None:
    alice = add_user(database, "alice")
    news = service.create_category(database, alice, "  News  ")
    tech = service.create_category(database, alice, "Tech\tand   science")
    add_feed(database, "https://example.org/a.xml", alice, category="News")
    add_feed(database, "https://example.org/b.xml", alice, category="News")

    listed = service.list_categories(database, alice)

    assert [(c.id, c.name, c.feed_count) for c in listed] == [
        (news.id, "News", 2),
        (tech.id, "Tech and science", 0),
    ]
    assert [c.position for c in listed] == [1, 2]


@pytest.mark.parametrize("name", ["", "   ", "x" * 201, "bell\x07"])
def test_unusable_names_are_refused(database: Database, name: str) -> None:
    alice = add_user(database, "alice")
    with pytest.raises(ValueError, match="name"):
        service.create_category(database, alice, name)
    assert names(database, alice) == []


def test_duplicate_names_are_conflicts_per_user(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    service.create_category(database, alice, "News")
    tech = service.create_category(database, alice, "Tech")

    with pytest.raises(ConflictError):
        service.create_category(database, alice, "News")
    with pytest.raises(ConflictError):
        service.rename_category(database, alice, tech.id, " News ")
    service.create_category(database, bob, "News")  # another user's name is free

    assert names(database, alice) == ["News", "Tech"]
    assert names(database, bob) == ["News"]


def test_rename(database: Database) -> None:
    alice = add_user(database, "alice")
    news = service.create_category(database, alice, "News")
    service.rename_category(database, alice, news.id, "World news")
    service.rename_category(database, alice, news.id, "World news")  # to itself: fine
    assert names(database, alice) == ["World news"]


def test_move_up_and_down_and_stay_at_the_ends(database: Database) -> None:
    alice = add_user(database, "alice")
    a, b, c = (service.create_category(database, alice, name) for name in "ABC")

    service.move_category(database, alice, c.id, "up")
    assert names(database, alice) == ["A", "C", "B"]
    service.move_category(database, alice, c.id, "up")
    service.move_category(database, alice, c.id, "up")
    assert names(database, alice) == ["C", "A", "B"]
    service.move_category(database, alice, a.id, "down")
    assert names(database, alice) == ["C", "B", "A"]
    service.move_category(database, alice, a.id, "down")
    assert names(database, alice) == ["C", "B", "A"]
    service.move_category(database, alice, b.id, "down")
    assert names(database, alice) == ["C", "A", "B"]
    assert [x.position for x in service.list_categories(database, alice)] == [1, 2, 3]


def test_ties_left_by_older_rows_are_repaired_by_a_move(database: Database) -> None:
    alice = add_user(database, "alice")
    created = [service.create_category(database, alice, name) for name in "ABC"]
    with database.write() as connection:
        connection.execute(schema.categories.update().values(position=0))
    assert names(database, alice) == ["A", "B", "C"]  # by name among equals

    service.move_category(database, alice, created[2].id, "up")

    assert names(database, alice) == ["A", "C", "B"]


def test_set_the_full_order(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    a, b, c = (service.create_category(database, alice, name) for name in "ABC")
    bobs = service.create_category(database, bob, "Z")

    service.set_category_order(database, alice, [c.id, a.id, b.id])
    assert names(database, alice) == ["C", "A", "B"]

    with pytest.raises(ValueError, match="exactly once"):
        service.set_category_order(database, alice, [c.id, a.id])
    with pytest.raises(ValueError, match="exactly once"):
        service.set_category_order(database, alice, [c.id, a.id, b.id, a.id])
    with pytest.raises(NotFoundError):
        service.set_category_order(database, alice, [c.id, a.id, bobs.id])
    assert names(database, alice) == ["C", "A", "B"]
    assert names(database, bob) == ["Z"]


def test_deleting_a_category_moves_its_feeds_to_the_default_one(database: Database) -> None:
    alice = add_user(database, "alice")
    feed = add_feed(database, "https://example.org/a.xml", alice, category="News")
    other = add_feed(database, "https://example.org/b.xml", alice, category="Tech")
    news = next(c for c in service.list_categories(database, alice) if c.name == "News")

    service.delete_category(database, alice, news.id)

    assert names(database, alice) == ["Tech"]
    assert service.get_subscription(database, alice, feed).settings.category_id is None
    assert service.get_subscription(database, alice, other).category_name == "Tech"
    with database.read() as connection:
        category_ids = set(connection.scalars(select(schema.subscriptions.c.category_id)))
    assert news.id not in category_ids
    with pytest.raises(NotFoundError):
        service.delete_category(database, alice, news.id)


def test_another_users_category_behaves_like_one_that_does_not_exist(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    bobs = service.create_category(database, bob, "Bob's")
    add_feed(database, "https://example.org/b.xml", bob, category="Bob's")

    for category_id in (bobs.id, bobs.id + 1000):
        with pytest.raises(NotFoundError):
            service.rename_category(database, alice, category_id, "Mine")
        with pytest.raises(NotFoundError):
            service.move_category(database, alice, category_id, "up")
        with pytest.raises(NotFoundError):
            service.delete_category(database, alice, category_id)

    assert [(c.name, c.feed_count) for c in service.list_categories(database, bob)] == [
        ("Bob's", 1)
    ]
    assert service.list_categories(database, alice) == []
