"""The user's own settings page, `/settings`: reading preferences, the login password,
the API password (Google Reader and Fever clients) and REST API keys.

Everything here acts on the signed-in user only, by their id; the anonymous reader of
a published stream is sent to sign in. Each form posts to its own route and comes back
to the page: with a message after a redirect, or re-rendered with the error in place
(status 400) so that what was typed is not lost.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsriver.service import accounts
from newsriver.service.preferences import (
    PAGE_SIZES,
    Preferences,
    is_timezone,
    preferences_from_mapping,
    save_preferences,
)
from newsriver.store.accounts import NewApiKey
from newsriver.web.auth.api_credentials import fever_key
from newsriver.web.auth.passwords import PasswordPolicyError, hash_password, verify_password
from newsriver.web.auth.signin import password_stamp
from newsriver.web.auth.throttle import LoginThrottle
from newsriver.web.ui.days import zone_named
from newsriver.web.ui.deps import SESSION_STAMP, Viewer, csrf_protect, database, signed_in
from newsriver.web.ui.templating import flash, render, sentence

router = APIRouter(prefix="/settings", dependencies=[Depends(csrf_protect)])

Me = Annotated[Viewer, Depends(signed_in)]
FormText = Annotated[str, Form()]
Checkbox = Annotated[str | None, Form()]

VIEWS = (
    ("normal", "Normal: one line per article"),
    ("reader", "Reader: articles in full"),
    ("global", "Global: categories as tiles"),
)
SHOWS = (("unread", "Unread articles only"), ("all", "All articles"))
ORDERS = (("newest", "Newest first"), ("oldest", "Oldest first"))
THEMES = (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


@cache
def timezones() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if is_timezone(name)))


@router.get("")
def settings_page(request: Request, viewer: Me) -> Response:
    return _page(request, viewer)


@router.post("/preferences")
def save_reading_preferences(
    request: Request,
    viewer: Me,
    timezone: FormText,
    view: FormText,
    show: FormText,
    order: FormText,
    page_size: FormText,
    theme: FormText,
    mark_read_on_open: Checkbox = None,
    mark_read_on_scroll: Checkbox = None,
) -> Response:
    wanted: dict[str, Any] = {
        "timezone": timezone.strip(),
        "view": view,
        "show": show,
        "order": order,
        "page_size": int(page_size) if page_size.isdigit() else page_size,
        "theme": theme,
        "mark_read_on_open": mark_read_on_open is not None,
        "mark_read_on_scroll": mark_read_on_scroll is not None,
    }
    chosen = preferences_from_mapping(wanted, viewer.preferences)
    refused = [key for key, value in wanted.items() if getattr(chosen, key) != value]
    if refused:
        what = "time zone" if refused[0] == "timezone" else refused[0].replace("_", " ")
        error = f"That {what} is not one newsriver knows: pick one from the list."
        return _page(request, viewer, errors={"preferences": error}, shown=chosen)
    save_preferences(database(request), viewer.id, chosen)
    flash(request, "Preferences saved.")
    return RedirectResponse("/settings", status_code=303)


@router.post("/password")
def change_password(
    request: Request, viewer: Me, current: FormText, password: FormText, confirm: FormText
) -> Response:
    db = database(request)
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    # A borrowed session must not become a way to guess the password: wrong current
    # passwords count against the same limit as failed sign-ins.
    wait = throttle.retry_after(viewer.name, address)
    if wait > 0:
        error = f"Too many wrong passwords. Try again in {max(1, round(wait / 60))} min."
        return _page(request, viewer, errors={"password": error}, status_code=429)
    if not verify_password(accounts.credentials_of(db, viewer.id).password_hash, current):
        throttle.failed(viewer.name, address)
        return _page(request, viewer, errors={"password": "The current password is wrong."})
    if password != confirm:
        return _page(request, viewer, errors={"password": "The two new passwords differ."})
    try:
        password_hash = hash_password(password)
    except PasswordPolicyError as e:
        return _page(request, viewer, errors={"password": sentence(e)})
    accounts.change_password(db, viewer.id, password_hash=password_hash)
    # Other sessions carry the old hash's stamp and end; this one carries on.
    request.session[SESSION_STAMP] = password_stamp(request.app.state.secret_key, password_hash)
    flash(request, "Password changed. Your other sessions have been signed out.")
    return RedirectResponse("/settings", status_code=303)


@router.post("/api-password")
def set_api_password(
    request: Request,
    viewer: Me,
    password: FormText,
    confirm: FormText,
    fever: Checkbox = None,
) -> Response:
    if password != confirm:
        return _page(request, viewer, errors={"api_password": "The two passwords differ."})
    try:
        api_password_hash = hash_password(password)
    except PasswordPolicyError as e:
        return _page(request, viewer, errors={"api_password": sentence(e)})
    accounts.set_api_password_by_id(
        database(request),
        viewer.id,
        api_password_hash=api_password_hash,
        fever_key=fever_key(viewer.name, password) if fever else None,
    )
    flash(request, "API password set. Apps signed in with the old one must sign in again.")
    return RedirectResponse("/settings#api-password", status_code=303)


@router.post("/api-password/clear")
def clear_api_password(request: Request, viewer: Me) -> Response:
    accounts.clear_api_password(database(request), viewer.id)
    flash(request, "API password removed: Google Reader and Fever apps can no longer sign in.")
    return RedirectResponse("/settings#api-password", status_code=303)


@router.post("/api-keys")
def create_api_key(request: Request, viewer: Me, description: FormText) -> Response:
    try:
        new = accounts.create_api_key(database(request), viewer.id, description)
    except ValueError as e:
        return _page(request, viewer, errors={"api_keys": sentence(e)}, description=description)
    # Shown in this response only: a redirect would have to carry the token in the
    # session cookie, which is signed but readable.
    return _page(request, viewer, new_key=new, status_code=201)


@router.post("/api-keys/{key_id}/revoke")
def revoke_api_key(request: Request, viewer: Me, key_id: int) -> Response:
    accounts.revoke_api_key(database(request), viewer.id, key_id)
    flash(request, "API key revoked.")
    return RedirectResponse("/settings#api-keys", status_code=303)


def _page(
    request: Request,
    viewer: Viewer,
    *,
    errors: dict[str, str] | None = None,
    shown: Preferences | None = None,
    new_key: NewApiKey | None = None,
    description: str = "",
    status_code: int | None = None,
) -> Response:
    overview = accounts.account_overview(database(request), viewer.id)
    preferences = shown or viewer.preferences
    context = {
        "account": overview,
        "form": preferences,
        "zone": zone_named(viewer.preferences.timezone),
        "timezones": timezones(),
        "views": VIEWS,
        "shows": SHOWS,
        "orders": ORDERS,
        "themes": THEMES,
        "page_sizes": PAGE_SIZES,
        "errors": errors or {},
        "new_key": new_key,
        "description": description,
    }
    status = status_code if status_code is not None else (400 if errors else 200)
    return render(request, "settings/index.html", context, status_code=status)
