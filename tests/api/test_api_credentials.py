"""API credentials on a real database: the API password, ClientLogin-style tokens and
their revocation, and Fever keys; each only ever names its own, active user."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsriver.service import accounts
from newsriver.store import accounts as store_accounts
from newsriver.store.database import Database, open_database
from newsriver.web.auth.api_credentials import (
    check_api_password,
    fever_key,
    issue_api_token,
    user_for_api_token,
    user_for_fever_key,
)
from newsriver.web.auth.passwords import hash_password

SECRET = "s" * 43


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    opened = open_database(f"sqlite:///{tmp_path / 'api.db'}")
    yield opened
    opened.close()


def add(database: Database, name: str, api_password: str | None, *, fever: bool = False) -> int:
    user = accounts.add_user(
        database, name, password_hash=hash_password("login-password"), is_admin=False
    )
    if api_password is not None:
        accounts.set_api_password_by_id(
            database,
            user.id,
            api_password_hash=hash_password(api_password),
            fever_key=fever_key(name, api_password) if fever else None,
        )
    return user.id


def test_the_api_password_is_not_the_login_password(database: Database) -> None:
    alice = add(database, "alice", "api-secret-1")
    add(database, "bob", None)
    found = check_api_password(database, "alice", "api-secret-1")
    assert found is not None
    assert found.id == alice
    assert check_api_password(database, " alice ", "api-secret-1") is not None
    assert check_api_password(database, "alice", "login-password") is None
    assert check_api_password(database, "alice", "") is None
    # No API password set, or no such user: refused alike.
    assert check_api_password(database, "bob", "login-password") is None
    assert check_api_password(database, "nobody", "api-secret-1") is None


def test_tokens_name_their_user_until_the_api_password_changes(database: Database) -> None:
    alice = add(database, "alice", "api-secret-1")
    bob = add(database, "bob", "api-secret-2")
    token = issue_api_token(database, SECRET, alice)
    found = user_for_api_token(database, SECRET, token)
    assert found is not None
    assert found.id == alice
    bobs = user_for_api_token(database, SECRET, issue_api_token(database, SECRET, bob))
    assert bobs is not None
    assert bobs.id == bob
    # Forged: another user's id with alice's digest, another key, a cut digest, junk.
    digest = token.split("/", 1)[1]
    for forged in (f"{bob}/{digest}", token[:-1] + "0", "x/y", "", "/", f"{alice}/"):
        if forged != token:
            assert user_for_api_token(database, SECRET, forged) is None, forged
    assert user_for_api_token(database, "t" * 43, token) is None
    # A new API password revokes the token; clearing it too, and disabling the user.
    accounts.set_api_password_by_id(
        database, alice, api_password_hash=hash_password("api-secret-3")
    )
    assert user_for_api_token(database, SECRET, token) is None
    token = issue_api_token(database, SECRET, alice)
    assert user_for_api_token(database, SECRET, token) is not None
    accounts.clear_api_password(database, alice)
    assert user_for_api_token(database, SECRET, token) is None
    with pytest.raises(ValueError, match="no API password"):
        issue_api_token(database, SECRET, alice)
    token = issue_api_token(database, SECRET, bob)
    with database.write() as connection:
        store_accounts.set_disabled(connection, bob, disabled=True)
    assert user_for_api_token(database, SECRET, token) is None
    assert check_api_password(database, "bob", "api-secret-2") is None


def test_fever_keys_exist_only_when_enabled(database: Database) -> None:
    alice = add(database, "alice", "api-secret-1", fever=True)
    add(database, "bob", "api-secret-2")
    found = user_for_fever_key(database, fever_key("alice", "api-secret-1"))
    assert found is not None
    assert found.id == alice
    assert user_for_fever_key(database, fever_key("alice", "api-secret-1").upper()) is not None
    assert user_for_fever_key(database, fever_key("bob", "api-secret-2")) is None
    assert user_for_fever_key(database, fever_key("alice", "wrong")) is None
    for junk in ("", "0" * 31, "z" * 32, "%" * 32):
        assert user_for_fever_key(database, junk) is None
    # A new API password without Fever clears the key.
    accounts.set_api_password_by_id(
        database, alice, api_password_hash=hash_password("api-secret-3")
    )
    assert user_for_fever_key(database, fever_key("alice", "api-secret-1")) is None
