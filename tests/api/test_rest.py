"""The REST API (Miniflux v1) in-process: credentials, error shapes, the user, feeds,
categories, icons, OPML, and users kept apart. Entries are in test_rest_entries.py;
subscribing, discovery and refreshing over HTTP in test_rest_network.py.

`site` (also used by the other test_rest modules) is alice, with an API password and an
API key, reading "news" (25 entries, category News) and "blog" (2 entries, no category);
bob reads "blog" and "secret" (3 entries) that alice does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from newsriver.service import accounts, reading, sync
from newsriver.settings import Settings
from newsriver.store import icons
from newsriver.store.database import Database
from newsriver.web.app import create_app
from tests.store import NOW, add_feed, dated_items, refresh
from tests.support.feed_server import Item
from tests.support.passwords import hashed

API_PASSWORD = "api-password-1"
LOGIN_PASSWORD = "login-password-1"
ALICE = ("alice", API_PASSWORD)


@dataclass(frozen=True, slots=True)
class Site:
    client: TestClient
    database: Database
    alice: int
    bob: int
    news: int
    blog: int
    secret: int
    # REST API keys by user name (quicker than the API password's Argon2 check).
    tokens: dict[str, str]
    news_category: int

    def call(
        self, method: str, path: str, *, user: str | None = "alice", auth: Any = None, **kwargs: Any
    ) -> Response:
        """A request as `user` (with their API key), or with `auth` (HTTP Basic)."""
        headers = dict(kwargs.pop("headers", {}))
        if user is not None and auth is None:
            headers.setdefault("X-Auth-Token", self.tokens[user])
        return self.client.request(method, f"/v1{path}", auth=auth, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.call("GET", path, **kwargs)

    def ok(self, path: str, **kwargs: Any) -> Any:
        response = self.get(path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def entry_ids(self, user_id: int, **query: Any) -> list[int]:
        return sync.entry_ids(self.database, user_id, sync.EntryQuery(limit=1000, **query))


def add_user(database: Database, name: str) -> int:
    user = accounts.add_user(database, name, password_hash=hashed(LOGIN_PASSWORD), is_admin=False)
    accounts.set_api_password_by_id(database, user.id, api_password_hash=hashed(API_PASSWORD))
    return user.id


def error(response: Response, status: int) -> str:
    """The error message of a Miniflux-shaped error answer with this status."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error_message"}, body
    message: str = body["error_message"]
    return message


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        database: Database = app.state.database
        alice, bob = add_user(database, "alice"), add_user(database, "bob")
        news = add_feed(database, "https://example.org/news.xml", alice, category="News")
        blog = add_feed(database, "https://example.org/blog.xml", alice, bob)
        secret = add_feed(database, "https://example.org/secret.xml", bob)
        refresh(database, news, dated_items("news", 25))
        refresh(
            database,
            blog,
            [
                Item(
                    "b1",
                    "Episode",
                    body="<p>Blog <em>text</em></p>",
                    link="https://example.org/b1",
                    categories=("audio", "talk"),
                    enclosure="https://example.org/b1.mp3",
                ),
                Item("b2", "Second blog post"),
            ],
        )
        refresh(database, secret, dated_items("secret", 3))
        tokens = {
            "alice": accounts.create_api_key(database, alice, "tests").token,
            "bob": accounts.create_api_key(database, bob, "tests").token,
        }
        (category,) = [c.id for c in reading.load_sidebar(database, alice).categories]
        yield Site(client, database, alice, bob, news, blog, secret, tokens, category)


# --- Credentials ---


def test_no_or_wrong_credentials_get_miniflux_401(site: Site) -> None:
    for auth in (None, ("alice", "wrong"), ("alice", LOGIN_PASSWORD), ("nobody", API_PASSWORD)):
        response = site.get("/me", user=None, auth=auth)
        assert error(response, 401) == "access unauthorized"
        assert response.headers["www-authenticate"].startswith("Basic")
    # A malformed Basic header is refused the same way, not with a server error.
    bad = site.get("/me", user=None, headers={"Authorization": "Basic %%%"})
    assert bad.status_code == 401


def test_an_api_key_or_the_api_password_authenticates(site: Site) -> None:
    assert site.ok("/me", auth=ALICE)["username"] == "alice"
    by_key = site.ok("/me", user=None, headers={"X-Auth-Token": site.tokens["alice"]})
    assert by_key["id"] == site.alice
    # A key, when sent, is the only credential looked at.
    wrong_key = site.get("/me", user=None, auth=ALICE, headers={"X-Auth-Token": "not-a-key"})
    assert error(wrong_key, 401) == "access unauthorized"
    bob = site.ok("/me", auth=("bob", API_PASSWORD))
    assert bob["id"] == site.bob
    assert site.ok("/me", user="bob")["id"] == site.bob


def test_a_revoked_key_or_a_disabled_user_is_refused(site: Site) -> None:
    (key,) = accounts.list_api_keys(site.database, site.alice)
    accounts.revoke_api_key(site.database, site.alice, key.id)
    assert site.get("/me").status_code == 401
    assert site.get("/me", auth=ALICE).status_code == 200
    admin = accounts.add_user(site.database, "admin", password_hash="x", is_admin=True)
    accounts.set_disabled(site.database, site.alice, disabled=True, acting_user_id=admin.id)
    assert site.get("/me", auth=ALICE).status_code == 401


def test_failed_logins_are_throttled(site: Site) -> None:
    for _ in range(5):
        assert site.get("/me", auth=("alice", "guess")).status_code == 401
    throttled = site.get("/me", auth=ALICE)
    assert error(throttled, 429).startswith("too many failed attempts")
    assert int(throttled.headers["retry-after"]) > 0
    # Counted per name: bob (from the same address, under its own limit) still gets in.
    assert site.get("/me", auth=("bob", API_PASSWORD)).status_code == 200
    # Unknown keys are counted per address; a valid key is never refused.
    for _ in range(5):
        assert site.get("/me", user=None, headers={"X-Auth-Token": "stale"}).status_code == 401
    assert site.get("/me", user=None, headers={"X-Auth-Token": "stale"}).status_code == 429
    assert site.get("/me", user="bob").status_code == 200


# --- Error shapes, the schema ---


def test_errors_are_miniflux_shaped(site: Site) -> None:
    assert error(site.get("/no/such/thing"), 404) == "resource not found"
    assert error(site.call("PATCH", "/me"), 405) == "method not allowed"
    assert "feed_id" in error(site.get("/feeds/abc"), 400)
    assert "feed_id" in error(site.get("/feeds/0"), 400)
    assert "feed_id" in error(site.get(f"/feeds/{2**63}"), 400)
    assert "feed_id" in error(site.get("/feeds/-1"), 400)
    # Another user's feed is answered as one that does not exist.
    assert error(site.get(f"/feeds/{site.secret}"), 404) == "resource not found"
    assert error(site.get("/feeds/987654"), 404) == "resource not found"


def test_web_clients_of_any_origin_may_call_it(site: Site) -> None:
    preflight = site.client.options(
        "/v1/entries",
        headers={
            "Origin": "https://reader.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "X-Auth-Token, Content-Type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert "x-auth-token" in preflight.headers["access-control-allow-headers"].lower()
    answer = site.get("/me", headers={"Origin": "https://reader.example"})
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in answer.headers


def test_only_the_rest_api_publishes_a_schema(site: Site) -> None:
    schema = site.client.get("/v1/openapi.json").json()
    assert "/entries" in schema["paths"]
    assert {"api_key", "basic"} <= set(schema["components"]["securitySchemes"])
    assert site.client.get("/openapi.json").status_code == 404
    assert site.client.get("/docs").status_code == 404


# --- The user ---


def test_me_and_version(site: Site) -> None:
    me = site.ok("/me")
    assert me["id"] == site.alice
    assert me["is_admin"] is False
    assert me["timezone"] == "UTC"
    assert me["entry_sorting_direction"] in ("asc", "desc")
    assert site.ok("/version")["version"]


def test_mark_all_read_for_oneself_only(site: Site) -> None:
    assert error(site.call("PUT", f"/users/{site.bob}/mark-all-as-read"), 403) == "access forbidden"
    assert site.call("PUT", "/users/999999/mark-all-as-read").status_code == 403
    assert site.entry_ids(site.bob, unread_only=True)
    done = site.call("PUT", f"/users/{site.alice}/mark-all-as-read")
    assert done.status_code == 204
    assert site.entry_ids(site.alice, unread_only=True) == []
    # Bob's state, on the feed they share, is his own.
    assert len(site.entry_ids(site.bob, unread_only=True)) == 5


# --- Feeds ---


def test_feeds_in_miniflux_shape(site: Site) -> None:
    feeds = {feed["id"]: feed for feed in site.ok("/feeds")}
    assert set(feeds) == {site.news, site.blog}
    news, blog = feeds[site.news], feeds[site.blog]
    assert news["feed_url"] == "https://example.org/news.xml"
    assert news["site_url"] == "https://example.org/"
    assert news["title"] == "Test feed"
    assert news["user_id"] == site.alice
    assert news["category"] == {
        "id": site.news_category,
        "title": "News",
        "user_id": site.alice,
        "hide_globally": False,
    }
    # Feeds without a category are in Miniflux's default one, here id 0.
    assert blog["category"]["id"] == 0
    assert blog["category"]["title"] == "Uncategorised"
    assert news["icon"] == {"feed_id": site.news, "icon_id": site.news}
    assert news["checked_at"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert news["disabled"] is False
    assert site.ok(f"/feeds/{site.news}") == news


def test_counters(site: Site) -> None:
    ids = site.entry_ids(site.alice, feed_id=site.blog)
    reading.mark_read(site.database, site.alice, ids[:1], read=True)
    counters = site.ok("/feeds/counters")
    assert counters == {
        "reads": {str(site.blog): 1},
        "unreads": {str(site.news): 25, str(site.blog): 1},
    }


def test_update_and_delete_a_feed(site: Site) -> None:
    changed = site.call(
        "PUT", f"/feeds/{site.blog}", json={"title": "My blog", "category_id": site.news_category}
    )
    assert changed.status_code == 201, changed.text
    assert changed.json()["title"] == "My blog"
    assert changed.json()["category"]["id"] == site.news_category
    back = site.call("PUT", f"/feeds/{site.blog}", json={"category_id": 0, "crawler": True})
    assert back.json()["category"]["id"] == 0
    assert back.json()["title"] == "My blog"
    # Bob's title for the feed they share is untouched.
    bob = {feed["id"]: feed for feed in site.ok("/feeds", user="bob")}
    assert bob[site.blog]["title"] == "Test feed"
    # An empty title is no title of one's own: the feed's shows again.
    reset = site.call("PUT", f"/feeds/{site.blog}", json={"title": ""})
    assert reset.json()["title"] == "Test feed"
    assert error(site.call("PUT", f"/feeds/{site.secret}", json={"title": "x"}), 404)
    assert site.call("PUT", f"/feeds/{site.blog}", json={"category_id": 424242}).status_code == 400
    assert site.call("PUT", f"/feeds/{site.blog}", json={"title": "x" * 301}).status_code == 400
    assert site.call("PUT", f"/feeds/{site.blog}", json={"feed_url": "ftp://x"}).status_code == 400
    assert site.call("DELETE", f"/feeds/{site.secret}").status_code == 404
    assert site.call("DELETE", f"/feeds/{site.blog}").status_code == 204
    assert [feed["id"] for feed in site.ok("/feeds")] == [site.news]
    assert site.entry_ids(site.bob, feed_id=site.blog)


def test_a_new_url_moves_a_shared_subscription_to_another_feed(site: Site) -> None:
    moved = site.call("PUT", f"/feeds/{site.blog}", json={"feed_url": "https://example.org/b2"})
    assert moved.status_code == 201, moved.text
    assert moved.json()["feed_url"] == "https://example.org/b2"
    # Bob reads the old feed too: alice's subscription moved, his did not.
    assert moved.json()["id"] != site.blog
    assert {feed["id"] for feed in site.ok("/feeds", user="bob")} == {site.blog, site.secret}
    taken = site.call("PUT", f"/feeds/{site.news}", json={"feed_url": "https://example.org/b2"})
    assert "already" in error(taken, 400)


def test_mark_a_feed_read(site: Site) -> None:
    assert site.call("PUT", f"/feeds/{site.secret}/mark-all-as-read").status_code == 404
    assert site.call("PUT", f"/feeds/{site.blog}/mark-all-as-read").status_code == 204
    assert site.entry_ids(site.alice, feed_id=site.blog, unread_only=True) == []
    assert len(site.entry_ids(site.alice, unread_only=True)) == 25
    assert len(site.entry_ids(site.bob, feed_id=site.blog, unread_only=True)) == 2


def test_icons(site: Site) -> None:
    assert error(site.get(f"/feeds/{site.news}/icon"), 404) == "resource not found"
    with site.database.write() as connection:
        for feed in (site.news, site.secret):
            icons.save_icon(
                connection,
                feed,
                content_type="image/png",
                data=b"\x89PNG",
                source_url=None,
                now=NOW,
            )
    icon = site.ok(f"/feeds/{site.news}/icon")
    assert icon == {"id": site.news, "mime_type": "image/png", "data": "image/png;base64,iVBORw=="}
    assert site.ok(f"/icons/{site.news}") == icon
    assert site.get(f"/feeds/{site.secret}/icon").status_code == 404
    assert site.get(f"/icons/{site.secret}").status_code == 404


# --- Categories ---


def test_categories(site: Site) -> None:
    assert site.ok("/categories") == [
        {"id": site.news_category, "title": "News", "user_id": site.alice, "hide_globally": False}
    ]
    (counted,) = site.ok("/categories", params={"counts": "true"})
    assert counted["feed_count"] == 1
    assert counted["total_unread"] == 25
    created = site.call("POST", "/categories", json={"title": "  Tech  "})
    assert created.status_code == 201
    tech = created.json()
    assert tech["title"] == "Tech"
    assert "already" in error(site.call("POST", "/categories", json={"title": "Tech"}), 400)
    assert error(site.call("POST", "/categories", json={"title": "   "}), 400)
    assert error(site.call("POST", "/categories", json={}), 400)
    assert error(site.call("POST", "/categories", content=b"not json"), 400)
    renamed = site.call("PUT", f"/categories/{tech['id']}", json={"title": "Science"})
    assert renamed.status_code == 201
    assert renamed.json()["title"] == "Science"
    assert site.call("PUT", f"/categories/{tech['id']}", json={"title": "News"}).status_code == 400
    # Bob cannot see, rename or delete alice's categories.
    tech_path = f"/categories/{tech['id']}"
    assert site.get("/categories", user="bob").json() == []
    assert site.call("PUT", tech_path, json={"title": "x"}, user="bob").status_code == 404
    assert site.call("DELETE", tech_path, user="bob").status_code == 404
    assert site.get(f"{tech_path}/feeds", user="bob").status_code == 404
    assert site.call("DELETE", f"/categories/{tech['id']}").status_code == 204
    assert [c["title"] for c in site.ok("/categories")] == ["News"]


def test_a_categorys_feeds_and_marking_it_read(site: Site) -> None:
    feeds = site.ok(f"/categories/{site.news_category}/feeds")
    assert [feed["id"] for feed in feeds] == [site.news]
    done = site.call("PUT", f"/categories/{site.news_category}/mark-all-as-read")
    assert done.status_code == 204
    assert site.entry_ids(site.alice, unread_only=True) == site.entry_ids(
        site.alice, feed_id=site.blog
    )
    assert site.call("PUT", "/categories/424242/mark-all-as-read").status_code == 404
    # Deleting it leaves its feed, uncategorised.
    assert site.call("DELETE", f"/categories/{site.news_category}").status_code == 204
    assert site.ok(f"/feeds/{site.news}")["category"]["id"] == 0


# --- OPML ---


def test_export_and_import(site: Site) -> None:
    exported = site.get("/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/xml")
    assert b'xmlUrl="https://example.org/news.xml"' in exported.content
    opml = (
        b'<?xml version="1.0"?><opml version="2.0"><body><outline text="Tech">'
        b'<outline type="rss" text="New" xmlUrl="https://example.org/new.xml"/>'
        b"</outline></body></opml>"
    )
    imported = site.call("POST", "/import", content=opml)
    assert imported.status_code == 201
    assert imported.json() == {"message": "Feeds imported successfully"}
    feeds = {feed["feed_url"]: feed for feed in site.ok("/feeds")}
    assert feeds["https://example.org/new.xml"]["category"]["title"] == "Tech"
    assert error(site.call("POST", "/import", content=b"<html>no</html>"), 400)
    assert error(site.call("POST", "/import", content=b""), 400)
    huge = b"<opml>" + b" " * (5 * 1024 * 1024 + 1)
    assert error(site.call("POST", "/import", content=huge), 413)
