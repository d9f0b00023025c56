"""Slowing down password guessing: failed sign-ins are counted per user name and per
client address, and past a limit further attempts are refused for a while.

Counted in memory, per process: enough for one server; with several web processes each
allows its own quota (a shared counter would need a table; noted in the decision record).
Names that exist and names that do not are counted alike, so the limit reveals nothing.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class LoginThrottle:
    # Failures allowed per user name (any address) and per address (any name) in `window`.
    per_name: int = 5
    per_address: int = 20
    window_seconds: float = 15 * 60
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, name: str, address: str) -> float:
        """Seconds to wait before `name` may try again from `address`; 0 when allowed."""
        now = self.clock()
        with self._lock:
            waits = [
                self._wait(key, limit, now)
                for key, limit in (
                    (_name_key(name), self.per_name),
                    (f"a:{address}", self.per_address),
                )
            ]
        return max(waits)

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (_name_key(name), f"a:{address}"):
                self._failures.setdefault(key, deque()).append(now)
            if len(self._failures) > 10_000:
                self._forget_old(now)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._failures.pop(_name_key(name), None)

    def _wait(self, key: str, limit: int, now: float) -> float:
        failures = self._failures.get(key)
        if not failures:
            return 0.0
        while failures and failures[0] <= now - self.window_seconds:
            failures.popleft()
        if len(failures) < limit:
            return 0.0
        return failures[-limit] + self.window_seconds - now

    def _forget_old(self, now: float) -> None:
        # Bounds memory under a spray of random names.
        for key in [
            k for k, v in self._failures.items() if not v or v[-1] <= now - self.window_seconds
        ]:
            del self._failures[key]


def _name_key(name: str) -> str:
    return f"n:{name.casefold()}"
