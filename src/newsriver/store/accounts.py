"""Users and their credentials. Password hashing happens above (`web.auth`); only
hashes ever reach this module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from newsriver.errors import ConflictError, NotFoundError
from newsriver.store import schema

_u = schema.users


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str
    is_admin: bool
    disabled: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Credentials:
    """What logging in checks; kept apart from `User` so hashes are read only there."""

    user: User
    password_hash: str
    api_password_hash: str | None
    token_version: int


_USER_COLUMNS = (_u.c.id, _u.c.name, _u.c.is_admin, _u.c.disabled, _u.c.created_at)


def add_user(
    connection: Connection, name: str, *, password_hash: str, is_admin: bool, now: datetime
) -> User:
    """Create a user. Raises ConflictError when the name is taken."""
    try:
        with connection.begin_nested():
            user_id = connection.scalar(
                insert(_u)
                .values(name=name, password_hash=password_hash, is_admin=is_admin, created_at=now)
                .returning(_u.c.id)
            )
    except IntegrityError:
        raise ConflictError(f"a user named {name!r} already exists") from None
    assert user_id is not None
    return User(id=user_id, name=name, is_admin=is_admin, disabled=False, created_at=now)


def find_user(connection: Connection, name: str) -> User | None:
    row = connection.execute(select(*_USER_COLUMNS).where(_u.c.name == name)).one_or_none()
    return None if row is None else User(*row)


def get_user(connection: Connection, name: str) -> User:
    """The user called `name`; NotFoundError when there is none."""
    user = find_user(connection, name)
    if user is None:
        raise NotFoundError(f"no user named {name!r}")
    return user


def list_users(connection: Connection) -> list[User]:
    return [User(*row) for row in connection.execute(select(*_USER_COLUMNS).order_by(_u.c.name))]


def count_users(connection: Connection) -> int:
    return int(connection.scalar(select(func.count()).select_from(_u)) or 0)


def credentials(connection: Connection, name: str) -> Credentials | None:
    row = connection.execute(
        select(
            *_USER_COLUMNS, _u.c.password_hash, _u.c.api_password_hash, _u.c.token_version
        ).where(_u.c.name == name)
    ).one_or_none()
    if row is None:
        return None
    return Credentials(User(*row[:5]), row[5], row[6], row[7])


def set_api_password(connection: Connection, user_id: int, api_password_hash: str) -> None:
    """Replace the API password; bumping the token version revokes issued API tokens."""
    connection.execute(
        update(_u)
        .where(_u.c.id == user_id)
        .values(api_password_hash=api_password_hash, token_version=_u.c.token_version + 1)
    )
