"""The single write path of a refresh: one thread applying `FeedUpdate`s in batches.

SQLite has one writer at a time, and a transaction per feed would spend most of a cold
refresh in commits. The fetch tasks hand their updates to this thread, which applies
whatever has queued up (up to `max_batch`) in one transaction, each feed's update still
all-or-nothing: if a batch fails, its updates are retried one by one, so one bad feed
cannot take the others down with it. Readers (the web UI) never wait: WAL.

On SQLite the batch's new and edited entries are also indexed for search in the same
transaction (`search.index_written`, with the texts the parse workers computed): FTS5
tokenises inside SQLite with the interpreter lock released, so this thread does it
while the event loop fetches and the workers parse, instead of the single-threaded pass
it used to be after the refresh.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from newsriver.store.database import Database
from newsriver.store.records import FeedUpdate
from newsriver.store.search import index_written
from newsriver.store.updates import apply_updates

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Job:
    update: FeedUpdate
    future: asyncio.Future[list[int]]
    loop: asyncio.AbstractEventLoop


class UpdateWriter:
    """Apply updates from async code: `await writer.write(update)` returns new entry ids."""

    def __init__(
        self,
        database: Database,
        *,
        max_batch: int = 64,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self._database = database
        self._max_batch = max_batch
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="newsriver-writer", daemon=True)
        self._thread.start()

    async def write(self, update: FeedUpdate) -> list[int]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[int]] = loop.create_future()
        self._queue.put(_Job(update, future, loop))
        return await future

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                batch.append(job)
            self._apply(batch)

    def _apply(self, batch: list[_Job]) -> None:
        try:
            with self._database.write() as connection:
                results = apply_updates(connection, [job.update for job in batch])
                written = [(job.update, ids) for job, ids in zip(batch, results, strict=True)]
                index_written(connection, written)
        except Exception:
            if len(batch) == 1:
                log.exception("feed update failed", extra={"feed_id": batch[0].update.feed_id})
                _settle(batch[0], error=RuntimeError("the database refused this feed's update"))
                return
            for job in batch:
                self._apply([job])
            return
        if self._on_commit is not None:
            self._on_commit()
        # One wake-up of the event loop for the whole batch, not one per feed.
        _settle_all([(job, ids) for job, ids in zip(batch, results, strict=True)])


def _settle_all(done: list[tuple[_Job, list[int]]]) -> None:
    def settle() -> None:
        for job, ids in done:
            if not job.future.done():
                job.future.set_result(ids)

    done[0][0].loop.call_soon_threadsafe(settle)


def _settle(job: _Job, *, ids: list[int] | None = None, error: BaseException | None = None) -> None:
    def settle() -> None:
        if job.future.done():
            return
        if error is not None:
            job.future.set_exception(error)
        else:
            job.future.set_result(ids or [])

    job.loop.call_soon_threadsafe(settle)
