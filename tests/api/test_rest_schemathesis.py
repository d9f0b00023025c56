"""schemathesis over `/v1/openapi.json`: requests generated from the REST API's own
description, authenticated and not, must never get a server error.

Derandomized (the same examples every run) and bounded, so it runs in well under a
minute. The operations that fetch from the network (subscribing, discovery, refreshing
a feed) are left out: generated URLs would make it wait on DNS and remote hosts;
test_rest_network.py covers them against a local server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans

from newsriver.api.rest import rest_application
from newsriver.service import accounts
from newsriver.settings import Settings
from newsriver.store.database import Database
from newsriver.web.app import create_app
from tests.api.test_rest import add_user
from tests.store import add_feed, dated_items, refresh
from tests.support.feed_server import Item

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiOperation

    Case = schemathesis.Case[OpenApiOperation]


@dataclass(frozen=True, slots=True)
class Target:
    # The whole application (the REST API mounted at /v1), on a database with data.
    app: FastAPI
    # Alice's API key; bob's things exist too, to be asked for by id.
    token: str


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("rest")), scheduler=False)
    with TestClient(app):
        database: Database = app.state.database
        alice, bob = add_user(database, "alice"), add_user(database, "bob")
        news = add_feed(database, "https://example.org/news.xml", alice, category="News")
        secret = add_feed(database, "https://example.org/secret.xml", bob, category="Bob's")
        refresh(database, news, dated_items("news", 30))
        refresh(database, secret, [Item("s", "Secret", enclosure="https://example.org/a.mp3")])
        token = accounts.create_api_key(database, alice, "schemathesis").token
    # schemathesis runs the application (and its lifespan) itself, on the same data.
    yield Target(app, token)
    shutdown_lifespans()


# The description is read from the REST application alone, which needs no database to
# describe itself (and schemathesis's lazy, fixture-made schemas do not run on pytest 9).
schema = (
    schemathesis.openapi.from_asgi("/openapi.json", rest_application(FastAPI()))
    .exclude(method="POST", path_regex=r"^/(feeds|discover)$")
    .exclude(method="PUT", path="/feeds/{feed_id}/refresh")
)
BASE_URL = "http://testserver/v1"


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(case: Case, target: Target) -> None:
    response = case.call(app=target.app, base_url=BASE_URL, headers={"X-Auth-Token": target.token})
    case.validate_response(response, checks=[not_a_server_error])
    assert response.status_code != 500


@schema.parametrize()
@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_without_credentials_every_operation_is_refused(case: Case, target: Target) -> None:
    response = case.call(app=target.app, base_url=BASE_URL, headers={"X-Auth-Token": ""})
    # Credentials are checked before the parameters; a body that is not JSON at all is
    # refused before them (400), and a method the path lacks is 405.
    assert response.status_code in (400, 401, 405), response.text
    assert set(response.json()) == {"error_message"}
