"""The labels contract (store and service, on SQLite and PostgreSQL): names unique per
user, renaming and deleting, labelling only the user's own entries, the labels of a
page in one query, counts, and another user's label behaving as no label at all."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from newsriver.errors import ConflictError, NotFoundError
from newsriver.service import labels as label_service
from newsriver.store import labels, schema, subscriptions
from newsriver.store.database import Database
from tests.store import add_feed, add_user, dated_items, entries_of, ids_of, mark, refresh


def label_rows(database: Database) -> int:
    with database.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(schema.entry_labels)) or 0)


def names(database: Database, user_id: int) -> list[str]:
    return [label.name for label in label_service.list_labels(database, user_id)]


def test_names_are_unique_per_user_and_cleaned(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    later = label_service.create_label(database, alice, "  Read   later ")
    assert names(database, alice) == ["Read later"]
    with pytest.raises(ConflictError):
        label_service.create_label(database, alice, "Read later")
    # The failed insert left the transaction usable and nothing behind.
    assert names(database, alice) == ["Read later"]
    # Another user may have a label of the same name.
    bobs = label_service.create_label(database, bob, "Read later")
    assert bobs != later
    for bad in ("", "   ", "x" * 201, "tab\u0000bed"):
        with pytest.raises(ValueError, match="label"):
            label_service.create_label(database, alice, bad)
    assert label_service.clean_name("a\tb\n c") == "a b c"


def test_rename_and_delete_only_the_users_own_labels(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/a.xml", alice, bob)
    ids = refresh(database, feed_id, dated_items("a", 3)).new_ids
    work = label_service.create_label(database, alice, "Work", entry_ids=ids)
    label_service.create_label(database, alice, "Home")
    bobs = label_service.create_label(database, bob, "Bob's", entry_ids=ids)

    with pytest.raises(ConflictError):
        label_service.rename_label(database, alice, work, "Home")
    label_service.rename_label(database, alice, work, "Job")
    # Renaming to its own name is no conflict.
    label_service.rename_label(database, alice, work, "Job")
    assert names(database, alice) == ["Home", "Job"]
    with pytest.raises(NotFoundError):
        label_service.rename_label(database, bob, work, "Stolen")
    with pytest.raises(NotFoundError):
        label_service.delete_label(database, bob, work)
    assert label_rows(database) == 6

    label_service.delete_label(database, alice, work)
    assert names(database, alice) == ["Home"]
    # The entries stay, and so do bob's labels on them.
    assert len(entries_of(database, alice)) == 3
    assert label_rows(database) == 3
    assert set(ids_of(database, bob, label_id=bobs)) == set(ids)
    with pytest.raises(NotFoundError):
        label_service.delete_label(database, alice, work)


def test_labels_go_only_on_entries_the_user_has(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    alices = refresh(
        database, add_feed(database, "https://example.org/a.xml", alice), dated_items("a", 3)
    ).new_ids
    bobs = refresh(
        database, add_feed(database, "https://example.org/b.xml", bob), dated_items("b", 2)
    ).new_ids
    keep = label_service.create_label(database, alice, "Keep")

    assert label_service.label_entries(database, alice, keep, alices[:2] + bobs) == 2
    # Labelling again changes nothing, and counts nothing.
    assert label_service.label_entries(database, alice, keep, alices[:2]) == 0
    assert label_service.label_entries(database, alice, keep, alices) == 1
    assert label_service.label_entries(database, alice, keep, []) == 0
    assert set(ids_of(database, alice, label_id=keep)) == set(alices)
    # Bob cannot use alice's label, on his entries or hers.
    for entry_ids in (bobs, alices):
        with pytest.raises(NotFoundError):
            label_service.label_entries(database, bob, keep, entry_ids)
        with pytest.raises(NotFoundError):
            label_service.unlabel_entries(database, bob, keep, entry_ids)
    assert label_rows(database) == 3

    assert label_service.unlabel_entries(database, alice, keep, alices[:1] + bobs) == 1
    assert label_service.unlabel_entries(database, alice, keep, alices[:1]) == 0
    assert set(ids_of(database, alice, label_id=keep)) == set(alices[1:])
    with pytest.raises(ValueError, match="at most"):
        label_service.label_entries(database, alice, keep, list(range(1, 1002)))


def test_the_labels_of_a_page_come_in_one_query_and_only_the_users(
    database: Database,
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/shared.xml", alice, bob)
    ids = refresh(database, feed_id, dated_items("s", 4)).new_ids
    red = label_service.create_label(database, alice, "Red", entry_ids=ids[:2])
    blue = label_service.create_label(database, alice, "Blue", entry_ids=ids[1:3])
    label_service.create_label(database, bob, "Bob's", entry_ids=ids)

    statements: list[str] = []
    with database.read() as connection:

        def count(
            _connection: object,
            _cursor: object,
            statement: str,
            *_args: object,
        ) -> None:
            # SQLite's BEGIN goes through the same hook (see store/database.py).
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append(statement)

        event.listen(connection, "before_cursor_execute", count)
        try:
            found = labels.labels_of(connection, alice, ids)
        finally:
            event.remove(connection, "before_cursor_execute", count)
        assert labels.labels_of(connection, alice, []) == {}
    assert len(statements) == 1
    assert found == {
        ids[0]: [red],
        ids[1]: sorted([red, blue]),
        ids[2]: [blue],
    }


def test_label_counts_follow_reading_and_unsubscribing(database: Database) -> None:
    alice = add_user(database, "alice")
    first = add_feed(database, "https://example.org/first.xml", alice)
    second = add_feed(database, "https://example.org/second.xml", alice)
    first_ids = refresh(database, first, dated_items("f", 3)).new_ids
    second_ids = refresh(database, second, dated_items("s", 2)).new_ids
    both = label_service.create_label(database, alice, "Both", entry_ids=first_ids + second_ids)

    def counts() -> tuple[int, int]:
        (label,) = label_service.list_labels(database, alice)
        return label.total, label.unread

    assert counts() == (5, 5)
    with database.read() as connection:
        names_only = labels.list_labels(connection, alice, with_counts=False)
    assert [(label.name, label.total, label.unread) for label in names_only] == [("Both", 0, 0)]
    mark(database, alice, first_ids[:2], read=True)
    assert counts() == (5, 3)
    with database.write() as connection:
        subscriptions.unsubscribe(connection, alice, first)
    assert counts() == (2, 2)
    assert set(ids_of(database, alice, label_id=both)) == set(second_ids)
