"""Talking to the web UI in-process as a browser's forms do: the session's CSRF token
taken from a page, signing in, posting forms. Shared by the TestClient test modules."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi.testclient import TestClient

from newsriver.service.accounts import add_user
from newsriver.store.database import Database
from newsriver.web.auth.passwords import hash_password

PASSWORD = "password123"


def database_of(client: TestClient) -> Database:
    """The database the client's application opened (its lifespan runs in the client)."""
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    return database


def make_user(client: TestClient, name: str, *, admin: bool = False) -> int:
    return add_user(
        database_of(client), name, password_hash=hash_password(PASSWORD), is_admin=admin
    ).id


def csrf_of(page: str) -> str:
    """The CSRF token of a page: a form's hidden field, or the <meta> every page has."""
    match = re.search(r'name="csrf[-_]token" (?:value|content)="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/") -> int:
    """Sign in through the form; the answer's status (303 when it worked)."""
    token = csrf_of(client.get("/login").text)
    data = {"name": name, "password": password, "csrf_token": token, "next": next_path}
    return client.post("/login", data=data).status_code


@dataclass(frozen=True, slots=True)
class Answer:
    status_code: int
    text: str
    location: str | None


def form(client: TestClient, path: str, **data: str) -> Answer:
    """POST a form as its page does, with the session's CSRF token (any page carries it;
    an unknown path's error page is the cheapest)."""
    token = csrf_of(client.get("/no-such-page").text)
    response = client.post(path, data={**data, "csrf_token": token})
    return Answer(response.status_code, response.text, response.headers.get("location"))
