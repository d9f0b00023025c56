"""`newsriver parse` and `newsriver serve`, run as a user runs them.

The parse tests use real feeds from the shared corpus and check the line format and a
few facts any correct parser must get right; the parser's own behaviour is tested in
its golden files.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner

from newsriver.cli import app
from tests.support.feed_server import FeedServer, Item

RSS = "real/feed-rs__feed-rs_fixture_rss2_rss_2.0_example_1.xml"
ATOM = "real/feed-rs__feed-rs_fixture_atom_atom_spec_1.xml"
JSON_FEED = "real/feed-rs__feed-rs_fixture_jsonfeed_jsonfeed_spec_1.json"
URDU = "real/miniflux__internal_reader_parser_testdata_urdu_UTF8.xml"

FEED_KEYS = {
    "url", "format", "title", "link", "description", "language", "icon", "logo", "updated",
    "authors", "hubs", "self_link", "ttl", "skip_hours", "skip_days", "recovered", "encoding",
    "entries",
}  # fmt: skip
ENTRY_KEYS = {
    "id", "title", "link", "author", "authors", "published", "updated", "summary", "content",
    "categories", "enclosures", "thumbnail", "comments",
}  # fmt: skip


def run_parse(*args: str | Path) -> tuple[int, list[dict[str, Any]], str]:
    """Run `newsriver parse ARGS`; return the exit code, the JSON lines and stderr."""
    result = CliRunner().invoke(app, ["parse", *map(str, args)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return result.exit_code, lines, result.stderr


def test_one_line_per_feed_in_order(shared_corpus: Path) -> None:
    paths = [shared_corpus / name for name in (ATOM, RSS, JSON_FEED)]
    code, lines, stderr = run_parse(*paths)

    assert code == 0, stderr
    assert stderr == ""
    assert [line["url"] for line in lines] == [str(p) for p in paths]
    assert [line["format"] for line in lines] == ["atom10", "rss20", "json10"]
    for line in lines:
        assert set(line) == FEED_KEYS
        assert line["entries"]
        for entry in line["entries"]:
            assert set(entry) == ENTRY_KEYS
            assert isinstance(entry["id"], str)
            assert entry["id"]


def test_atom_spec_example(shared_corpus: Path) -> None:
    _, (feed,), _ = run_parse(shared_corpus / ATOM)
    assert feed["title"] == "Example Feed"
    assert feed["link"] == "http://example.org/"
    assert feed["updated"] == "2003-12-13T18:30:02Z"
    assert feed["authors"] == [{"name": "John Doe", "email": None, "uri": None}]
    (entry,) = feed["entries"]
    assert entry["id"] == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert entry["title"] == "Atom-Powered Robots Run Amok"
    assert entry["link"] == "http://example.org/2003/12/13/atom03"
    assert entry["updated"] == "2003-12-13T18:30:02Z"
    assert "Some text." in entry["summary"]


def test_rss_example(shared_corpus: Path) -> None:
    _, (feed,), _ = run_parse(shared_corpus / RSS)
    assert feed["title"] == "RSS Title"
    assert feed["link"] == "http://www.example.com/main.html"
    assert feed["ttl"] == 1800
    (entry,) = feed["entries"]
    assert entry["title"] == "Example entry"
    assert entry["link"] == "http://www.example.com/blog/post/1"
    assert entry["published"] == "2009-09-06T16:20:00Z"
    assert entry["enclosures"] == []


def test_json_feed_dates_become_utc(shared_corpus: Path) -> None:
    _, (feed,), _ = run_parse(shared_corpus / JSON_FEED)
    assert feed["title"] == "JSON Feed"
    # "2017-05-17T08:02:12-07:00" in the file.
    assert feed["entries"][0]["published"] == "2017-05-17T15:02:12Z"


def test_non_ascii_is_printed_as_utf8(shared_corpus: Path) -> None:
    result = CliRunner().invoke(app, ["parse", str(shared_corpus / URDU)])
    assert result.exit_code == 0
    assert "اردو" in result.stdout
    assert "\\u" not in result.stdout.split('"entries"')[0]


def test_a_file_that_is_not_a_feed_still_gets_its_line(shared_corpus: Path, tmp_path: Path) -> None:
    not_a_feed = tmp_path / "notes.txt"
    not_a_feed.write_text("Just some notes, not a feed at all.\n")

    code, lines, stderr = run_parse(not_a_feed, shared_corpus / RSS)

    assert code == 1
    assert lines[0].keys() == {"url", "error"}
    assert lines[0]["url"] == str(not_a_feed)
    assert lines[0]["error"]
    assert lines[1]["title"] == "RSS Title"
    assert stderr.count("\n") == 1
    assert str(not_a_feed) in stderr
    assert "Traceback" not in stderr


def test_missing_files_and_urls_are_error_lines(tmp_path: Path) -> None:
    missing = tmp_path / "missing.xml"
    # Loopback is refused by the private-address guard (no NEWSRIVER_ALLOW_PRIVATE_NETWORKS).
    code, lines, stderr = run_parse(missing, "http://127.0.0.1:9/feed.xml")

    assert code == 1
    assert lines == [
        {"url": str(missing), "error": "cannot read the file: No such file or directory"},
        {"url": "http://127.0.0.1:9/feed.xml", "error": lines[1]["error"]},
    ]
    assert "private" in lines[1]["error"]
    assert len(stderr.splitlines()) == 2
    assert "Traceback" not in stderr


def test_python_dash_m_runs_the_same_command(shared_corpus: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "newsriver", "parse", str(shared_corpus / RSS)],
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["title"] == "RSS Title"


def test_serve_refuses_bad_settings_in_one_line() -> None:
    result = CliRunner().invoke(
        app, ["serve"], env={"NEWSRIVER_ALLOW_PRIVATE_NETWORKS": "intranet.local"}
    )
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "NEWSRIVER_ALLOW_PRIVATE_NETWORKS" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_answers_healthz_on_a_real_socket(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NEWSRIVER_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "newsriver", "serve", "--port", str(port), "--no-scheduler"]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as server:
        try:
            response = _get_when_up(f"http://127.0.0.1:{port}/healthz", server)
        finally:
            server.terminate()
            _, log = server.communicate(timeout=10)
        assert response is not None, f"the server did not come up:\n{log}"
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def _get_when_up(url: str, server: subprocess.Popen[str]) -> httpx.Response | None:
    """GET `url` once the server listens; None if it exits or takes over 30 s."""
    deadline = time.monotonic() + 30
    while server.poll() is None and time.monotonic() < deadline:
        try:
            return httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
    return None


def test_serve_with_workers_answers_and_fetches_in_one_worker_process(tmp_path: Path) -> None:
    """`serve --workers 2`: two web processes answer on one port, a scheduler process
    beside them fetches a feed imported before the start, and stopping the server stops
    them all."""
    items = [Item(f"w{number}", f"Worker entry {number}") for number in range(3)]
    with FeedServer() as feeds:
        feed_url = feeds.feed("/feed.xml", items)
        opml = tmp_path / "feeds.opml"
        opml.write_text(
            '<opml version="2.0"><body>'
            f'<outline type="rss" text="Feed" xmlUrl="{feed_url}"/>'
            "</body></opml>"
        )
        env = {
            **os.environ,
            "NEWSRIVER_DATA_DIR": str(tmp_path / "data"),
            "NEWSRIVER_ALLOW_PRIVATE_NETWORKS": "1",
        }
        newsriver = [sys.executable, "-m", "newsriver"]
        for arguments, stdin in (
            (["user", "add", "alice", "--password-stdin"], "password123\n"),
            (["import", str(opml), "--user", "alice"], None),
        ):
            subprocess.run(
                newsriver + arguments, env=env, input=stdin, text=True, check=True, timeout=60
            )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        command = [*newsriver, "serve", "--port", str(port), "--workers", "2"]
        with subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        ) as server:
            try:
                response = _get_when_up(f"http://127.0.0.1:{port}/healthz", server)
                assert response is not None, "the server did not come up"
                children = _children(server.pid)
                stored = _wait_for_entries(env, 3)
                pages = [httpx.get(f"http://127.0.0.1:{port}/login") for _ in range(4)]
            finally:
                server.send_signal(signal.SIGINT)
                _, log = server.communicate(timeout=60)
    assert stored == 3, log
    assert all(page.status_code == 200 for page in pages)
    # Two web processes and one `newsriver worker`, all gone once the server is.
    commands = list(children.values())
    assert sum("newsriver web-process" in command for command in commands) == 2, commands
    assert sum("newsriver worker" in command for command in commands) == 1, commands
    assert _gone(children), log


def _gone(processes: dict[int, str]) -> bool:
    """Whether none of these processes runs any more (after up to 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        running = [pid for pid in processes if _running(pid)]
        if not running:
            return True
        time.sleep(0.1)
    return False


def _running(pid: int) -> bool:
    """Whether the process exists and is not a zombie (exited, not yet reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> dict[int, str]:
    """The process's children (pid: command line), read from /proc."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The parent pid is the 2nd field after the parenthesised command name.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = command.strip()
    return found


def _wait_for_entries(env: dict[str, str], expected: int) -> int:
    """The entries `newsriver stats` counts, once they reach `expected` (or after 60 s)."""
    deadline = time.monotonic() + 60
    while True:
        result = subprocess.run(
            [sys.executable, "-m", "newsriver", "stats", "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        entries = int(json.loads(result.stdout)["entries"])
        if entries >= expected or time.monotonic() > deadline:
            return entries
        time.sleep(0.5)


def _web_processes(pid: int) -> list[int]:
    return [
        child for child, command in _children(pid).items() if "newsriver web-process" in command
    ]


def test_serve_with_workers_replaces_a_web_process_that_dies(tmp_path: Path) -> None:
    """Each web process listens on the port itself; one killed is started again, and
    the server answers throughout from the other."""
    env = {**os.environ, "NEWSRIVER_DATA_DIR": str(tmp_path / "data")}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "newsriver", "serve", "--port", str(port)]
    with subprocess.Popen(
        [*command, "--workers", "2", "--no-scheduler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert _get_when_up(f"http://127.0.0.1:{port}/healthz", server) is not None
            first = _web_processes(server.pid)
            assert len(first) == 2, first
            os.kill(first[0], signal.SIGKILL)
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            deadline = time.monotonic() + 30
            while len(now := _web_processes(server.pid)) < 2 or first[0] in now:
                assert time.monotonic() < deadline, now
                time.sleep(0.1)
            replaced = dict.fromkeys(now, "")
            pages = [httpx.get(f"http://127.0.0.1:{port}/healthz") for _ in range(6)]
        finally:
            server.send_signal(signal.SIGTERM)
            _, log = server.communicate(timeout=60)
    assert all(page.status_code == 200 for page in pages)
    assert f"web process {first[0]} exited" in log, log
    assert server.returncode == 0, log
    assert _gone(replaced), log


def test_serve_with_workers_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "NEWSRIVER_DATA_DIR": str(tmp_path / "data")}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "newsriver", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr
