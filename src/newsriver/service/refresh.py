"""Refreshing feeds on demand (`newsriver refresh`, the web UI's refresh button)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import TypeVar

from newsriver.clock import utcnow
from newsriver.errors import NotFoundError
from newsriver.fetch import FetcherConfig
from newsriver.settings import Settings
from newsriver.store import accounts, schema
from newsriver.store.database import Database
from newsriver.store.records import FeedForUpdate
from newsriver.store.search import index_pending
from newsriver.store.updates import feeds_for_update
from newsriver.update.pipeline import ProgressCallback, RefreshSummary, parse_pool, refresh_feeds

T = TypeVar("T")

# Below this many feeds, starting worker processes costs more than parsing in threads.
PROCESS_POOL_FROM = 16
# How long the indexer that runs beside a refresh on PostgreSQL waits on an empty queue.
INDEX_POLL_SECONDS = 0.2

log = logging.getLogger(__name__)


def fetcher_config(settings: Settings) -> FetcherConfig:
    return FetcherConfig(allowlist=settings.private_networks())


def select_feeds(
    database: Database, *, user_name: str | None, feed_url: str | None, all_feeds: bool
) -> list[FeedForUpdate]:
    """The feeds a refresh covers: due ones, or all with `all_feeds`, narrowed to one
    user's and/or one URL. NotFoundError for an unknown user or URL."""
    with database.read() as connection:
        user_id = None if user_name is None else accounts.get_user(connection, user_name).id
        feed_ids = None
        if feed_url is not None:
            feed_id = connection.scalar(
                schema.feeds.select()
                .with_only_columns(schema.feeds.c.id)
                .where(schema.feeds.c.url == feed_url)
            )
            if feed_id is None:
                raise NotFoundError(f"no feed with URL {feed_url!r}")
            feed_ids = [feed_id]
        due = None if all_feeds or feed_url is not None else utcnow()
        return feeds_for_update(connection, due_before=due, feed_ids=feed_ids, user_id=user_id)


def index_new_entries(database: Database) -> int:
    """Bring the search index up to date with the stored entries; returns how many were
    indexed. In short transactions, so a running refresh's writes are not held up."""
    total = 0
    while True:
        with database.write() as connection:
            done = index_pending(connection)
        if not done:
            return total
        total += done


class LazyProcessPool(Executor):
    """The parse pool, started on the first document (a refresh where every feed
    answers 304 never pays for starting worker processes) and restarted if it breaks."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, fn: Callable[..., T], /, *args: object, **kwargs: object) -> Future[T]:
        if self._pool is None:
            self._pool = parse_pool()
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            # A worker died (the kernel's OOM killer, a crash in C code): the feeds in
            # flight have failed; start fresh processes for the rest.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = parse_pool()
            return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


async def refresh(
    database: Database,
    settings: Settings,
    feeds: list[FeedForUpdate],
    *,
    progress: ProgressCallback | None = None,
) -> RefreshSummary:
    """Fetch and store `feeds` now (from `select_feeds`)."""
    pool = LazyProcessPool() if len(feeds) >= PROCESS_POOL_FROM else None
    try:
        with indexing_alongside(database):
            return await refresh_feeds(
                database,
                feeds,
                fetcher_config=fetcher_config(settings),
                now=utcnow,
                parse_executor=pool,
                progress=progress,
            )
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


@contextmanager
def indexing_alongside(database: Database) -> Iterator[None]:
    """On PostgreSQL, index queued entries in a thread while the block runs.

    PostgreSQL's tokeniser runs in the server, at 8-13 MB/s: after a cold refresh of
    1,000 feeds it took 12 s more, on top of a 7 s refresh. Indexing as entries arrive
    does that work in another process while this one fetches and writes (the thread
    here only waits on its connection). SQLite needs none: its refresh writer indexes
    what it stores. What is still queued when the block ends is the caller's to index
    (`index_new_entries`), as before.
    """
    if database.dialect != "postgresql":
        yield
        return
    stop = threading.Event()

    def index_until_stopped() -> None:
        try:
            while not stop.is_set():
                with database.write() as connection:
                    done = index_pending(connection)
                if not done:
                    stop.wait(INDEX_POLL_SECONDS)
        except Exception:
            # The pass after the refresh indexes what is left, and reports its errors.
            log.warning("indexing during the refresh failed", exc_info=True)

    indexer = threading.Thread(target=index_until_stopped, name="newsriver-indexer", daemon=True)
    indexer.start()
    try:
        yield
    finally:
        stop.set()
        indexer.join()


async def run_worker(
    database: Database, settings: Settings, *, stop: asyncio.Event | None = None
) -> None:
    """The scheduler (`newsriver worker`, and inside `serve`), parsing in worker
    processes, until `stop` is set."""
    # Imported here: the scheduler fetches icons, and with them the feed engine (lxml,
    # nh3, feedparser: a tenth of a second), which `newsriver refresh` never needs in
    # its own process.
    from newsriver.update import worker

    pool = LazyProcessPool()
    try:
        await worker.run_worker(database, fetcher_config(settings), parse_executor=pool, stop=stop)
    finally:
        pool.shutdown(cancel_futures=True)
