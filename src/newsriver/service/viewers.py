"""The user behind a web session, as each request needs it (one indexed read)."""

from __future__ import annotations

from newsriver.store import viewers
from newsriver.store.database import Database
from newsriver.store.viewers import ViewerRow


def find_viewer(database: Database, user_id: int) -> ViewerRow | None:
    with database.read() as connection:
        return viewers.viewer_row(connection, user_id)


__all__ = ["ViewerRow", "find_viewer"]
