"""Users, their credentials and their REST API keys.

Password hashing happens above (`web.auth`); only hashes ever reach this module. API
keys are the exception that proves the rule: they are random tokens, not secrets a
person chose, so a plain SHA-256 of the token is enough to store and find them (there
is nothing to brute-force in 256 bits of randomness), and the token is made here.

The last active administrator can be neither disabled, demoted nor deleted: without
one, nobody could manage the instance from the web UI again.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, insert, select, update
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
    """Create a user. Raises ConflictError when the name is taken, in any letter case:
    "Alice" beside "alice" would be two accounts that people (and administrators
    granting rights) tell apart by a capital letter. Names that differ only in case and
    were stored before this check stay as they are."""
    folded = name.casefold()
    # In Python: SQLite's lower() folds ASCII only. The table holds people, not feeds.
    if any(taken.casefold() == folded for taken in connection.scalars(select(_u.c.name))):
        raise ConflictError(f"a user named {name!r} already exists")
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


def find_by_fever_key(connection: Connection, fever_key: str) -> User | None:
    """The user whose Fever key this is (on its index); None for no such key."""
    row = connection.execute(select(*_USER_COLUMNS).where(_u.c.fever_key == fever_key)).first()
    return None if row is None else User(*row)


def find_user_by_id(connection: Connection, user_id: int) -> User | None:
    row = connection.execute(select(*_USER_COLUMNS).where(_u.c.id == user_id)).one_or_none()
    return None if row is None else User(*row)


def get_user_by_id(connection: Connection, user_id: int) -> User:
    """The user with this id; NotFoundError when there is none."""
    user = find_user_by_id(connection, user_id)
    if user is None:
        raise NotFoundError(f"no user {user_id}")
    return user


def credentials_by_id(connection: Connection, user_id: int) -> Credentials | None:
    """The user's hashes, e.g. to check the current password before changing it."""
    row = connection.execute(
        select(
            *_USER_COLUMNS, _u.c.password_hash, _u.c.api_password_hash, _u.c.token_version
        ).where(_u.c.id == user_id)
    ).one_or_none()
    if row is None:
        return None
    return Credentials(User(*row[:5]), row[5], row[6], row[7])


def list_users_after(connection: Connection, *, after_name: str | None, limit: int) -> list[User]:
    """Up to `limit` users in name order, starting after `after_name` (keyset paging on
    the unique index of `name`, so the thousandth page costs what the first does)."""
    query = select(*_USER_COLUMNS).order_by(_u.c.name).limit(limit)
    if after_name is not None:
        query = query.where(_u.c.name > after_name)
    return [User(*row) for row in connection.execute(query)]


def set_password(connection: Connection, user_id: int, password_hash: str) -> None:
    """Replace the login password hash. Sessions carry a stamp derived from the hash, so
    the user's other sessions end with it. NotFoundError for no such user."""
    changed = connection.execute(
        update(_u).where(_u.c.id == user_id).values(password_hash=password_hash)
    ).rowcount
    if not changed:
        raise NotFoundError(f"no user {user_id}")


def count_active_admins(connection: Connection) -> int:
    return int(
        connection.scalar(select(func.count()).select_from(_u).where(_u.c.is_admin, ~_u.c.disabled))
        or 0
    )


def _keep_an_admin(connection: Connection, user_id: int) -> User:
    """The user, after checking that another active admin remains without them.

    The active admins' rows are locked first (FOR UPDATE; SQLite has a single writer
    anyway): two admins disabling each other at once on PostgreSQL would otherwise
    both see the other still active and leave the instance with none. The second
    transaction waits, then re-reads the rows the first changed, and is refused.
    """
    admins = connection.scalars(
        select(_u.c.id).where(_u.c.is_admin, ~_u.c.disabled).order_by(_u.c.id).with_for_update()
    ).all()
    user = get_user_by_id(connection, user_id)
    if user.id in admins and len(admins) == 1:
        raise ConflictError(f"{user.name} is the last active administrator")
    return user


def set_disabled(connection: Connection, user_id: int, *, disabled: bool) -> User:
    """Disable or re-enable a user; returns the user as changed. A disabled user cannot
    sign in or use the APIs, but keeps every subscription and article state. Raises
    NotFoundError, or ConflictError for the last active administrator."""
    user = _keep_an_admin(connection, user_id) if disabled else get_user_by_id(connection, user_id)
    connection.execute(update(_u).where(_u.c.id == user_id).values(disabled=disabled))
    return User(user.id, user.name, user.is_admin, disabled, user.created_at)


def set_admin(connection: Connection, user_id: int, *, is_admin: bool) -> User:
    """Grant or withdraw administration; ConflictError for the last active administrator."""
    user = get_user_by_id(connection, user_id) if is_admin else _keep_an_admin(connection, user_id)
    connection.execute(update(_u).where(_u.c.id == user_id).values(is_admin=is_admin))
    return User(user.id, user.name, is_admin, user.disabled, user.created_at)


def delete_user(connection: Connection, user_id: int) -> User:
    """Delete a user and, through the foreign keys' cascades, everything that was theirs:
    subscriptions, categories, article state, labels, saved queries, filters, API keys.
    Shared feeds and their entries stay (a feed nobody reads any more is not fetched).
    Raises NotFoundError, or ConflictError for the last active administrator."""
    user = _keep_an_admin(connection, user_id)
    connection.execute(delete(_u).where(_u.c.id == user_id))
    return user


def set_api_password(
    connection: Connection, user_id: int, api_password_hash: str, *, fever_key: str | None = None
) -> None:
    """Replace the API password; bumping the token version revokes issued API tokens.

    The Fever key (an MD5 of the name and the API password, which only whoever holds
    the password can compute) is replaced too: by `fever_key`, or cleared, so that a key
    derived from the old password stops working.
    """
    connection.execute(
        update(_u)
        .where(_u.c.id == user_id)
        .values(
            api_password_hash=api_password_hash,
            fever_key=fever_key,
            token_version=_u.c.token_version + 1,
        )
    )


def clear_api_password(connection: Connection, user_id: int) -> None:
    """Turn the Google Reader and Fever APIs off for the user, revoking issued tokens.
    REST API keys are separate and stay."""
    connection.execute(
        update(_u)
        .where(_u.c.id == user_id)
        .values(api_password_hash=None, fever_key=None, token_version=_u.c.token_version + 1)
    )


# --- REST API keys ---

_k = schema.api_keys
_KEY_COLUMNS = (_k.c.id, _k.c.description, _k.c.created_at, _k.c.last_used_at)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A REST API key as its user sees it in the list: never the token itself."""

    id: int
    description: str
    created_at: datetime
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class NewApiKey:
    key: ApiKey
    # The token: shown to its user once, at creation, and stored nowhere.
    token: str


@dataclass(frozen=True, slots=True)
class ApiKeyOwner:
    """Who a presented token belongs to, and through which key."""

    key: ApiKey
    user: User


def api_token_hash(token: str) -> str:
    """What is stored for a token, and looked up when one is presented (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_key(
    connection: Connection, user_id: int, description: str, *, now: datetime
) -> NewApiKey:
    """A new random key for the user (256 bits); only its hash is written."""
    token = secrets.token_urlsafe(32)
    key_id = connection.scalar(
        insert(_k)
        .values(
            user_id=user_id,
            description=description,
            token_hash=api_token_hash(token),
            created_at=now,
        )
        .returning(_k.c.id)
    )
    assert key_id is not None
    return NewApiKey(ApiKey(key_id, description, now, None), token)


def list_api_keys(connection: Connection, user_id: int) -> list[ApiKey]:
    """The user's keys, oldest first."""
    return [
        ApiKey(*row)
        for row in connection.execute(
            select(*_KEY_COLUMNS).where(_k.c.user_id == user_id).order_by(_k.c.id)
        )
    ]


def revoke_api_key(connection: Connection, user_id: int, key_id: int) -> None:
    """Delete one of the user's keys; NotFoundError when it is not theirs (or gone)."""
    removed = connection.execute(
        delete(_k).where(_k.c.id == key_id, _k.c.user_id == user_id)
    ).rowcount
    if not removed:
        raise NotFoundError(f"no API key {key_id}")


def find_api_key(connection: Connection, token_hash: str) -> ApiKeyOwner | None:
    """The key with this hash and its user (disabled or not: the caller decides)."""
    row = connection.execute(
        select(*_KEY_COLUMNS, *_USER_COLUMNS)
        .join(_u, _u.c.id == _k.c.user_id)
        .where(_k.c.token_hash == token_hash)
    ).one_or_none()
    if row is None:
        return None
    return ApiKeyOwner(ApiKey(*row[:4]), User(*row[4:]))


def touch_api_key(connection: Connection, key_id: int, *, now: datetime) -> None:
    """Record that the key was just used."""
    connection.execute(update(_k).where(_k.c.id == key_id).values(last_used_at=now))
