"""The key that signs session cookies and CSRF tokens.

`NEWSRIVER_SECRET_KEY` when set (required when several web processes on different
machines share one PostgreSQL database: they must agree on it); otherwise a random key
generated once and kept in the data directory, readable by its owner only, so sessions
survive restarts.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from newsriver.settings import Settings

KEY_FILE = "secret_key"
# A key shorter than this is refused: it could be guessed, and every session with it.
MIN_KEY_LENGTH = 32


class SecretKeyError(RuntimeError):
    """No usable secret key: too short, or the key file cannot be read or written."""


def secret_key(settings: Settings) -> str:
    if settings.secret_key is not None:
        if len(settings.secret_key) < MIN_KEY_LENGTH:
            raise SecretKeyError(
                f"NEWSRIVER_SECRET_KEY must have at least {MIN_KEY_LENGTH} characters"
            )
        return settings.secret_key
    return _stored_key(settings.data_dir / KEY_FILE)


def _stored_key(path: Path) -> str:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # O_EXCL: two processes starting at once must not each write their own key.
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_text(encoding="ascii").strip()
        else:
            key = secrets.token_urlsafe(48)
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(key + "\n")
    except OSError as e:
        raise SecretKeyError(f"cannot keep the secret key in {path}: {e.strerror}") from None
    if len(key) < MIN_KEY_LENGTH:
        # An empty file: another process is writing it right now, or a crash left it so.
        raise SecretKeyError(f"{path} holds no usable key; delete it to have a new one made")
    return key
