"""Labels: a user's own names for groups of entries (FreshRSS's tags), and putting
them on entries or taking them off."""

from __future__ import annotations

from collections.abc import Sequence

from newsriver.store import labels
from newsriver.store.database import Database
from newsriver.store.entries import MAX_PAGE
from newsriver.store.labels import Label

MAX_NAME = 200


def clean_name(name: str) -> str:
    """The name with its white space collapsed; ValueError when empty, too long, or
    holding control characters."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("a label needs a name")
    if len(cleaned) > MAX_NAME or not cleaned.isprintable():
        raise ValueError(f"a label name must be at most {MAX_NAME} printable characters")
    return cleaned


def _ids(entry_ids: Sequence[int]) -> list[int]:
    ids = list(dict.fromkeys(entry_ids))
    if len(ids) > MAX_PAGE:
        raise ValueError(f"at most {MAX_PAGE} entries at a time")
    return ids


def list_labels(database: Database, user_id: int) -> list[Label]:
    """The user's labels by name, with how many entries carry each and how many unread."""
    with database.read() as connection:
        return labels.list_labels(connection, user_id)


def create_label(
    database: Database, user_id: int, name: str, *, entry_ids: Sequence[int] = ()
) -> int:
    """A new label's id, put at once on `entry_ids` (those the user has). ConflictError
    when the user has a label of that name; ValueError for an unusable name."""
    name, ids = clean_name(name), _ids(entry_ids)
    with database.write() as connection:
        label_id = labels.create_label(connection, user_id, name)
        labels.add_label(connection, user_id, label_id, ids)
    return label_id


def rename_label(database: Database, user_id: int, label_id: int, name: str) -> None:
    """NotFoundError when the label is not the user's; ConflictError when the name is
    another of their labels'; ValueError for an unusable name."""
    name = clean_name(name)
    with database.write() as connection:
        labels.rename_label(connection, user_id, label_id, name)


def delete_label(database: Database, user_id: int, label_id: int) -> None:
    """Delete the label; its entries stay. NotFoundError when it is not the user's."""
    with database.write() as connection:
        labels.delete_label(connection, user_id, label_id)


def label_entries(database: Database, user_id: int, label_id: int, entry_ids: Sequence[int]) -> int:
    """Put the label on the entries (ids not the user's are ignored); returns how many
    got it. NotFoundError when the label is not the user's."""
    ids = _ids(entry_ids)
    with database.write() as connection:
        return labels.add_label(connection, user_id, label_id, ids)


def unlabel_entries(
    database: Database, user_id: int, label_id: int, entry_ids: Sequence[int]
) -> int:
    """Take the label off the entries; returns how many had it. NotFoundError when the
    label is not the user's."""
    ids = _ids(entry_ids)
    with database.write() as connection:
        return labels.remove_label(connection, user_id, label_id, ids)
