"""The web UI under test: a real server, a real browser.

`live_server` runs the whole application (uvicorn, the lifespan, a fresh SQLite
database) on 127.0.0.1 in a thread; `page` is a tab of Debian's Chromium driven by
Playwright, in a fresh browser context (no cookies) per test. The background scheduler
is off: a test that needs a refresh runs one itself, so nothing happens behind its back.
Any JavaScript error or Content-Security-Policy violation on a page fails the test.
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

from newsriver.service.accounts import add_user
from newsriver.settings import Settings
from newsriver.store.database import Database
from newsriver.web.app import create_app
from newsriver.web.auth.passwords import hash_password

CHROMIUM = Path("/usr/bin/chromium")
# Screenshots of the main views, kept by CI as artifacts (ignored by git).
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Chromium flags for a closed network and a root user in a container (see the env notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True, slots=True)
class LiveServer:
    url: str
    app: FastAPI
    settings: Settings

    @property
    def database(self) -> Database:
        """The server's own open database (same process), for arranging test data."""
        database: Database = self.app.state.database
        return database

    def make_user(self, name: str, password: str = "password123", *, admin: bool = False) -> int:
        return add_user(
            self.database, name, password_hash=hash_password(password), is_admin=admin
        ).id


def run_server(settings: Settings) -> Iterator[LiveServer]:
    """Serve the app for `settings` on a free port until the generator is closed."""
    app = create_app(settings, scheduler=False)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        for _ in range(500):
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("the test server stopped while starting")
            threading.Event().wait(0.01)
        else:
            raise RuntimeError("the test server did not start within 5 s")
        yield LiveServer(f"http://127.0.0.1:{port}", app, settings)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """newsriver on a fresh SQLite database; feeds on 127.0.0.1 may be subscribed to."""
    settings = Settings(data_dir=tmp_path / "data", allow_private_networks="1")
    yield from run_server(settings)


# Per module, not per session: Playwright's sync API keeps an event loop running in the
# main thread while it is started, and tests elsewhere that call `asyncio.run` would fail
# if they ran while a browser was up.
@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A tab in a fresh context; fails the test on any page error or console error."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _expected_console_error(message.text):
            problems.append(f"console error: {message.text}")

    tab.on("console", on_console)
    try:
        yield tab
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def _expected_console_error(text: str) -> bool:
    # A page a test deliberately answers with an error status logs the failed load.
    return bool(re.match(r"Failed to load resource: the server responded with a status of", text))


def screenshot(tab: Page, name: str) -> Path:
    """Save a full-page screenshot of `tab` as test-artifacts/screenshots/<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def sign_in(tab: Page, server: LiveServer, name: str, password: str = "password123") -> None:
    """Sign in through the login form and wait for the page it leads to."""
    tab.goto(f"{server.url}/login")
    tab.get_by_label("User name").fill(name)
    tab.get_by_label("Password").fill(password)
    with tab.expect_navigation():
        tab.get_by_role("button", name="Sign in").click()
