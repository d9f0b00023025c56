"""Password hashing with Argon2id (argon2-cffi's defaults, RFC 9106's second profile).

Used for login passwords and API passwords alike; a hash records its own parameters,
so stronger defaults later apply to new hashes and `needs_rehash` tells when to upgrade.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Passwords are limited only to stop a 1 GB "password" from being hashed.
MAX_PASSWORD_LENGTH = 4096


class PasswordPolicyError(ValueError):
    """A new password is not acceptable; the message says why, for the user."""


def check_new_password(password: str) -> None:
    if len(password) < 8:
        raise PasswordPolicyError("the password must have at least 8 characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(
            f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
        )


def hash_password(password: str) -> str:
    """An Argon2id hash of a password that passed `check_new_password`."""
    check_new_password(password)
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; False for a wrong password or an unreadable hash."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
