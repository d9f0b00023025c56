"""First-run admin creation and signing in, in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.conftest import LiveServer, screenshot, sign_in


def test_first_run_creates_the_admin_then_sign_out_and_in(
    live_server: LiveServer, page: Page
) -> None:
    page.goto(f"{live_server.url}/login")
    expect(page).to_have_url(f"{live_server.url}/setup")
    expect(page.get_by_role("heading", name="Welcome to newsriver")).to_be_visible()
    # The browser's own time zone is sent along (the page fills it in).
    expect(page.locator("input[name=timezone]")).not_to_have_value("")
    screenshot(page, "setup")
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password (at least 8 characters)").fill("correct horse")
    page.get_by_label("Password again").fill("correct horse")
    page.get_by_role("button", name="Create the administrator").click()
    expect(page).to_have_url(f"{live_server.url}/subscriptions/add")

    page.get_by_text("ann", exact=True).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/login")

    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    screenshot(page, "login-error")

    sign_in(page, live_server, "ann", "correct horse")
    expect(page.get_by_text("ann", exact=True)).to_be_visible()


def test_theme_toggle_cycles_and_is_remembered(live_server: LiveServer, page: Page) -> None:
    live_server.make_user("ann", admin=True)
    page.goto(f"{live_server.url}/login")
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "system")
    toggle = page.get_by_role("button", name="Colour theme: follow the system")
    toggle.click()
    expect(html).to_have_attribute("data-theme", "light")
    page.get_by_role("button", name="Colour theme: light").click()
    expect(html).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")
    screenshot(page, "login-dark")
