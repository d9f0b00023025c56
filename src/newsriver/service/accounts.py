"""Accounts: creating users, the administrator's use-cases, and each user's own account.

Callers hash passwords (`web.auth`, which sits above this layer) and pass the hashes;
checking a current password before a change is theirs too (`credentials_of` hands them
the hash). Everything about the user's own account takes the signed-in user's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from newsriver.clock import utcnow
from newsriver.errors import ConflictError, NotFoundError
from newsriver.store import accounts
from newsriver.store.accounts import ApiKey, Credentials, NewApiKey, User
from newsriver.store.database import Database

# How stale a key's "last used" may get: recording every use would make each REST
# request a write transaction, and SQLite has one writer.
API_KEY_TOUCH_INTERVAL = timedelta(minutes=1)
MAX_API_KEY_DESCRIPTION = 200
MAX_USERS_PAGE = 500


def check_user_name(name: str) -> str:
    """The name as stored (surrounding blanks removed); ValueError when it is unusable."""
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise ValueError("a user name must be 1-100 printable characters without spaces")
    return name


def add_user(database: Database, name: str, *, password_hash: str, is_admin: bool) -> User:
    """Create a user; ConflictError when the name is taken, ValueError when unusable."""
    name = check_user_name(name)
    with database.write() as connection:
        return accounts.add_user(
            connection, name, password_hash=password_hash, is_admin=is_admin, now=utcnow()
        )


def set_api_password(database: Database, name: str, *, api_password_hash: str) -> None:
    """Set the password of the Google Reader and Fever APIs; NotFoundError for no user."""
    with database.write() as connection:
        user = accounts.get_user(connection, name)
        accounts.set_api_password(connection, user.id, api_password_hash)


def get_user(database: Database, name: str) -> User:
    with database.read() as connection:
        return accounts.get_user(connection, name)


def get_user_by_id(database: Database, user_id: int) -> User:
    """The user with this id; NotFoundError when there is none."""
    with database.read() as connection:
        return accounts.get_user_by_id(connection, user_id)


# --- Administration ---


@dataclass(frozen=True, slots=True)
class UsersPage:
    users: tuple[User, ...]
    # The `after` of the next page; None on the last one.
    next_after: str | None


def users_page(database: Database, *, after: str | None = None, limit: int = 100) -> UsersPage:
    """One page of users in name order, for an instance with any number of them."""
    if not 1 <= limit <= MAX_USERS_PAGE:
        raise ValueError(f"a page holds 1 to {MAX_USERS_PAGE} users")
    with database.read() as connection:
        users = accounts.list_users_after(connection, after_name=after, limit=limit + 1)
    more = len(users) > limit
    users = users[:limit]
    return UsersPage(tuple(users), users[-1].name if more else None)


def _not_yourself(user_id: int, acting_user_id: int, action: str) -> None:
    # An administrator locking themselves out from the admin page is always a mistake;
    # another administrator can do it if it is really wanted.
    if user_id == acting_user_id:
        raise ConflictError(f"you cannot {action} your own account")


def set_disabled(database: Database, user_id: int, *, disabled: bool, acting_user_id: int) -> User:
    """Disable or re-enable a user (not oneself); NotFoundError, or ConflictError for
    oneself or the last active administrator."""
    if disabled:
        _not_yourself(user_id, acting_user_id, "disable")
    with database.write() as connection:
        return accounts.set_disabled(connection, user_id, disabled=disabled)


def set_admin(database: Database, user_id: int, *, is_admin: bool, acting_user_id: int) -> User:
    """Grant or withdraw administration (not one's own); ConflictError as `set_disabled`."""
    if not is_admin:
        _not_yourself(user_id, acting_user_id, "demote")
    with database.write() as connection:
        return accounts.set_admin(connection, user_id, is_admin=is_admin)


def delete_user(database: Database, user_id: int, *, acting_user_id: int) -> User:
    """Delete a user and all that was theirs; returns who was deleted. NotFoundError, or
    ConflictError for oneself or the last active administrator."""
    _not_yourself(user_id, acting_user_id, "delete")
    with database.write() as connection:
        return accounts.delete_user(connection, user_id)


def count_active_admins(database: Database) -> int:
    with database.read() as connection:
        return accounts.count_active_admins(connection)


# --- The user's own account ---


@dataclass(frozen=True, slots=True)
class AccountOverview:
    """What the settings page shows about the account besides the preferences."""

    user: User
    has_api_password: bool
    api_keys: tuple[ApiKey, ...]


def account_overview(database: Database, user_id: int) -> AccountOverview:
    with database.read() as connection:
        found = accounts.credentials_by_id(connection, user_id)
        if found is None:
            raise NotFoundError(f"no user {user_id}")
        keys = accounts.list_api_keys(connection, user_id)
    return AccountOverview(found.user, found.api_password_hash is not None, tuple(keys))


def credentials_of(database: Database, user_id: int) -> Credentials:
    """The user's hashes, for checking the current password; NotFoundError for no user."""
    with database.read() as connection:
        found = accounts.credentials_by_id(connection, user_id)
    if found is None:
        raise NotFoundError(f"no user {user_id}")
    return found


def change_password(database: Database, user_id: int, *, password_hash: str) -> None:
    """Replace the login password; the user's other sessions end (their stamp changes)."""
    with database.write() as connection:
        accounts.set_password(connection, user_id, password_hash)


def set_api_password_by_id(
    database: Database, user_id: int, *, api_password_hash: str, fever_key: str | None = None
) -> None:
    """Set the Google Reader and Fever password; tokens issued with the old one end."""
    with database.write() as connection:
        accounts.get_user_by_id(connection, user_id)
        accounts.set_api_password(connection, user_id, api_password_hash, fever_key=fever_key)


def clear_api_password(database: Database, user_id: int) -> None:
    """Switch the Google Reader and Fever APIs off for the user."""
    with database.write() as connection:
        accounts.get_user_by_id(connection, user_id)
        accounts.clear_api_password(connection, user_id)


def create_api_key(database: Database, user_id: int, description: str) -> NewApiKey:
    """A new REST API key; its token is in the result and nowhere else, ever again."""
    description = " ".join(description.split())
    if not description or len(description) > MAX_API_KEY_DESCRIPTION:
        raise ValueError(
            f"describe the key in 1 to {MAX_API_KEY_DESCRIPTION} characters "
            "(e.g. the app that will use it)"
        )
    with database.write() as connection:
        accounts.get_user_by_id(connection, user_id)
        return accounts.create_api_key(connection, user_id, description, now=utcnow())


def list_api_keys(database: Database, user_id: int) -> list[ApiKey]:
    with database.read() as connection:
        return accounts.list_api_keys(connection, user_id)


def revoke_api_key(database: Database, user_id: int, key_id: int) -> None:
    """Delete one of the user's keys; NotFoundError for another user's key or none."""
    with database.write() as connection:
        accounts.revoke_api_key(connection, user_id, key_id)


def authenticate_api_token(database: Database, token: str) -> User | None:
    """The active user a REST API token belongs to; None for an unknown token or a
    disabled user. Records the use, at most once per API_KEY_TOUCH_INTERVAL."""
    token_hash = accounts.api_token_hash(token)
    with database.read() as connection:
        found = accounts.find_api_key(connection, token_hash)
    if found is None or found.user.disabled:
        return None
    now = utcnow()
    last_used = found.key.last_used_at
    if last_used is None or now - last_used >= API_KEY_TOUCH_INTERVAL:
        with database.write() as connection:
            accounts.touch_api_key(connection, found.key.id, now=now)
    return found.user
