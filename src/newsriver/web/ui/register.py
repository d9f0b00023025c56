"""Self-registration, `/register`: open only when an administrator allows it.

While registration is closed the page does not exist (404), whatever is posted to it.
Saying "this name is taken" necessarily tells that the name exists; such refusals are
therefore counted per client address, with the sign-in throttle, so names cannot be
probed in bulk. New accounts are ordinary users, never administrators.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsriver.errors import ConflictError, NotFoundError
from newsriver.service import accounts
from newsriver.service.instance import load_instance_settings
from newsriver.web.auth.passwords import PasswordPolicyError, hash_password
from newsriver.web.auth.throttle import LoginThrottle
from newsriver.web.ui.accounts import start_session
from newsriver.web.ui.deps import csrf_protect, database, session_viewer, setup_pending
from newsriver.web.ui.templating import flash, render, sentence

router = APIRouter(dependencies=[Depends(csrf_protect)])

FormText = Annotated[str, Form()]


@router.get("/register")
def register_form(request: Request) -> Response:
    early = _closed_or_elsewhere(request)
    if early is not None:
        return early
    return render(request, "register.html")


@router.post("/register")
def register(request: Request, name: FormText, password: FormText, confirm: FormText) -> Response:
    early = _closed_or_elsewhere(request)
    if early is not None:
        return early
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    # User names cannot contain spaces, so this key is never a real user's.
    probe_key = f"register {address}"
    context: dict[str, object] = {"name": name}
    wait = throttle.retry_after(probe_key, address)
    if wait > 0:
        context["error"] = f"Too many attempts. Try again in {max(1, round(wait / 60))} min."
        return render(request, "register.html", context, status_code=429)
    if password != confirm:
        context["error"] = "The two passwords differ."
        return render(request, "register.html", context, status_code=400)
    try:
        # Hashed before the name is checked, so a taken name answers no faster.
        password_hash = hash_password(password)
        user = accounts.add_user(
            database(request), name, password_hash=password_hash, is_admin=False
        )
    except ConflictError:
        throttle.failed(probe_key, address)
        context["error"] = "This user name is taken: choose another one."
        return render(request, "register.html", context, status_code=400)
    except (PasswordPolicyError, ValueError) as e:
        context["error"] = sentence(e)
        return render(request, "register.html", context, status_code=400)
    start_session(request, user.id, password_hash)
    flash(request, f"Welcome, {user.name}. Add your first feed to start reading.")
    return RedirectResponse("/subscriptions/add", status_code=303)


def _closed_or_elsewhere(request: Request) -> Response | None:
    """The answer when the form is not for this request: before setup, to a signed-in
    user, or (NotFoundError, a 404) while registration is closed."""
    if setup_pending(request):
        return RedirectResponse("/setup", status_code=303)
    if not load_instance_settings(database(request)).registration_open:
        raise NotFoundError("registration is closed")
    if session_viewer(request) is not None:
        return RedirectResponse("/", status_code=303)
    return None
