"""The last sidebar read for each user, kept while its stamp says it is still right.

A reader with 1,000 feeds needs their names, icons, errors and unread counts on every
page: reading them took 4 ms of a page's 9 on SQLite, checking a stamp takes under one
(see `store.sidebar.sidebar_stamp`). The cache lives in the process; several processes
each keep their own, and each checks the stamp in the database, which every writer's
changes move (triggers), so none serves a sidebar another process made stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from newsriver.store.database import Database
from newsriver.store.sidebar import SidebarStamp

T = TypeVar("T")

# Users whose sidebar is kept, per database (the least recently read is dropped).
MAX_USERS = 1000


class StampedCache(Generic[T]):
    """One value per (database, user), valid only for the stamp it was read at."""

    def __init__(self, max_users: int = MAX_USERS) -> None:
        self._max_users = max_users
        self._by_database: WeakKeyDictionary[Database, OrderedDict[int, tuple[SidebarStamp, T]]] = (
            WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def get(self, database: Database, user_id: int, stamp: SidebarStamp) -> T | None:
        with self._lock:
            kept = self._by_database.get(database)
            if kept is None:
                return None
            found = kept.get(user_id)
            if found is None or found[0] != stamp:
                return None
            kept.move_to_end(user_id)
            return found[1]

    def put(self, database: Database, user_id: int, stamp: SidebarStamp, value: T) -> None:
        with self._lock:
            kept = self._by_database.setdefault(database, OrderedDict())
            kept[user_id] = (stamp, value)
            kept.move_to_end(user_id)
            while len(kept) > self._max_users:
                kept.popitem(last=False)
