"""Timestamps go in aware and come back aware and equal, on both databases, whatever
text form SQLite holds them in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, text, update

from newsriver.store import schema
from newsriver.store.database import Database, open_database
from tests.store import add_user, sqlite_url


def test_timestamps_round_trip_aware_in_utc(database: Database) -> None:
    user_id = add_user(database, "alice")
    users = schema.users
    paris = timezone(timedelta(hours=2))
    for moment in (
        datetime(2024, 5, 6, 12, 0, tzinfo=UTC),
        datetime(2024, 5, 6, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(2024, 5, 6, 14, 30, tzinfo=paris),
    ):
        with database.write() as connection:
            connection.execute(update(users).where(users.c.id == user_id).values(created_at=moment))
        with database.read() as connection:
            found = connection.scalar(select(users.c.created_at).where(users.c.id == user_id))
        assert found == moment
        assert found is not None
        assert found.tzinfo is UTC


def test_sqlite_text_forms_are_read_as_utc(tmp_path: Path) -> None:
    database = open_database(sqlite_url(tmp_path))
    try:
        _read_sqlite_text_forms(database)
    finally:
        database.close()


def _read_sqlite_text_forms(database: Database) -> None:
    user_id = add_user(database, "alice")
    users = schema.users
    for stored, expected in (
        ("2024-05-06 12:00:00", datetime(2024, 5, 6, 12, tzinfo=UTC)),
        ("2024-05-06T12:00:00.5", datetime(2024, 5, 6, 12, 0, 0, 500000, tzinfo=UTC)),
        ("2024-05-06 14:00:00+02:00", datetime(2024, 5, 6, 12, tzinfo=UTC)),
    ):
        with database.write() as connection:
            connection.execute(
                text("UPDATE users SET created_at = :stored WHERE id = :id"),
                {"stored": stored, "id": user_id},
            )
        with database.read() as connection:
            found = connection.scalar(select(users.c.created_at).where(users.c.id == user_id))
        assert found == expected, stored
        assert found is not None
        assert found.tzinfo is UTC
