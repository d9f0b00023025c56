"""Who is asking: FastAPI dependencies that every page handler uses.

`reader` is for pages that show a stream (a signed-out visitor may read the user the
admin published, read-only); `signed_in` for everything that changes or configures;
`admin` for the admin pages. Each puts the viewer on `request.state` for templates.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends
from starlette.requests import Request

from newsriver.service.instance import load_instance_settings
from newsriver.service.preferences import Preferences, preferences_from_json
from newsriver.service.setup import needs_setup
from newsriver.service.viewers import find_viewer
from newsriver.settings import Settings
from newsriver.store.database import Database
from newsriver.web.auth.csrf import check_csrf
from newsriver.web.auth.signin import password_stamp

SESSION_USER = "user_id"
SESSION_STAMP = "stamp"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The person a request is for."""

    id: int
    name: str
    is_admin: bool
    preferences: Preferences
    # Signed out, reading the stream an admin published: may look, never change.
    anonymous: bool = False

    @property
    def read_only(self) -> bool:
        return self.anonymous


class SignInRequiredError(Exception):
    """The page needs a signed-in user (the app answers with a redirect to /login, or
    to /setup while no account exists)."""


class ForbiddenError(Exception):
    """Signed in, but not allowed (an admin page, or a change by an anonymous viewer)."""


def database(request: Request) -> Database:
    db: Database = request.app.state.database
    return db


def settings(request: Request) -> Settings:
    configured: Settings = request.app.state.settings
    return configured


def session_viewer(request: Request) -> Viewer | None:
    """The signed-in user of this request's session, if it is still valid: the user
    exists, is not disabled, and has not changed password since signing in."""
    if hasattr(request.state, "session_viewer"):
        cached: Viewer | None = request.state.session_viewer
        return cached
    viewer = None
    user_id = request.session.get(SESSION_USER)
    if isinstance(user_id, int):
        row = find_viewer(database(request), user_id)
        stamp = request.session.get(SESSION_STAMP)
        if (
            row is not None
            and not row.disabled
            and stamp == password_stamp(request.app.state.secret_key, row.password_hash)
        ):
            viewer = Viewer(
                row.id, row.name, row.is_admin, preferences_from_json(row.settings_json)
            )
        else:
            request.session.pop(SESSION_USER, None)
            request.session.pop(SESSION_STAMP, None)
    request.state.session_viewer = viewer
    request.state.viewer = viewer
    return viewer


def signed_in(request: Request) -> Viewer:
    viewer = session_viewer(request)
    if viewer is None:
        raise SignInRequiredError
    return viewer


def reader(request: Request) -> Viewer:
    """The signed-in user, or the anonymous reader of the published stream."""
    viewer = session_viewer(request)
    if viewer is not None:
        return viewer
    published = load_instance_settings(database(request)).anonymous_reader_id
    if published is not None:
        row = find_viewer(database(request), published)
        if row is not None and not row.disabled:
            viewer = Viewer(
                row.id,
                row.name,
                is_admin=False,
                preferences=preferences_from_json(row.settings_json),
                anonymous=True,
            )
            request.state.viewer = viewer
            return viewer
    raise SignInRequiredError


def admin(viewer: Viewer = Depends(signed_in)) -> Viewer:  # noqa: B008 (FastAPI's idiom)
    if not viewer.is_admin:
        raise ForbiddenError("this page is for administrators")
    return viewer


def writer(viewer: Viewer = Depends(reader)) -> Viewer:  # noqa: B008
    """The viewer of a request that changes state: never the anonymous one."""
    if viewer.read_only:
        raise ForbiddenError("sign in to change anything")
    return viewer


async def csrf_protect(request: Request) -> None:
    """Every router's dependency: unsafe methods need the session's CSRF token."""
    await check_csrf(request)


def setup_pending(request: Request) -> bool:
    """Whether no account exists yet (cached once it does: accounts are never zero
    again except by deleting every user from the command line)."""
    if getattr(request.app.state, "set_up", False):
        return False
    pending = needs_setup(database(request))
    if not pending:
        request.app.state.set_up = True
    return pending
