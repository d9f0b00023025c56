"""First-run setup, signing in and signing out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsriver.errors import ConflictError
from newsriver.service.instance import load_instance_settings
from newsriver.service.preferences import Preferences, is_timezone
from newsriver.service.setup import create_first_admin
from newsriver.web.auth.csrf import SESSION_KEY as CSRF_SESSION_KEY
from newsriver.web.auth.passwords import PasswordPolicyError, hash_password
from newsriver.web.auth.signin import authenticate, password_stamp
from newsriver.web.auth.throttle import LoginThrottle
from newsriver.web.ui.deps import (
    SESSION_STAMP,
    SESSION_USER,
    csrf_protect,
    database,
    session_viewer,
    setup_pending,
)
from newsriver.web.ui.templating import flash, render, sentence

router = APIRouter(dependencies=[Depends(csrf_protect)])

FormText = Annotated[str, Form()]


def local_path(target: str | None) -> str:
    """`target` when it is a path on this site, else "/": a sign-in link must never be
    able to send the user elsewhere (`//evil.example`, `/\\evil.example`, `https:…`)."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ch in target for ch in "\\\r\n\t")
        or len(target) > 2000
    ):
        return "/"
    return target


@router.get("/setup")
def setup_form(request: Request) -> Response:
    if not setup_pending(request):
        return RedirectResponse("/", status_code=303)
    return render(request, "setup.html")


@router.post("/setup")
def setup(
    request: Request,
    name: FormText,
    password: FormText,
    confirm: FormText,
    timezone: Annotated[str, Form()] = "UTC",
) -> Response:
    if not setup_pending(request):
        return RedirectResponse("/", status_code=303)
    error = None
    if password != confirm:
        error = "The two passwords differ."
    else:
        try:
            password_hash = hash_password(password)
            preferences = Preferences(timezone=timezone if is_timezone(timezone) else "UTC")
            user = create_first_admin(
                database(request), name, password_hash=password_hash, preferences=preferences
            )
        except (PasswordPolicyError, ValueError) as e:
            error = sentence(e)
        except ConflictError:
            return RedirectResponse("/login", status_code=303)
    if error is not None:
        return render(request, "setup.html", {"error": error, "name": name}, status_code=400)
    request.app.state.set_up = True
    start_session(request, user.id, password_hash)
    flash(request, f"Welcome, {user.name}. Add your first feed to start reading.")
    return RedirectResponse("/subscriptions/add", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if setup_pending(request):
        return RedirectResponse("/setup", status_code=303)
    if session_viewer(request) is not None:
        return RedirectResponse(local_path(next), status_code=303)
    return render(request, "login.html", _login_context(request, next))


@router.post("/login")
def login(
    request: Request,
    name: FormText,
    password: FormText,
    next: Annotated[str, Form()] = "/",
) -> Response:
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    context = _login_context(request, next) | {"name": name}
    wait = throttle.retry_after(name, address)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        context["error"] = f"Too many failed attempts. Try again in {minutes} min."
        return render(request, "login.html", context, status_code=429)
    result = authenticate(database(request), name, password)
    if result.user is None:
        throttle.failed(name, address)
        context["error"] = (
            "This account is disabled." if result.disabled else "Wrong user name or password."
        )
        return render(request, "login.html", context, status_code=401)
    throttle.succeeded(name)
    assert result.password_hash is not None
    start_session(request, result.user.id, result.password_hash)
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


def _login_context(request: Request, next_path: str | None) -> dict[str, object]:
    registration = load_instance_settings(database(request)).registration_open
    return {"next": local_path(next_path), "registration_open": registration}


def start_session(request: Request, user_id: int, password_hash: str) -> None:
    """Sign the user in with a new session (and a new CSRF token): nothing from before
    sign-in carries over, so a session planted before cannot be ridden afterwards."""
    request.session.clear()
    request.session[SESSION_USER] = user_id
    request.session[SESSION_STAMP] = password_stamp(request.app.state.secret_key, password_hash)
    request.session.pop(CSRF_SESSION_KEY, None)
