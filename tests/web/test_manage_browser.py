"""Managing subscriptions in Chromium: subscribing to real feeds served on 127.0.0.1,
choosing among a site's feeds, plain errors, editing, categories, OPML and feed health."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect

from newsriver.service.refresh import refresh, select_feeds
from tests.support.feed_server import FeedServer, Item
from tests.web.conftest import LiveServer, screenshot, sign_in


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def alice(live_server: LiveServer, page: Page) -> Page:
    """`page`, signed in as alice, who has no subscription yet."""
    live_server.make_user("alice")
    sign_in(page, live_server, "alice")
    page.on("dialog", lambda dialog: accept(dialog))
    return page


def accept(dialog: Dialog) -> None:
    dialog.accept()


def add_feed(page: Page, server: LiveServer, url: str, category: str | None = None) -> None:
    page.goto(f"{server.url}/subscriptions/add")
    page.get_by_label("Address of a feed or of a website").fill(url)
    if category is not None:
        page.get_by_label("Category").select_option(label=category)
    page.get_by_role("button", name="Subscribe").click()


def refresh_all(server: LiveServer) -> None:
    """One refresh of every feed, as `newsriver refresh --all` would run it."""
    feeds = select_feeds(server.database, user_name=None, feed_url=None, all_feeds=True)
    # In a thread of its own: Playwright's sync API keeps an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, refresh(server.database, server.settings, feeds)).result()


def test_subscribe_edit_move_and_unsubscribe(
    live_server: LiveServer, alice: Page, feeds: FeedServer
) -> None:
    page = alice
    url = feeds.feed("/blog.xml", [Item("b", "Second post"), Item("a", "First post")], title="Blog")
    page.goto(f"{live_server.url}/categories")
    page.get_by_label("Name of the new category").fill("News")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Category “News” created.")).to_be_visible()

    add_feed(page, live_server, url, category="News")
    screenshot(page, "manage-subscribed")

    expect(page.get_by_text("Subscribed to “Blog”.")).to_be_visible()
    expect(page.get_by_role("heading", name="Blog", level=1)).to_be_visible()
    expect(page.get_by_label("Category").locator("option:checked")).to_have_text("News")
    page.get_by_label("Title", exact=True).fill("My blog")
    page.get_by_label("Check for new articles").select_option(label="Every 30 min")
    page.get_by_label("For at most (days)").fill("90")
    page.get_by_label("Open articles on their website instead of showing them here").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_role("heading", name="My blog", level=1)).to_be_visible()
    expect(page.get_by_label("Check for new articles")).to_have_value("1800")
    expect(page.get_by_label("For at most (days)")).to_have_value("90")
    screenshot(page, "manage-edit")

    moved = feeds.feed("/moved.xml", [Item("c", "Third post")], title="Blog")
    page.get_by_label("Feed address").fill(moved)
    page.get_by_role("button", name="Change the address").click()
    expect(page.get_by_text("Address changed")).to_be_visible()
    expect(page.get_by_label("Feed address")).to_have_value(moved)

    page.goto(f"{live_server.url}/subscriptions")
    group = page.get_by_role("region", name="News (1)")
    expect(group.get_by_role("link", name="My blog", exact=True)).to_be_visible()
    expect(group.get_by_text(moved)).to_be_visible()
    screenshot(page, "manage-subscriptions")

    group.get_by_role("link", name="Edit My blog").click()
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.get_by_text("Unsubscribed from “My blog”.")).to_be_visible()
    expect(page.get_by_text("You do not follow any feed yet.")).to_be_visible()


def test_refused_values_show_why_and_keep_the_form(
    live_server: LiveServer, alice: Page, feeds: FeedServer
) -> None:
    page = alice
    add_feed(page, live_server, feeds.feed("/a.xml", [Item("a", "A")]))
    expect(page.get_by_text("Subscribed to")).to_be_visible()
    # The browser's own checks (min/max) would stop this form: they are not the last word.
    page.get_by_label("For at most (days)").evaluate("input => input.removeAttribute('min')")
    page.get_by_label("For at most (days)").fill("0")
    page.get_by_label("Title", exact=True).fill("Typed title")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_have_text(
        "The maximum age (days) must be between 1 and 3650."
    )
    expect(page.get_by_label("Title", exact=True)).to_have_value("Typed title")


def test_a_site_offering_several_feeds_lets_one_choose(
    live_server: LiveServer, alice: Page, feeds: FeedServer
) -> None:
    page = alice
    posts = feeds.feed("/posts.xml", [Item("p", "A post")], title="Posts")
    comments = feeds.feed("/comments.xml", [Item("c", "A comment")], title="Comments")
    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" title="{title}" href="{href}">'
        for title, href in (("All posts", posts), ("All comments", comments))
    )
    site = feeds.page("/", f"<html><head><title>Site</title>{links}</head><body></body></html>")

    add_feed(page, live_server, site)

    expect(page.get_by_role("group", name="offers these feeds")).to_be_visible()
    expect(page.get_by_label("All posts")).to_be_checked()
    screenshot(page, "manage-choose-feed")
    page.get_by_label("All comments").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_text("Subscribed to “Comments”.")).to_be_visible()
    assert feeds.hits("/posts.xml") == 0


def test_errors_are_said_plainly(live_server: LiveServer, alice: Page, feeds: FeedServer) -> None:
    page = alice
    not_a_feed = feeds.page("/hello.html", "<html><body><p>Just a page.</p></body></html>")
    add_feed(page, live_server, not_a_feed)
    expect(page.get_by_role("alert")).to_contain_text(
        "That address is not a feed, and its page does not name one."
    )
    expect(page.get_by_label("Address of a feed or of a website")).to_have_value(not_a_feed)
    screenshot(page, "manage-error-not-a-feed")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    add_feed(page, live_server, f"http://127.0.0.1:{closed_port}/feed.xml")
    expect(page.get_by_role("alert")).to_contain_text(
        "The host refused the connection or could not be reached."
    )
    page.goto(f"{live_server.url}/subscriptions")
    expect(page.get_by_text("You do not follow any feed yet.")).to_be_visible()


def test_categories_create_rename_reorder_delete(
    live_server: LiveServer, alice: Page, feeds: FeedServer
) -> None:
    page = alice
    page.goto(f"{live_server.url}/categories")
    for name in ("News", "Tech", "Music"):
        page.get_by_label("Name of the new category").fill(name)
        page.get_by_role("button", name="Create").click()
        expect(page.get_by_text(f"Category “{name}” created.")).to_be_visible()
    add_feed(page, live_server, feeds.feed("/t.xml", [Item("t", "T")], title="T"), category="Tech")
    page.goto(f"{live_server.url}/categories")

    names = page.locator(".category input[name=name]")
    assert [names.nth(i).input_value() for i in range(3)] == ["News", "Tech", "Music"]
    expect(page.get_by_role("button", name="Move News up")).to_be_disabled()
    page.get_by_role("button", name="Move Music up").click()
    page.get_by_role("button", name="Move News down").click()
    values = [names.nth(i).input_value() for i in range(3)]
    assert values == ["Music", "News", "Tech"]

    page.get_by_label("Name of category Tech").fill("Science")
    page.get_by_role("button", name="Rename Tech").click()
    expect(page.get_by_text("Category renamed.")).to_be_visible()
    page.get_by_label("Name of category Science").fill("News")
    page.get_by_role("button", name="Rename Science").click()
    expect(page.get_by_role("alert")).to_have_text("You already have a category named “News”.")
    screenshot(page, "manage-categories")

    page.goto(f"{live_server.url}/categories")
    expect(page.locator("#category-" + category_id(page, "Science"))).to_contain_text("1 feed")
    page.get_by_role("button", name="Delete Science").click()
    expect(page.get_by_text("Category deleted; its feeds are now uncategorised.")).to_be_visible()
    page.goto(f"{live_server.url}/subscriptions")
    expect(page.get_by_role("region", name="Uncategorised (1)")).to_contain_text("T")


def category_id(page: Page, name: str) -> str:
    field = page.get_by_label(f"Name of category {name}")
    field_id = field.get_attribute("id")
    assert field_id is not None
    return field_id.removeprefix("name-")


def test_opml_upload_shows_progress_then_the_summary_and_export_downloads(
    live_server: LiveServer, alice: Page, tmp_path: Path
) -> None:
    page = alice
    outlines = "".join(
        f'<outline text="Feed {n}" type="rss" xmlUrl="https://example.org/{n}.xml"/>'
        for n in range(300)
    )
    opml = tmp_path / "mine.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>'
        f'<outline text="Imported">{outlines}</outline>'
        '<outline text="Bad" type="rss" xmlUrl="ftp://example.org/x"/></body></opml>'
    )
    page.goto(f"{live_server.url}/opml/import")
    # Remember whether the progress bar ever showed (the upload is quick on 127.0.0.1).
    page.evaluate(
        """() => {
             window.progressSeen = false;
             const box = document.querySelector('[data-progress]');
             new MutationObserver(() => { if (!box.hidden) window.progressSeen = true; })
               .observe(box, {attributes: true});
           }"""
    )
    page.get_by_label("OPML file", exact=True).set_input_files(opml)
    page.get_by_role("button", name="Import").click()

    summary = page.get_by_role("status").filter(has_text="Imported")
    expect(summary).to_contain_text("300 feeds in the file")
    expect(summary).to_contain_text("300 added")
    expect(summary.get_by_role("heading", name="Problems")).to_be_visible()
    assert page.url == f"{live_server.url}/opml/import"  # the page stayed: JavaScript did it
    assert page.evaluate("window.progressSeen") is True
    expect(page.locator("[data-progress]")).to_be_hidden()
    screenshot(page, "manage-opml-imported")
    expect(summary.get_by_role("link", name="Feed 299")).to_be_hidden()  # a long list is folded
    summary.get_by_text("The 300 feeds added").click()
    expect(summary.get_by_role("link", name="Feed 299")).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download OPML").click()
    download = download_info.value
    assert download.suggested_filename.startswith("newsriver-alice-")
    exported = Path(download.path()).read_text()
    assert 'xmlUrl="https://example.org/299.xml"' in exported
    assert 'text="Imported"' in exported


def test_opml_import_works_without_javascript(
    live_server: LiveServer, browser_without_js: Page, tmp_path: Path
) -> None:
    page = browser_without_js
    live_server.make_user("alice")
    sign_in(page, live_server, "alice")
    opml = tmp_path / "mine.opml"
    opml.write_text(
        '<opml version="2.0"><body><outline text="One" xmlUrl="https://example.org/1.xml"/>'
        "</body></opml>"
    )
    page.goto(f"{live_server.url}/opml/import")
    page.get_by_label("OPML file", exact=True).set_input_files(opml)
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status").filter(has_text="Imported")).to_contain_text("1 added")


@pytest.fixture
def browser_without_js(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_health_pages(live_server: LiveServer, alice: Page, feeds: FeedServer) -> None:
    page = alice
    good = feeds.feed("/good.xml", [Item("g", "Good")], title="Good feed")
    flaky = feeds.feed("/flaky.xml", [Item("f", "Flaky")], title="Flaky feed")
    add_feed(page, live_server, good)
    add_feed(page, live_server, flaky)
    feeds.status("/flaky.xml", 503)
    refresh_all(live_server)  # good: 304; flaky: 503
    refresh_all(live_server)

    page.goto(f"{live_server.url}/health")
    rows = page.locator(".health-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Flaky feed")
    expect(rows.nth(0)).to_contain_text("Failing")
    expect(rows.nth(0)).to_contain_text("503 Service Unavailable")
    expect(rows.nth(1)).to_contain_text("Good feed")
    expect(rows.nth(1)).to_contain_text("304 Not Modified")
    expect(rows.nth(1)).to_contain_text("67%")
    screenshot(page, "manage-health")
    page.emulate_media(color_scheme="dark")
    screenshot(page, "manage-health-dark")
    page.emulate_media(color_scheme="light")

    rows.nth(0).get_by_role("link", name="Flaky feed").click()
    expect(page.get_by_role("heading", name="Flaky feed")).to_be_visible()
    errors = page.get_by_role("region", name="Recent errors")
    expect(errors.locator("tbody tr")).to_have_count(2)
    expect(errors).to_contain_text("503 Service Unavailable")
    expect(page.get_by_role("region", name="Latest fetches").locator("tbody tr")).to_have_count(3)
    screenshot(page, "manage-feed-health")
    page.get_by_role("button", name="Check now").click()
    expect(page.get_by_text("The feed will be fetched")).to_be_visible()
    expect(page.get_by_text("a subscriber asked for a check")).to_be_visible()
