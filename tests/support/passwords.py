"""Password hashes for test users, made once per password: Argon2 is slow on purpose,
and the API test modules make several users per test."""

from __future__ import annotations

from functools import cache

from newsriver.web.auth.passwords import hash_password


@cache
def hashed(password: str) -> str:
    return hash_password(password)
