"""The administration pages and self-registration, in-process: who may use them, CSRF,
the last administrator, and every refusal."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsriver.service.accounts import get_user, get_user_by_id
from newsriver.service.instance import InstanceSettings, load_instance_settings
from newsriver.service.instance import save_instance_settings as save_instance
from newsriver.settings import Settings
from newsriver.store import accounts
from newsriver.web.app import create_app
from tests.web.forms import PASSWORD, csrf_of, database_of, form, make_user, sign_in


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def token_of(client: TestClient) -> str:
    """The session's CSRF token, from any page (the error page carries it too)."""
    return csrf_of(client.get("/no-such-page").text)


def flashes(client: TestClient, path: str = "/admin/users") -> list[str]:
    return re.findall(r'<p class="flash flash-\w+">([^<]+)</p>', client.get(path).text)


@pytest.fixture
def admin_client(client: TestClient) -> TestClient:
    make_user(client, "root", admin=True)
    assert sign_in(client, "root") == 303
    return client


def test_signed_out_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    make_user(client, "root", admin=True)
    for path in ("/admin", "/admin/users", "/admin/instance", "/admin/users/1/delete"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next=%2Fadmin"), path


def test_non_admins_get_403_on_every_admin_page_and_action(client: TestClient) -> None:
    root = make_user(client, "root", admin=True)
    make_user(client, "ann")
    assert sign_in(client, "ann") == 303
    for path in ("/admin", "/admin/users", "/admin/instance", f"/admin/users/{root}/delete"):
        assert client.get(path).status_code == 403, path
    actions = {
        "/admin/users": {"name": "eve", "password": PASSWORD, "confirm": PASSWORD, "is_admin": "1"},
        f"/admin/users/{root}/disable": {},
        f"/admin/users/{root}/demote": {},
        f"/admin/users/{root}/delete": {},
        "/admin/instance": {"registration_open": "1"},
    }
    for path, data in actions.items():
        assert form(client, path, **data).status_code == 403, path
    assert accounts_named(client) == ["ann", "root"]
    assert get_user_by_id(database_of(client), root).is_admin
    assert not load_instance_settings(database_of(client)).registration_open


def accounts_named(client: TestClient) -> list[str]:
    with database_of(client).read() as connection:
        return [user.name for user in accounts.list_users(connection)]


def test_admin_actions_need_the_csrf_token(admin_client: TestClient) -> None:
    ann = make_user(admin_client, "ann")
    data = {"name": "eve", "password": PASSWORD, "confirm": PASSWORD}
    for token in (None, "forged"):
        extra = {} if token is None else {"csrf_token": token}
        assert admin_client.post("/admin/users", data=data | extra).status_code == 403
        assert admin_client.post(f"/admin/users/{ann}/delete", data=extra).status_code == 403
        assert admin_client.post("/admin/instance", data=extra).status_code == 403
    assert accounts_named(admin_client) == ["ann", "root"]


def test_add_user_and_refusals(admin_client: TestClient) -> None:
    added = form(admin_client, "/admin/users", name="ann", password=PASSWORD, confirm=PASSWORD)
    assert added.status_code == 303
    assert flashes(admin_client) == ["Added user ann. They can sign in now."]
    assert not get_user(database_of(admin_client), "ann").is_admin

    form(
        admin_client, "/admin/users", name="bob", password=PASSWORD, confirm=PASSWORD, is_admin="1"
    )
    assert get_user(database_of(admin_client), "bob").is_admin

    refusals = {
        "already exists": {"name": "ann", "password": PASSWORD, "confirm": PASSWORD},
        "differ": {"name": "cat", "password": PASSWORD, "confirm": PASSWORD + "x"},
        "8 characters": {"name": "cat", "password": "short", "confirm": "short"},
        "without spaces": {"name": "a b", "password": PASSWORD, "confirm": PASSWORD},
    }
    for message, data in refusals.items():
        response = form(admin_client, "/admin/users", **data)
        assert response.status_code == 400, message
        assert message in response.text
        # What was typed stays, the passwords excepted.
        assert f'value="{data["name"]}"' in response.text
        assert PASSWORD not in response.text
    assert accounts_named(admin_client) == ["ann", "bob", "root"]


def test_disable_blocks_sign_in_and_ends_sessions(admin_client: TestClient, tmp_path: Path) -> None:
    ann = make_user(admin_client, "ann")
    with TestClient(admin_client.app, follow_redirects=False) as ann_client:
        assert sign_in(ann_client, "ann") == 303
        assert ann_client.get("/settings").status_code == 200

        assert form(admin_client, f"/admin/users/{ann}/disable").status_code == 303
        assert flashes(admin_client) == [
            "Disabled ann: they can no longer sign in or use the APIs."
        ]
        assert get_user_by_id(database_of(admin_client), ann).disabled
        assert ann_client.get("/settings").status_code == 303  # signed out
        assert sign_in(ann_client, "ann") == 401

        assert form(admin_client, f"/admin/users/{ann}/enable").status_code == 303
        assert flashes(admin_client) == ["Enabled ann."]
        assert sign_in(ann_client, "ann") == 303


def test_the_last_admin_cannot_lock_themselves_out(admin_client: TestClient) -> None:
    root = get_user(database_of(admin_client), "root").id
    for action in ("disable", "demote", "delete"):
        assert form(admin_client, f"/admin/users/{root}/{action}").status_code == 303
        (message,) = flashes(admin_client)
        assert "your own account" in message
    user = get_user_by_id(database_of(admin_client), root)
    assert user.is_admin
    assert not user.disabled
    # The list offers no such buttons on one's own row.
    page = admin_client.get("/admin/users").text
    assert f"/admin/users/{root}/" not in page


def test_promote_and_demote(admin_client: TestClient) -> None:
    ann = make_user(admin_client, "ann")
    form(admin_client, f"/admin/users/{ann}/promote")
    assert flashes(admin_client) == ["ann is now an administrator."]
    assert get_user_by_id(database_of(admin_client), ann).is_admin
    form(admin_client, f"/admin/users/{ann}/demote")
    assert not get_user_by_id(database_of(admin_client), ann).is_admin


def test_delete_asks_first_and_forgets_the_published_stream(admin_client: TestClient) -> None:
    ann = make_user(admin_client, "ann")
    save_instance(database_of(admin_client), InstanceSettings(anonymous_reader_id=ann))
    confirm = admin_client.get(f"/admin/users/{ann}/delete")
    assert confirm.status_code == 200
    assert "Delete ann?" in confirm.text
    assert get_user_by_id(database_of(admin_client), ann)  # asking deleted nothing

    assert form(admin_client, f"/admin/users/{ann}/delete").status_code == 303
    assert flashes(admin_client) == ["Deleted ann and everything that was theirs."]
    assert accounts_named(admin_client) == ["root"]
    assert load_instance_settings(database_of(admin_client)).anonymous_reader_id is None


def test_unknown_users_are_404(admin_client: TestClient) -> None:
    missing = get_user(database_of(admin_client), "root").id + 1000
    assert admin_client.get(f"/admin/users/{missing}/delete").status_code == 404
    for action in ("disable", "enable", "promote", "demote", "delete"):
        assert form(admin_client, f"/admin/users/{missing}/{action}").status_code == 404, action
    assert admin_client.get("/admin/users/abc/delete").status_code in (404, 422)


def test_users_are_listed_a_page_at_a_time(admin_client: TestClient) -> None:
    with database_of(admin_client).write() as connection:
        for number in range(105):
            accounts.add_user(
                connection,
                f"user{number:03}",
                password_hash="unused",
                is_admin=False,
                now=datetime(2024, 1, 1, tzinfo=UTC),
            )
    first = admin_client.get("/admin/users").text
    assert "user098" in first
    assert "user099" not in first  # "root" comes after them all: 100 per page
    match = re.search(r'href="/admin/users\?after=([^"]+)">Next users', first)
    assert match
    second = admin_client.get(f"/admin/users?after={match.group(1)}").text
    assert "user099" in second
    assert "user104" in second
    assert ">root" in second
    assert "Next users" not in second


def test_instance_settings(admin_client: TestClient) -> None:
    database = database_of(admin_client)
    ann = make_user(admin_client, "ann")
    bob = make_user(admin_client, "bob")
    page = admin_client.get("/admin/instance")
    assert page.status_code == 200
    assert "Nobody (off)" in page.text
    assert load_instance_settings(database) == InstanceSettings()

    saved = form(admin_client, "/admin/instance", registration_open="1", anonymous_reader="ann")
    assert saved.status_code == 303
    assert load_instance_settings(database) == InstanceSettings(True, ann)
    assert '<option value="ann" selected>' in admin_client.get("/admin/instance").text

    for name in ("nobody", "bob"):
        if name == "bob":
            with database.write() as connection:
                accounts.set_disabled(connection, bob, disabled=True)
        refused = form(admin_client, "/admin/instance", anonymous_reader=name)
        assert refused.status_code == 400
        assert f"There is no active user named {name}." in refused.text
        assert load_instance_settings(database) == InstanceSettings(True, ann)

    form(admin_client, "/admin/instance")
    assert load_instance_settings(database) == InstanceSettings()


def test_registration_is_closed_by_default(client: TestClient) -> None:
    make_user(client, "root", admin=True)
    assert client.get("/register").status_code == 404
    assert "Create an account" not in client.get("/login").text
    data = {"name": "eve", "password": PASSWORD, "confirm": PASSWORD}
    assert form(client, "/register", **data).status_code == 404
    assert accounts_named(client) == ["root"]


def test_open_registration_creates_ordinary_users(client: TestClient) -> None:
    make_user(client, "root", admin=True)
    save_instance(database_of(client), InstanceSettings(registration_open=True))
    assert 'href="/register"' in client.get("/login").text
    assert client.get("/register").status_code == 200

    data = {"name": "eve", "password": PASSWORD, "confirm": PASSWORD}
    created = form(client, "/register", **data)
    assert created.status_code == 303
    # Signed in at once, and sent to add a first feed.
    assert created.location == "/subscriptions/add"
    assert "Welcome, eve" in client.get("/subscriptions/add").text
    assert not get_user(database_of(client), "eve").is_admin
    # Signed in, the form is not for them.
    assert client.get("/register").headers["location"] == "/"
    # Not an administrator.
    assert client.get("/admin/users").status_code == 403


def test_registration_refusals_and_probing_limit(client: TestClient) -> None:
    make_user(client, "root", admin=True)
    save_instance(database_of(client), InstanceSettings(registration_open=True))
    differ = form(client, "/register", name="eve", password=PASSWORD, confirm="other-pass")
    assert differ.status_code == 400
    assert "differ" in differ.text
    short = form(client, "/register", name="eve", password="short", confirm="short")
    assert short.status_code == 400
    assert "8 characters" in short.text
    for _ in range(5):
        taken = form(client, "/register", name="root", password=PASSWORD, confirm=PASSWORD)
        assert taken.status_code == 400
        assert "This user name is taken" in taken.text
    limited = form(client, "/register", name="free-name", password=PASSWORD, confirm=PASSWORD)
    assert limited.status_code == 429
    assert accounts_named(client) == ["root"]
    # Probing names does not lock the real user out of signing in.
    assert sign_in(client, "root") == 303


def test_registration_before_setup_goes_to_setup(client: TestClient) -> None:
    assert client.get("/register").headers["location"] == "/setup"
