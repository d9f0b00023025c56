"""First run: with no user in the database, the first account is created as admin.

There is no default account and no default password anywhere; until this runs, the web
UI offers only this page.
"""

from __future__ import annotations

from newsriver.clock import utcnow
from newsriver.errors import ConflictError
from newsriver.service.accounts import check_user_name
from newsriver.service.preferences import Preferences, preferences_to_json
from newsriver.store import accounts, instance
from newsriver.store.accounts import User
from newsriver.store.database import Database
from newsriver.store.viewers import set_settings_json


def needs_setup(database: Database) -> bool:
    """Whether no account exists yet."""
    with database.read() as connection:
        return accounts.count_users(connection) == 0


def create_first_admin(
    database: Database, name: str, *, password_hash: str, preferences: Preferences
) -> User:
    """Create the first user, an admin. ConflictError once any user exists (two
    people racing through setup get one admin, not two); ValueError for a bad name."""
    name = check_user_name(name)
    with database.write() as connection:
        instance.lock_for_setup(connection)
        if accounts.count_users(connection):
            raise ConflictError("newsriver is already set up: sign in instead")
        user = accounts.add_user(
            connection, name, password_hash=password_hash, is_admin=True, now=utcnow()
        )
        set_settings_json(connection, user.id, preferences_to_json(preferences))
        return user
