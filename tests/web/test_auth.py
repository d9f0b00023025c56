"""First run, signing in and out, sessions, CSRF and the security headers (in-process)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsriver.service.accounts import add_user
from newsriver.settings import Settings
from newsriver.web.app import create_app
from newsriver.web.auth.passwords import hash_password
from newsriver.web.auth.sessions import COOKIE_NAME
from newsriver.web.auth.throttle import LoginThrottle
from newsriver.web.ui.accounts import local_path
from tests.web.forms import csrf_of, database_of, sign_in


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def test_first_run_offers_only_the_setup(client: TestClient) -> None:
    for path in ("/login",):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.status_code == 200
    assert "Create the administrator" in page.text


def test_setup_creates_one_admin_and_signs_in(client: TestClient) -> None:
    token = csrf_of(client.get("/setup").text)
    form = {"name": "ann", "password": "correct horse", "confirm": "correct horse"}
    response = client.post("/setup", data=form | {"csrf_token": token, "timezone": "Asia/Tokyo"})
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP here; see the HTTPS test below
    with database_of(client).read() as connection:
        from newsriver.store.accounts import list_users

        users = list_users(connection)
    assert [(u.name, u.is_admin) for u in users] == [("ann", True)]
    # Set up once: the page is gone and a second admin cannot be made through it.
    assert client.get("/setup").headers["location"] == "/"
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    again = client.post("/setup", data=form | {"name": "eve", "csrf_token": token})
    assert again.status_code == 303
    with database_of(client).read() as connection:
        assert len(list_users(connection)) == 1


def test_setup_refuses_mismatched_and_short_passwords(client: TestClient) -> None:
    token = csrf_of(client.get("/setup").text)
    base = {"name": "ann", "csrf_token": token}
    differ = client.post("/setup", data=base | {"password": "abcdefgh1", "confirm": "abcdefgh2"})
    assert differ.status_code == 400
    assert "differ" in differ.text
    short = client.post("/setup", data=base | {"password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert "8 characters" in short.text


def test_sign_in_sign_out(client: TestClient) -> None:
    add_user(database_of(client), "ann", password_hash=hash_password("password123"), is_admin=True)
    assert sign_in(client, "ann", "password123") == 303
    assert client.get("/login?next=/feeds/1").headers["location"] == "/feeds/1"
    token = csrf_of(client.get("/no-such-page").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/login").status_code == 200


def test_wrong_password_and_unknown_user_read_the_same(client: TestClient) -> None:
    add_user(database_of(client), "ann", password_hash=hash_password("password123"), is_admin=True)
    token = csrf_of(client.get("/login").text)
    answers = [
        client.post("/login", data={"name": name, "password": "wrong-pass", "csrf_token": token})
        for name in ("ann", "nobody")
    ]
    assert [a.status_code for a in answers] == [401, 401]
    messages = [re.search(r'role="alert"[^>]*>([^<]+)<', a.text) for a in answers]
    assert messages[0]
    assert messages[1]
    assert messages[0].group(1) == messages[1].group(1) == "Wrong user name or password."


def test_disabled_user_cannot_sign_in(client: TestClient) -> None:
    user = add_user(
        database_of(client), "ann", password_hash=hash_password("password123"), is_admin=False
    )
    from sqlalchemy import update

    from newsriver.store import schema

    with database_of(client).write() as connection:
        connection.execute(
            update(schema.users).where(schema.users.c.id == user.id).values(disabled=True)
        )
    assert sign_in(client, "ann", "password123") == 401


def test_sign_in_is_throttled(client: TestClient) -> None:
    add_user(database_of(client), "ann", password_hash=hash_password("password123"), is_admin=True)
    for _ in range(5):
        assert sign_in(client, "ann", "wrong-password") == 401
    # Even the right password waits now, and the page says for how long.
    assert sign_in(client, "ann", "password123") == 429


def test_throttle_window(client: TestClient) -> None:
    now = [1_700_000_000.0]
    start = now[0]
    throttle = LoginThrottle(
        database_of(client), per_name=2, per_address=3, window_seconds=60, clock=lambda: now[0]
    )
    throttle.failed("Ann", "1.1.1.1")
    assert throttle.retry_after("ann", "1.1.1.1") == 0
    throttle.failed("ann", "2.2.2.2")
    assert throttle.retry_after("ANN", "3.3.3.3") == pytest.approx(60)
    now[0] = start + 30
    assert throttle.retry_after("ann", "3.3.3.3") == pytest.approx(30)
    now[0] = start + 61
    assert throttle.retry_after("ann", "3.3.3.3") == 0
    for name in ("b", "c", "d"):
        throttle.failed(name, "9.9.9.9")
    assert throttle.retry_after("someone-else", "9.9.9.9") > 0
    throttle.succeeded("b")
    assert throttle.retry_after("b", "8.8.8.8") == 0


def test_password_change_ends_other_sessions(client: TestClient) -> None:
    user = add_user(
        database_of(client), "ann", password_hash=hash_password("password123"), is_admin=True
    )
    assert sign_in(client, "ann", "password123") == 303
    assert client.get("/login").status_code == 303  # signed in: sent on
    from sqlalchemy import update

    from newsriver.store import schema

    with database_of(client).write() as connection:
        connection.execute(
            update(schema.users)
            .where(schema.users.c.id == user.id)
            .values(password_hash=hash_password("another-password"))
        )
    assert client.get("/login").status_code == 200  # the old session no longer counts


def test_unsafe_requests_need_the_csrf_token(client: TestClient) -> None:
    add_user(database_of(client), "ann", password_hash=hash_password("password123"), is_admin=True)
    no_token = client.post("/login", data={"name": "ann", "password": "password123"})
    assert no_token.status_code == 403
    client.get("/login")
    wrong = client.post(
        "/login", data={"name": "ann", "password": "password123", "csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    header = client.post(
        "/logout", headers={"X-CSRF-Token": "forged", "Accept": "application/json"}
    )
    assert header.status_code == 403
    assert "error" in header.json()


def test_forged_session_cookie_is_ignored(client: TestClient) -> None:
    add_user(database_of(client), "ann", password_hash=hash_password("password123"), is_admin=True)
    client.cookies.set(COOKIE_NAME, "eyJ1c2VyX2lkIjoxfQ.forged.signature")
    assert client.get("/login").status_code == 200


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/feeds/3?view=reader", "/feeds/3?view=reader"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_post_login_redirects_stay_on_the_site(target: str, expected: str) -> None:
    assert local_path(target) == expected


def test_security_headers(client: TestClient) -> None:
    response = client.get("/setup")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    # No inline script or style in the page itself (the policy would block them).
    assert not re.search(r"<script(?![^>]*\bsrc=)", response.text)
    assert not re.search(r"\sstyle=|\son[a-z]+=", response.text)


def test_secure_cookie_over_https(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, base_url="https://reader.example", follow_redirects=False) as client:
        response = client.get("/setup")
    assert "Secure" in response.headers["set-cookie"]


def test_secret_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = create_app(Settings(data_dir=tmp_path), scheduler=False).state.secret_key
    second = create_app(Settings(data_dir=tmp_path), scheduler=False).state.secret_key
    assert first == second
    assert len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
