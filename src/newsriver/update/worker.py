"""The background worker: refresh feeds as they fall due, forever.

Each round leases the due feeds (so that several workers, on PostgreSQL, never fetch
one feed twice at once), refreshes them, and sleeps until the next one is due (at most
`poll`). Once an hour it applies the retention policy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from concurrent.futures import Executor
from datetime import timedelta

from newsriver.clock import utcnow
from newsriver.fetch import FetcherConfig
from newsriver.store.database import Database
from newsriver.store.retention import RetentionPolicy, purge
from newsriver.store.search import index_pending
from newsriver.store.updates import claim_due_feeds, next_claimable_at
from newsriver.update.icons import refresh_icons
from newsriver.update.pipeline import refresh_feeds

log = logging.getLogger(__name__)

# A leased feed not written back within this time is considered abandoned.
LEASE = timedelta(minutes=10)
BATCH = 500
PURGE_EVERY = timedelta(hours=1)


async def run_worker(
    database: Database,
    fetcher_config: FetcherConfig,
    *,
    parse_executor: Executor | None = None,
    retention: RetentionPolicy | None = None,
    poll: timedelta = timedelta(seconds=30),
    stop: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set (or forever)."""
    stop = stop or asyncio.Event()
    policy = retention or RetentionPolicy()
    next_purge = time.monotonic()
    while not stop.is_set():
        with database.write() as connection:
            feeds = claim_due_feeds(connection, now=utcnow(), limit=BATCH, lease=LEASE)
        if feeds:
            summary = await refresh_feeds(
                database,
                feeds,
                fetcher_config=fetcher_config,
                now=utcnow,
                parse_executor=parse_executor,
            )
            log.info(
                "refreshed feeds",
                extra={"feeds": summary.feeds, "new_entries": summary.new_entries},
            )
        while True:
            with database.write() as connection:
                if not index_pending(connection):
                    break
        # A few icons per round: new feeds get theirs within minutes, and a refresh of
        # thousands of feeds is not held up by thousands of icon requests.
        await refresh_icons(database, fetcher_config, now=utcnow())
        if time.monotonic() >= next_purge:
            with database.write() as connection:
                purged = purge(connection, policy, now=utcnow())
            log.info("retention applied", extra={"purged": purged})
            next_purge = time.monotonic() + PURGE_EVERY.total_seconds()
        if len(feeds) == BATCH:
            continue
        await _sleep_until_due(database, poll, stop)


async def _sleep_until_due(database: Database, poll: timedelta, stop: asyncio.Event) -> None:
    with database.read() as connection:
        next_at = next_claimable_at(connection, now=utcnow())
    wait = poll.total_seconds()
    if next_at is not None:
        wait = min(wait, max(0.5, (next_at - utcnow()).total_seconds()))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=wait)
