"""The aggregator's commands, run as a user runs them: `db upgrade`, `user`, `import`,
`export`, `refresh`, `stats`, and how they fail.

Most run in-process through Typer's CliRunner (stdout and stderr are captured apart, and
an unexpected exception shows as `result.exception`); the ones whose point is what a
shell sees run `python -m newsriver` in a child process. Feeds come from a real HTTP
server on 127.0.0.1, allowed through NEWSRIVER_ALLOW_PRIVATE_NETWORKS.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from newsriver.cli import app
from newsriver.clock import utcnow
from newsriver.feeds.opml import OpmlFeed, read_opml, write_opml
from newsriver.store import accounts
from newsriver.store.database import Database, open_database
from newsriver.store.entries import EntryQuery, list_entries, set_read, set_starred
from newsriver.web.auth.passwords import verify_password
from tests.store import sqlite_url
from tests.support.feed_server import FeedServer, Item

PASSWORD = "correct horse battery staple"
JSON_SUMMARY_KEYS = {"feeds", "ok", "not_modified", "failed", "new_entries", "seconds"}
STATS_KEYS = {"users", "feeds", "entries", "unread", "starred", "database_bytes"}


@dataclass(frozen=True, slots=True)
class Cli:
    """The environment of one user's newsriver: its data directory and feed server."""

    data_dir: Path
    server: FeedServer

    @property
    def env(self) -> dict[str, str | None]:
        return {
            "NEWSRIVER_DATA_DIR": str(self.data_dir),
            "NEWSRIVER_DATABASE_URL": None,
            "NEWSRIVER_ALLOW_PRIVATE_NETWORKS": self.server.endpoint,
            "NEWSRIVER_SECRET_KEY": None,
        }

    def __call__(self, *args: str, input: str | None = None) -> Result:
        result = CliRunner().invoke(app, list(args), input=input, env=self.env)
        # Only a clean exit (code 0 or an error code) is acceptable, never a crash.
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception,
            result.stderr,
        )
        return result

    def database(self) -> Database:
        return open_database(sqlite_url(self.data_dir))


@pytest.fixture
def cli(tmp_path: Path) -> Iterator[Cli]:
    with FeedServer() as server:
        yield Cli(tmp_path / "data", server)


def run_newsriver(
    *args: str, env: Mapping[str, str], input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m newsriver ARGS` in a child process, with only `env`'s NEWSRIVER_* set."""
    clean = {name: value for name, value in os.environ.items() if not name.startswith("NEWSRIVER_")}
    return subprocess.run(
        [sys.executable, "-m", "newsriver", *args],
        env={**clean, **env},
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line_error(stderr: str) -> str:
    """The single line of an expected failure; fails on a traceback or several lines."""
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("newsriver: "), stderr
    return lines[0]


def add_user(cli: Cli, name: str) -> None:
    result = cli("user", "add", name, "--password-stdin", input=f"{PASSWORD}\n")
    assert result.exit_code == 0, result.stderr


def serve_feeds(server: FeedServer) -> dict[str, str | None]:
    """Four feeds (3 + 2 + 4 + 1 entries); their URLs with the category each is filed in."""
    start = datetime(2024, 5, 1, tzinfo=UTC)

    def items(prefix: str, count: int) -> list[Item]:
        return [
            Item(f"{prefix}-{n}", f"{prefix} article {n}", published=start + n * timedelta(hours=1))
            for n in reversed(range(count))
        ]

    return {
        server.feed("/tech/kernel.xml", items("kernel", 3), title="Kernel news"): "Tech",
        server.feed("/tech/python.xml", items("python", 2), title="Python"): "Tech",
        server.feed("/news.xml", items("news", 4), title="World"): "News",
        server.feed("/loose.xml", items("loose", 1), title="Loose"): None,
    }


def opml_file(path: Path, feeds: Mapping[str, str | None]) -> Path:
    path.write_bytes(
        write_opml(
            (OpmlFeed(xml_url=url, category=category) for url, category in feeds.items()),
            title="test subscriptions",
            created=utcnow(),
        )
    )
    return path


# --- db upgrade and users ---


def test_db_upgrade_creates_the_database_and_can_run_again(tmp_path: Path) -> None:
    env = {"NEWSRIVER_DATA_DIR": str(tmp_path / "data")}
    result = run_newsriver("db", "upgrade", env=env)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "database schema is up to date\n"
    assert (tmp_path / "data" / "newsriver.db").is_file()
    again = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert (again.exit_code, again.stdout) == (0, result.stdout)


def test_user_add_and_api_password_read_passwords_from_stdin(cli: Cli) -> None:
    result = cli("user", "add", "alice", "--admin", "--password-stdin", input=f"{PASSWORD}\n")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "user 'alice' created (administrator)\n"
    result = cli("user", "api-password", "alice", "--password-stdin", input="api password 1\n")
    assert (result.exit_code, result.stderr) == (0, "")

    database = cli.database()
    try:
        with database.read() as connection:
            credentials = accounts.credentials(connection, "alice")
    finally:
        database.close()
    assert credentials is not None
    assert credentials.user.is_admin
    assert verify_password(credentials.password_hash, PASSWORD)
    assert credentials.api_password_hash is not None
    assert verify_password(credentials.api_password_hash, "api password 1")
    assert credentials.token_version == 1


def test_a_short_password_is_refused_in_one_line(cli: Cli) -> None:
    result = cli("user", "add", "alice", "--password-stdin", input="short\n")

    assert result.exit_code == 1
    assert one_line_error(result.stderr) == (
        "newsriver: the password must have at least 8 characters"
    )
    assert result.stdout == ""
    add_user(cli, "alice")  # the name was not taken by the refused attempt


def test_adding_a_user_twice_is_a_one_line_error(cli: Cli) -> None:
    add_user(cli, "alice")

    result = cli("user", "add", "alice", "--password-stdin", input=f"{PASSWORD}\n")

    assert result.exit_code == 1
    assert one_line_error(result.stderr) == "newsriver: a user named 'alice' already exists"


def test_an_unusable_user_name_is_a_one_line_error(cli: Cli) -> None:
    result = cli("user", "add", "two words", "--password-stdin", input=f"{PASSWORD}\n")

    assert result.exit_code == 1
    assert one_line_error(result.stderr).startswith("newsriver: a user name must be ")


def test_api_password_of_an_unknown_user_is_a_one_line_error(cli: Cli) -> None:
    result = cli("user", "api-password", "nobody", "--password-stdin", input=f"{PASSWORD}\n")

    assert result.exit_code == 1
    assert one_line_error(result.stderr) == "newsriver: no user named 'nobody'"


# --- import, export, refresh, stats ---


def test_import_export_refresh_and_stats(cli: Cli, tmp_path: Path) -> None:
    feeds = serve_feeds(cli.server)
    add_user(cli, "alice")
    add_user(cli, "bob")
    add_user(cli, "carol")
    news = cli.server.url("/news.xml")

    result = cli("import", str(opml_file(tmp_path / "alice.opml", feeds)), "--user", "alice")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "4 feeds in the file: 4 added, 0 already subscribed\n"
    # bob shares one of alice's feeds: it is one feed, fetched once.
    bobs = opml_file(tmp_path / "bob.opml", {news: "Daily"})
    assert cli("import", str(bobs), "--user", "bob").exit_code == 0
    again = cli("import", str(bobs), "--user", "bob")
    assert again.stdout == "1 feeds in the file: 0 added, 1 already subscribed\n"

    exported = cli("export", "--user", "alice")
    assert (exported.exit_code, exported.stderr) == (0, "")
    document = read_opml(exported.stdout_bytes)
    assert {(feed.xml_url, feed.category) for feed in document.feeds} == set(feeds.items())
    assert document.problems == ()
    assert [
        feed.xml_url for feed in read_opml(cli("export", "--user", "bob").stdout_bytes).feeds
    ] == [news]

    result = cli("refresh", "--all", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    summary = json.loads(lines[0])
    assert {key: summary.get(key) for key in JSON_SUMMARY_KEYS - {"seconds"}} == {
        "feeds": 4,
        "ok": 4,
        "not_modified": 0,
        "failed": 0,
        "new_entries": 10,
    }
    assert isinstance(summary["seconds"], float)
    assert summary["seconds"] >= 0
    assert cli.server.hits() == 4

    database = cli.database()
    try:
        with database.write() as connection:
            alice = accounts.get_user(connection, "alice").id
            bob = accounts.get_user(connection, "bob").id
            rows = list_entries(connection, alice, EntryQuery(limit=100))
            set_read(connection, alice, [row.id for row in rows[:3]], read=True, now=utcnow())
            set_starred(connection, alice, [row.id for row in rows[:2]], starred=True, now=utcnow())
            bob_rows = list_entries(connection, bob, EntryQuery(limit=100))
            set_starred(connection, bob, [bob_rows[0].id], starred=True, now=utcnow())
    finally:
        database.close()

    result = cli("stats", "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    stats = json.loads(result.stdout)
    assert set(stats) == STATS_KEYS
    assert {key: stats[key] for key in STATS_KEYS - {"database_bytes"}} == {
        "users": 3,
        "feeds": 4,
        "entries": 10,
        "unread": {"alice": 7, "bob": 4, "carol": 0},
        "starred": {"alice": 2, "bob": 1, "carol": 0},
    }
    files = [cli.data_dir / "newsriver.db", cli.data_dir / "newsriver.db-wal"]
    assert stats["database_bytes"] == sum(f.stat().st_size for f in files if f.exists())

    # A second refresh: everything is not modified, nothing new.
    summary = json.loads(cli("refresh", "--all", "--json").stdout)
    assert (summary["feeds"], summary["not_modified"], summary["new_entries"]) == (4, 4, 0)


def test_refresh_json_has_exactly_the_documented_keys(cli: Cli, tmp_path: Path) -> None:
    """DESIGN.md: `--json` prints the summary as one JSON object: `feeds, ok,
    not_modified, failed, new_entries, seconds` (an interface others depend on), plus
    the search indexing that follows the refresh, `indexed` and `index_seconds`, which
    the README documents."""
    add_user(cli, "alice")
    path = opml_file(tmp_path / "a.opml", {cli.server.feed("/a.xml", [Item("a", "A")]): None})
    assert cli("import", str(path), "--user", "alice").exit_code == 0

    result = cli("refresh", "--all", "--json")

    assert (result.exit_code, result.stderr) == (0, "")
    assert set(json.loads(result.stdout)) == JSON_SUMMARY_KEYS | {"indexed", "index_seconds"}


def test_refreshed_entries_can_be_searched(cli: Cli, tmp_path: Path) -> None:
    """store/search.py: `newsriver refresh` brings the search index up to date."""
    feeds = serve_feeds(cli.server)
    add_user(cli, "alice")
    assert (
        cli("import", str(opml_file(tmp_path / "a.opml", feeds)), "--user", "alice").exit_code == 0
    )
    assert cli("refresh", "--all", "--json").exit_code == 0

    database = cli.database()
    try:
        with database.read() as connection:
            alice = accounts.get_user(connection, "alice").id
            found = list_entries(connection, alice, EntryQuery(search="kernel article"))
    finally:
        database.close()
    assert sorted(row.title or "" for row in found) == [f"kernel article {n}" for n in range(3)]


def test_the_human_summary_names_each_failed_feed(cli: Cli, tmp_path: Path) -> None:
    ok = cli.server.feed("/ok.xml", [Item("a", "A")])
    broken = cli.server.status("/broken.xml", 500)
    add_user(cli, "alice")
    cli("import", str(opml_file(tmp_path / "a.opml", {ok: None, broken: None})), "--user", "alice")

    result = cli("refresh")  # both are due: new feeds are due at once

    assert result.exit_code == 0
    assert result.stderr == f"newsriver refresh: {broken}: HTTP 500\n"
    assert result.stdout.startswith("2 feeds: 1 ok, 0 not modified, 1 failed; 1 new entries in ")


# --- failures: one line, exit code 1, no traceback ---


def test_import_for_an_unknown_user_is_one_line(cli: Cli, tmp_path: Path) -> None:
    add_user(cli, "alice")
    path = opml_file(tmp_path / "a.opml", {cli.server.url("/a.xml"): None})

    result = cli("import", str(path), "--user", "nosuchuser")

    assert result.exit_code == 1
    assert one_line_error(result.stderr) == "newsriver: no user named 'nosuchuser'"
    assert result.stdout == ""


@pytest.mark.parametrize(
    "content",
    [None, b"", b"this is not XML at all", b"<html><body>a web page</body></html>"],
    ids=["missing", "empty", "not-xml", "html"],
)
def test_an_unreadable_opml_is_one_line(cli: Cli, tmp_path: Path, content: bytes | None) -> None:
    add_user(cli, "alice")
    path = tmp_path / "subscriptions.opml"
    if content is not None:
        path.write_bytes(content)

    result = cli("import", str(path), "--user", "alice")

    assert result.exit_code == 1
    one_line_error(result.stderr)
    assert result.stdout == ""
    export = cli("export", "--user", "alice")
    assert read_opml(export.stdout_bytes).feeds == ()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--feed", "https://example.org/unknown.xml"], "no feed with URL "),
        (["--user", "nobody"], "no user named 'nobody'"),
    ],
    ids=["feed", "user"],
)
def test_refreshing_an_unknown_feed_or_user_is_one_line(
    cli: Cli, args: list[str], message: str
) -> None:
    result = cli("refresh", *args)

    assert result.exit_code == 1
    assert one_line_error(result.stderr).startswith(f"newsriver: {message}")
    assert result.stdout == ""


def test_export_for_an_unknown_user_is_one_line(cli: Cli) -> None:
    result = cli("export", "--user", "nobody")

    assert result.exit_code == 1
    assert one_line_error(result.stderr) == "newsriver: no user named 'nobody'"
    assert result.stdout == ""


def test_an_unreachable_postgresql_is_one_line(tmp_path: Path) -> None:
    env = {
        "NEWSRIVER_DATA_DIR": str(tmp_path),
        # Port 1: nothing listens there, the connection is refused at once.
        "NEWSRIVER_DATABASE_URL": "postgresql://newsriver@127.0.0.1:1/newsriver",
    }
    result = run_newsriver("stats", "--json", env=env)

    assert result.returncode == 1, result.stderr
    line = one_line_error(result.stderr)
    assert line.startswith("newsriver: cannot reach the database"), line
    assert result.stdout == ""
    # Every command that opens the database says the same.
    in_process = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert in_process.exit_code == 1
    assert one_line_error(in_process.stderr) == line


def test_only_the_program_itself_freezes_its_objects_for_the_collector(
    cli: Cli, tmp_path: Path
) -> None:
    """`newsriver refresh` freezes what it imported (`gc.freeze`), but run in-process, as
    here, the commands leave the calling program's garbage collector as it was."""
    feeds = serve_feeds(cli.server)
    add_user(cli, "alice")
    cli("import", str(opml_file(tmp_path / "a.opml", feeds)), "--user", "alice")
    assert gc.get_freeze_count() == 0
    assert cli("refresh", "--all", "--json").exit_code == 0
    assert gc.get_freeze_count() == 0

    # The program itself: main() of the console script, in a process of its own.
    script = (
        "import gc, sys\n"
        "from newsriver.cli.app import main\n"
        "sys.argv = ['newsriver', 'refresh', '--all', '--json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(gc.get_freeze_count() > 0)\n"
    )
    env = {key: value for key, value in cli.env.items() if value is not None}
    clean = {name: value for name, value in os.environ.items() if not name.startswith("NEWSRIVER_")}
    finished = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.stdout.splitlines()[-1:] == ["True"], (finished.stdout, finished.stderr)
