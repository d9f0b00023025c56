"""The Fever API in-process (TestClient on a real SQLite database): keys and their
throttle, groups, feeds, favicons, items and their windows, the id lists, with two users
sharing a feed, each seeing only their own state. Changes are in test_fever_marks.py,
which builds its site with the fixture here."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from newsriver.service import accounts, reading
from newsriver.settings import Settings
from newsriver.store import icons, schema
from newsriver.store.database import Database
from newsriver.web.app import create_app
from newsriver.web.auth.api_credentials import fever_key
from tests.store import HOUR, NOW, add_feed, dated_items, refresh
from tests.support.passwords import hashed

API_PASSWORD = "api-password-1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


@dataclass(frozen=True, slots=True)
class Fever:
    """One user's Fever client."""

    client: TestClient
    key: str

    def __call__(
        self, query: str = "", path: str = "/api/fever.php", key: str | None = None, **form: str
    ) -> Any:
        data = {"api_key": self.key if key is None else key, **form}
        response = self.client.post(f"{path}?api&{query}", data=data)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body["api_version"] == 3
        assert body["auth"] == 1, body
        return body


@dataclass(frozen=True, slots=True)
class Site:
    client: TestClient
    database: Database
    alice: int
    bob: int
    # Read by both: Alice files it under "News", Bob has it uncategorised. 60 entries.
    shared: int
    # Alice's alone, in "Tech" (3 entries); Bob's alone, in "Bobs" (2 entries).
    alices: int
    bobs: int
    news: int
    tech: int
    bobs_category: int

    def fever(self, user_id: int) -> Fever:
        name = "alice" if user_id == self.alice else "bob"
        return Fever(self.client, fever_key(name, API_PASSWORD))

    def ids(self, user_id: int, **request: object) -> list[int]:
        """The user's entries, newest first (unread only unless `unread_only=False`)."""
        page = reading.stream(
            self.database,
            user_id,
            reading.PageRequest(limit=1000, **request),  # type: ignore[arg-type]
        )
        return [row.id for row in page.entries]


def make_user(database: Database, name: str, *, fever: bool = True) -> int:
    user = accounts.add_user(database, name, password_hash=hashed(API_PASSWORD), is_admin=False)
    accounts.set_api_password_by_id(
        database,
        user.id,
        api_password_hash=hashed(API_PASSWORD),
        fever_key=fever_key(name, API_PASSWORD) if fever else None,
    )
    return user.id


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        database: Database = app.state.database
        alice, bob = make_user(database, "alice"), make_user(database, "bob")
        shared = add_feed(database, "https://example.org/shared.xml", alice, category="News")
        add_feed(database, "https://example.org/shared.xml", bob)
        alices = add_feed(database, "https://example.org/alice.xml", alice, category="Tech")
        bobs = add_feed(database, "https://example.org/bob.xml", bob, category="Bobs")
        refresh(database, shared, dated_items("shared", 60), now=NOW - HOUR)
        refresh(database, alices, dated_items("alice", 3), now=NOW)
        refresh(database, bobs, dated_items("bob", 2), now=NOW + HOUR)
        categories = {
            (user_id, category.name): category.id
            for user_id in (alice, bob)
            for category in reading.load_sidebar(database, user_id).categories
        }
        yield Site(
            client,
            database,
            alice,
            bob,
            shared,
            alices,
            bobs,
            news=categories[alice, "News"],
            tech=categories[alice, "Tech"],
            bobs_category=categories[bob, "Bobs"],
        )


def refused(site: Site, path: str = "/api/fever.php", **request: Any) -> dict[str, Any]:
    response = site.client.post(f"{path}?api&feeds", **request)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert body == {"api_version": 3, "auth": 0}
    return body


# --- Keys ---


def test_every_path_answers_with_the_right_key_only(site: Site) -> None:
    alice = site.fever(site.alice)
    for path in ("/api/fever.php", "/api/fever", "/api/fever/"):
        body = alice(path=path)
        # The newest fetch of Alice's feeds, not Bob's (fetched an hour later).
        assert body["last_refreshed_on_time"] == int(NOW.timestamp())
    assert site.fever(site.bob)()["last_refreshed_on_time"] == int((NOW + HOUR).timestamp())
    assert alice(key=alice.key.upper())["auth"] == 1
    refused(site)
    refused(site, data={"api_key": ""})
    refused(site, data={"api_key": fever_key("alice", "wrong")})
    refused(site, data={"api_key": fever_key("alice", "login-password")})
    refused(site, data={"api_key": "not a key at all" * 1000})
    # The key only counts in the POSTed form (a query string ends up in logs).
    response = site.client.get(f"/api/fever.php?api&api_key={alice.key}")
    assert response.json() == {"api_version": 3, "auth": 0}


def test_a_user_without_fever_enabled_or_disabled_is_refused(site: Site) -> None:
    carol = make_user(site.database, "carol", fever=False)
    refused(site, data={"api_key": fever_key("carol", API_PASSWORD)})
    accounts.set_disabled(site.database, site.bob, disabled=True, acting_user_id=carol)
    refused(site, data={"api_key": site.fever(site.bob).key})
    # A new API password without Fever removes the key.
    accounts.set_api_password_by_id(
        site.database, site.alice, api_password_hash=hashed(API_PASSWORD)
    )
    refused(site, data={"api_key": site.fever(site.alice).key})


def test_wrong_keys_are_throttled_per_address_and_never_logged(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    wrong = fever_key("alice", "guess")
    for _ in range(5):
        refused(site, data={"api_key": wrong})
    # Past the limit even the right key is refused, with how long to wait.
    response = site.client.post("/api/fever.php?api", data={"api_key": site.fever(site.alice).key})
    assert response.json() == {"api_version": 3, "auth": 0}
    assert 0 < int(response.headers["retry-after"]) <= 15 * 60
    assert wrong not in caplog.text
    assert site.fever(site.alice).key not in caplog.text
    assert "fever key refused" in caplog.text
    # Calls without a key are not guesses: they are refused but never throttled.
    with site.database.write() as connection:
        connection.execute(delete(schema.sign_in_failures))
    for _ in range(10):
        refused(site)
    assert site.fever(site.alice)()["auth"] == 1


def test_unreadable_requests_get_fevers_answer_not_a_server_error(site: Site) -> None:
    broken = site.client.post(
        "/api/fever.php?api&items",
        content=b"--x\r\nContent-Disposition: form-data\r\n\r\nnope",
        headers={"Content-Type": "multipart/form-data; boundary=x"},
    )
    assert broken.status_code == 400
    assert broken.json() == {"api_version": 3, "auth": 0}
    # JSON is not a form: no key in it.
    as_json = site.client.post("/api/fever.php?api", json={"api_key": site.fever(site.alice).key})
    assert as_json.json() == {"api_version": 3, "auth": 0}


# --- Groups, feeds, favicons ---


def test_groups_and_feeds_are_each_users_own(site: Site) -> None:
    alice = site.fever(site.alice)("groups&feeds")
    assert alice["groups"] == [
        {"id": site.news, "title": "News"},
        {"id": site.tech, "title": "Tech"},
    ]
    # In the categories' order, as the groups.
    assert alice["feeds_groups"] == [
        {"group_id": site.news, "feed_ids": str(site.shared)},
        {"group_id": site.tech, "feed_ids": str(site.alices)},
    ]
    feeds = {feed["id"]: feed for feed in alice["feeds"]}
    assert set(feeds) == {site.shared, site.alices}
    assert feeds[site.shared] == {
        "id": site.shared,
        "favicon_id": site.shared,
        "title": "Test feed",
        "url": "https://example.org/shared.xml",
        "site_url": "https://example.org/",
        "is_spark": 0,
        "last_updated_on_time": int((NOW - HOUR).timestamp()),
    }
    bob = site.fever(site.bob)("feeds")
    assert {feed["id"] for feed in bob["feeds"]} == {site.shared, site.bobs}
    # Bob's copy of the shared feed has no category: in no group.
    assert bob["feeds_groups"] == [{"group_id": site.bobs_category, "feed_ids": str(site.bobs)}]
    assert "groups" not in bob
    only_groups = site.fever(site.bob)("groups")
    assert only_groups["groups"] == [{"id": site.bobs_category, "title": "Bobs"}]
    assert "feeds" not in only_groups


def test_favicons_are_those_stored_for_the_users_feeds(site: Site) -> None:
    assert site.fever(site.alice)("favicons")["favicons"] == []
    with site.database.write() as connection:
        for feed_id in (site.shared, site.bobs):
            icons.save_icon(
                connection, feed_id, content_type="image/png", data=PNG, source_url=None, now=NOW
            )
        icons.save_icon(
            connection, site.alices, content_type=None, data=None, source_url=None, now=NOW
        )
    data = "image/png;base64,iVBORw0KGgoAAAAAAAAAAA=="
    assert site.fever(site.alice)("favicons")["favicons"] == [{"id": site.shared, "data": data}]
    bobs = site.fever(site.bob)("favicons")["favicons"]
    assert sorted(bobs, key=lambda icon: icon["id"]) == [
        {"id": site.shared, "data": data},
        {"id": site.bobs, "data": data},
    ]


def test_links_are_an_empty_list(site: Site) -> None:
    assert site.fever(site.alice)("links")["links"] == []


# --- Items ---


def item_ids(body: dict[str, Any]) -> list[int]:
    return [item["id"] for item in body["items"]]


def test_items_come_fifty_at_a_time_in_fevers_windows(site: Site) -> None:
    alice = site.fever(site.alice)
    everything = sorted(site.ids(site.alice, unread_only=False))
    assert len(everything) == 63
    first = alice("items")
    assert first["total_items"] == 63
    assert item_ids(first) == everything[:50]
    # since_id: the next ones up, until none is left.
    after = alice(f"items&since_id={everything[49]}")
    assert item_ids(after) == everything[50:]
    assert item_ids(alice(f"items&since_id={everything[-1]}")) == []
    assert item_ids(alice("items&since_id=0")) == everything[:50]
    # max_id: going down from the newest (0 starts there).
    newest = alice("items&max_id=0")
    assert item_ids(newest) == everything[::-1][:50]
    assert item_ids(alice(f"items&max_id={everything[13]}")) == everything[:13][::-1]
    assert item_ids(alice(f"items&max_id={everything[0]}")) == []
    # Both: ascending between them.
    between = alice(f"items&since_id={everything[3]}&max_id={everything[7]}")
    assert item_ids(between) == everything[4:7]
    # Bob's own feed has the newest entries; none of them reach Alice.
    bobs = set(site.ids(site.bob, unread_only=False)) - set(everything)
    assert bobs
    assert max(bobs) > max(everything)
    assert bobs.isdisjoint(item_ids(alice(f"items&since_id={everything[-1] - 1}")))


def test_with_ids_lists_only_the_users_own_at_most_fifty(site: Site) -> None:
    alice = site.fever(site.alice)
    everything = sorted(site.ids(site.alice, unread_only=False))
    bobs_only = sorted(set(site.ids(site.bob, unread_only=False)) - set(everything))
    wanted = [everything[5], bobs_only[0], everything[2], everything[5]]
    body = alice("items&with_ids=" + ",".join(map(str, wanted)))
    assert item_ids(body) == [everything[2], everything[5]]
    assert item_ids(alice("items&with_ids=" + ",".join(map(str, everything)))) == everything[:50]
    assert item_ids(alice("items&with_ids=")) == []
    # A listing of ids takes precedence over since_id.
    body = alice(f"items&since_id={everything[-1]}&with_ids={everything[0]}")
    assert item_ids(body) == [everything[0]]


def test_items_carry_each_users_own_state(site: Site) -> None:
    shared = sorted(
        site.ids(site.alice, unread_only=False, stream=reading.Stream("feed", site.shared))
    )
    reading.mark_read(site.database, site.alice, shared[:2], read=True)
    reading.star(site.database, site.bob, shared[1:3], starred=True)
    query = "items&with_ids=" + ",".join(map(str, shared[:3]))
    alices = {item["id"]: item for item in site.fever(site.alice)(query)["items"]}
    bobs = {item["id"]: item for item in site.fever(site.bob)(query)["items"]}
    assert [alices[i]["is_read"] for i in shared[:3]] == [1, 1, 0]
    assert [alices[i]["is_saved"] for i in shared[:3]] == [0, 0, 0]
    assert [bobs[i]["is_read"] for i in shared[:3]] == [0, 0, 0]
    assert [bobs[i]["is_saved"] for i in shared[:3]] == [0, 1, 1]
    first = alices[shared[0]]
    assert first == {
        "id": shared[0],
        "feed_id": site.shared,
        "title": "shared entry 0",
        "author": "",
        "html": "<p>Some text.</p>",
        "url": "",
        "is_saved": 0,
        "is_read": 1,
        # The oldest of 60 items an hour apart, the newest published at NOW - HOUR.
        "created_on_time": int((NOW - 60 * HOUR).timestamp()),
    }


def test_items_of_chosen_feeds_or_groups(site: Site) -> None:
    alice = site.fever(site.alice)
    alices = sorted(
        site.ids(site.alice, unread_only=False, stream=reading.Stream("feed", site.alices))
    )
    assert len(alices) == 3
    assert item_ids(alice(f"items&feed_ids={site.alices}")) == alices
    assert item_ids(alice(f"items&group_ids={site.tech}")) == alices
    # Another user's feed or group selects nothing, even next to one's own.
    assert item_ids(alice(f"items&feed_ids={site.bobs}")) == []
    assert item_ids(alice(f"items&group_ids={site.bobs_category},{site.tech}")) == alices
    both = alice(f"items&feed_ids={site.alices},{site.shared}&max_id=0")
    assert item_ids(both) == sorted(site.ids(site.alice, unread_only=False))[::-1][:50]


# --- Id lists ---


def test_unread_and_saved_ids_are_each_users_own(site: Site) -> None:
    shared = sorted(
        site.ids(site.alice, unread_only=False, stream=reading.Stream("feed", site.shared))
    )
    reading.mark_read(site.database, site.alice, shared[:10], read=True)
    reading.star(site.database, site.bob, shared[:2], starred=True)
    alice = site.fever(site.alice)("unread_item_ids&saved_item_ids")
    assert alice["unread_item_ids"] == ",".join(map(str, sorted(site.ids(site.alice))))
    assert alice["saved_item_ids"] == ""
    bob = site.fever(site.bob)("unread_item_ids&saved_item_ids")
    assert bob["unread_item_ids"] == ",".join(map(str, sorted(site.ids(site.bob))))
    assert len(bob["unread_item_ids"].split(",")) == 62
    assert bob["saved_item_ids"] == f"{shared[0]},{shared[1]}"
