"""Slowing down password guessing: failed sign-ins are counted per user name and per
client address, and past a limit further attempts are refused for a while.

Counted in the database (`store.sign_in_failures`), so that the web processes of
`serve --workers N` share one quota instead of allowing N. Names that exist and names
that do not are counted alike, so the limit reveals nothing.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from newsriver.store import sign_in_failures
from newsriver.store.database import Database

# Every this many failures, rows older than the window are deleted for every key (the
# keys of each failure are pruned as they are written): a spray of random names cannot
# grow the table for ever.
PRUNE_EVERY = 100


@dataclass(slots=True)
class LoginThrottle:
    database: Database
    # Failures allowed per user name (any address) and per address (any name) in `window`.
    per_name: int = 5
    per_address: int = 20
    window_seconds: float = 15 * 60
    # Seconds since the epoch: the processes sharing the database must agree on it.
    clock: Callable[[], float] = time.time
    _failures: itertools.count[int] = field(default_factory=itertools.count)

    def retry_after(self, name: str, address: str) -> float:
        """Seconds to wait before `name` may try again from `address`; 0 when allowed."""
        now = self.clock()
        since = now - self.window_seconds
        waits = [0.0]
        limits = ((_name_key(name), self.per_name), (_address_key(address), self.per_address))
        with self.database.read() as connection:
            for key, limit in limits:
                recent = sign_in_failures.recent_failures(connection, key, since=since, limit=limit)
                if len(recent) >= limit:
                    # The oldest of the last `limit` failures must leave the window.
                    waits.append(recent[-1] + self.window_seconds - now)
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        keys = (_name_key(name), _address_key(address))
        before = now - self.window_seconds
        with self.database.write() as connection:
            sign_in_failures.record_failure(connection, keys, at=now)
            if next(self._failures) % PRUNE_EVERY == 0:
                sign_in_failures.forget_failures(connection, before=before)
            else:
                sign_in_failures.forget_failures(connection, before=before, keys=keys)

    def succeeded(self, name: str) -> None:
        key = _name_key(name)
        # Every REST request with Basic credentials succeeds here: a read, and a write
        # (which waits on the refresh's writer on SQLite) only when there is a count.
        with self.database.read() as connection:
            if not sign_in_failures.has_failures(connection, key):
                return
        with self.database.write() as connection:
            sign_in_failures.clear_failures(connection, key)


def _name_key(name: str) -> str:
    return f"n:{name.casefold()}"[:400]


def _address_key(address: str) -> str:
    return f"a:{address}"[:400]
