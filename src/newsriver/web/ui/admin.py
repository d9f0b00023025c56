"""The administration pages: users (add, disable, enable, promote, delete) and the
instance settings (self-registration, the stream published for anonymous reading).

Every route needs an administrator. Administrators manage accounts, never their
content: nothing here shows or touches anyone's subscriptions or articles. Actions that
would leave the instance without an active administrator are refused by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Form
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsriver.errors import ConflictError, NotFoundError
from newsriver.service import accounts
from newsriver.service.instance import (
    InstanceSettings,
    load_instance_settings,
    save_instance_settings,
)
from newsriver.store.accounts import User
from newsriver.web.auth.passwords import PasswordPolicyError, hash_password
from newsriver.web.ui.deps import Viewer, admin, csrf_protect, database
from newsriver.web.ui.templating import flash, render, sentence

router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)])

Admin = Annotated[Viewer, Depends(admin)]
FormText = Annotated[str, Form()]
# Users shown per page of the list; also how many the anonymous-reader menu offers
# before it becomes a plain name field.
PAGE_SIZE = 100


@router.get("")
def admin_home(_viewer: Admin) -> Response:
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/users")
def users(request: Request, viewer: Admin, after: str | None = None) -> Response:
    return _users_page(request, viewer, after=after)


@router.post("/users")
def add_user(
    request: Request,
    viewer: Admin,
    name: FormText,
    password: FormText,
    confirm: FormText,
    is_admin: Annotated[str | None, Form()] = None,
) -> Response:
    form = {"name": name, "is_admin": is_admin is not None}
    if password != confirm:
        return _users_page(request, viewer, error="The two passwords differ.", form=form)
    try:
        user = accounts.add_user(
            database(request), name, password_hash=hash_password(password), is_admin=bool(is_admin)
        )
    except (PasswordPolicyError, ValueError, ConflictError) as e:
        return _users_page(request, viewer, error=sentence(e), form=form)
    role = "administrator" if user.is_admin else "user"
    flash(request, f"Added {role} {user.name}. They can sign in now.")
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/disable")
def disable_user(request: Request, viewer: Admin, user_id: int) -> Response:
    return _change(
        request,
        lambda: accounts.set_disabled(
            database(request), user_id, disabled=True, acting_user_id=viewer.id
        ),
        "Disabled {name}: they can no longer sign in or use the APIs.",
    )


@router.post("/users/{user_id}/enable")
def enable_user(request: Request, viewer: Admin, user_id: int) -> Response:
    return _change(
        request,
        lambda: accounts.set_disabled(
            database(request), user_id, disabled=False, acting_user_id=viewer.id
        ),
        "Enabled {name}.",
    )


@router.post("/users/{user_id}/promote")
def promote_user(request: Request, viewer: Admin, user_id: int) -> Response:
    return _change(
        request,
        lambda: accounts.set_admin(
            database(request), user_id, is_admin=True, acting_user_id=viewer.id
        ),
        "{name} is now an administrator.",
    )


@router.post("/users/{user_id}/demote")
def demote_user(request: Request, viewer: Admin, user_id: int) -> Response:
    return _change(
        request,
        lambda: accounts.set_admin(
            database(request), user_id, is_admin=False, acting_user_id=viewer.id
        ),
        "{name} is no longer an administrator.",
    )


@router.get("/users/{user_id}/delete")
def confirm_delete(request: Request, _viewer: Admin, user_id: int) -> Response:
    """A page of its own, so that deleting asks first even without JavaScript."""
    user = accounts.get_user_by_id(database(request), user_id)
    return render(request, "admin/delete.html", {"user": user})


@router.post("/users/{user_id}/delete")
def delete_user(request: Request, viewer: Admin, user_id: int) -> Response:
    db = database(request)
    try:
        user = accounts.delete_user(db, user_id, acting_user_id=viewer.id)
    except ConflictError as e:
        flash(request, sentence(e), "error")
        return RedirectResponse("/admin/users", status_code=303)
    instance = load_instance_settings(db)
    if instance.anonymous_reader_id == user.id:
        save_instance_settings(db, replace(instance, anonymous_reader_id=None))
    flash(request, f"Deleted {user.name} and everything that was theirs.")
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/instance")
def instance_form(request: Request, _viewer: Admin) -> Response:
    return _instance_page(request, load_instance_settings(database(request)))


@router.post("/instance")
def save_instance(
    request: Request,
    _viewer: Admin,
    anonymous_reader: Annotated[str, Form()] = "",
    registration_open: Annotated[str | None, Form()] = None,
) -> Response:
    db = database(request)
    wanted = InstanceSettings(registration_open=registration_open is not None)
    name = anonymous_reader.strip()
    try:
        if name:
            reader = accounts.get_user(db, name)
            wanted = replace(wanted, anonymous_reader_id=reader.id)
        save_instance_settings(db, wanted)
    except NotFoundError:
        error = f"There is no active user named {name}."
        return _instance_page(request, wanted, error=error, reader_name=name)
    flash(request, "Instance settings saved.")
    return RedirectResponse("/admin/instance", status_code=303)


def _users_page(
    request: Request,
    viewer: Viewer,
    *,
    after: str | None = None,
    error: str | None = None,
    form: dict[str, object] | None = None,
) -> Response:
    page = accounts.users_page(database(request), after=after, limit=PAGE_SIZE)
    context = {
        "users": page.users,
        "next_after": page.next_after,
        "paged": after is not None,
        "me": viewer.id,
        "anonymous_reader_id": load_instance_settings(database(request)).anonymous_reader_id,
        "error": error,
        "form": form or {},
    }
    return render(request, "admin/users.html", context, status_code=400 if error else 200)


def _instance_page(
    request: Request,
    settings: InstanceSettings,
    *,
    error: str | None = None,
    reader_name: str | None = None,
) -> Response:
    db = database(request)
    page = accounts.users_page(db, limit=PAGE_SIZE)
    # Small instances get a menu of users; large ones a name field (a menu of thousands
    # of names helps nobody and weighs the page down).
    choices = None if page.next_after else [user for user in page.users if not user.disabled]
    if reader_name is None and settings.anonymous_reader_id is not None:
        try:
            reader = accounts.get_user_by_id(db, settings.anonymous_reader_id)
            reader_name = None if reader.disabled else reader.name
        except NotFoundError:
            reader_name = None
    context = {
        "settings": settings,
        "choices": choices,
        "reader_name": reader_name or "",
        "error": error,
    }
    return render(request, "admin/instance.html", context, status_code=400 if error else 200)


def _change(request: Request, action: Callable[[], User], done: str) -> Response:
    """Run an admin action on one user, then go back to the list with what happened.
    NotFoundError is left to the error pages (404); refusals become a message."""
    try:
        user = action()
    except ConflictError as e:
        flash(request, sentence(e), "error")
    else:
        flash(request, done.format(name=user.name))
    return RedirectResponse("/admin/users", status_code=303)
