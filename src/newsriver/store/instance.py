"""Instance-wide settings an admin changes at run time, as key/value rows.

Deployment settings (database URL, secret key…) come from the environment instead
(`newsriver.settings`); these are the ones the admin pages change while newsriver runs.
"""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, text, update

from newsriver.store import schema

_i = schema.instance_settings
# Serialises first-run setup between PostgreSQL connections ("setup" in hex; any constant).
_SETUP_LOCK_KEY = 0x7365747570


def instance_settings(connection: Connection) -> dict[str, str]:
    return {row.key: row.value for row in connection.execute(select(_i.c.key, _i.c.value))}


def set_instance_setting(connection: Connection, key: str, value: str | None) -> None:
    """Set `key`, or remove it when `value` is None (its default then applies)."""
    if value is None:
        connection.execute(delete(_i).where(_i.c.key == key))
        return
    changed = connection.execute(update(_i).where(_i.c.key == key).values(value=value)).rowcount
    if not changed:
        connection.execute(insert(_i).values(key=key, value=value))


def lock_for_setup(connection: Connection) -> None:
    """Make concurrent first-run setups take turns, so only one admin is ever created.

    SQLite's write transactions already take turns (BEGIN IMMEDIATE); PostgreSQL's
    would both see an empty users table, hence the transaction-scoped advisory lock.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SETUP_LOCK_KEY})
