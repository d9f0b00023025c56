"""Accounts and administration in Chromium: adding, disabling and registering users,
users kept apart, the anonymous reading of a published stream, the settings page."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Dialog, Page, expect

from newsriver.service.accounts import get_user
from newsriver.service.instance import InstanceSettings, save_instance_settings
from newsriver.store.database import Database
from tests.store import add_feed, dated_items, ids_of, refresh
from tests.web.conftest import LiveServer, screenshot, sign_in


def give_a_feed(database: Database, user_id: int, name: str, count: int = 3) -> Feed:
    """Subscribe the user to a feed of their own with `count` entries."""
    feed_id = add_feed(database, f"https://example.org/{name}.xml", user_id)
    items = dated_items(name, count)
    refresh(database, feed_id, items)
    return Feed(feed_id, [item.title for item in items if item.title])


@dataclass(frozen=True, slots=True)
class Feed:
    id: int
    titles: list[str]


def sign_out(page: Page) -> None:
    page.get_by_label("Account menu").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_admin_adds_a_user_who_sees_none_of_the_admins_data(
    live_server: LiveServer, page: Page
) -> None:
    root = live_server.make_user("root", admin=True)
    root_feed = give_a_feed(live_server.database, root, "rootsecret")
    sign_in(page, live_server, "root")

    page.goto(f"{live_server.url}/admin")
    expect(page).to_have_url(f"{live_server.url}/admin/users")
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password (at least 8 characters)").fill("ann-password")
    page.get_by_label("Password again").fill("ann-password")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_text("Added user ann. They can sign in now.")).to_be_visible()
    row = page.get_by_role("row", name="ann")
    expect(row.get_by_role("cell", name="User", exact=True)).to_be_visible()
    expect(row.get_by_role("cell", name="Active")).to_be_visible()
    screenshot(page, "admin-users")
    sign_out(page)

    ann_feed = give_a_feed(live_server.database, get_user(live_server.database, "ann").id, "hers")
    sign_in(page, live_server, "ann", "ann-password")
    # Her own data shows (so the pages did render), the admin's does not.
    for path, hers in (("/?show=all", ann_feed.titles[0]), ("/subscriptions", "hers.xml")):
        page.goto(f"{live_server.url}{path}")
        body = page.locator("body")
        expect(body).to_contain_text(hers)
        expect(body).not_to_contain_text("rootsecret")
        for title in root_feed.titles:
            expect(body).not_to_contain_text(title)
    # Another user's feed is not there at all, as if it did not exist.
    response = page.goto(f"{live_server.url}/feeds/{root_feed.id}")
    assert response is not None
    assert response.status == 404
    # The admin pages are not for her.
    response = page.goto(f"{live_server.url}/admin/users")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_disabling_a_user_blocks_sign_in(live_server: LiveServer, page: Page) -> None:
    live_server.make_user("root", admin=True)
    live_server.make_user("ann")
    sign_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/users")
    page.get_by_role("button", name="Disable ann").click()
    expect(page.get_by_text("Disabled ann: they can no longer sign in")).to_be_visible()
    expect(page.get_by_role("row", name="ann").get_by_text("Disabled")).to_be_visible()
    # One's own row offers nothing that could lock oneself out.
    expect(page.get_by_role("button", name="Disable root")).to_have_count(0)
    screenshot(page, "admin-user-disabled")
    sign_out(page)

    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("This account is disabled.")

    sign_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/users")
    page.get_by_role("button", name="Enable ann").click()
    expect(page.get_by_text("Enabled ann.")).to_be_visible()
    sign_out(page)
    sign_in(page, live_server, "ann")
    expect(page.get_by_label("Account menu")).to_have_text("ann")


def test_deleting_a_user_asks_first(live_server: LiveServer, page: Page) -> None:
    live_server.make_user("root", admin=True)
    live_server.make_user("ann")
    sign_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/users")
    page.get_by_role("link", name="Delete ann").click()
    expect(page.get_by_role("heading", name="Delete ann?")).to_be_visible()
    screenshot(page, "admin-delete-user")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("row", name="ann")).to_be_visible()
    page.get_by_role("link", name="Delete ann").click()
    page.get_by_role("button", name="Delete ann for good").click()
    expect(page.get_by_text("Deleted ann and everything that was theirs.")).to_be_visible()
    expect(page.get_by_role("row", name="ann")).to_have_count(0)


def test_self_registration_is_off_until_the_admin_turns_it_on(
    live_server: LiveServer, page: Page
) -> None:
    live_server.make_user("root", admin=True)
    page.goto(f"{live_server.url}/login")
    expect(page.get_by_role("link", name="Create an account")).to_have_count(0)
    response = page.goto(f"{live_server.url}/register")
    assert response is not None
    assert response.status == 404

    sign_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/instance")
    checkbox = page.get_by_label("Anyone may create an account")
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Instance settings saved.")).to_be_visible()
    expect(checkbox).to_be_checked()
    screenshot(page, "admin-instance")
    sign_out(page)

    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create an account")).to_be_visible()
    page.get_by_label("User name (no spaces)").fill("root")
    page.get_by_label("Password (at least 8 characters)").fill("eve-password")
    page.get_by_label("Password again").fill("eve-password")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert")).to_have_text("This user name is taken: choose another one.")
    page.get_by_label("User name (no spaces)").fill("eve")
    page.get_by_label("Password (at least 8 characters)").fill("eve-password")
    page.get_by_label("Password again").fill("eve-password")
    screenshot(page, "register")
    page.get_by_role("button", name="Create my account").click()
    # Signed in at once, and asked for a first feed.
    expect(page).to_have_url(f"{live_server.url}/subscriptions/add")
    expect(page.get_by_text("Welcome, eve")).to_be_visible()
    expect(page.get_by_label("Account menu")).to_have_text("eve")
    page.get_by_label("Account menu").click()
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)


def test_anonymous_reading_shows_the_chosen_stream_read_only(
    live_server: LiveServer, page: Page
) -> None:
    live_server.make_user("root", admin=True)
    ann = live_server.make_user("ann")
    titles = give_a_feed(live_server.database, ann, "annsfeed").titles
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login")

    sign_in(page, live_server, "root")
    page.goto(f"{live_server.url}/admin/instance")
    expect(page.get_by_label("Stream readable without signing in")).to_have_value("")
    page.get_by_label("Stream readable without signing in").select_option("ann")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Instance settings saved.")).to_be_visible()
    sign_out(page)

    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/")
    for title in titles:
        expect(page.get_by_text(title, exact=True).first).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    screenshot(page, "anonymous-stream")
    # Read-only: looking works, changing does not, and the account pages stay closed.
    token = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    unread = ids_of(live_server.database, ann, unread_only=True)
    assert len(unread) == len(titles)
    answer = page.request.post(
        f"{live_server.url}/entries/mark",
        form={"csrf_token": token, "ids": str(unread[0]), "action": "read"},
        headers={"Accept": "application/json"},
        max_redirects=0,
    )
    assert answer.status == 403
    assert answer.json() == {"error": "sign in to change anything"}
    assert ids_of(live_server.database, ann, unread_only=True) == unread
    page.goto(f"{live_server.url}/settings")
    expect(page).to_have_url(f"{live_server.url}/login?next=%2Fsettings")

    # Turned off again: the visitor is asked to sign in.
    save_instance_settings(live_server.database, InstanceSettings())
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/login")


def test_settings_change_password_and_api_keys(live_server: LiveServer, page: Page) -> None:
    live_server.make_user("ann")
    sign_in(page, live_server, "ann")
    page.get_by_label("Account menu").click()
    page.get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()

    page.get_by_label("Colour theme", exact=True).select_option("dark")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Preferences saved.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Paris")

    page.get_by_label("Current password").fill("wrong-password")
    page.get_by_label("New password (at least 8 characters)").fill("new-password-1")
    page.get_by_label("New password again").fill("new-password-1")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_have_text("The current password is wrong.")
    page.get_by_label("Current password").fill("password123")
    page.get_by_label("New password (at least 8 characters)").fill("new-password-1")
    page.get_by_label("New password again").fill("new-password-1")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Password changed.")).to_be_visible()

    page.get_by_label("Description (e.g. the app that will use it)").fill("newsboat")
    page.get_by_role("button", name="Create API key").click()
    token = page.get_by_label("The new API key")
    expect(token).to_have_value(re.compile(r"^[A-Za-z0-9_-]{43}$"))
    screenshot(page, "settings-new-api-key")
    page.goto(f"{live_server.url}/settings")
    expect(page.get_by_label("The new API key")).to_have_count(0)
    expect(page.get_by_role("row", name="newsboat")).to_be_visible()
    screenshot(page, "settings")

    def accept(dialog: Dialog) -> None:
        assert "Revoke the key" in dialog.message
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Revoke newsboat").click()
    expect(page.get_by_text("API key revoked.")).to_be_visible()
    expect(page.get_by_text("No API keys yet.")).to_be_visible()

    sign_out(page)
    page.get_by_label("User name").fill("ann")
    page.get_by_label("Password").fill("password123")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong user name or password.")
    sign_in(page, live_server, "ann", "new-password-1")
    expect(page.get_by_label("Account menu")).to_have_text("ann")
