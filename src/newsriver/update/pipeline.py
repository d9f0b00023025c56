"""The refresh pipeline: for each feed, fetch → parse → decide → store.

    for each feed (at most `concurrency` at a time; the fetcher adds per-host limits):
        outcome = await fetch(url, etag, last_modified)
        if outcome is a document:                             (in a worker process:)
            known  = the feed's stored entry keys and hashes    (read connection)
            update = parse + decide + schedule
        else:
            update = schedule only (304, or an error with back-off)
        await writer.write(update)           (one writer thread, batched transactions)

Everything a refresh decides is in `outcomes` (pure); this module only moves data
between the network, the processes and the database, and counts.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Literal

from newsriver.errors import FetchError
from newsriver.fetch import Fetcher, FetcherConfig, FetchRequest, FetchResult
from newsriver.store.database import Database
from newsriver.store.records import FeedForUpdate, FeedUpdate
from newsriver.update.outcomes import (
    update_from_error,
    update_from_fetch_error,
    update_from_not_modified,
)
from newsriver.update.prepare import document_update
from newsriver.update.writer import UpdateWriter

FeedOutcome = Literal["ok", "not_modified", "failed"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RefreshSummary:
    """The one-line summary of `newsriver refresh` (and its `--json` object)."""

    feeds: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    new_entries: int = 0
    seconds: float = 0.0
    # Per failed feed URL, the reason; not part of the JSON summary's fixed keys.
    errors: dict[str, str] = field(default_factory=dict)


ProgressCallback = Callable[[FeedForUpdate, FeedOutcome, int], None]


def parse_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """Worker processes for parsing, one per core by default.

    `forkserver`: the pipeline's process has threads (the writer, the event loop's
    executors), and forking a threaded process can deadlock the child. Each worker
    freezes what it inherited (the preloaded feed engine) out of the garbage collector's
    sight: full collections then walk only what parsing made, and a worker's exit at the
    end of a refresh does not wait on a collection of the whole heap.
    """
    context = multiprocessing.get_context("forkserver")
    # What every worker needs, imported once in the server and shared by forking.
    context.set_forkserver_preload(["newsriver.update.prepare", "newsriver.feeds"])
    return ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1, mp_context=context, initializer=gc.freeze
    )


async def refresh_feeds(
    database: Database,
    feeds: Iterable[FeedForUpdate],
    *,
    fetcher_config: FetcherConfig,
    now: Callable[[], datetime],
    concurrency: int = 64,
    parse_executor: Executor | None = None,
    progress: ProgressCallback | None = None,
    rng: random.Random | None = None,
) -> RefreshSummary:
    """Refresh `feeds` now, whether due or not; returns what happened.

    Without `parse_executor`, documents are parsed on the event loop's default thread
    pool (fine for a handful of feeds; a process pool is what makes big refreshes fast).
    """
    started = time.perf_counter()
    summary = RefreshSummary()
    pending = iter(feeds)
    # Spreads next checks so feeds added together do not stay in lockstep; not secret.
    jitter = rng or random.Random()  # noqa: S311
    writer = UpdateWriter(database)
    loop = asyncio.get_running_loop()

    def count(feed: FeedForUpdate, outcome: FeedOutcome, new: int, error: str | None) -> None:
        summary.feeds += 1
        setattr(summary, outcome, getattr(summary, outcome) + 1)
        summary.new_entries += new
        if error is not None:
            summary.errors[feed.url] = error
        if progress is not None:
            progress(feed, outcome, new)

    async def refresh_one(fetcher: Fetcher, feed: FeedForUpdate) -> None:
        update = await _update_for(
            fetcher, database, feed, now(), jitter.random(), parse_executor, loop
        )
        try:
            await writer.write(update)
        except Exception as e:
            # The writer logged it; this feed fails, the others go on.
            count(feed, "failed", 0, f"could not be stored: {e}")
            return
        if update.fetch.outcome == "error":
            count(feed, "failed", 0, update.fetch.error or "failed")
        else:
            outcome: FeedOutcome = "ok" if update.fetch.outcome == "ok" else "not_modified"
            count(feed, outcome, len(update.new_entries), None)

    async def lane(fetcher: Fetcher) -> None:
        for feed in pending:
            await refresh_one(fetcher, feed)

    try:
        async with Fetcher(fetcher_config) as fetcher:
            await asyncio.gather(*(lane(fetcher) for _ in range(max(1, concurrency))))
    finally:
        await asyncio.to_thread(writer.close)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


async def _update_for(
    fetcher: Fetcher,
    database: Database,
    feed: FeedForUpdate,
    now: datetime,
    jitter: float,
    parse_executor: Executor | None,
    loop: asyncio.AbstractEventLoop,
) -> FeedUpdate:
    request = FetchRequest(feed.url, etag=feed.etag, last_modified=feed.last_modified)
    started = time.perf_counter()
    try:
        result = await fetcher.fetch(request)
    except FetchError as e:
        duration_ms = int((time.perf_counter() - started) * 1000)
        return update_from_fetch_error(feed, e, duration_ms=duration_ms, now=now, jitter=jitter)
    if not isinstance(result, FetchResult):
        return update_from_not_modified(feed, result, now=now, jitter=jitter)
    # Worker processes get the URL (and open the database themselves); threads share ours.
    store: Database | str = database
    if parse_executor is not None:
        store = database.engine.url.render_as_string(hide_password=False)
    work = partial(document_update, store, feed, result, now=now, jitter=jitter)
    try:
        return await loop.run_in_executor(parse_executor, work)
    except Exception as e:
        # A parser bug or a worker process that died: this feed fails with the reason,
        # its stored entries untouched, and the refresh goes on.
        log.exception("parsing failed", extra={"feed_id": feed.id, "feed_url": feed.url})
        return update_from_error(
            feed,
            f"internal error while parsing (please report it): {e!r}",
            status=result.status,
            duration_ms=result.duration_ms,
            now=now,
            jitter=jitter,
        )
