"""Who a Fever call comes from: the user whose key is the POSTed `api_key`.

Fever has no sign-in step: every call carries the key (the MD5 of "name:API password",
see web/auth/fever_key.py). Wrong keys are counted per client address by the instance's
login throttle, as sign-ins are, so the key cannot be guessed quickly; past the limit a
client gets Fever's refusal without its key being checked. Logs name the address,
never the key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.requests import Request

from newsriver.store.accounts import User
from newsriver.store.database import Database
from newsriver.web.auth.api_credentials import user_for_fever_key
from newsriver.web.auth.throttle import LoginThrottle

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeverAuth:
    # None: refused (no key, a wrong one, or too many wrong ones lately).
    user: User | None
    # Seconds before this address may try again; 0 unless throttled.
    retry_after: float = 0.0


def authenticate(request: Request, api_key: str) -> FeverAuth:
    """The user the key belongs to, counting wrong keys against the client's address.

    A call without any key is refused but not counted: clients probe the endpoint that
    way, and there is nothing guessed."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    # The throttle counts per name and per address; Fever has no name, so the address
    # stands for it (one client's wrong keys never lock out another's).
    name = f"fever@{address}"
    if not api_key.strip():
        log.info("fever call without a key", extra={"client_address": address})
        return FeverAuth(None)
    wait = throttle.retry_after(name, address)
    if wait > 0:
        log.warning("fever key refused: too many failures", extra={"client_address": address})
        return FeverAuth(None, retry_after=wait)
    database: Database = request.app.state.database
    user = user_for_fever_key(database, api_key)
    if user is None:
        throttle.failed(name, address)
        log.warning("fever key refused", extra={"client_address": address})
        return FeverAuth(None)
    throttle.succeeded(name)
    return FeverAuth(user)
