"""Credentials of the sync APIs: the API password (Google Reader's ClientLogin, HTTP
Basic on the REST API), the tokens ClientLogin hands out, and Fever's key.

Tokens are not stored. A token is the user's id and an HMAC, under the instance's
secret key, of the user's id, token version and API password hash: setting or clearing
the API password changes both, so every token issued before stops working at once,
with nothing to clean up. Checking one costs a primary-key read and a hash.
"""

from __future__ import annotations

import hashlib
import hmac

from newsriver.store import accounts
from newsriver.store.accounts import Credentials, User
from newsriver.store.database import Database
from newsriver.web.auth.passwords import verify_password
from newsriver.web.auth.signin import decoy_hash

# The digest's length in a token: 160 bits, as hex.
_DIGEST_CHARS = 40


def check_api_password(database: Database, name: str, password: str) -> User | None:
    """The active user whose API password this is; None otherwise, for whichever
    reason (unknown name, no API password set, wrong password, disabled account),
    after the same Argon2 work in every case, so neither answer nor time tells which."""
    with database.read() as connection:
        found = accounts.credentials(connection, name.strip())
    if found is None or found.api_password_hash is None:
        verify_password(decoy_hash(), password)
        return None
    if not verify_password(found.api_password_hash, password) or found.user.disabled:
        return None
    return found.user


def issue_api_token(database: Database, secret_key: str, user_id: int) -> str:
    """A token for the user's current API password (ValueError when none is set)."""
    with database.read() as connection:
        found = accounts.credentials_by_id(connection, user_id)
    if found is None or found.api_password_hash is None:
        raise ValueError("the user has no API password")
    return f"{user_id}/{_digest(secret_key, found)}"


def user_for_api_token(database: Database, secret_key: str, token: str) -> User | None:
    """The active user a token was issued to, while their API password is unchanged;
    None for anything else (malformed, forged, revoked, disabled user)."""
    user_part, _, digest = token.strip().partition("/")
    if not (user_part.isdigit() and len(user_part) <= 18 and len(digest) == _DIGEST_CHARS):
        return None
    with database.read() as connection:
        found = accounts.credentials_by_id(connection, int(user_part))
    if found is None or found.api_password_hash is None or found.user.disabled:
        return None
    if not hmac.compare_digest(digest.encode(), _digest(secret_key, found).encode()):
        return None
    return found.user


def user_for_fever_key(database: Database, fever_key: str) -> User | None:
    """The active user whose Fever key (md5 of "name:API password") this is."""
    key = fever_key.strip().lower()
    if len(key) != 32 or any(c not in "0123456789abcdef" for c in key):
        return None
    with database.read() as connection:
        user = accounts.find_by_fever_key(connection, key)
    return None if user is None or user.disabled else user


def fever_key(name: str, password: str) -> str:
    """The Fever API's key: the MD5 of "name:password", as Fever clients compute it
    (the protocol's choice, not ours: stored only for users who enable Fever)."""
    return hashlib.md5(f"{name}:{password}".encode(), usedforsecurity=False).hexdigest()


def _digest(secret_key: str, found: Credentials) -> str:
    assert found.api_password_hash is not None
    message = f"{found.user.id}:{found.token_version}:{found.api_password_hash}"
    mac = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()
    return mac[:_DIGEST_CHARS]
