"""Checking a user name and password, without telling which of the two was wrong.

An unknown name costs the same Argon2 verification as a known one (against a hash made
at start-up), so neither the message nor the time taken tells whether a name exists.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import cache

from newsriver.store import accounts
from newsriver.store.accounts import User
from newsriver.store.database import Database
from newsriver.web.auth.passwords import hash_password, verify_password


@dataclass(frozen=True, slots=True)
class SignInResult:
    # None: the name or the password is wrong (which one is not said).
    user: User | None
    # The right password, but an admin disabled the account.
    disabled: bool = False
    # The user's password hash, from which the session's stamp is made.
    password_hash: str | None = None


@cache
def decoy_hash() -> str:
    """A hash of a random password, made once: what an unknown name is checked against."""
    return hash_password(secrets.token_urlsafe(16))


def authenticate(database: Database, name: str, password: str) -> SignInResult:
    with database.read() as connection:
        found = accounts.credentials(connection, name.strip())
    if found is None:
        verify_password(decoy_hash(), password)
        return SignInResult(None)
    if not verify_password(found.password_hash, password):
        return SignInResult(None)
    if found.user.disabled:
        return SignInResult(None, disabled=True)
    return SignInResult(found.user, password_hash=found.password_hash)


def password_stamp(secret_key: str, password_hash: str) -> str:
    """A digest of the password hash that a session carries: when the password changes,
    sessions issued before no longer match and end. Keyed, so the cookie (signed, not
    encrypted) gives nothing to attack the hash with."""
    digest = hmac.new(secret_key.encode(), password_hash.encode(), hashlib.sha256)
    return digest.hexdigest()[:24]
