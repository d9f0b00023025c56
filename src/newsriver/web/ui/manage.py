"""Managing subscriptions: adding feeds, editing and deleting them, categories, OPML
import and export, and feed health.

Every page is a plain form that works without JavaScript; `manage.js` only adds the
OPML upload's progress bar and a busy state while a new feed is being fetched. Each
change is a POST answered by a redirect (with a flash) or, when the input is refused,
by the same page again with the reason and what was typed.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from newsriver.clock import utcnow
from newsriver.errors import ConflictError, FetchError, NotAFeedError, OpmlError
from newsriver.service import health as health_service
from newsriver.service import subscriptions as manage
from newsriver.service.refresh import fetcher_config
from newsriver.service.subscribe import FeedChoices, Subscribed
from newsriver.store.database import Database
from newsriver.store.subscriptions import Subscription, SubscriptionSettings
from newsriver.web.ui.deps import Viewer, csrf_protect, database, settings, signed_in, writer
from newsriver.web.ui.manage_display import (
    filename_part,
    interval_choices,
    optional_int,
    settings_values,
    time_helpers,
)
from newsriver.web.ui.templating import flash, render, sentence

router = APIRouter(dependencies=[Depends(csrf_protect)])

Db = Annotated[Database, Depends(database)]
Reader = Annotated[Viewer, Depends(signed_in)]
Writer = Annotated[Viewer, Depends(writer)]
Text = Annotated[str, Form()]

# An OPML file of ten thousand feeds is about 2 MB; anything much larger is not a list.
MAX_OPML_BYTES = 5 * 1024 * 1024


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# --- Subscriptions: list, add, edit, change URL, delete -------------------------------


@router.get("/subscriptions")
def subscriptions_page(request: Request, viewer: Reader, db: Db) -> Response:
    subscriptions = manage.list_subscriptions(db, viewer.id)
    groups: dict[str | None, list[Subscription]] = {}
    for subscription in subscriptions:
        groups.setdefault(subscription.category, []).append(subscription)
    return render(request, "manage/subscriptions.html", {"groups": groups, "section": "list"})


@router.get("/subscriptions/add")
def add_page(request: Request, viewer: Reader, db: Db, url: str = "") -> Response:
    return _add_form(request, viewer, db, {"url": url})


def _add_form(
    request: Request,
    viewer: Viewer,
    db: Database,
    values: dict[str, object],
    *,
    status_code: int = 200,
) -> Response:
    context = {
        "section": "add",
        "categories": manage.list_categories(db, viewer.id),
        "values": values,
    }
    return render(request, "manage/add.html", context, status_code=status_code)


@router.post("/subscriptions/add")
def add(
    request: Request,
    viewer: Writer,
    db: Db,
    url: Text,
    category_id: Text = "",
    title: Text = "",
    from_page: Text = "",
) -> Response:
    values: dict[str, object] = {"url": url, "category_id": category_id, "title": title}
    try:
        category = optional_int(category_id, "category")
        outcome = asyncio.run(
            manage.add_subscription(
                db,
                fetcher_config(settings(request)),
                user_id=viewer.id,
                user_name=viewer.name,
                url=url,
                category_id=category,
                title=title,
                # A feed picked among a page's choices is not a page to look into again.
                follow_page=not from_page,
            )
        )
    except ValueError as e:
        return _add_form(request, viewer, db, values | {"error": sentence(e)}, status_code=400)
    except (FetchError, NotAFeedError) as e:
        values["error"] = manage.describe_subscribe_error(e)
        # The fetcher's own words add to the sentence (which host, which answer).
        values["detail"] = e.reason if isinstance(e, FetchError) else None
        return _add_form(request, viewer, db, values, status_code=400)
    if isinstance(outcome, FeedChoices):
        values |= {"choices": outcome.candidates, "page_url": outcome.page_url}
        return _add_form(request, viewer, db, values)
    if isinstance(outcome, Subscribed):
        flash(request, f"Subscribed to “{outcome.title or outcome.url}”.")
    else:
        flash(request, "You already subscribe to this feed.", "info")
    return _see(f"/subscriptions/{outcome.feed_id}")


@router.get("/subscriptions/{feed_id}")
def edit_page(request: Request, viewer: Reader, db: Db, feed_id: int) -> Response:
    return _edit_form(request, viewer, db, feed_id)


def _edit_form(
    request: Request,
    viewer: Viewer,
    db: Database,
    feed_id: int,
    *,
    error: str | None = None,
    url_error: str | None = None,
    typed: dict[str, str] | None = None,
    typed_url: str | None = None,
    status_code: int = 200,
) -> Response:
    details = manage.get_subscription(db, viewer.id, feed_id)
    context = {
        "section": "list",
        "subscription": details,
        "categories": manage.list_categories(db, viewer.id),
        "intervals": interval_choices(details.settings.refresh_interval_s),
        "values": typed if typed is not None else settings_values(details.settings),
        "error": error,
        "url_error": url_error,
        "typed_url": typed_url,
    }
    return render(request, "manage/edit.html", context, status_code=status_code)


@router.post("/subscriptions/{feed_id}")
def edit(
    request: Request,
    viewer: Writer,
    db: Db,
    feed_id: int,
    title: Text = "",
    category_id: Text = "",
    refresh_interval_s: Text = "",
    keep_max_age_days: Text = "",
    keep_max_count: Text = "",
    open_original: Text = "",
) -> Response:
    typed = {
        "title": title,
        "category_id": category_id,
        "refresh_interval_s": refresh_interval_s,
        "keep_max_age_days": keep_max_age_days,
        "keep_max_count": keep_max_count,
        "open_original": open_original,
    }
    try:
        chosen = SubscriptionSettings(
            title=title,
            category_id=optional_int(category_id, "category"),
            refresh_interval_s=optional_int(refresh_interval_s, "the refresh interval"),
            keep_max_age_days=optional_int(keep_max_age_days, "the maximum age"),
            keep_max_count=optional_int(keep_max_count, "the maximum number of entries"),
            open_original=bool(open_original),
        )
        manage.update_subscription(db, viewer.id, feed_id, chosen)
    except ValueError as e:
        return _edit_form(
            request, viewer, db, feed_id, error=sentence(e), typed=typed, status_code=400
        )
    flash(request, "Saved.")
    return _see(f"/subscriptions/{feed_id}")


@router.post("/subscriptions/{feed_id}/url")
def change_url(request: Request, viewer: Writer, db: Db, feed_id: int, url: Text) -> Response:
    try:
        new_feed_id = manage.change_url(db, viewer.id, feed_id, url)
    except (ValueError, ConflictError) as e:
        return _edit_form(
            request, viewer, db, feed_id, url_error=sentence(e), typed_url=url, status_code=400
        )
    if new_feed_id == feed_id:
        flash(request, "Address changed; the feed will be fetched from it shortly.")
    else:
        flash(request, "Moved to the feed at the new address; it will be fetched shortly.")
    return _see(f"/subscriptions/{new_feed_id}")


@router.post("/subscriptions/{feed_id}/delete")
def unsubscribe(request: Request, viewer: Writer, db: Db, feed_id: int) -> Response:
    title = manage.get_subscription(db, viewer.id, feed_id).display_title
    manage.unsubscribe(db, viewer.id, feed_id)
    flash(request, f"Unsubscribed from “{title}”.")
    return _see("/subscriptions")


# --- Categories --------------------------------------------------------------------


@router.get("/categories")
def categories_page(request: Request, viewer: Reader, db: Db) -> Response:
    return _categories(request, viewer, db)


def _categories(
    request: Request,
    viewer: Viewer,
    db: Database,
    *,
    error: str | None = None,
    failed_id: int | None = None,
    typed: str = "",
    status_code: int = 200,
) -> Response:
    context = {
        "section": "categories",
        "categories": manage.list_categories(db, viewer.id),
        "error": error,
        # Which form the error belongs to (None: the "new category" form), and its text.
        "failed_id": failed_id,
        "typed": typed,
    }
    return render(request, "manage/categories.html", context, status_code=status_code)


@router.post("/categories")
def create_category(request: Request, viewer: Writer, db: Db, name: Text) -> Response:
    try:
        category = manage.create_category(db, viewer.id, name)
    except (ValueError, ConflictError) as e:
        return _categories(
            request, viewer, db, error=sentence(e), typed=name, status_code=_status(e)
        )
    flash(request, f"Category “{category.name}” created.")
    return _see("/categories")


@router.post("/categories/{category_id}/rename")
def rename_category(
    request: Request, viewer: Writer, db: Db, category_id: int, name: Text
) -> Response:
    try:
        manage.rename_category(db, viewer.id, category_id, name)
    except (ValueError, ConflictError) as e:
        return _categories(
            request,
            viewer,
            db,
            error=sentence(e),
            failed_id=category_id,
            typed=name,
            status_code=_status(e),
        )
    flash(request, "Category renamed.")
    return _see("/categories")


@router.post("/categories/{category_id}/move")
def move_category(
    request: Request,
    viewer: Writer,
    db: Db,
    category_id: int,
    direction: Annotated[Literal["up", "down"], Form()],
) -> Response:
    manage.move_category(db, viewer.id, category_id, direction)
    return _see(f"/categories#category-{category_id}")


@router.post("/categories/order")
def order_categories(
    request: Request,
    viewer: Writer,
    db: Db,
    category_id: Annotated[list[int], Form()],
) -> Response:
    """The whole order at once (one `category_id` field per category, in order)."""
    try:
        manage.set_category_order(db, viewer.id, category_id)
    except ValueError as e:
        return _categories(request, viewer, db, error=sentence(e), status_code=400)
    return _see("/categories")


@router.post("/categories/{category_id}/delete")
def delete_category(request: Request, viewer: Writer, db: Db, category_id: int) -> Response:
    manage.delete_category(db, viewer.id, category_id)
    flash(request, "Category deleted; its feeds are now uncategorised.")
    return _see("/categories")


def _status(error: Exception) -> int:
    return 409 if isinstance(error, ConflictError) else 400


# --- OPML ----------------------------------------------------------------------------


@router.get("/opml/import")
def opml_page(request: Request, viewer: Reader) -> Response:
    return render(request, "manage/opml.html", {"section": "opml"})


@router.post("/opml/import")
def opml_import(
    request: Request, viewer: Writer, db: Db, file: Annotated[UploadFile, File()]
) -> Response:
    data = file.file.read(MAX_OPML_BYTES + 1)
    context: dict[str, object] = {"section": "opml", "filename": file.filename}
    if len(data) > MAX_OPML_BYTES:
        context["error"] = f"That file is larger than {MAX_OPML_BYTES // 1024 // 1024} MB."
        return render(request, "manage/opml.html", context, status_code=413)
    try:
        report = manage.import_opml(db, user_id=viewer.id, user_name=viewer.name, data=data)
    except OpmlError as e:
        context["error"] = f"That file is not an OPML subscription list ({e})."
        return render(request, "manage/opml.html", context, status_code=400)
    context["report"] = report
    return render(request, "manage/opml.html", context)


@router.get("/opml/export")
def opml_export(viewer: Reader, db: Db) -> Response:
    document = manage.export_opml(db, viewer.name)
    filename = f"newsriver-{filename_part(viewer.name)}-{utcnow():%Y-%m-%d}.opml"
    return Response(
        document,
        media_type="text/x-opml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


# --- Feed health ---------------------------------------------------------------------


@router.get("/health")
def health_page(request: Request, viewer: Reader, db: Db) -> Response:
    overview = health_service.health_overview(db, viewer.id)
    context = time_helpers(viewer) | {"section": "health", "overview": overview}
    return render(request, "manage/health.html", context)


@router.get("/feeds/{feed_id}/health")
def feed_health_page(request: Request, viewer: Reader, db: Db, feed_id: int) -> Response:
    report = health_service.feed_health(db, viewer.id, feed_id)
    context = time_helpers(viewer) | {"section": "health", "report": report}
    return render(request, "manage/feed_health.html", context)


@router.post("/feeds/{feed_id}/health/check")
def request_check(request: Request, viewer: Writer, db: Db, feed_id: int) -> Response:
    health_service.request_check(db, viewer.id, feed_id)
    flash(request, "The feed will be fetched within a minute or so.")
    return _see(f"/feeds/{feed_id}/health")
