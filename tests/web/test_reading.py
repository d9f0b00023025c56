"""The reading pages in-process (TestClient): views and options, pages and fragments,
state changes with and without JavaScript, errors, users kept apart, and the
anonymous reader of a published stream, who may read but never change anything."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from newsriver.service import labels as label_service
from newsriver.service import reading
from newsriver.service.accounts import add_user
from newsriver.service.instance import InstanceSettings, save_instance_settings
from newsriver.service.preferences import Preferences, save_preferences
from newsriver.service.reading import PageRequest
from newsriver.settings import Settings
from newsriver.store.database import Database
from newsriver.web.app import create_app
from newsriver.web.auth.passwords import hash_password
from tests.store import add_feed, dated_items, index_search, refresh
from tests.support.feed_server import Item

ARTICLE = re.compile(r"<article\b")
ENTRY_ID = re.compile(r'data-entry-id="(\d+)"')


@dataclass(frozen=True, slots=True)
class Site:
    client: TestClient
    database: Database
    alice: int
    bob: int
    # Alice's feeds: "news" (25 entries, in category "News") and "blog" (2 entries).
    news: int
    blog: int

    def csrf(self, path: str = "/") -> str:
        page = self.client.get(path).text
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
        assert match, "the page has no CSRF token"
        return match.group(1)

    def sign_in(self, name: str) -> None:
        self.client.cookies.clear()
        page = self.client.get("/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        response = self.client.post(
            "/login",
            data={"name": name, "password": "password123", "csrf_token": token[1], "next": "/"},
        )
        assert response.status_code == 303

    def post(self, path: str, data: Mapping[str, object], *, js: bool = True) -> Response:
        token = self.csrf()
        if js:
            return self.client.post(path, data=data, headers={"X-CSRF-Token": token})
        return self.client.post(path, data={**data, "csrf_token": token})

    def entries(self, user_id: int, **request: object) -> list[int]:
        page = reading.stream(self.database, user_id, PageRequest(limit=1000, **request))  # type: ignore[arg-type]
        return [row.id for row in page.entries]


@cache
def password_hash() -> str:
    """Hashed once: argon2 is slow on purpose, and every test makes several users."""
    return hash_password("password123")


def user(database: Database, name: str) -> int:
    return add_user(database, name, password_hash=password_hash(), is_admin=name == "admin").id


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        database: Database = app.state.database
        user(database, "admin")
        alice, bob = user(database, "alice"), user(database, "bob")
        news = add_feed(database, "https://example.org/news.xml", alice, category="News")
        blog = add_feed(database, "https://example.org/blog.xml", alice, bob)
        refresh(database, news, dated_items("news", 25))
        refresh(
            database,
            blog,
            [
                Item("b1", "<b>Bold</b> & plain", body="<p>Blog <em>text</em></p>"),
                Item("b2", "Second blog post"),
            ],
        )
        site = Site(client, database, alice, bob, news, blog)
        site.sign_in("alice")
        yield site


def test_signed_out_visitors_are_sent_to_sign_in(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        user(app.state.database, "admin")
        for path in ("/", "/favourites", "/feeds/1", "/global", "/labels/1"):
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login")
        assert client.get("/check-new", headers={"Accept": "application/json"}).status_code == 401


def test_the_main_stream_pages_follow_the_cursor(site: Site) -> None:
    first = site.client.get("/?show=all")
    assert first.status_code == 200
    assert "total;dur=" in first.headers["server-timing"]
    assert len(ARTICLE.findall(first.text)) == 20  # the default page size
    shown = ENTRY_ID.findall(first.text)
    assert [int(x) for x in shown] == site.entries(site.alice, unread_only=False)[:20]
    assert "<title>(27) newsriver</title>" in first.text
    more = re.search(r'data-more="([^"]+)"', first.text)
    assert more
    fragment = site.client.get(more[1].replace("&amp;", "&"))
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    rest = [int(x) for x in ENTRY_ID.findall(fragment.text)]
    assert rest == site.entries(site.alice, unread_only=False)[20:]
    assert 'data-next-fragment=""' in fragment.text
    # The plain link (without JavaScript) shows the same articles as a whole page.
    page_link = re.search(r'class="button" href="([^"]+)" data-more', first.text)
    assert page_link
    second = site.client.get(page_link[1].replace("&amp;", "&"))
    assert [int(x) for x in ENTRY_ID.findall(second.text)] == rest
    assert "No more articles." in second.text


def test_views_orders_filters_and_search(site: Site) -> None:
    save_preferences(site.database, site.alice, Preferences(page_size=50))
    everything = site.entries(site.alice, unread_only=False)
    # Arranged through the service: the newest read, the next one starred.
    reading.mark_read(site.database, site.alice, everything[:1], read=True)
    reading.star(site.database, site.alice, everything[1:2], starred=True)

    unread = site.client.get("/")
    assert [int(x) for x in ENTRY_ID.findall(unread.text)] == everything[1:]
    oldest = site.client.get("/?show=all&order=oldest")
    assert [int(x) for x in ENTRY_ID.findall(oldest.text)] == everything[::-1]
    # The normal view keeps content out of the way; the reader view shows it.
    normal = site.client.get(f"/feeds/{site.blog}?view=normal&show=all")
    assert '<template class="entry-html"><p>Blog <em>text</em></p></template>' in normal.text
    assert "view-normal" in normal.text
    reader = site.client.get(f"/feeds/{site.blog}?view=reader&show=all")
    assert '<div class="entry-content"><p>Blog <em>text</em></p></div>' in reader.text
    # Titles are text: escaped, never markup.
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; plain" in reader.text
    assert "<b>Bold</b>" not in reader.text

    favourites = site.client.get("/favourites")
    assert [int(x) for x in ENTRY_ID.findall(favourites.text)] == everything[1:2]
    category = site.client.get("/categories/1?show=all")
    assert len(ARTICLE.findall(category.text)) == 25
    assert re.search(r"<h1>News", category.text)

    searched = site.client.get("/?show=all&q=%22news+entry+7%22")
    assert len(ARTICLE.findall(searched.text)) == 0  # not indexed yet
    index_search(site.database)
    searched = site.client.get("/?show=all&q=%22news+entry+7%22")
    assert len(ARTICLE.findall(searched.text)) == 1
    assert 'value="&#34;news entry 7&#34;"' in searched.text or "news entry 7" in searched.text


def test_preferences_give_the_defaults_and_the_query_overrides(site: Site) -> None:
    save_preferences(
        site.database, site.alice, Preferences(view="reader", show="all", order="oldest")
    )
    page = site.client.get("/")
    assert "view-reader" in page.text
    assert len(ARTICLE.findall(page.text)) == 20
    first_id = int(ENTRY_ID.findall(page.text)[0])
    assert first_id == min(site.entries(site.alice, unread_only=False))
    assert "view-normal" in site.client.get("/?view=normal").text
    save_preferences(site.database, site.alice, Preferences(view="global"))
    home = site.client.get("/")
    assert "Global view" in home.text
    assert 'class="tile' in home.text
    assert "view-normal" in site.client.get("/?view=normal").text
    redirect = site.client.get("/feeds/1?view=global")
    assert (redirect.status_code, redirect.headers["location"]) == (303, "/global")


def test_bad_options_are_refused(site: Site) -> None:
    for path in (
        "/?view=bogus",
        "/?show=some",
        "/?order=random",
        "/?after=abc",
        "/?after=0",
        "/?after=-5",
        "/?q=" + "x" * 501,
        "/check-new?since=-1",
    ):
        # FastAPI's validation refuses it; a person gets a page saying so, not JSON.
        response = site.client.get(path)
        assert response.status_code == 422, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert "Bad request" in response.text, path


def test_another_users_feeds_categories_and_labels_are_not_found(site: Site) -> None:
    bobs_label = label_service.create_label(site.database, site.bob, "Bob's")
    carol = user(site.database, "carol")
    carols = add_feed(site.database, "https://example.org/carol.xml", carol, category="Carol")
    for path in (
        f"/feeds/{carols}",
        "/categories/2",  # carol's
        f"/labels/{bobs_label}",
        "/feeds/999999",
        "/categories/999999",
        "/labels/999999",
    ):
        response = site.client.get(path)
        assert response.status_code == 404, path
        assert "There is nothing here, or it is not yours." in response.text
        assert site.client.get(path + "?partial=1").status_code == 404
    # Bob reads the blog too: his feed page works for him, not for alice's category.
    site.sign_in("bob")
    assert site.client.get(f"/feeds/{site.blog}").status_code == 200
    assert site.client.get(f"/feeds/{site.news}").status_code == 404


def test_marking_with_javascript_and_without(site: Site) -> None:
    news = site.entries(site.alice, stream=reading.Stream("feed", site.news))
    answer = site.post("/entries/mark", {"id": news[:3], "action": "read"})
    assert answer.status_code == 200
    assert answer.json() == {"changed": 3}
    plain = site.post(
        "/entries/mark", {"id": news[3], "action": "star", "next": "/favourites"}, js=False
    )
    assert plain.status_code == 303
    assert plain.headers["location"] == "/favourites"
    # A "next" elsewhere is not followed.
    away = site.post(
        "/entries/mark", {"id": news[3], "action": "unstar", "next": "//evil.example"}, js=False
    )
    assert away.headers["location"] == "/"
    assert len(site.entries(site.alice)) == 27 - 3
    # Bob's ids and unknown ids change nothing of anyone's.
    site.sign_in("bob")
    answer = site.post("/entries/mark", {"id": news[5:8], "action": "read"})
    assert answer.json() == {"changed": 0}
    assert len(site.entries(site.alice)) == 27 - 3
    # No CSRF token: refused.
    refused = site.client.post("/entries/mark", data={"id": news[9], "action": "read"})
    assert refused.status_code == 403
    bad = site.post("/entries/mark", {"id": news[9], "action": "explode"})
    assert bad.status_code == 422
    too_many = site.post("/entries/mark", {"id": list(range(1, 1003)), "action": "read"})
    assert too_many.status_code == 400


def test_labels_through_the_pages(site: Site) -> None:
    news = site.entries(site.alice, stream=reading.Stream("feed", site.news))
    created = site.post("/entries/labels", {"id": news[:2], "action": "add", "name": " Later "})
    assert created.status_code == 200
    label = created.json()["label"]
    assert label["name"] == "Later"
    page = site.client.get(f"/labels/{label['id']}")
    assert [int(x) for x in ENTRY_ID.findall(page.text)] == news[:2]
    assert 'class="label-chip"' in page.text
    again = site.post("/entries/labels", {"id": news[:1], "action": "add", "name": "later"})
    # Names differing only in case are different labels.
    assert again.status_code == 200
    conflict = site.post("/entries/labels", {"id": news[:1], "action": "add", "name": "Later"})
    assert conflict.status_code == 409
    removed = site.post(
        "/entries/labels", {"id": news[:1], "action": "remove", "label_id": label["id"]}
    )
    assert removed.json()["changed"] == 1
    nameless = site.post("/entries/labels", {"id": news[:1], "action": "add"})
    assert nameless.status_code == 400

    renamed = site.post(f"/labels/{label['id']}/rename", {"name": "Soon"}, js=False)
    assert renamed.headers["location"] == f"/labels/{label['id']}"
    assert "Soon" in site.client.get(f"/labels/{label['id']}").text
    # Bob can neither use, rename nor delete alice's label.
    site.sign_in("bob")
    blog = site.entries(site.bob)
    for path, data in (
        ("/entries/labels", {"id": blog, "action": "add", "label_id": label["id"]}),
        (f"/labels/{label['id']}/rename", {"name": "Mine"}),
        (f"/labels/{label['id']}/delete", {}),
    ):
        assert site.post(path, data).status_code == 404, path
    site.sign_in("alice")
    deleted = site.post(f"/labels/{label['id']}/delete", {}, js=False)
    assert deleted.status_code == 303
    assert site.client.get(f"/labels/{label['id']}").status_code == 404


def test_mark_all_read_spares_articles_newer_than_the_page(site: Site) -> None:
    page = site.client.get(f"/feeds/{site.news}")
    up_to = re.search(r'name="up_to" value="(\d+)"', page.text)
    assert up_to
    later = refresh(site.database, site.news, dated_items("later", 2)).new_ids
    done = site.post(
        "/mark-all-read",
        {"stream": f"feed:{site.news}", "up_to": up_to[1], "next": f"/feeds/{site.news}"},
        js=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == f"/feeds/{site.news}"
    assert "Marked 25 articles as read." in site.client.get(f"/feeds/{site.news}").text
    assert sorted(site.entries(site.alice)) == sorted(
        [*later, *site.entries(site.alice, stream=reading.Stream("feed", site.blog))]
    )
    for stream in ("feed:999999", "nonsense", "feed:", "label:x"):
        answer = site.post("/mark-all-read", {"stream": stream, "up_to": up_to[1]})
        assert answer.status_code in (400, 404), stream
    bad_age = site.post("/mark-all-read", {"stream": "all", "up_to": 1, "older_than": "year"})
    assert bad_age.status_code == 422


def test_check_new_counts_arrivals_after_the_page(site: Site) -> None:
    page = site.client.get("/")
    newest = re.search(r'data-newest-id="(\d+)"', page.text)
    assert newest
    assert site.client.get(f"/check-new?since={newest[1]}").json() == {
        "newest_id": int(newest[1]),
        "new_unread": 0,
        "unread": 27,
    }
    refresh(site.database, site.blog, [Item("b3", "Third"), Item("b1", "x"), Item("b2", "y")])
    found = site.client.get(f"/check-new?since={newest[1]}")
    assert found.headers["cache-control"] == "no-store"
    assert found.json()["new_unread"] == 1
    assert found.json()["unread"] == 28


def test_the_anonymous_reader_reads_but_changes_nothing(site: Site) -> None:
    save_instance_settings(site.database, InstanceSettings(anonymous_reader_id=site.alice))
    site.client.cookies.clear()
    page = site.client.get("/")
    assert page.status_code == 200
    assert len(ARTICLE.findall(page.text)) == 20
    assert 'data-read-only="true"' in page.text
    assert 'data-mark-on-open="false"' in page.text
    for form in ("/entries/mark", "/mark-all-read", "/refresh", "/entries/labels"):
        assert f'action="{form}"' not in page.text
    assert site.client.get(f"/feeds/{site.news}").status_code == 200
    assert site.client.get("/global").status_code == 200
    assert site.client.get("/check-new?since=0").json()["unread"] == 27
    token = site.csrf()
    news = site.entries(site.alice, stream=reading.Stream("feed", site.news))
    for path, data in (
        ("/entries/mark", {"id": news[:2], "action": "read"}),
        ("/entries/labels", {"id": news[:2], "action": "add", "name": "Nope"}),
        ("/mark-all-read", {"stream": "all", "up_to": 10**6}),
        ("/refresh", {}),
    ):
        answer = site.client.post(path, data=data, headers={"X-CSRF-Token": token})
        assert answer.status_code == 403, path
    assert len(site.entries(site.alice)) == 27
    assert label_service.list_labels(site.database, site.alice) == []
