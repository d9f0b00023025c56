"""The application factory, through FastAPI's in-process client."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from newsriver.settings import Settings
from newsriver.web.app import create_app


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(data_dir=tmp_path), scheduler=False)) as client:
        yield client


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"status": "ok"}


def test_home_page_leads_a_new_instance_to_setup(client: TestClient) -> None:
    response = client.get("/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/setup"
    page = client.get("/setup")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.text.startswith("<!doctype html>")


def test_settings_are_kept_for_the_handlers(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert create_app(settings).state.settings is settings


def test_no_stray_framework_pages(client: TestClient) -> None:
    # /docs and /openapi.json would squat on paths the UI and /v1 API will own.
    for path in ("/docs", "/redoc", "/openapi.json", "/nonexistent"):
        assert client.get(path).status_code == 404, path


def test_handlers_run_on_the_configured_number_of_threads(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, web_threads=3), scheduler=False)
    with TestClient(app) as client:
        # The application's own event loop, where its lifespan set the limiter.
        assert client.portal is not None
        tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3


def test_a_server_freezes_what_start_up_made_and_a_test_app_does_not(tmp_path: Path) -> None:
    assert gc.get_freeze_count() == 0
    with TestClient(create_app(Settings(data_dir=tmp_path), scheduler=False)):
        assert gc.get_freeze_count() == 0
    try:
        app = create_app(Settings(data_dir=tmp_path), scheduler=False, freeze_startup_objects=True)
        with TestClient(app) as client:
            assert gc.get_freeze_count() > 0
            assert client.get("/healthz").status_code == 200
    finally:
        gc.unfreeze()
