"""SQLite's WAL is checkpointed by a background thread after writes, not by commits."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text

from newsriver.store.database import open_database

# Rows of 16 KiB: 128 of them are 2 MiB, far below the 128 MiB at which a commit would
# checkpoint by itself (wal_autocheckpoint = 8192 pages of 16 KiB).
ROWS, ROW_BYTES = 128, 16384


def _checkpoint_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "newsriver-checkpoint"]


def test_writes_reach_the_database_file_without_a_commit_checkpointing(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    database = open_database(f"sqlite:///{path}")
    try:
        with database.write() as connection:
            connection.execute(text("CREATE TABLE blobs (body BLOB)"))
        size_before = path.stat().st_size
        with database.write() as connection:
            connection.execute(
                text("INSERT INTO blobs VALUES (randomblob(:size))"),
                [{"size": ROW_BYTES}] * ROWS,
            )
        deadline = time.monotonic() + 10
        while path.stat().st_size < size_before + ROWS * ROW_BYTES:
            assert time.monotonic() < deadline, "the WAL was not checkpointed within 10 s"
            time.sleep(0.05)
        with database.read() as connection:
            assert connection.scalar(text("SELECT count(*) FROM blobs")) == ROWS
    finally:
        database.close()
    assert not any(t.is_alive() for t in _checkpoint_threads())


def test_only_a_database_that_was_written_has_a_checkpoint_thread(tmp_path: Path) -> None:
    before = len(_checkpoint_threads())
    written = open_database(f"sqlite:///{tmp_path / 'read.db'}")
    in_memory = open_database("sqlite://")
    try:
        # Opening migrates (a write) the new file, so it has one; memory has no WAL.
        assert len(_checkpoint_threads()) == before + 1
        with in_memory.write() as connection:
            connection.execute(text("SELECT 1"))
        assert len(_checkpoint_threads()) == before + 1
        reader = open_database(f"sqlite:///{tmp_path / 'read.db'}", upgrade=False)
        with reader.read() as connection:
            connection.execute(text("SELECT 1"))
        assert len(_checkpoint_threads()) == before + 1
        reader.close()
    finally:
        written.close()
        in_memory.close()
    assert len(_checkpoint_threads()) == before
