"""The aggregator's commands: `db`, `user`, `import`, `export`, `refresh`, `stats`, `worker`.

Each opens the database from the settings, calls one service, and prints. Expected
failures (a missing user, an unreadable OPML, an unreachable database) end as one line
on stderr with exit code 1 (2 for bad configuration), never a traceback.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from newsriver.errors import NewsriverError
from newsriver.service import accounts
from newsriver.service.stats import instance_stats
from newsriver.settings import Settings, SettingsError, load_settings
from newsriver.store.database import Database, open_database

# The fetcher, the refresh pipeline, Argon2 and rich are imported by the commands that
# use them: a command's start-up is part of its run time (a 304 refresh of 1,000 feeds
# takes about half a second), and each of them costs a tenth of a second or more.
if TYPE_CHECKING:
    from newsriver.store.records import FeedForUpdate
    from newsriver.update.pipeline import FeedOutcome

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)

UserOption = Annotated[str, typer.Option("--user", help="The user's name.")]


# Set by `cli.app.main`, the newsriver program itself: a program (or a test) that runs
# these commands in-process keeps its garbage collector as it was.
_freeze_after_imports = False


def freeze_after_imports() -> None:
    """Let the long or frequent commands freeze what they have imported (see below)."""
    global _freeze_after_imports
    _freeze_after_imports = True


def _freeze_loaded_objects() -> None:
    """Move everything imported so far out of the garbage collector's sight.

    For the commands that run long or often (`refresh` from cron, `worker`): the
    libraries' objects never become garbage, yet every full collection walks them, and so
    does the final one at exit, which took a fifth of a second of a 304 refresh of 1,000
    feeds (`serve` does the same, see `web.app.create_app`).
    """
    if _freeze_after_imports:
        gc.freeze()


def settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as e:
        typer.echo(f"newsriver: {e}", err=True)
        raise typer.Exit(2) from None


@contextmanager
def database_session(*, upgrade: bool = True) -> Iterator[Database]:
    """The database of the current settings; NewsriverErrors become one line and exit 1."""
    with expected_errors():
        database = open_database(settings().effective_database_url, upgrade=upgrade)
        try:
            yield database
        finally:
            database.close()


@contextmanager
def expected_errors() -> Iterator[None]:
    try:
        yield
    except (NewsriverError, ValueError, OSError) as e:
        typer.echo(f"newsriver: {e}", err=True)
        raise typer.Exit(1) from None


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring its schema up to date (also done at every start)."""
    with database_session():
        typer.echo("database schema is up to date")


def _read_password(password_stdin: bool, what: str) -> str:
    from newsriver.web.auth.passwords import PasswordPolicyError, hash_password

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"{what}", hide_input=True, confirmation_prompt=True)
    try:
        return hash_password(password)
    except PasswordPolicyError as e:
        typer.echo(f"newsriver: {e}", err=True)
        raise typer.Exit(1) from None


PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin.")
]


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="The new user's name.")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the user an administrator.")] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user (the login password is asked for, or read from stdin)."""
    password_hash = _read_password(password_stdin, "Password")
    with database_session() as database, expected_errors():
        user = accounts.add_user(database, name, password_hash=password_hash, is_admin=admin)
    typer.echo(f"user {user.name!r} created{' (administrator)' if user.is_admin else ''}")


@user_app.command("api-password")
def user_api_password(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    password_stdin: PasswordStdin = False,
    fever: Annotated[
        bool,
        typer.Option(
            "--fever",
            help="Also enable the Fever API, which needs an MD5 digest of the name and "
            "password stored (without this option, any stored one is removed).",
        ),
    ] = False,
) -> None:
    """Set the password that Google Reader and Fever API clients log in with."""
    if not fever:
        password_hash = _read_password(password_stdin, "API password")
        with database_session() as database, expected_errors():
            accounts.set_api_password(database, name, api_password_hash=password_hash)
        typer.echo(f"API password of {name!r} set; API sessions opened before are revoked")
        return
    from newsriver.web.auth.api_credentials import fever_key
    from newsriver.web.auth.passwords import PasswordPolicyError, hash_password

    # The Fever key needs the password itself, which `_read_password` does not hand back.
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("API password", hide_input=True, confirmation_prompt=True)
    try:
        password_hash = hash_password(password)
    except PasswordPolicyError as e:
        typer.echo(f"newsriver: {e}", err=True)
        raise typer.Exit(1) from None
    with database_session() as database, expected_errors():
        # The key is made from the name as stored, which Fever clients must type.
        user = accounts.get_user(database, name)
        accounts.set_api_password_by_id(
            database,
            user.id,
            api_password_hash=password_hash,
            fever_key=fever_key(user.name, password),
        )
    typer.echo(
        f"API password of {user.name!r} set, Fever enabled; API sessions opened before are revoked"
    )


def import_command(
    file: Annotated[Path, typer.Argument(metavar="FILE.opml", help="An OPML file.")],
    user: UserOption,
) -> None:
    """Subscribe a user to the feeds of an OPML file (the next refresh fetches them)."""
    from newsriver.service import opml

    with expected_errors():
        data = file.read_bytes()
    with database_session() as database, expected_errors(), _progress("importing") as advance:
        summary = opml.import_opml(
            database, user, data, progress=lambda done, total: advance(done, total)
        )
    for problem in summary.problems:
        typer.echo(f"newsriver import: {problem}", err=True)
    typer.echo(
        f"{summary.feeds} feeds in the file: {summary.added} added,"
        f" {summary.already_subscribed} already subscribed"
    )


def subscribe_command(
    url: Annotated[str, typer.Argument(metavar="URL", help="A feed's URL, or a site's.")],
    user: UserOption,
    category: Annotated[
        str | None, typer.Option("--category", help="Put the feed in this category.")
    ] = None,
) -> None:
    """Subscribe a user to a feed, or to the feed a web page announces.

    A page that names several feeds gets them listed (URL and title, one per line on
    stdout) and exit code 1: run the command again with the one you want.
    """
    from newsriver.service.refresh import fetcher_config
    from newsriver.service.subscribe import FeedChoices, subscribe_url

    current = settings()
    with database_session() as database, expected_errors():
        outcome = asyncio.run(
            subscribe_url(database, fetcher_config(current), user, url, category=category)
        )
    if isinstance(outcome, FeedChoices):
        for candidate in outcome.candidates:
            typer.echo(f"{candidate.url}\t{candidate.title or ''}".rstrip())
        typer.echo(
            f"newsriver subscribe: {outcome.page_url} is a web page naming"
            f" {len(outcome.candidates)} possible feeds; subscribe to one of them",
            err=True,
        )
        raise typer.Exit(1)
    shared = "" if outcome.new_feed else " (already fetched for another user)"
    typer.echo(f"{user} subscribed to {outcome.title or outcome.url} <{outcome.url}>{shared}")


def export_command(user: UserOption) -> None:
    """Print a user's subscriptions as OPML."""
    from newsriver.service import opml

    with database_session() as database, expected_errors():
        data = opml.export_opml(database, user)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()


def refresh_command(
    user: Annotated[str | None, typer.Option("--user", help="Only this user's feeds.")] = None,
    feed: Annotated[
        str | None, typer.Option("--feed", metavar="URL", help="Only this feed.")
    ] = None,
    all_feeds: Annotated[bool, typer.Option("--all", help="All feeds, not only due ones.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Fetch due feeds (or all of them) now and store what is new."""
    from newsriver.service.refresh import index_new_entries, select_feeds
    from newsriver.service.refresh import refresh as refresh_feeds

    _freeze_loaded_objects()
    current = settings()
    with database_session() as database, expected_errors():
        feeds = select_feeds(database, user_name=user, feed_url=feed, all_feeds=all_feeds)
        with _progress("refreshing", enabled=not as_json) as advance:
            done = 0

            def on_feed(_feed: FeedForUpdate, _outcome: FeedOutcome, _new: int) -> None:
                nonlocal done
                done += 1
                advance(done, len(feeds))

            summary = asyncio.run(refresh_feeds(database, current, feeds, progress=on_feed))
        # What the refresh left queued for search (all of it on PostgreSQL, see
        # store/search.py) is indexed now, and timed apart.
        started = time.perf_counter()
        indexed = index_new_entries(database)
        index_seconds = round(time.perf_counter() - started, 3)
    figures = {
        "feeds": summary.feeds,
        "ok": summary.ok,
        "not_modified": summary.not_modified,
        "failed": summary.failed,
        "new_entries": summary.new_entries,
        "seconds": summary.seconds,
        "indexed": indexed,
        "index_seconds": index_seconds,
    }
    if as_json:
        typer.echo(json.dumps(figures))
        return
    for url, reason in sorted(summary.errors.items()):
        typer.echo(f"newsriver refresh: {url}: {reason}", err=True)
    # On SQLite the refresh indexes as it stores; what is left is indexed afterwards.
    indexing = f" (then {indexed} indexed for search in {index_seconds:.1f} s)" if indexed else ""
    typer.echo(
        f"{summary.feeds} feeds: {summary.ok} ok, {summary.not_modified} not modified,"
        f" {summary.failed} failed; {summary.new_entries} new entries in {summary.seconds:.1f} s"
        f"{indexing}"
    )


def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Users, feeds, entries, unread and starred entries per user, database size."""
    with database_session() as database, expected_errors():
        stats, size = instance_stats(database)
    if as_json:
        figures = {
            "users": stats.users,
            "feeds": stats.feeds,
            "entries": stats.entries,
            "unread": stats.unread,
            "starred": stats.starred,
            "database_bytes": size,
        }
        typer.echo(json.dumps(figures))
        return
    typer.echo(f"users: {stats.users}\nfeeds: {stats.feeds}\nentries: {stats.entries}")
    for name in stats.unread:
        typer.echo(f"  {name}: {stats.unread[name]} unread, {stats.starred[name]} starred")
    typer.echo(f"database: {size / 1e6:.1f} MB")


def worker_command() -> None:
    """Fetch feeds as they fall due, forever (the scheduler of `serve`, alone)."""
    from newsriver.service.refresh import run_worker

    _freeze_loaded_objects()
    current = settings()
    with database_session() as database, expected_errors():
        try:
            asyncio.run(run_worker(database, current))
        except KeyboardInterrupt:
            typer.echo("worker stopped", err=True)


@contextmanager
def _progress(what: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr when it is a terminal; `advance(done, total)` updates it."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _done, _total: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn(what),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance
