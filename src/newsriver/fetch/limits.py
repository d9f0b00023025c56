"""Politeness: how many requests may be in flight to one host, and overall."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


@dataclass(slots=True)
class _HostSlots:
    semaphore: asyncio.Semaphore
    # Holders and waiters; the entry is dropped at zero so the table stays as small as
    # the set of hosts being fetched right now, not every host ever fetched.
    users: int = 0


@dataclass(slots=True)
class HostLimiter:
    """A semaphore per host plus one shared by all hosts.

    The per-host slot is taken first: a request queued behind its host's limit then
    holds no global slot, so 500 feeds on one host cannot starve every other host.
    Hosts are compared as given (callers pass a lower-cased host name).
    """

    per_host: int
    total: int
    _hosts: dict[str, _HostSlots] = field(default_factory=dict, init=False)
    _overall: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        assert self.per_host >= 1, f"per_host must be at least 1, not {self.per_host}"
        assert self.total >= 1, f"total must be at least 1, not {self.total}"
        self._overall = asyncio.Semaphore(self.total)

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Wait for a free slot for `host` and hold it for the body of the `async with`."""
        slots = self._hosts.get(host)
        if slots is None:
            slots = self._hosts[host] = _HostSlots(asyncio.Semaphore(self.per_host))
        slots.users += 1
        try:
            async with slots.semaphore, self._overall:
                yield
        finally:
            slots.users -= 1
            if slots.users == 0:
                del self._hosts[host]

    def tracked_hosts(self) -> int:
        """How many hosts have a request holding or waiting for a slot (for tests, stats)."""
        return len(self._hosts)
