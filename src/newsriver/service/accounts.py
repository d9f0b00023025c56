"""Creating users and setting their API passwords. Callers hash passwords (`web.auth`)."""

from __future__ import annotations

from newsriver.clock import utcnow
from newsriver.store import accounts
from newsriver.store.accounts import User
from newsriver.store.database import Database


def add_user(database: Database, name: str, *, password_hash: str, is_admin: bool) -> User:
    """Create a user; ConflictError when the name is taken, ValueError when unusable."""
    name = name.strip()
    if not name or len(name) > 100 or any(ch.isspace() or not ch.isprintable() for ch in name):
        raise ValueError("a user name must be 1-100 printable characters without spaces")
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
