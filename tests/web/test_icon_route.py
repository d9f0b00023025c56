"""`/feeds/{id}/icon`: served from the database, to subscribers only, never runnable."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from newsriver.service.accounts import add_user
from newsriver.settings import Settings
from newsriver.store.database import Database
from newsriver.store.icons import save_icon
from newsriver.web.app import create_app
from newsriver.web.auth.passwords import hash_password
from tests.store import NOW, add_feed

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(data_dir=tmp_path), scheduler=False)
    with TestClient(app, follow_redirects=False) as client:
        yield client


def _database(client: TestClient) -> Database:
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    return database


def _sign_in(client: TestClient, name: str) -> int:
    user = add_user(
        _database(client), name, password_hash=hash_password("password123"), is_admin=True
    )
    page = client.get("/login").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    form = {"name": name, "password": "password123", "csrf_token": match.group(1)}
    assert client.post("/login", data=form).status_code == 303
    return user.id


def test_icons_are_served_to_subscribers_only(client: TestClient) -> None:
    ann = _sign_in(client, "ann")
    database = _database(client)
    mine = add_feed(database, "https://example.org/a.xml", ann)
    with_icon = add_feed(database, "https://example.org/b.xml", ann)
    others = add_feed(database, "https://example.org/c.xml")
    with database.write() as connection:
        save_icon(
            connection, with_icon, content_type="image/png", data=PNG, source_url=None, now=NOW
        )

    placeholder = client.get(f"/feeds/{mine}/icon")
    assert placeholder.status_code == 200
    assert placeholder.headers["content-type"].startswith("image/svg+xml")
    assert "sandbox" in placeholder.headers["content-security-policy"]

    icon = client.get(f"/feeds/{with_icon}/icon")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/png"
    assert icon.content == PNG
    assert "max-age" in icon.headers["cache-control"]

    assert client.get(f"/feeds/{others}/icon").status_code == 404
    assert client.get("/feeds/999999/icon").status_code == 404


def test_icons_need_a_reader(client: TestClient) -> None:
    add_user(_database(client), "ann", password_hash=hash_password("password123"), is_admin=True)
    response = client.get("/feeds/1/icon")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")
