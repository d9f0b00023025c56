"""Moving SQLite's WAL checkpoints off the write path.

In WAL mode every page is written twice: once to the log when a transaction commits,
and again into the database file when the log is checkpointed. SQLite checkpoints on
the committing connection, inside `commit()`, whenever the log has grown past
`wal_autocheckpoint` pages, and with `synchronous=NORMAL` that is also where the two
fsyncs happen. For a refresh, whose single writer thread is the slowest stage of the
pipeline, that was a fifth of its time (1.4 s of a 7 s cold refresh of 1,000 feeds).

So each `Database` on an SQLite file has a `Checkpointer`: a thread that runs passive
checkpoints, on its own connection, soon after writes commit. A passive checkpoint never
blocks the writer or the readers; it copies what has been committed so far while the
writer goes on appending. The connections' own `wal_autocheckpoint` stays, raised (see
`database.py`), as a safety net for a writer that outruns this thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

# Checkpoints are at least this far apart: each costs two fsyncs, which a burst of small
# transactions (a user marking entries read one by one) should not pay every time.
MIN_INTERVAL_SECONDS = 0.25


class Checkpointer:
    """A daemon thread that checkpoints the WAL after `wrote()` is called."""

    def __init__(self, connect: Callable[[], Any]) -> None:
        self._connect = connect
        self._wrote = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newsriver-checkpoint", daemon=True)
        self._thread.start()

    def wrote(self) -> None:
        """A write transaction has committed: checkpoint soon."""
        self._wrote.set()

    def close(self) -> None:
        """Stop the thread (closing the database's last connection checkpoints the rest)."""
        self._stopping.set()
        self._wrote.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            connection = self._connect()
        except Exception:
            log.warning("cannot open the database for WAL checkpoints", exc_info=True)
            return
        try:
            while True:
                self._wrote.wait()
                self._wrote.clear()
                if self._stopping.is_set():
                    return
                try:
                    connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except Exception:
                    # Another process's checkpoint, a full disk: the next one catches up,
                    # and SQLite's own autocheckpoint remains.
                    log.warning("WAL checkpoint failed", exc_info=True)
                self._stopping.wait(MIN_INTERVAL_SECONDS)
        finally:
            connection.close()
