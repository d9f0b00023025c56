"""A feed's icon, for a user who subscribes to it."""

from __future__ import annotations

from newsriver.store import icons
from newsriver.store.database import Database
from newsriver.store.icons import StoredIcon


def feed_icon(database: Database, user_id: int, feed_id: int) -> StoredIcon | None:
    """The stored icon, or None when none was found (yet). NotFoundError when the user
    does not subscribe to the feed: other users' feeds are not theirs to probe."""
    with database.read() as connection:
        return icons.icon_for_user(connection, user_id, feed_id)


__all__ = ["StoredIcon", "feed_icon"]
