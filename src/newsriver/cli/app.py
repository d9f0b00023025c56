"""The `newsriver` command: a composition root, like `web.app`.

Commands stay thin: read settings and arguments, call one component, print. Expected
failures end as one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

from typing import Annotated

import typer

from newsriver.cli.aggregator import (
    db_app,
    export_command,
    freeze_after_imports,
    import_command,
    refresh_command,
    stats_command,
    subscribe_command,
    user_app,
    worker_command,
)
from newsriver.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    name="newsriver",
    help="A self-hosted RSS, Atom and JSON Feed aggregator and reader.",
    no_args_is_help=True,
    add_completion=False,
    # Rich tracebacks with locals could print the secret key; bugs get plain ones.
    pretty_exceptions_enable=False,
)


app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.command("import")(import_command)
app.command("export")(export_command)
app.command("subscribe")(subscribe_command)
app.command("refresh")(refresh_command)
app.command("stats")(stats_command)
app.command("worker")(worker_command)


def main() -> None:
    """Console-script entry point (`newsriver`, `python -m newsriver`)."""
    freeze_after_imports()
    app(prog_name="newsriver")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8080,
    no_scheduler: Annotated[
        bool,
        typer.Option(
            "--no-scheduler",
            help="Do not fetch feeds in this process (run `newsriver worker` elsewhere).",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=64,
            help="Web processes (one per core uses them all); with more than one, feeds"
            " are fetched by a `newsriver worker` process started beside them.",
        ),
    ] = 1,
) -> None:
    """Serve the web reader, and fetch feeds in the background unless --no-scheduler."""
    settings = _settings()
    # Imported here: the web stack costs every other command half a second at start-up.
    import uvicorn

    if workers == 1:
        from newsriver.web.app import create_app

        app = create_app(settings, scheduler=not no_scheduler, freeze_startup_objects=True)
        uvicorn.run(app, host=host, port=port)
        return
    from newsriver.cli.processes import prepare_shared_state, scheduler_process
    from newsriver.cli.web_processes import can_share_port, run_web_processes

    prepare_shared_state(settings)
    with scheduler_process(enabled=not no_scheduler):
        if can_share_port():
            run_web_processes(host=host, port=port, workers=workers)
            return
        uvicorn.run(
            "newsriver.web.asgi:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
        )


@app.command("web-process", hidden=True)
def web_process(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
) -> None:
    """One of the web processes of `serve --workers N`, which starts them."""
    import uvicorn

    from newsriver.cli.web_processes import listening_socket

    # Bound here, in each process, so that the kernel spreads connections over them.
    sock = listening_socket(host, port)
    config = uvicorn.Config("newsriver.web.asgi:app_from_environment", factory=True)
    uvicorn.Server(config).run(sockets=[sock])


@app.command()
def parse(
    sources: Annotated[
        list[str],
        typer.Argument(metavar="FILE_OR_URL", help="Feed files or http(s) URLs, in order."),
    ],
) -> None:
    """Print each feed as one line of normalised JSON, in the order given.

    A file that cannot be read, a URL that cannot be fetched, or a document that cannot be
    parsed gets a line with an "error" key, and exit code 1.
    """
    # Imported here, like the other commands' heavy parts (see cli/aggregator.py).
    from newsriver.cli.feed_json import dumps_line
    from newsriver.cli.parse import is_url, parse_argument
    from newsriver.service.refresh import fetcher_config

    config = fetcher_config(_settings()) if any(map(is_url, sources)) else None
    stdout = typer.get_binary_stream("stdout")
    failed = False
    for source in sources:
        outcome = parse_argument(source, config)
        # JSON Lines is UTF-8 whatever the locale says; flush so pipes see each feed.
        stdout.write(dumps_line(outcome.line).encode("utf-8") + b"\n")
        stdout.flush()
        if outcome.error is not None:
            failed = True
            typer.echo(f"newsriver parse: {source}: {outcome.error}", err=True)
    if failed:
        raise typer.Exit(1)


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as e:
        typer.echo(f"newsriver: {e}", err=True)
        raise typer.Exit(2) from None
