"""Nothing is lost when `newsriver refresh` is killed with SIGKILL half-way (DESIGN.md,
promise 2), on SQLite.

A user reads 500 feeds from a local server and has read and starred entries from a first,
complete refresh. The feeds then change (new entries, edited ones), `newsriver refresh
--all` starts in a child process and is killed (kill -9) once about half of the feeds are
written. A second refresh then runs to completion, and the database must be intact: no
corruption, no duplicate, every read and starred mark kept, every served entry stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from newsriver.clock import utcnow
from newsriver.feeds.opml import OpmlFeed, write_opml
from newsriver.fetch import FetcherConfig
from newsriver.service import accounts, opml
from newsriver.settings import parse_private_networks
from newsriver.store import schema
from newsriver.store.database import Database, open_database
from newsriver.store.entries import set_read, set_starred
from newsriver.store.updates import feeds_for_update
from newsriver.update.pipeline import refresh_feeds
from tests.store import sqlite_url
from tests.support.feed_server import FeedServer, Item

FEEDS = 500
# Entries per feed in the first version of each feed, then in the second.
FIRST, SECOND = 4, 6


def first_version(feed: int) -> list[Item]:
    return [Item(f"{feed}-{k}", f"feed {feed} entry {k}") for k in reversed(range(FIRST))]


def second_version(feed: int) -> list[Item]:
    """Two new entries, and entry 1 edited by its publisher."""
    items = [Item(f"{feed}-{k}", f"feed {feed} entry {k}") for k in reversed(range(SECOND))]
    return [
        Item(item.guid, f"{item.title} (edited)") if item.guid == f"{feed}-1" else item
        for item in items
    ]


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(tmp_path))
    try:
        yield database
    finally:
        database.close()


def fetches_logged(database: Database) -> int:
    with database.read() as connection:
        return int(connection.scalar(select(func.count()).select_from(schema.fetch_log)) or 0)


def marks(database: Database, user_id: int) -> tuple[set[int], set[int]]:
    """The ids of the user's read entries, and of their starred ones."""
    states = schema.entry_states
    with database.read() as connection:
        rows = connection.execute(
            select(states.c.entry_id, states.c.read, states.c.starred).where(
                states.c.user_id == user_id
            )
        ).all()
    return {row.entry_id for row in rows if row.read}, {row.entry_id for row in rows if row.starred}


def start_refresh(data_dir: Path, server: FeedServer) -> subprocess.Popen[str]:
    """`newsriver refresh --all --json` in a child process with its own process group."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("NEWSRIVER_")}
    env = {
        **clean,
        "NEWSRIVER_DATA_DIR": str(data_dir),
        "NEWSRIVER_ALLOW_PRIVATE_NETWORKS": server.endpoint,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "newsriver", "refresh", "--all", "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], *, timeout: float) -> None:
    """SIGKILL `process` as soon as `ready()`; then its helpers (the parse pool's processes)."""
    deadline = time.monotonic() + timeout
    try:
        while not ready() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)


@pytest.mark.slow
def test_a_refresh_killed_half_way_loses_nothing(tmp_path: Path, database: Database) -> None:
    with FeedServer(delay=0.005) as server:
        urls = [server.feed(f"/feeds/{n}.xml", first_version(n)) for n in range(FEEDS)]
        user = accounts.add_user(database, "alice", password_hash="hash", is_admin=False)
        document = write_opml(
            (OpmlFeed(xml_url=url) for url in urls), title="500 feeds", created=utcnow()
        )
        assert opml.import_opml(database, "alice", document).added == FEEDS

        # A first complete refresh, then the user reads and stars some of it.
        with database.read() as connection:
            feeds = feeds_for_update(connection, due_before=None)
        config = FetcherConfig(allowlist=parse_private_networks(server.endpoint))
        first = asyncio.run(refresh_feeds(database, feeds, fetcher_config=config, now=utcnow))
        assert (first.ok, first.new_entries) == (FEEDS, FEEDS * FIRST)
        with database.read() as connection:
            ids = sorted(connection.scalars(select(schema.entries.c.id)))
        with database.write() as connection:
            set_read(connection, user.id, ids[::3], read=True, now=utcnow())
            set_starred(connection, user.id, ids[::5], starred=True, now=utcnow())
        read_before, starred_before = marks(database, user.id)
        assert len(read_before) > 100
        assert len(starred_before) > 100

        for n in range(FEEDS):
            server.feed(f"/feeds/{n}.xml", second_version(n))
        baseline = fetches_logged(database)
        killed = start_refresh(tmp_path, server)
        kill_when(killed, lambda: fetches_logged(database) - baseline >= FEEDS * 2 // 5, timeout=60)
        assert killed.returncode == -signal.SIGKILL
        written_before_kill = fetches_logged(database) - baseline
        assert 0 < written_before_kill < FEEDS, "the refresh was not killed half-way"

        recovery = start_refresh(tmp_path, server)
        stdout, stderr = recovery.communicate(timeout=120)
        assert recovery.returncode == 0, stderr
        summary = json.loads(stdout)

    assert (summary["feeds"], summary["failed"]) == (FEEDS, 0)
    # What the killed run committed is not fetched again; the rest is.
    assert summary["not_modified"] == written_before_kill
    assert summary["ok"] == FEEDS - written_before_kill

    path = tmp_path / "newsriver.db"
    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        duplicates = connection.execute(
            "SELECT feed_id, key FROM entries GROUP BY feed_id, key HAVING count(*) > 1"
        ).fetchall()
        assert duplicates == []
        assert connection.execute("SELECT count(*) FROM entries").fetchone() == (FEEDS * SECOND,)
        # Every entry has the user's state row; the new ones arrived unread.
        assert connection.execute(
            "SELECT count(*) FROM entry_states WHERE user_id = ?", (user.id,)
        ).fetchone() == (FEEDS * SECOND,)
        edited = connection.execute(
            "SELECT count(*) FROM entries WHERE title LIKE '% (edited)'"
        ).fetchone()
        assert edited == (FEEDS,)
    read_after, starred_after = marks(database, user.id)
    assert read_after == read_before
    assert starred_after == starred_before
