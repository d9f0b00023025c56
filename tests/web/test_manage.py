"""Managing subscriptions through the web UI, in-process: every form, bad input, another
user's ids, and the CSRF token each change requires."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from functools import cache
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from newsriver.service import subscriptions as manage
from newsriver.service.accounts import add_user, get_user
from newsriver.settings import Settings
from newsriver.store import subscriptions
from newsriver.store.database import Database
from newsriver.store.subscriptions import SubscriptionSettings
from newsriver.web.app import create_app
from newsriver.web.auth.passwords import hash_password
from tests.support.feed_server import FeedServer, Item

PASSWORD = "password123"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def client(tmp_path: Path, server: FeedServer, closed_port: int) -> Iterator[TestClient]:
    # The feed server and the closed port may be reached; other private addresses not.
    allowed = f"{server.endpoint},127.0.0.1:{closed_port}"
    settings = Settings(data_dir=tmp_path, allow_private_networks=allowed)
    app = create_app(settings, scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        for name in ("alice", "bob"):
            add_user(
                database_of(client), name, password_hash=hash_password(PASSWORD), is_admin=False
            )
        yield client


@cache
def password_hash() -> str:
    """Hashed once: Argon2 is slow on purpose, and every test makes two users."""
    return hash_password(PASSWORD)


def database_of(client: TestClient) -> Database:
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    return database


def user_id(client: TestClient, name: str) -> int:
    return get_user(database_of(client), name).id


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, name: str) -> str:
    """Sign in as `name`; returns the session's CSRF token."""
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"name": name, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    return csrf_of(client.get("/subscriptions").text)


def post(client: TestClient, path: str, token: str, **data: object) -> Response:
    return client.post(path, data={"csrf_token": token, **data})


def follow(client: TestClient, response: Response) -> str:
    """The page a 303 leads to (flashes included)."""
    assert response.status_code == 303, response.text
    return unescape(client.get(response.headers["location"]).text)


def subscribe(client: TestClient, name: str, url: str, *, category: str | None = None) -> int:
    """Subscribe `name` to `url` without the network (a feed row, as OPML import makes)."""
    database = database_of(client)
    with database.write() as connection:
        from newsriver.clock import utcnow
        from newsriver.store.accounts import get_user

        user = get_user(connection, name)
        feed_id, _ = subscriptions.get_or_create_feed(connection, url, now=utcnow())
        category_id = (
            subscriptions.get_or_create_category(connection, user.id, category)
            if category
            else None
        )
        subscriptions.subscribe(
            connection, user.id, feed_id, category_id=category_id, title=None, now=utcnow()
        )
    return feed_id


# --- Signed out, CSRF ----------------------------------------------------------------


def test_pages_need_a_signed_in_user(client: TestClient) -> None:
    for path in ("/subscriptions", "/subscriptions/add", "/categories", "/health", "/opml/import",
                 "/opml/export", "/subscriptions/1", "/feeds/1/health"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_every_change_needs_the_csrf_token(client: TestClient) -> None:
    token = sign_in(client, "alice")
    feed = subscribe(client, "alice", "https://example.org/a.xml")
    news = manage.create_category(database_of(client), user_id(client, "alice"), "News")
    changes: list[tuple[str, dict[str, object]]] = [
        ("/subscriptions/add", {"url": "https://example.org/b.xml"}),
        (f"/subscriptions/{feed}", {"title": "Forged"}),
        (f"/subscriptions/{feed}/url", {"url": "https://example.org/forged.xml"}),
        (f"/subscriptions/{feed}/delete", {}),
        ("/categories", {"name": "Forged"}),
        (f"/categories/{news.id}/rename", {"name": "Forged"}),
        (f"/categories/{news.id}/move", {"direction": "up"}),
        ("/categories/order", {"category_id": [news.id]}),
        (f"/categories/{news.id}/delete", {}),
        (f"/feeds/{feed}/health/check", {}),
    ]
    for path, data in changes:
        for forged in ({}, {"csrf_token": "forged"}):
            response = client.post(path, data=data | forged)
            assert response.status_code == 403, path
            assert "Form expired" in response.text
    opml = b'<opml version="2.0"><body><outline xmlUrl="https://example.org/c.xml"/></body></opml>'
    response = client.post("/opml/import", files={"file": ("a.opml", opml)})
    assert response.status_code == 403

    alice = user_id(client, "alice")
    database = database_of(client)
    assert [s.url for s in manage.list_subscriptions(database, alice)] == [
        "https://example.org/a.xml"
    ]
    assert [c.name for c in manage.list_categories(database, alice)] == ["News"]
    assert manage.get_subscription(database, alice, feed).settings.title is None
    assert token  # the real token was there to be used


# --- Subscriptions -------------------------------------------------------------------


def test_add_a_feed_by_url_then_again(client: TestClient, server: FeedServer) -> None:
    token = sign_in(client, "alice")
    url = server.feed("/feed.xml", [Item("a", "First")], title="Blog")
    news = manage.create_category(database_of(client), user_id(client, "alice"), "News")

    form = client.get("/subscriptions/add")
    assert form.status_code == 200
    assert '<option value="' + str(news.id) + '"' in form.text
    response = post(client, "/subscriptions/add", token, url=url, category_id=news.id, title="")
    page = follow(client, response)

    assert "Subscribed to “Blog”." in page
    feed_id = int(response.headers["location"].rsplit("/", 1)[1])
    details = manage.get_subscription(database_of(client), user_id(client, "alice"), feed_id)
    assert (details.url, details.category_name) == (url, "News")

    again = post(client, "/subscriptions/add", token, url=url)
    assert again.headers["location"] == f"/subscriptions/{feed_id}"
    assert "You already subscribe to this feed." in follow(client, again)


def test_a_page_naming_several_feeds_offers_a_choice(
    client: TestClient, server: FeedServer
) -> None:
    token = sign_in(client, "alice")
    a = server.feed("/a.xml", [Item("a", "A")], title="Feed A")
    b = server.feed("/b.xml", [Item("b", "B")], title="Feed B")
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" title="{title}" href="{href}">'
        for title, href in (("Posts", a), ("Comments", b))
    )
    site = server.page("/", f"<html><head>{links}</head><body>Hi</body></html>")

    offer = post(client, "/subscriptions/add", token, url=site)

    assert offer.status_code == 200
    assert 'value="' + a + '"' in offer.text
    assert 'value="' + b + '"' in offer.text
    assert 'name="from_page" value="1"' in offer.text
    chosen = post(client, "/subscriptions/add", token, url=b, from_page="1")
    assert "Subscribed to “Feed B”." in follow(client, chosen)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("page", "That address is not a feed, and its page does not name one."),
        ("refused", "The host refused the connection or could not be reached."),
        ("private", "That address is on a private network, which this server is not allowed"),
        ("missing", "The server answered with an error (HTTP 404)."),
        ("not-a-url", "A feed address must be a full http:// or https:// URL."),
    ],
)
def test_failures_to_add_are_said_plainly(
    client: TestClient, server: FeedServer, closed_port: int, target: str, message: str
) -> None:
    token = sign_in(client, "alice")
    url = {
        "page": server.page("/page.html", "<html><body>No feed here</body></html>"),
        "refused": f"http://127.0.0.1:{closed_port}/feed.xml",
        "private": "http://10.1.2.3/feed.xml",
        "missing": server.url("/missing.xml"),
        "not-a-url": "example.org/feed",
    }[target]

    response = post(client, "/subscriptions/add", token, url=url, title="Kept")

    assert response.status_code == 400
    page = unescape(response.text)
    assert message in page
    assert 'value="Kept"' in page  # what was typed stays
    assert manage.list_subscriptions(database_of(client), user_id(client, "alice")) == []


def test_edit_the_settings(client: TestClient) -> None:
    token = sign_in(client, "alice")
    alice = user_id(client, "alice")
    feed = subscribe(client, "alice", "https://example.org/a.xml")
    tech = manage.create_category(database_of(client), alice, "Tech")

    form = client.get(f"/subscriptions/{feed}")
    assert form.status_code == 200
    saved = post(
        client,
        f"/subscriptions/{feed}",
        token,
        title="My feed",
        category_id=tech.id,
        refresh_interval_s="1800",
        keep_max_age_days="30",
        keep_max_count="",
        open_original="1",
    )

    assert "Saved." in follow(client, saved)
    settings = manage.get_subscription(database_of(client), alice, feed).settings
    assert settings == SubscriptionSettings("My feed", tech.id, 1800, 30, None, True)
    page = client.get(f"/subscriptions/{feed}").text
    assert '<option value="1800" selected>' in page
    assert 'id="open_original" name="open_original" value="1" checked' in page

    cleared = post(client, f"/subscriptions/{feed}", token, title="", category_id="")
    follow(client, cleared)
    assert manage.get_subscription(database_of(client), alice, feed).settings == (
        SubscriptionSettings()
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("refresh_interval_s", "60", "The refresh interval (seconds) must be between 300 and"),
        ("refresh_interval_s", "often", "The refresh interval must be a whole number."),
        ("keep_max_age_days", "0", "The maximum age (days) must be between 1 and 3650."),
        ("keep_max_count", "-3", "The maximum number of entries must be between 1 and 100000."),
        ("keep_max_count", "1.5", "The maximum number of entries must be a whole number."),
        ("category_id", "x", "Category must be a whole number."),
    ],
)
def test_bad_settings_are_refused_with_the_reason(
    client: TestClient, field: str, value: str, message: str
) -> None:
    token = sign_in(client, "alice")
    feed = subscribe(client, "alice", "https://example.org/a.xml")

    response = post(client, f"/subscriptions/{feed}", token, title="Typed", **{field: value})

    assert response.status_code == 400
    page = unescape(response.text)
    assert message in page
    assert 'value="Typed"' in page
    settings = manage.get_subscription(database_of(client), user_id(client, "alice"), feed)
    assert settings.settings == SubscriptionSettings()


def test_change_the_url_and_unsubscribe(client: TestClient) -> None:
    token = sign_in(client, "alice")
    alice = user_id(client, "alice")
    feed = subscribe(client, "alice", "https://example.org/a.xml")
    other = subscribe(client, "alice", "https://example.org/b.xml")

    bad = post(client, f"/subscriptions/{feed}/url", token, url="ftp://example.org/")
    assert bad.status_code == 400
    assert "A feed address must be a full http:// or https:// URL." in unescape(bad.text)
    assert 'value="ftp://example.org/"' in bad.text  # what was typed stays
    taken = post(client, f"/subscriptions/{feed}/url", token, url="https://example.org/b.xml")
    assert taken.status_code == 400
    assert "You already subscribe to https://example.org/b.xml." in unescape(taken.text)

    moved = post(client, f"/subscriptions/{feed}/url", token, url="https://example.org/new.xml")
    assert moved.headers["location"] == f"/subscriptions/{feed}"
    assert "Address changed" in follow(client, moved)
    assert manage.get_subscription(database_of(client), alice, feed).url == (
        "https://example.org/new.xml"
    )

    gone = post(client, f"/subscriptions/{other}/delete", token)
    assert "Unsubscribed from “https://example.org/b.xml”." in follow(client, gone)
    assert [s.feed_id for s in manage.list_subscriptions(database_of(client), alice)] == [feed]


def test_another_users_subscription_is_not_found(client: TestClient) -> None:
    bobs = subscribe(client, "bob", "https://example.org/bob.xml", category="Bob's")
    bob = user_id(client, "bob")
    bobs_category = manage.list_categories(database_of(client), bob)[0]
    token = sign_in(client, "alice")
    mine = subscribe(client, "alice", "https://example.org/a.xml")

    for path in (f"/subscriptions/{bobs}", f"/feeds/{bobs}/health", "/subscriptions/99999"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "There is nothing here, or it is not yours." in response.text
    for path, data in (
        (f"/subscriptions/{bobs}", {"title": "Mine now"}),
        (f"/subscriptions/{bobs}/url", {"url": "https://example.org/x.xml"}),
        (f"/subscriptions/{bobs}/delete", {}),
        (f"/feeds/{bobs}/health/check", {}),
        (f"/categories/{bobs_category.id}/rename", {"name": "Mine now"}),
        (f"/categories/{bobs_category.id}/move", {"direction": "up"}),
        (f"/categories/{bobs_category.id}/delete", {}),
        ("/categories/order", {"category_id": [bobs_category.id]}),
        (f"/subscriptions/{mine}", {"category_id": bobs_category.id}),
        (
            "/subscriptions/add",
            {"url": "https://example.org/c.xml", "category_id": bobs_category.id},
        ),
    ):
        response = post(client, path, token, **data)
        assert response.status_code == 404, path

    details = manage.get_subscription(database_of(client), bob, bobs)
    assert (details.url, details.settings.title, details.category_name) == (
        "https://example.org/bob.xml",
        None,
        "Bob's",
    )
    assert [c.name for c in manage.list_categories(database_of(client), bob)] == ["Bob's"]


def test_the_list_groups_by_category(client: TestClient) -> None:
    sign_in(client, "alice")
    subscribe(client, "alice", "https://example.org/a.xml", category="News")
    subscribe(client, "alice", "https://example.org/b.xml")
    subscribe(client, "bob", "https://example.org/bob.xml")

    page = client.get("/subscriptions").text

    assert page.index("Uncategorised") < page.index("News")
    assert "https://example.org/a.xml" in page
    assert "https://example.org/bob.xml" not in page


# --- Categories ----------------------------------------------------------------------


def names(client: TestClient, user: str = "alice") -> list[str]:
    return [c.name for c in manage.list_categories(database_of(client), user_id(client, user))]


def test_categories_create_rename_reorder_delete(client: TestClient) -> None:
    token = sign_in(client, "alice")
    for name in ("News", "Tech", "Music"):
        assert f"Category “{name}” created." in follow(
            client, post(client, "/categories", token, name=name)
        )
    ids = {
        c.name: c.id for c in manage.list_categories(database_of(client), user_id(client, "alice"))
    }
    feed = subscribe(client, "alice", "https://example.org/a.xml", category="Tech")

    follow(client, post(client, f"/categories/{ids['Tech']}/rename", token, name="Science"))
    moved = post(client, f"/categories/{ids['Music']}/move", token, direction="up")
    assert moved.headers["location"] == f"/categories#category-{ids['Music']}"
    assert names(client) == ["News", "Music", "Science"]
    order = [ids["Tech"], ids["News"], ids["Music"]]
    follow(client, post(client, "/categories/order", token, category_id=order))
    assert names(client) == ["Science", "News", "Music"]
    deleted = post(client, f"/categories/{ids['Tech']}/delete", token)
    assert "its feeds are now uncategorised" in follow(client, deleted)

    assert names(client) == ["News", "Music"]
    details = manage.get_subscription(database_of(client), user_id(client, "alice"), feed)
    assert details.category_name is None


def test_category_input_errors(client: TestClient) -> None:
    token = sign_in(client, "alice")
    follow(client, post(client, "/categories", token, name="News"))
    tech = manage.create_category(database_of(client), user_id(client, "alice"), "Tech")

    duplicate = post(client, "/categories", token, name="News")
    assert duplicate.status_code == 409
    assert "You already have a category named “News”." in unescape(duplicate.text)
    blank = post(client, "/categories", token, name="   ")
    assert blank.status_code == 400
    assert "A category needs a name." in blank.text
    clash = post(client, f"/categories/{tech.id}/rename", token, name="News")
    assert clash.status_code == 409
    assert f'id="error-{tech.id}"' in clash.text
    bad_direction = post(client, f"/categories/{tech.id}/move", token, direction="sideways")
    assert bad_direction.status_code == 422
    partial = post(client, "/categories/order", token, category_id=[tech.id])
    assert partial.status_code == 400
    assert "exactly once" in partial.text
    assert names(client) == ["News", "Tech"]


# --- OPML ----------------------------------------------------------------------------

OPML = b"""<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>
<outline text="Tech"><outline text="Feed A" type="rss" xmlUrl="https://example.org/a.xml"/>
</outline><outline text="Feed B" type="rss" xmlUrl="https://example.org/b.xml"/>
<outline text="Broken" type="rss" xmlUrl="javascript:alert(1)"/></body></opml>"""


def test_opml_import_shows_a_summary_and_export_downloads(client: TestClient) -> None:
    token = sign_in(client, "alice")
    subscribe(client, "alice", "https://example.org/b.xml")

    page = client.get("/opml/import")
    assert page.status_code == 200
    response = client.post(
        "/opml/import", data={"csrf_token": token}, files={"file": ("mine.opml", OPML)}
    )

    assert response.status_code == 200
    text = unescape(response.text)
    summary = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))
    assert "2 feeds in the file" in summary
    assert "1 added" in summary
    assert "1 already followed" in summary
    assert "Feed A" in summary
    assert "Problems" in summary

    export = client.get("/opml/export")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/x-opml")
    assert re.fullmatch(
        r'attachment; filename="newsriver-alice-\d{4}-\d\d-\d\d\.opml"',
        export.headers["content-disposition"],
    )
    assert b'xmlUrl="https://example.org/a.xml"' in export.content
    assert b'text="Tech"' in export.content


def test_opml_import_refuses_what_is_not_opml(client: TestClient) -> None:
    token = sign_in(client, "alice")
    for body, status in ((b"<html><body>hello</body></html>", 400), (b"\x00\x01", 400)):
        response = client.post(
            "/opml/import", data={"csrf_token": token}, files={"file": ("x.opml", body)}
        )
        assert response.status_code == status
        assert "That file is not an OPML subscription list" in unescape(response.text)
    assert manage.list_subscriptions(database_of(client), user_id(client, "alice")) == []


def test_opml_import_refuses_a_huge_file(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsriver.web.ui import manage as manage_ui

    monkeypatch.setattr(manage_ui, "MAX_OPML_BYTES", 100)
    token = sign_in(client, "alice")
    response = client.post(
        "/opml/import", data={"csrf_token": token}, files={"file": ("x.opml", OPML)}
    )
    assert response.status_code == 413
    assert manage.list_subscriptions(database_of(client), user_id(client, "alice")) == []


# --- Health --------------------------------------------------------------------------


def test_health_pages_and_check_now(client: TestClient) -> None:
    token = sign_in(client, "alice")
    feed = subscribe(client, "alice", "https://example.org/a.xml")
    subscribe(client, "bob", "https://example.org/bob.xml")

    overview = client.get("/health")
    assert overview.status_code == 200
    assert "https://example.org/a.xml" in overview.text
    assert "https://example.org/bob.xml" not in overview.text
    assert "Not fetched yet" in overview.text
    page = client.get(f"/feeds/{feed}/health")
    assert page.status_code == 200
    assert "new feed" in page.text  # the reason of its next check

    checked = post(client, f"/feeds/{feed}/health/check", token)
    assert "The feed will be fetched" in follow(client, checked)
    assert "a subscriber asked for a check" in client.get(f"/feeds/{feed}/health").text
