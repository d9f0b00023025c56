"""The Google Reader API's test site, and its sign-in: ClientLogin, the GoogleLogin
header, the write token, throttling, and answers in the protocol's own shapes.

`site` (imported by the other tests/api/test_greader_*.py modules) is the whole app
in-process on a fresh SQLite database, with two users:
- alice: "News" (25 entries, category "News") and "Blog" (3 entries, uncategorised,
  one with an author and an enclosure);
- bob: "Blog" too (the same feed: same entry ids, his own state) and "Secret" (4
  entries) that alice does not have.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from newsriver.service.accounts import add_user, set_api_password_by_id
from newsriver.settings import Settings
from newsriver.store.database import Database
from newsriver.web.app import create_app
from tests.store import add_feed, dated_items, refresh
from tests.support.feed_server import Item
from tests.support.passwords import hashed

API = "/api/greader"
READER = API + "/reader/api/0"
ALICE_API_PASSWORD = "alice-api-password"
BOB_API_PASSWORD = "bob-api-password"
LOGIN_PASSWORD = "login-password"


@dataclass(frozen=True, slots=True)
class Site:
    client: TestClient
    database: Database
    alice: int
    bob: int
    news: int
    blog: int
    secret: int
    alice_token: str
    bob_token: str

    def get(self, path: str, token: str | None = None, **params: Any) -> Response:
        return self.client.get(path, params=params, headers=self.auth(token))

    def post(self, path: str, data: Any = None, token: str | None = None) -> Response:
        return self.client.post(path, data=data, headers=self.auth(token))

    def auth(self, token: str | None) -> dict[str, str]:
        return {"Authorization": f"GoogleLogin auth={token or self.alice_token}"}


def make_user(database: Database, name: str, api_password: str) -> int:
    user_id = add_user(database, name, password_hash=hashed(LOGIN_PASSWORD), is_admin=False).id
    set_api_password_by_id(database, user_id, api_password_hash=hashed(api_password))
    return user_id


def login(client: TestClient, name: str, password: str) -> Response:
    return client.post(f"{API}/accounts/ClientLogin", data={"Email": name, "Passwd": password})


def token_of(response: Response) -> str:
    assert response.status_code == 200, response.text
    lines = dict(line.split("=", 1) for line in response.text.splitlines())
    return lines["Auth"]


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    app = create_app(Settings(data_dir=tmp_path, allow_private_networks="1"), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        database: Database = app.state.database
        alice = make_user(database, "alice", ALICE_API_PASSWORD)
        bob = make_user(database, "bob", BOB_API_PASSWORD)
        news = add_feed(database, "https://example.org/news.xml", alice, category="News")
        blog = add_feed(database, "https://example.org/blog.xml", alice, bob)
        secret = add_feed(database, "https://example.org/secret.xml", bob)
        refresh(database, news, dated_items("news", 25))
        refresh(
            database,
            blog,
            [
                Item(
                    "b3", "Podcast", link="https://example.org/b3", enclosure="https://e.org/a.mp3"
                ),
                Item("b2", "Second blog post", link="https://example.org/b2"),
                Item("b1", "First blog post", body="<p>Blog <em>text</em></p>"),
            ],
        )
        refresh(database, secret, dated_items("secret", 4))
        yield Site(
            client,
            database,
            alice,
            bob,
            news,
            blog,
            secret,
            token_of(login(client, "alice", ALICE_API_PASSWORD)),
            token_of(login(client, "bob", BOB_API_PASSWORD)),
        )


@pytest.mark.parametrize("prefix", ["/api/greader", "/api/greader.php"])
def test_client_login_by_get_and_post_as_text_or_json(site: Site, prefix: str) -> None:
    path = f"{prefix}/accounts/ClientLogin"
    credentials = {"Email": "alice", "Passwd": ALICE_API_PASSWORD}
    posted = site.client.post(path, data=credentials)
    assert posted.status_code == 200
    assert posted.headers["content-type"].startswith("text/plain")
    lines = posted.text.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["SID", "LSID", "Auth"]
    token = token_of(posted)
    got = site.client.get(path, params={**credentials, "output": "json"})
    assert got.json()["Auth"] == token
    info = site.client.get(
        f"{prefix}/reader/api/0/user-info", headers={"Authorization": f"GoogleLogin auth={token}"}
    )
    assert info.status_code == 200
    assert info.json()["userName"] == "alice"
    assert info.json()["userId"] == str(site.alice)


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("alice", "wrong-password"),
        ("alice", LOGIN_PASSWORD),  # the login password is not the API password
        ("alice", ""),
        ("nobody", ALICE_API_PASSWORD),
        ("", ""),
        ("alice", BOB_API_PASSWORD),
    ],
)
def test_bad_credentials_get_a_real_401(site: Site, name: str, password: str) -> None:
    response = login(site.client, name, password)
    assert response.status_code == 401
    assert response.text.strip() == "Error=BadAuthentication"
    assert "Auth=" not in response.text


def test_failed_logins_are_throttled_and_logged_without_the_password(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    for attempt in range(5):
        assert login(site.client, "alice", f"guess-number-{attempt}").status_code == 401
    refused = login(site.client, "alice", ALICE_API_PASSWORD)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Auth=" not in refused.text
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "greader login failed" in logged
    assert "guess-number" not in logged
    assert ALICE_API_PASSWORD not in logged
    # Another user is not held back by alice's attempts.
    assert login(site.client, "bob", BOB_API_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "GoogleLogin",
        "GoogleLogin auth=",
        "GoogleLogin auth=1/" + "0" * 40,
        "GoogleLogin auth=garbage",
        "Bearer something",
        "GoogleLogin auth=99999999999999999999999/" + "0" * 40,
    ],
)
def test_requests_without_a_valid_token_get_401(site: Site, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    for path in ("/user-info", "/tag/list", "/stream/contents", "/token"):
        response = site.client.get(READER + path, headers=headers)
        assert response.status_code == 401, (path, header)
        assert "<html" not in response.text.lower()


def test_a_new_api_password_revokes_the_tokens(site: Site) -> None:
    assert site.get(READER + "/user-info").status_code == 200
    set_api_password_by_id(site.database, site.alice, api_password_hash=hashed("a-new-password"))
    assert site.get(READER + "/user-info").status_code == 401
    assert site.get(READER + "/user-info", site.bob_token).status_code == 200


def test_the_write_token_is_optional_but_must_be_right_when_sent(site: Site) -> None:
    write = site.get(READER + "/token")
    assert write.status_code == 200
    token = write.text.strip()
    assert 20 <= len(token) <= 64
    path = READER + "/edit-tag"
    item = str(next_id(site))
    assert site.post(path, {"i": item, "a": "user/-/state/com.google/read"}).text == "OK"
    assert (
        site.post(path, {"i": item, "a": "user/-/state/com.google/read", "T": token}).text == "OK"
    )
    refused = site.post(path, {"i": item, "a": "user/-/state/com.google/read", "T": "forged"})
    assert refused.status_code == 401
    assert refused.headers["x-reader-google-bad-token"] == "true"
    # Bob's write token is not alice's.
    bobs = site.get(READER + "/token", site.bob_token).text.strip()
    assert bobs != token
    assert site.post(path, {"i": item, "T": bobs}).status_code == 401


def next_id(site: Site) -> int:
    stream = site.get(READER + "/stream/items/ids", n=1).json()
    return int(stream["itemRefs"][0]["id"])


def test_unknown_paths_and_methods_answer_in_plain_text(site: Site) -> None:
    for path in (API + "/nothing", API + "/reader/api/0/no-such-call", "/api/greader.php/x"):
        response = site.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/plain")
    # Writes are POSTs only: another method is a 405 that says so.
    for path in (
        READER + "/edit-tag",
        READER + "/mark-all-as-read",
        "/api/greader.php/reader/api/0/edit-tag",
    ):
        response = site.get(path, i="1")
        assert response.status_code == 405, path
        assert response.headers["allow"] == "POST"
        assert response.headers["content-type"].startswith("text/plain")
    # A read call takes GET (and POST, as clients send either).
    deleted = site.client.delete(READER + "/stream/contents", headers=site.auth(None))
    assert deleted.status_code == 405
    assert "GET" in deleted.headers["allow"]
