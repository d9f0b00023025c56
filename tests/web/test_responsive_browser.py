"""A phone-sized window: the stream fits the width, the sidebar opens from the top bar,
and everything can be reached with the keyboard alone (focus is always visible)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from playwright.sync_api import Browser, ViewportSize, expect

from newsriver.clock import utcnow
from newsriver.service.refresh import fetcher_config, index_new_entries, refresh, select_feeds
from newsriver.service.subscribe import subscribe_url
from tests.support.feed_server import FeedServer, Item
from tests.web.conftest import LiveServer, screenshot, sign_in

PHONE = ViewportSize(width=390, height=844)


def _subscribed_reader(server: LiveServer, feeds: FeedServer) -> None:
    server.make_user("alice", admin=True)
    now = utcnow()
    url = feeds.feed(
        "/news.xml",
        [
            Item(
                f"n-{i}",
                f"A rather long headline number {i} about gardens and kernels",
                body=f"<p>Story {i}.</p>",
                published=now - timedelta(hours=i),
            )
            for i in range(8)
        ],
        title="News with a long name for a small screen",
    )

    def setup() -> None:
        asyncio.run(subscribe_url(server.database, fetcher_config(server.settings), "alice", url))
        chosen = select_feeds(server.database, user_name=None, feed_url=None, all_feeds=True)
        asyncio.run(refresh(server.database, server.settings, chosen))

    # Playwright's sync API keeps an event loop in this thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(setup).result()
    index_new_entries(server.database)


def test_phone_layout_and_sidebar(live_server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        with FeedServer() as feeds:
            _subscribed_reader(live_server, feeds)
            sign_in(page, live_server, "alice")
            page.goto(f"{live_server.url}/?show=all")
            expect(page.locator("article.entry")).to_have_count(8)
            # Nothing wider than the screen: no sideways scrolling on a phone.
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"the page is {width}px wide on a 390px screen"
            # The sidebar starts off-screen, and opens from the top bar.
            expect(page.locator("#sidebar a.stream-link").first).not_to_be_in_viewport()
            toggle = page.get_by_role("button", name="Streams")
            toggle.click()
            expect(toggle).to_have_attribute("aria-expanded", "true")
            expect(page.locator("#sidebar a.stream-link").first).to_be_in_viewport()
            screenshot(page, "phone-sidebar")
            page.keyboard.press("Escape")
            expect(toggle).to_have_attribute("aria-expanded", "false")
            expect(page.locator("#sidebar a.stream-link").first).not_to_be_in_viewport()
            # Titles get a line of their own: the whole width, not a sliver.
            title = page.locator("article.entry .entry-toggle").first
            box = title.bounding_box()
            assert box is not None
            assert box["width"] > PHONE["width"] * 0.6, f"titles get {box['width']}px"
            screenshot(page, "phone-stream")
    finally:
        context.close()
    assert not errors, errors


def test_keyboard_alone_reaches_the_stream(live_server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    try:
        with FeedServer() as feeds:
            _subscribed_reader(live_server, feeds)
            sign_in(page, live_server, "alice")
            page.goto(f"{live_server.url}/?show=all")
            # The first Tab reaches the skip link, which moves focus to the content.
            page.keyboard.press("Tab")
            skip = page.get_by_role("link", name="Skip to content")
            expect(skip).to_be_focused()
            expect(skip).to_be_in_viewport()
            page.keyboard.press("Enter")
            focused = page.evaluate("document.activeElement.id")
            assert focused == "main"
            # Every focusable control has a name a screen reader can say.
            unnamed = page.evaluate(
                """() => [...document.querySelectorAll('a[href], button, input, select, textarea')]
                    .filter(el => el.offsetParent !== null && el.type !== 'hidden')
                    .filter(el => !(el.getAttribute('aria-label') || el.labels?.length
                        || el.title || el.textContent.trim() || el.placeholder))
                    .map(el => el.outerHTML.slice(0, 80))"""
            )
            assert unnamed == []
    finally:
        context.close()
