"""What every web request needs to know about its signed-in user, in one query."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from newsriver.store import schema

_u = schema.users


@dataclass(frozen=True, slots=True)
class ViewerRow:
    id: int
    name: str
    is_admin: bool
    disabled: bool
    # Compared (through a keyed digest) with the one a session was issued for: a new
    # password ends the other sessions.
    password_hash: str
    # The user's preferences as a JSON object (see `service.preferences`).
    settings_json: str


def viewer_row(connection: Connection, user_id: int) -> ViewerRow | None:
    row = connection.execute(
        select(
            _u.c.id, _u.c.name, _u.c.is_admin, _u.c.disabled, _u.c.password_hash, _u.c.settings
        ).where(_u.c.id == user_id)
    ).one_or_none()
    return None if row is None else ViewerRow(*row)


def set_settings_json(connection: Connection, user_id: int, settings_json: str) -> None:
    connection.execute(update(_u).where(_u.c.id == user_id).values(settings=settings_json))
