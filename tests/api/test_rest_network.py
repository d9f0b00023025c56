"""The REST API's calls that fetch: subscribing (`POST /v1/feeds`), discovery and
refreshing, against real feeds served on 127.0.0.1, with the private-address guard
on (the default) and off for that address."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from newsriver.service import accounts, sync
from newsriver.settings import Settings
from newsriver.store.database import Database
from newsriver.web.app import create_app
from tests.api.test_rest import add_user, error
from tests.store import dated_items
from tests.support.feed_server import FeedServer, Item


@dataclass(frozen=True, slots=True)
class Net:
    client: TestClient
    database: Database
    server: FeedServer
    alice: int
    token: str

    def call(self, method: str, path: str, **kwargs: Any) -> Response:
        headers = {"X-Auth-Token": self.token}
        return self.client.request(method, f"/v1{path}", headers=headers, **kwargs)


def _net(tmp_path: Path, server: FeedServer, allow: str) -> Iterator[Net]:
    settings = Settings(data_dir=tmp_path, allow_private_networks=allow)
    app = create_app(settings, scheduler=False)
    with TestClient(app) as client:
        database: Database = app.state.database
        alice = add_user(database, "alice")
        token = accounts.create_api_key(database, alice, "tests").token
        yield Net(client, database, server, alice, token)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        server.feed("/news.xml", dated_items("news", 3), title="News")
        server.feed("/other.xml", dated_items("other", 2), title="Other")
        links = '<link rel="alternate" type="application/atom+xml" href="/news.xml" title="N">'
        server.page("/", f"<html><head>{links}</head><body>Home</body></html>")
        server.page("/plain", "<html><head></head><body>Nothing here</body></html>")
        yield server


@pytest.fixture
def net(tmp_path: Path, feeds: FeedServer) -> Iterator[Net]:
    yield from _net(tmp_path, feeds, "127.0.0.1")


@pytest.fixture
def guarded(tmp_path: Path, feeds: FeedServer) -> Iterator[Net]:
    yield from _net(tmp_path, feeds, "")


def test_subscribing_fetches_and_stores_the_feed(net: Net) -> None:
    category = net.call("POST", "/categories", json={"title": "Daily"}).json()
    url = net.server.url("/news.xml")
    created = net.call("POST", "/feeds", json={"feed_url": url, "category_id": category["id"]})
    assert created.status_code == 201, created.text
    feed_id = created.json()["feed_id"]
    feed = net.call("GET", f"/feeds/{feed_id}").json()
    assert feed["title"] == "News"
    assert feed["category"]["title"] == "Daily"
    assert net.call("GET", f"/feeds/{feed_id}/entries").json()["total"] == 3
    again = net.call("POST", "/feeds", json={"feed_url": url})
    assert error(again, 400) == "this feed already exists"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"feed_url": "not a url"}, "a feed address must be a full http:// or https:// URL"),
        (
            {"feed_url": "file:///etc/passwd"},
            "a feed address must be a full http:// or https:// URL",
        ),
        (
            {"feed_url": "/", "category_id": 0},
            "a feed address must be a full http:// or https:// URL",
        ),
        ({}, "invalid request: feed_url: Field required"),
    ],
)
def test_subscribing_refuses_bad_input(net: Net, body: dict[str, Any], message: str) -> None:
    assert error(net.call("POST", "/feeds", json=body), 400) == message


def test_subscribing_to_a_page_or_a_missing_feed_is_400(net: Net) -> None:
    page = net.call("POST", "/feeds", json={"feed_url": net.server.url("/")})
    assert "not a feed" in error(page, 400)
    missing = net.call("POST", "/feeds", json={"feed_url": net.server.url("/missing.xml")})
    assert "404" in error(missing, 400)
    other = net.call(
        "POST", "/feeds", json={"feed_url": net.server.url("/news.xml"), "category_id": 99}
    )
    assert error(other, 400) == "the category does not exist"
    assert net.call("GET", "/feeds").json() == []


def test_private_addresses_are_refused_unless_allowed(guarded: Net) -> None:
    url = guarded.server.url("/news.xml")
    assert "private" in error(guarded.call("POST", "/feeds", json={"feed_url": url}), 400)
    assert "private" in error(guarded.call("POST", "/discover", json={"url": url}), 400)
    assert guarded.server.connections == 0


def test_discovery(net: Net) -> None:
    feed = net.call("POST", "/discover", json={"url": net.server.url("/news.xml")})
    assert feed.json() == [{"url": net.server.url("/news.xml"), "title": "News", "type": "rss"}]
    page = net.call("POST", "/discover", json={"url": net.server.url("/")})
    assert page.json() == [{"url": net.server.url("/news.xml"), "title": "N", "type": "atom"}]
    nothing = net.call("POST", "/discover", json={"url": net.server.url("/plain")})
    assert error(nothing, 404) == "resource not found"
    assert error(net.call("POST", "/discover", json={"url": "nope"}), 400)
    # Nothing was subscribed to.
    assert net.call("GET", "/feeds").json() == []


def test_refreshing_a_feed_fetches_it_now(net: Net) -> None:
    url = net.server.url("/other.xml")
    feed_id = net.call("POST", "/feeds", json={"feed_url": url}).json()["feed_id"]
    net.server.feed("/other.xml", [Item("fresh", "Fresh news"), *dated_items("other", 2)])
    assert net.call("PUT", f"/feeds/{feed_id}/refresh").status_code == 204
    titles = [e["title"] for e in net.call("GET", f"/feeds/{feed_id}/entries").json()["entries"]]
    assert "Fresh news" in titles
    assert net.call("PUT", "/feeds/424242/refresh").status_code == 404


def test_refreshing_everything_makes_the_feeds_due(net: Net) -> None:
    feed_id = net.call("POST", "/feeds", json={"feed_url": net.server.url("/news.xml")}).json()[
        "feed_id"
    ]
    before = net.call("GET", f"/feeds/{feed_id}").json()["next_check_at"]
    assert net.call("PUT", "/feeds/refresh").status_code == 204
    after = net.call("GET", f"/feeds/{feed_id}").json()["next_check_at"]
    assert after < before
    category = net.call("POST", "/categories", json={"title": "C"}).json()["id"]
    assert net.call("PUT", f"/categories/{category}/refresh").status_code == 204
    assert net.call("PUT", "/categories/424242/refresh").status_code == 404
    assert len(sync.entry_ids(net.database, net.alice, sync.EntryQuery())) == 3
