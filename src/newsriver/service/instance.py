"""Instance-wide settings the admin changes at run time: who may register, and whose
stream (if anyone's) may be read without signing in."""

from __future__ import annotations

from dataclasses import dataclass

from newsriver.errors import NotFoundError
from newsriver.store import instance
from newsriver.store.database import Database
from newsriver.store.viewers import viewer_row

_REGISTRATION = "registration_open"
_ANONYMOUS_READER = "anonymous_reader_id"


@dataclass(frozen=True, slots=True)
class InstanceSettings:
    # Whether anyone may create an account at /register (FreshRSS: off by default).
    registration_open: bool = False
    # The user whose stream signed-out visitors may read (read-only); None: nobody's.
    anonymous_reader_id: int | None = None


def load_instance_settings(database: Database) -> InstanceSettings:
    with database.read() as connection:
        stored = instance.instance_settings(connection)
    reader = stored.get(_ANONYMOUS_READER, "")
    return InstanceSettings(
        registration_open=stored.get(_REGISTRATION) == "1",
        anonymous_reader_id=int(reader) if reader.isdigit() else None,
    )


def save_instance_settings(database: Database, settings: InstanceSettings) -> None:
    """Store `settings`; NotFoundError when the anonymous reader is not an active user."""
    with database.write() as connection:
        if settings.anonymous_reader_id is not None:
            row = viewer_row(connection, settings.anonymous_reader_id)
            if row is None or row.disabled:
                raise NotFoundError(f"no active user with id {settings.anonymous_reader_id}")
        instance.set_instance_setting(
            connection, _REGISTRATION, "1" if settings.registration_open else None
        )
        reader = settings.anonymous_reader_id
        instance.set_instance_setting(
            connection, _ANONYMOUS_READER, None if reader is None else str(reader)
        )
