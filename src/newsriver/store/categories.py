"""A user's categories: listing in their order, creating, renaming, reordering, deleting.

Deleting a category does not delete its feeds: the foreign key from subscriptions is
ON DELETE SET NULL (SQLite enforces it because `database.py` turns `foreign_keys` on),
so they fall back to the default category, shown as "Uncategorised".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsriver.errors import ConflictError, NotFoundError
from newsriver.store import schema

_c, _s = schema.categories, schema.subscriptions

MAX_NAME = 200


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    name: str
    # Rank among the user's categories, from 1; the sidebar and lists follow it.
    position: int
    # How many of the user's subscriptions it holds.
    feed_count: int


def clean_name(name: str) -> str:
    """The name with its whitespace collapsed; ValueError when empty or too long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("a category needs a name")
    if len(cleaned) > MAX_NAME or not cleaned.isprintable():
        raise ValueError(f"a category name must be at most {MAX_NAME} printable characters")
    return cleaned


def list_categories(connection: Connection, user_id: int) -> list[Category]:
    """The user's categories in their order, each with its number of feeds."""
    rows = connection.execute(
        select(_c.c.id, _c.c.name, _c.c.position, func.count(_s.c.id))
        .select_from(_c.outerjoin(_s, _s.c.category_id == _c.c.id))
        .where(_c.c.user_id == user_id)
        .group_by(_c.c.id, _c.c.name, _c.c.position)
        .order_by(_c.c.position, _c.c.name, _c.c.id)
    )
    return [Category(*row) for row in rows]


def get_category(connection: Connection, user_id: int, category_id: int) -> Category:
    """NotFoundError when the user has no such category."""
    for category in list_categories(connection, user_id):
        if category.id == category_id:
            return category
    raise NotFoundError(f"no category {category_id}")


def create_category(connection: Connection, user_id: int, name: str) -> Category:
    """A new category, last in the user's order. ConflictError when the name is taken."""
    name = clean_name(name)
    position = connection.scalar(
        select(func.coalesce(func.max(_c.c.position), 0) + 1).where(_c.c.user_id == user_id)
    )
    try:
        with connection.begin_nested():
            category_id = connection.scalar(
                insert(_c).values(user_id=user_id, name=name, position=position).returning(_c.c.id)
            )
    except IntegrityError:
        raise ConflictError(f"you already have a category named “{name}”") from None
    assert category_id is not None
    assert position is not None
    return Category(int(category_id), name, int(position), 0)


def rename_category(connection: Connection, user_id: int, category_id: int, name: str) -> None:
    """NotFoundError when it is not the user's; ConflictError when the name is taken."""
    name = clean_name(name)
    try:
        with connection.begin_nested():
            renamed = connection.execute(
                update(_c).where(_c.c.id == category_id, _c.c.user_id == user_id).values(name=name)
            ).rowcount
    except IntegrityError:
        raise ConflictError(f"you already have a category named “{name}”") from None
    if not renamed:
        raise NotFoundError(f"no category {category_id}")


def move_category(
    connection: Connection, user_id: int, category_id: int, direction: Literal["up", "down"]
) -> None:
    """Swap the category with its neighbour; at either end it stays where it is."""
    order = [category.id for category in list_categories(connection, user_id)]
    if category_id not in order:
        raise NotFoundError(f"no category {category_id}")
    index = order.index(category_id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    _renumber(connection, user_id, order)


def set_category_order(connection: Connection, user_id: int, category_ids: Sequence[int]) -> None:
    """Put the user's categories in the order given, which must list each of them once.

    NotFoundError when an id is not one of the user's categories; ValueError when one
    is missing or repeated.
    """
    mine = {category.id for category in list_categories(connection, user_id)}
    unknown = [category_id for category_id in category_ids if category_id not in mine]
    if unknown:
        raise NotFoundError(f"no category {unknown[0]}")
    if len(category_ids) != len(mine) or set(category_ids) != mine:
        raise ValueError("the new order must list each of your categories exactly once")
    _renumber(connection, user_id, category_ids)


def _renumber(connection: Connection, user_id: int, order: Sequence[int]) -> None:
    """Positions 1…n in `order`, which also repairs ties left by older rows (all 0)."""
    if not order:
        return
    connection.execute(
        update(_c)
        .where(_c.c.user_id == user_id, _c.c.id == bindparam("b_id"))
        .values(position=bindparam("b_position")),
        [{"b_id": category_id, "b_position": rank} for rank, category_id in enumerate(order, 1)],
    )


def delete_category(connection: Connection, user_id: int, category_id: int) -> None:
    """Delete the category; its feeds move to the default one (category_id NULL)."""
    deleted = connection.execute(
        delete(_c).where(_c.c.id == category_id, _c.c.user_id == user_id)
    ).rowcount
    if not deleted:
        raise NotFoundError(f"no category {category_id}")
