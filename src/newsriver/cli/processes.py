"""`newsriver serve --workers N`: what the web processes share is made once, before
they start, and the scheduler runs in one process of its own beside them."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from newsriver.errors import StoreError
from newsriver.settings import Settings
from newsriver.store.database import open_database
from newsriver.web.auth.secret import SecretKeyError, secret_key

# How long the scheduler may take to finish its round's writes when the server stops.
SCHEDULER_STOP_SECONDS = 30


def prepare_shared_state(settings: Settings) -> None:
    """Migrate the database and make the secret key now: N workers starting at once
    would otherwise race to do both (they would cope, but each would wait on the
    others' locks, and a failure is better reported once, here)."""
    try:
        secret_key(settings)
        open_database(settings.effective_database_url).close()
    except (StoreError, SecretKeyError) as e:
        typer.echo(f"newsriver serve: {e}", err=True)
        raise typer.Exit(1) from None


@contextmanager
def scheduler_process(*, enabled: bool) -> Iterator[None]:
    """While the server runs, `newsriver worker` fetches feeds as they fall due. When the
    server stops, so does the worker: SIGINT, as Ctrl-C would (it finishes what it is
    writing), then SIGKILL after SCHEDULER_STOP_SECONDS."""
    if not enabled:
        yield
        return
    worker = subprocess.Popen([sys.executable, "-m", "newsriver", "worker"])
    try:
        yield
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=SCHEDULER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
