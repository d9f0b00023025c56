"""`newsriver user api-password --fever`: the CLI enables Fever with the key its clients
compute, which the running API then accepts; without `--fever` the key goes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner, Result

from newsriver.cli import app as cli_app
from newsriver.settings import Settings
from newsriver.store import schema
from newsriver.store.database import open_database
from newsriver.web.app import create_app
from newsriver.web.auth.api_credentials import fever_key
from newsriver.web.auth.passwords import verify_password
from tests.store import sqlite_url

API_PASSWORD = "api password 1"


def run(data_dir: Path, *args: str, input: str | None = None) -> Result:
    env = {
        "NEWSRIVER_DATA_DIR": str(data_dir),
        "NEWSRIVER_DATABASE_URL": None,
        "NEWSRIVER_SECRET_KEY": None,
    }
    result = CliRunner().invoke(cli_app, list(args), input=input, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.stderr
    return result


def stored(data_dir: Path, name: str) -> tuple[str | None, str | None]:
    """The user's Fever key and API password hash, as stored."""
    database = open_database(sqlite_url(data_dir))
    try:
        with database.read() as connection:
            users = schema.users
            row = connection.execute(
                select(users.c.fever_key, users.c.api_password_hash).where(users.c.name == name)
            ).one()
    finally:
        database.close()
    return row.fever_key, row.api_password_hash


def fever_auth(data_dir: Path, key: str) -> int:
    app = create_app(Settings(data_dir=data_dir), scheduler=False)
    with TestClient(app) as client:
        answer = client.post("/api/fever.php?api", data={"api_key": key}).json()
    assert answer["api_version"] == 3
    return int(answer["auth"])


def test_fever_is_enabled_by_the_flag_and_removed_without_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert (
        run(data_dir, "user", "add", "alice", "--password-stdin", input="login pass 1\n").exit_code
        == 0
    )
    result = run(
        data_dir,
        "user",
        "api-password",
        "alice",
        "--fever",
        "--password-stdin",
        input=f"{API_PASSWORD}\n",
    )
    assert (result.exit_code, result.stderr) == (0, "")
    assert "Fever enabled" in result.stdout
    assert API_PASSWORD not in result.stdout
    key, api_hash = stored(data_dir, "alice")
    # What Fever clients compute, and what the web settings page stores.
    assert key == hashlib.md5(f"alice:{API_PASSWORD}".encode()).hexdigest()
    assert key == fever_key("alice", API_PASSWORD)
    assert api_hash is not None
    assert verify_password(api_hash, API_PASSWORD)
    assert fever_auth(data_dir, key) == 1

    result = run(
        data_dir, "user", "api-password", "alice", "--password-stdin", input="api password 2\n"
    )
    assert result.exit_code == 0
    assert "Fever" not in result.stdout
    new_key, new_hash = stored(data_dir, "alice")
    assert new_key is None
    assert new_hash is not None
    assert verify_password(new_hash, "api password 2")
    assert fever_auth(data_dir, key) == 0


def test_fever_flag_errors_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run(data_dir, "user", "add", "alice", "--password-stdin", input="login pass 1\n")
    nobody = run(
        data_dir,
        "user",
        "api-password",
        "nobody",
        "--fever",
        "--password-stdin",
        input=f"{API_PASSWORD}\n",
    )
    assert nobody.exit_code == 1
    assert nobody.stderr == "newsriver: no user named 'nobody'\n"
    short = run(
        data_dir, "user", "api-password", "alice", "--fever", "--password-stdin", input="short\n"
    )
    assert short.exit_code == 1
    assert short.stderr.startswith("newsriver: ")
    assert stored(data_dir, "alice") == (None, None)
