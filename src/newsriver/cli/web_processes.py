"""`newsriver serve --workers N`: N web processes, each with a listening socket of its
own on the same port (SO_REUSEPORT), kept running by this one.

Why not uvicorn's own `--workers`: its processes share one listening socket, and the
first to wake up accepts every connection waiting. Clients that open their keep-alive
connections in a burst (a sync client's parallel requests, a load test) then often all
land in one process while the others idle, which halves the throughput of two cores
for as long as the connections live; measured, one run in two. With a socket per
process, the kernel spreads connections over the processes by their addresses.

The supervisor here is deliberately small: start the processes, restart one that dies
(unless they keep dying at once), and on SIGINT or SIGTERM pass the signal on, wait for
them to finish their requests, and kill what is left after STOP_SECONDS.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from types import FrameType

import typer

# Graceful shutdown: how long web processes may take to finish their requests.
STOP_SECONDS = 30
# A process that dies sooner than this after starting counts as a failed start; after
# MAX_FAILED_STARTS in a row the server gives up rather than restart in a loop.
FAILED_START_SECONDS = 5.0
MAX_FAILED_STARTS = 3
# The listen backlog uvicorn uses by default.
BACKLOG = 2048


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket listening on (host, port) that other processes may listen on too.

    Raises OSError (address in use by another program, unknown host, no permission).
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock


def can_share_port() -> bool:
    """Whether this system has SO_REUSEPORT (Linux, the BSDs, macOS)."""
    return hasattr(socket, "SO_REUSEPORT")


def run_web_processes(*, host: str, port: int, workers: int) -> None:
    """Run `workers` web processes on host:port until SIGINT or SIGTERM."""
    try:
        # Checked once here, so that a port in use is one clear line, not N tracebacks.
        listening_socket(host, port).close()
    except OSError as e:
        typer.echo(f"newsriver serve: cannot listen on {host}:{port}: {e}", err=True)
        raise typer.Exit(1) from None
    stopping: list[int] = []
    gave_up = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: list[tuple[subprocess.Popen[bytes], float]] = []
    try:
        processes = [(_start(host, port), time.monotonic()) for _ in range(workers)]
        failed_starts = 0
        while not stopping:
            time.sleep(0.2)
            for index, (process, started) in enumerate(processes):
                if process.poll() is None or stopping:
                    continue
                failed = time.monotonic() - started < FAILED_START_SECONDS
                failed_starts = failed_starts + 1 if failed else 0
                if failed_starts >= MAX_FAILED_STARTS:
                    typer.echo("newsriver serve: web processes keep failing; stopping", err=True)
                    gave_up = True
                    stopping.append(signal.SIGTERM)
                    break
                typer.echo(
                    f"newsriver serve: web process {process.pid} exited with"
                    f" {process.returncode}; starting another",
                    err=True,
                )
                processes[index] = (_start(host, port), time.monotonic())
    finally:
        _stop_all([process for process, _ in processes])
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if gave_up:
        raise typer.Exit(1)


def _start(host: str, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "newsriver", "web-process", "--host", host]
    # This interpreter and our own command; host and port as the user gave them to serve.
    return subprocess.Popen([*command, "--port", str(port)])  # noqa: S603


def _stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process, wait up to STOP_SECONDS, then kill.

    SIGTERM even after Ctrl-C, whose SIGINT the processes got themselves: to uvicorn a
    second SIGINT means "quit now", a SIGTERM does not cut the graceful shutdown short.
    """
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
