"""The settings page, in-process: preferences, password change, API password and REST
API keys, with CSRF and every refusal; nothing of one user reachable by another."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from newsriver.service import accounts as service
from newsriver.service.instance import InstanceSettings, save_instance_settings
from newsriver.service.preferences import Preferences, preferences_from_json
from newsriver.settings import Settings
from newsriver.store import schema
from newsriver.web.app import create_app
from newsriver.web.auth.passwords import verify_password
from tests.web.forms import PASSWORD, database_of, form, make_user, sign_in


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def alert_of(text: str) -> str:
    match = re.search(r'role="alert"[^>]*>([^<]+)<', text)
    assert match, "no error message on the page"
    return match.group(1)


@pytest.fixture
def ann(client: TestClient) -> int:
    make_user(client, "root", admin=True)
    ann = make_user(client, "ann")
    assert sign_in(client, "ann") == 303
    return ann


READING = {
    "timezone": "Europe/Paris",
    "view": "reader",
    "show": "all",
    "order": "oldest",
    "page_size": "50",
    "theme": "dark",
    "mark_read_on_scroll": "1",
}


def preferences_of(client: TestClient, user_id: int) -> Preferences:
    with database_of(client).read() as connection:
        stored = connection.scalar(
            select(schema.users.c.settings).where(schema.users.c.id == user_id)
        )
    return preferences_from_json(stored)


def test_the_settings_page_needs_a_signed_in_user(client: TestClient) -> None:
    ann = make_user(client, "ann", admin=True)
    assert client.get("/settings").headers["location"] == "/login?next=%2Fsettings"
    # Not even the anonymous reader of a published stream.
    save_instance_settings(database_of(client), InstanceSettings(anonymous_reader_id=ann))
    assert client.get("/settings").status_code == 303
    assert form(client, "/settings/preferences", **READING).status_code == 303
    assert preferences_of(client, ann) == Preferences()


def test_every_settings_form_needs_the_csrf_token(client: TestClient, ann: int) -> None:
    key = service.create_api_key(database_of(client), ann, "phone")
    posts = {
        "/settings/preferences": READING,
        "/settings/password": {"current": PASSWORD, "password": "new-pass-1", "confirm": "x"},
        "/settings/api-password": {"password": "api-pass-1", "confirm": "api-pass-1"},
        "/settings/api-password/clear": {},
        "/settings/api-keys": {"description": "laptop"},
        f"/settings/api-keys/{key.key.id}/revoke": {},
    }
    for path, data in posts.items():
        for extra in ({}, {"csrf_token": "forged"}):
            assert client.post(path, data=data | extra).status_code == 403, path
    overview = service.account_overview(database_of(client), ann)
    assert overview.api_keys == (key.key,)
    assert not overview.has_api_password
    assert preferences_of(client, ann) == Preferences()


def test_preferences_are_saved_and_shown(client: TestClient, ann: int) -> None:
    page = client.get("/settings")
    assert page.status_code == 200
    assert "<option selected>UTC</option>" in page.text
    saved = form(client, "/settings/preferences", **READING)
    assert saved.status_code == 303
    assert preferences_of(client, ann) == Preferences(
        timezone="Europe/Paris",
        view="reader",
        show="all",
        order="oldest",
        page_size=50,
        mark_read_on_open=False,
        mark_read_on_scroll=True,
        theme="dark",
    )
    page = client.get("/settings")
    assert "Preferences saved." in page.text
    assert "<option selected>Europe/Paris</option>" in page.text
    assert '<html lang="en" data-theme="dark">' in page.text


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("timezone", "Mars/Olympus_Mons", "time zone"),
        ("timezone", "../../etc/passwd", "time zone"),
        ("view", "cards", "view"),
        ("page_size", "7", "page size"),
        ("page_size", "many", "page size"),
        ("theme", "neon", "theme"),
    ],
)
def test_unknown_preference_values_are_refused(
    client: TestClient, ann: int, field: str, value: str, named: str
) -> None:
    refused = form(client, "/settings/preferences", **(READING | {field: value}))
    assert refused.status_code == 400
    assert alert_of(refused.text) == (
        f"That {named} is not one newsriver knows: pick one from the list."
    )
    assert preferences_of(client, ann) == Preferences()


def test_password_change_needs_the_current_password(client: TestClient, ann: int) -> None:
    new = "brand-new-secret"
    cases = {
        "The current password is wrong.": {"current": "not-it-at-all", "password": new},
        "The two new passwords differ.": {"current": PASSWORD, "password": new, "confirm": "x"},
        "The password must have at least 8 characters.": {"current": PASSWORD, "password": "short"},
    }
    for message, data in cases.items():
        answer = form(client, "/settings/password", **({"confirm": data["password"]} | data))
        assert answer.status_code == 400, message
        assert alert_of(answer.text) == message
        assert new not in answer.text
    assert verify_password(service.credentials_of(database_of(client), ann).password_hash, PASSWORD)


def test_password_change_keeps_this_session_and_ends_the_others(
    client: TestClient, ann: int
) -> None:
    new = "brand-new-secret"
    with TestClient(client.app, follow_redirects=False) as elsewhere:
        assert sign_in(elsewhere, "ann") == 303
        assert elsewhere.get("/settings").status_code == 200

        changed = form(client, "/settings/password", current=PASSWORD, password=new, confirm=new)
        assert changed.status_code == 303
        assert client.get("/settings").status_code == 200
        assert elsewhere.get("/settings").status_code == 303
        assert sign_in(elsewhere, "ann", PASSWORD) == 401
        assert sign_in(elsewhere, "ann", new) == 303


def test_guessing_the_current_password_is_throttled(client: TestClient, ann: int) -> None:
    for _ in range(5):
        wrong = form(
            client, "/settings/password", current="guess", password="x" * 9, confirm="x" * 9
        )
        assert wrong.status_code == 400
    right = form(client, "/settings/password", current=PASSWORD, password="y" * 9, confirm="y" * 9)
    assert right.status_code == 429
    assert "Too many wrong passwords" in alert_of(right.text)
    assert verify_password(service.credentials_of(database_of(client), ann).password_hash, PASSWORD)


def fever_key_of(client: TestClient, user_id: int) -> str | None:
    with database_of(client).read() as connection:
        key = connection.scalar(
            select(schema.users.c.fever_key).where(schema.users.c.id == user_id)
        )
    return None if key is None else str(key)


def test_api_password_set_with_fever_and_cleared(client: TestClient, ann: int) -> None:
    database = database_of(client)
    assert "No API password:" in client.get("/settings").text
    api = "api-secret-1"
    refused = form(client, "/settings/api-password", password=api, confirm="other-secret")
    assert refused.status_code == 400
    assert alert_of(refused.text) == "The two passwords differ."
    short = form(client, "/settings/api-password", password="short", confirm="short")
    assert short.status_code == 400

    assert form(client, "/settings/api-password", password=api, confirm=api).status_code == 303
    credentials = service.credentials_of(database, ann)
    assert credentials.api_password_hash is not None
    assert verify_password(credentials.api_password_hash, api)
    assert not verify_password(credentials.password_hash, api)  # the login one is apart
    assert fever_key_of(client, ann) is None  # Fever only when asked for
    assert "An API password is set." in client.get("/settings").text

    form(client, "/settings/api-password", password=api, confirm=api, fever="1")
    assert fever_key_of(client, ann) == hashlib.md5(f"ann:{api}".encode()).hexdigest()
    version = service.credentials_of(database, ann).token_version

    assert form(client, "/settings/api-password/clear").status_code == 303
    cleared = service.credentials_of(database, ann)
    assert cleared.api_password_hash is None
    assert cleared.token_version == version + 1
    assert fever_key_of(client, ann) is None


def test_api_keys_are_shown_once_and_revoked(client: TestClient, ann: int) -> None:
    database = database_of(client)
    created = form(client, "/settings/api-keys", description="newsboat on my laptop")
    assert created.status_code == 201
    token = re.search(r'id="new-token" class="token" value="([^"]+)"', created.text)
    assert token
    user = service.authenticate_api_token(database, token.group(1))
    assert user is not None
    assert user.id == ann
    # Only this once: the page afterwards lists the key, not its token.
    page = client.get("/settings").text
    assert "newsboat on my laptop" in page
    assert token.group(1) not in page

    empty = form(client, "/settings/api-keys", description="   ")
    assert empty.status_code == 400
    assert "describe the key" in alert_of(empty.text).lower()

    (key,) = service.list_api_keys(database, ann)
    assert form(client, f"/settings/api-keys/{key.id}/revoke").status_code == 303
    assert service.list_api_keys(database, ann) == []
    assert service.authenticate_api_token(database, token.group(1)) is None
    assert "No API keys yet." in client.get("/settings").text


def test_another_users_api_key_is_not_found(client: TestClient, ann: int) -> None:
    root = service.get_user(database_of(client), "root").id
    theirs = service.create_api_key(database_of(client), root, "root's script")
    for key_id in (theirs.key.id, theirs.key.id + 1000):
        answer = form(client, f"/settings/api-keys/{key_id}/revoke")
        assert answer.status_code == 404
    assert service.list_api_keys(database_of(client), root) == [theirs.key]
    assert "root&#39;s script" not in client.get("/settings").text
