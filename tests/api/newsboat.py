"""A real client against a real server: newsboat and `newsriver serve`, as child processes.

Used by the tests that prove the sync APIs with newsboat (its "feedhq" mode speaks the
Google Reader API, its "miniflux" mode the REST API). Nothing here is mocked: feeds come
from a `FeedServer` on 127.0.0.1, the user and the subscriptions are made with the
`newsriver` CLI, the server is `newsriver serve --no-scheduler` on a free port, and
newsboat runs headless (`-x reload`, `-x print-unread`) with HOME in a temporary directory.

    def test_something(tmp_path: Path) -> None:
        binary = newsboat_binary()                       # skips when newsboat is missing
        with running_newsriver(tmp_path) as server:      # DEFAULT_FEEDS, fetched once
            run = run_newsboat(binary, tmp_path / "nb", server.feedhq_config())
            assert run.unread() == server.unread()
            titles = {row["title"] for row in run.items()}

`newsboat_binary()` skips the test when newsboat is not installed (a failure under
NEWSRIVER_REQUIRE_ALL=1, see tests/conftest.py). `server.log()` returns what the server
printed, uvicorn's access log included: the requests newsboat made.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest

from newsriver.service import reading, sync
from newsriver.service.accounts import get_user
from newsriver.service.sync import EntryDetails, EntryQuery
from newsriver.store.database import Database, open_database
from tests.support.feed_server import FeedServer, Item

USER = "reader"
PASSWORD = "login-password-1"
API_PASSWORD = "api-password-1"
# Seconds newsriver gets to start, and newsboat to finish one command.
START_TIMEOUT = 30.0
NEWSBOAT_TIMEOUT = 120.0

_NOW = datetime.now(UTC).replace(microsecond=0)


def _items(prefix: str, count: int) -> list[Item]:
    """`count` items, newest first, an hour apart, each with a link of its own."""
    return [
        Item(
            guid=f"{prefix}-{n}",
            title=f"{prefix.title()} story {n}",
            body=f"<p>Body of {prefix} story {n}.</p>",
            published=_NOW - timedelta(hours=n + 1),
            link=f"https://example.org/{prefix}/{n}",
        )
        for n in range(count)
    ]


@dataclass(frozen=True, slots=True)
class ServedFeed:
    """A feed the FeedServer serves at `path`, subscribed to under `title`."""

    path: str
    title: str
    # Newest first, as feeds list them.
    items: Sequence[Item]
    # The subscription's category (an OPML folder); None for none.
    category: str | None = None


DEFAULT_FEEDS: tuple[ServedFeed, ...] = (
    ServedFeed("/alpha.xml", "Alpha News", _items("alpha", 5), category="News"),
    ServedFeed("/beta.xml", "Beta Blog", _items("beta", 3), category="News"),
    ServedFeed("/gamma.xml", "Gamma Notes", _items("gamma", 4)),
)


def newsboat_binary() -> Path:
    """The installed newsboat; skips the calling test when there is none."""
    found = shutil.which("newsboat")
    if found is None:
        pytest.skip("newsboat is not installed (apt-get install newsboat): no real client")
    return Path(found)


@dataclass(frozen=True, slots=True)
class NewsriverServer:
    """A running `newsriver serve` with one user (USER) subscribed to the served feeds."""

    # http://127.0.0.1:PORT, no trailing slash.
    url: str
    data_dir: Path
    env: Mapping[str, str]
    feeds: FeedServer
    # The feed URLs subscribed to, in the order of the ServedFeeds given.
    feed_urls: tuple[str, ...]
    log_path: Path
    user: str = USER
    password: str = PASSWORD
    api_password: str = API_PASSWORD

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `newsriver ARGS` on this server's data; its stdout (fails on exit != 0)."""
        return _newsriver(self.env, *args, stdin=stdin)

    def stats(self) -> dict[str, Any]:
        """`newsriver stats --json`."""
        figures: dict[str, Any] = json.loads(self.cli("stats", "--json"))
        return figures

    def unread(self, user: str = USER) -> int:
        """The user's unread count, as `newsriver stats` reports it."""
        return int(self.stats()["unread"][user])

    def refresh(self) -> dict[str, Any]:
        """Fetch every feed now (`newsriver refresh --all --json`)."""
        summary: dict[str, Any] = json.loads(self.cli("refresh", "--all", "--json"))
        return summary

    @contextmanager
    def database(self) -> Iterator[Database]:
        """The server's SQLite database, opened from the test (WAL: both may use it)."""
        database = open_database(f"sqlite:///{self.data_dir / 'newsriver.db'}", upgrade=False)
        try:
            yield database
        finally:
            database.close()

    def log(self) -> str:
        """Everything the server printed so far (uvicorn's access log lists the requests)."""
        return self.log_path.read_text(errors="replace")

    def feedhq_config(self, *extra: str) -> str:
        """A newsboat config for its Google Reader ("feedhq") mode against this server."""
        return _config(
            'urls-source "feedhq"',
            f'feedhq-url "{self.url}/api/greader"',
            f'feedhq-login "{self.user}"',
            f'feedhq-password "{self.api_password}"',
            # Its "special feeds" are fixed URLs on feedhq.org, whatever feedhq-url says.
            "feedhq-show-special-feeds no",
            *extra,
        )

    def miniflux_config(self, *extra: str) -> str:
        """A newsboat config for its Miniflux mode against this server (HTTP Basic)."""
        return _config(
            'urls-source "miniflux"',
            f'miniflux-url "{self.url}/"',
            f'miniflux-login "{self.user}"',
            f'miniflux-password "{self.api_password}"',
            *extra,
        )


@contextmanager
def running_newsriver(
    directory: Path,
    feeds: Sequence[ServedFeed] = DEFAULT_FEEDS,
) -> Iterator[NewsriverServer]:
    """Serve `feeds`, make USER (login and API password), subscribe and fetch them all,
    then run `newsriver serve --no-scheduler` until the block ends. `directory` holds the
    data dir, the OPML file and the server's log."""
    directory.mkdir(parents=True, exist_ok=True)
    env = _environment(directory / "data")
    with FeedServer() as feed_server:
        urls = tuple(feed_server.feed(feed.path, feed.items, title=feed.title) for feed in feeds)
        _newsriver(env, "user", "add", USER, "--password-stdin", stdin=PASSWORD)
        _newsriver(env, "user", "api-password", USER, "--password-stdin", stdin=API_PASSWORD)
        opml = directory / "feeds.opml"
        opml.write_text(_opml(feeds, urls))
        _newsriver(env, "import", str(opml), "--user", USER)
        summary = json.loads(_newsriver(env, "refresh", "--all", "--json"))
        assert summary["failed"] == 0, f"the test feeds did not all fetch: {summary}"
        port = _free_port()
        log_path = directory / "server.log"
        with log_path.open("wb") as log, _serve(env, port, log):
            yield NewsriverServer(
                url=f"http://127.0.0.1:{port}",
                data_dir=directory / "data",
                env=env,
                feeds=feed_server,
                feed_urls=urls,
                log_path=log_path,
            )


@dataclass(frozen=True, slots=True)
class NewsboatRun:
    """What newsboat printed, and its cache (an SQLite file) to read."""

    # stdout and stderr of `-x reload` and `-x print-unread`, in that order.
    output: str
    cache: Path

    def unread(self) -> int:
        """The count `-x print-unread` printed ("N unread articles")."""
        for line in self.output.splitlines():
            words = line.split()
            if len(words) >= 2 and words[0].isdigit() and words[1] == "unread":
                return int(words[0])
        raise AssertionError(f"newsboat printed no unread count:\n{self.output}")

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of a cache table (`rss_feed`, `rss_item`) as a dict."""
        assert table.isidentifier(), table
        with sqlite3.connect(f"file:{self.cache}?mode=ro", uri=True) as connection:
            connection.row_factory = sqlite3.Row
            return [dict(row) for row in connection.execute(f"SELECT * FROM {table}")]

    def items(self) -> list[dict[str, Any]]:
        """rss_item rows newsboat has not deleted (title, url, feedurl, unread, guid...)."""
        return [row for row in self.rows("rss_item") if not row.get("deleted")]


def run_newsboat(
    binary: Path, directory: Path, config: str, urls: str = "", *, timeout: float = NEWSBOAT_TIMEOUT
) -> NewsboatRun:
    """`newsboat -x reload` then `-x print-unread`, with `config`, in `directory` (its
    HOME and cache stay there, so a second call with the same directory reloads the same
    cache, as a user's next session would)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config").write_text(config)
    (directory / "urls").write_text(urls)
    env = {
        "HOME": str(directory),
        "XDG_CONFIG_HOME": str(directory / ".config"),
        "XDG_DATA_HOME": str(directory / ".local" / "share"),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "dumb",
        "LANG": "C.UTF-8",
    }
    base = [str(binary), "-C", "config", "-u", "urls", "-c", "cache.db"]
    output = []
    for command in ("reload", "print-unread"):
        done = subprocess.run(
            [*base, "-x", command],
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        text = done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")
        assert done.returncode == 0, f"newsboat -x {command} exited {done.returncode}:\n{text}"
        output.append(text)
    return NewsboatRun(output="".join(output), cache=directory / "cache.db")


def _config(*lines: str) -> str:
    # No network but 127.0.0.1; quiet and quick to give up, so a hang fails the test.
    return "\n".join([*lines, "download-timeout 20", "reload-threads 2", ""])


def _environment(data_dir: Path) -> dict[str, str]:
    """The parent's environment without its NEWSRIVER_* settings, plus ours."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSRIVER_")}
    env["NEWSRIVER_DATA_DIR"] = str(data_dir)
    env["NEWSRIVER_ALLOW_PRIVATE_NETWORKS"] = "1"
    return env


def _newsriver(env: Mapping[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "newsriver", *args],
        env=dict(env),
        input=None if stdin is None else f"{stdin}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"newsriver {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


@contextmanager
def _serve(env: Mapping[str, str], port: int, log: Any) -> Iterator[None]:
    command = [sys.executable, "-m", "newsriver", "serve", "--no-scheduler"]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(command, env=dict(env), stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_up(process, f"http://127.0.0.1:{port}/healthz")
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"newsriver serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"newsriver serve did not answer {url} within {START_TIMEOUT} s")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _opml(feeds: Sequence[ServedFeed], urls: Sequence[str]) -> str:
    outlines = []
    for feed, url in zip(feeds, urls, strict=True):
        outline = f'<outline type="rss" text="{escape(feed.title)}" xmlUrl="{escape(url)}"/>'
        if feed.category is not None:
            outline = f'<outline text="{escape(feed.category)}">{outline}</outline>'
        outlines.append(outline)
    body = "".join(outlines)
    return f'<?xml version="1.0"?><opml version="2.0"><body>{body}</body></opml>\n'


# --- what both modes check -----------------------------------------------------------

# An article as both sides describe it: id (as the mode names it) -> (feed id, title,
# link, read).
Entries = dict[str, tuple[int, str | None, str | None, bool]]


def server_entries(server: NewsriverServer) -> list[EntryDetails]:
    """Every entry of the server's user, newest first, with its state."""
    with server.database() as database:
        user = get_user(database, server.user)
        return list(sync.list_entries(database, user.id, EntryQuery(limit=1000)).entries)


def mark(server: NewsriverServer, titles: set[str], *, read: bool) -> None:
    """Mark the user's entries with these titles read or unread, as the web UI would."""
    ids = [entry.id for entry in server_entries(server) if entry.title in titles]
    assert len(ids) == len(titles)
    with server.database() as database:
        reading.mark_read(database, get_user(database, server.user).id, ids, read=read)


def check_read_state_round_trip(
    server: NewsriverServer,
    directory: Path,
    config: str,
    ours: Callable[[NewsriverServer], Entries],
    theirs: Callable[[NewsboatRun], Entries],
) -> None:
    """Entries marked read in newsriver are read in newsboat after its next reload, and
    one marked unread again is unread again; the articles match ours every time.
    Leaves the server's state as it found it."""
    binary = newsboat_binary()
    first = run_newsboat(binary, directory, config)
    assert first.unread() == server.unread()
    chosen = {"Alpha story 0", "Beta story 2", "Gamma story 3"}
    mark(server, chosen, read=True)
    try:
        second = run_newsboat(binary, directory, config)
        assert second.unread() == server.unread() == first.unread() - len(chosen)
        assert theirs(second) == ours(server)
        read = {row["title"] for row in second.items() if not row["unread"]}
        assert read == chosen
        mark(server, {"Beta story 2"}, read=False)
        third = run_newsboat(binary, directory, config)
        assert third.unread() == server.unread() == first.unread() - 2
        assert theirs(third) == ours(server)
    finally:
        mark(server, chosen, read=False)
