"""Reading in Chromium: feeds served on 127.0.0.1, subscribed and refreshed through the
services, read in the normal, reader and global views; day separators, opening and
marking articles, the keyboard, infinite scroll, the new-articles banner, mark-all-read,
search and labels. Screenshots of the three views are kept as test artifacts."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Dialog, Locator, Page, Response, expect

from newsriver.clock import utcnow
from newsriver.service.preferences import Preferences, save_preferences
from newsriver.service.refresh import fetcher_config, index_new_entries, refresh, select_feeds
from newsriver.service.subscribe import subscribe_url
from newsriver.store import schema
from newsriver.web.ui.days import day_label
from tests.support.feed_server import FeedServer, Item
from tests.web.conftest import LiveServer, screenshot, sign_in

ZONE = "Europe/Paris"
# What odd and even stories are about, for searching.
TOPICS = ("gardens", "kernels")


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


def in_thread(coroutine: object) -> object:
    """Run a coroutine in a thread of its own: Playwright's sync API keeps an event loop
    in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()  # type: ignore[arg-type]


def subscribe(server: LiveServer, url: str, category: str | None = None) -> None:
    in_thread(
        subscribe_url(
            server.database, fetcher_config(server.settings), "alice", url, category=category
        )
    )


def refresh_all(server: LiveServer) -> None:
    """One refresh of every feed, as `newsriver refresh --all` runs it, then indexing."""
    chosen = select_feeds(server.database, user_name=None, feed_url=None, all_feeds=True)
    in_thread(refresh(server.database, server.settings, chosen))
    index_new_entries(server.database)


def items(prefix: str, count: int, *, newest: datetime, step: timedelta) -> list[Item]:
    """`count` items `step` apart, newest first as feeds list them."""
    return [
        Item(
            f"{prefix}-{number}",
            f"{prefix.capitalize()} story {number}",
            body=f"<p>Body of {prefix} story {number}, about {TOPICS[number % 2]}.</p>",
            published=newest - step * (count - 1 - number),
            link=f"https://example.org/{prefix}/{number}",
        )
        for number in range(count - 1, -1, -1)
    ]


@dataclass(frozen=True, slots=True)
class Reader:
    page: Page
    server: LiveServer
    feeds: FeedServer
    user_id: int

    def go(self, path: str) -> None:
        self.page.goto(f"{self.server.url}{path}")

    def articles(self) -> Locator:
        return self.page.locator("article.entry")

    def article(self, title: str) -> Locator:
        return self.page.locator("article.entry", has_text=title)

    def set_preferences(self, **changes: object) -> None:
        base = Preferences(timezone=ZONE)
        save_preferences(self.server.database, self.user_id, replace(base, **changes))  # type: ignore[arg-type]


@pytest.fixture
def reader(live_server: LiveServer, page: Page, feeds: FeedServer) -> Reader:
    """Alice, signed in, reading two feeds: "News" (5 stories, one a day: today back to
    four days ago) in the category "Daily", and "Blog" (3 stories of the last hours)."""
    user_id = live_server.make_user("alice")
    now = utcnow()
    feeds.feed(
        "/news.xml",
        items("news", 5, newest=now - timedelta(minutes=2), step=timedelta(days=1)),
        title="News",
    )
    feeds.feed(
        "/blog.xml",
        items("blog", 3, newest=now - timedelta(minutes=1), step=timedelta(minutes=1)),
        title="Blog",
    )
    subscribe(live_server, feeds.url("/news.xml"), category="Daily")
    subscribe(live_server, feeds.url("/blog.xml"))
    index_new_entries(live_server.database)
    save_preferences(live_server.database, user_id, Preferences(timezone=ZONE))
    sign_in(page, live_server, "alice")
    page.on("dialog", accept)
    return Reader(page, live_server, feeds, user_id)


def accept(dialog: Dialog) -> None:
    dialog.accept()


def marked(response: Response) -> bool:
    """The answer to a star or read change the page sent."""
    return response.url.endswith("/entries/mark")


def unread_count(page: Page, key: str) -> str:
    return page.locator(f'.sidebar [data-unread="{key}"]').first.inner_text()


def test_normal_view_groups_days_and_opens_articles_in_place(reader: Reader) -> None:
    page = reader.page
    reader.go("/?view=normal&show=all")
    expect(reader.articles()).to_have_count(8)
    expect(page).to_have_title("(8) newsriver")
    # Arrival order (entry id): the blog came second, so its stories are above.
    titles = reader.articles().locator(".entry-toggle").all_inner_texts()
    assert titles[:3] == ["Blog story 2", "Blog story 1", "Blog story 0"]
    assert titles[3:] == [f"News story {n}" for n in (4, 3, 2, 1, 0)]
    # Separators: one per change of day, in Paris time, computed as the page must.
    zone, now = ZoneInfo(ZONE), utcnow()
    expected: list[str] = []
    for published in [now] * 3 + [now - timedelta(days=d) for d in range(5)]:
        label = day_label(published - timedelta(minutes=2), now=now, zone=zone)
        if not expected or expected[-1] != label:
            expected.append(label)
    separators = page.locator("h2.day").all_inner_texts()
    assert separators == expected
    assert {"Yesterday", "Before yesterday"} <= set(separators)
    assert any(re.fullmatch(r"\w+day \d{1,2} \w+ \d{4}", label) for label in separators)
    screenshot(page, "reading-normal")

    story = reader.article("News story 3")
    expect(story.locator(".entry-body")).to_be_hidden()
    story.locator(".entry-toggle").click()
    expect(story.locator(".entry-content")).to_contain_text("Body of news story 3")
    expect(story.locator(".entry-toggle")).to_have_attribute("aria-expanded", "true")
    # Opened: read, and the counts follow.
    expect(story).not_to_have_class(re.compile(r"\bunread\b"))
    expect(page).to_have_title("(7) newsriver")
    expect(page.locator('.sidebar a[href^="/categories/"] .count')).to_have_text("4")
    original = story.locator("a[data-original]")
    expect(original).to_have_attribute("rel", "noopener noreferrer")
    expect(original).to_have_attribute("target", "_blank")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "reading-normal-open")

    # Opening another closes the first.
    reader.article("Blog story 1").locator(".entry-toggle").click()
    expect(story.locator(".entry-body")).to_be_hidden()

    # The page changes at once, the server answers after: wait for it before reading
    # the favourites (a loaded machine answers late).
    with page.expect_response(marked):
        story.locator(".star-button").click()
    expect(story.locator(".star-button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("[data-starred-count]")).to_have_text("1")
    with page.expect_response(marked):
        story.locator(".read-button").click()
    expect(story).to_have_class(re.compile(r"\bunread\b"))
    expect(page).to_have_title("(7) newsriver")  # Blog story 1 was read when opened

    # The server has it: the favourites list it, and it is unread again.
    reader.go("/favourites")
    expect(reader.articles()).to_have_count(1)
    expect(reader.articles().first).to_have_class(re.compile(r"\bunread\b"))
    expect(page.get_by_role("heading", name="Favourites", level=1)).to_be_visible()


def test_keyboard_navigation(reader: Reader) -> None:
    page = reader.page
    reader.go("/?view=normal&show=all")
    page.keyboard.press("j")
    first = reader.articles().nth(0)
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    expect(first.locator(".entry-body")).to_be_visible()
    page.keyboard.press("j")
    second = reader.articles().nth(1)
    expect(second).to_have_class(re.compile(r"\bcurrent\b"))
    expect(first.locator(".entry-body")).to_be_hidden()
    page.keyboard.press("k")
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))
    expect(first).not_to_have_class(re.compile(r"\bunread\b"))
    with page.expect_response(marked):
        page.keyboard.press("s")
    expect(first.locator(".star-button")).to_have_attribute("aria-pressed", "true")
    with page.expect_response(marked):
        page.keyboard.press("m")
    expect(first).to_have_class(re.compile(r"\bunread\b"))
    with page.expect_response(marked):
        page.keyboard.press("m")
    expect(first).not_to_have_class(re.compile(r"\bunread\b"))
    page.keyboard.press("o")
    expect(first.locator(".entry-body")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(first.locator(".entry-body")).to_be_visible()
    page.keyboard.press("Escape")
    expect(first.locator(".entry-body")).to_be_hidden()
    # Space goes on to the next article once the current one is read to its end.
    page.keyboard.press(" ")
    expect(second).to_have_class(re.compile(r"\bcurrent\b"))
    expect(second.locator(".entry-body")).to_be_visible()
    page.keyboard.press("Shift+ ")
    expect(first).to_have_class(re.compile(r"\bcurrent\b"))

    page.keyboard.press("?")
    help_dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Next / previous article")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()

    page.keyboard.press("/")
    expect(page.get_by_label("Search articles")).to_be_focused()
    # Typing in the search box types; it does not navigate.
    page.keyboard.type("js")
    expect(page.get_by_label("Search articles")).to_have_value("js")
    page.keyboard.press("Escape")

    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("s")
    assert page.url.endswith("/favourites")
    expect(reader.articles()).to_have_count(1)
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("g")
    assert page.url.endswith("/global")
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("a")
    assert page.url == f"{reader.server.url}/"


def test_reader_view_shows_articles_in_full(reader: Reader) -> None:
    page = reader.page
    reader.set_preferences(view="reader", mark_read_on_open=False)
    reader.go("/")
    expect(page.locator("body")).to_have_class(re.compile(r"\bview-reader\b"))
    expect(reader.articles()).to_have_count(8)
    for article in reader.articles().all():
        expect(article.locator(".entry-content")).to_be_visible()
    expect(page.get_by_role("heading", name="News story 2", level=3)).to_be_visible()
    screenshot(page, "reading-reader")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(reader.articles().nth(1)).to_have_class(re.compile(r"\bcurrent\b"))
    # Not marked read: this reader turned marking on opening off.
    expect(reader.articles().nth(1)).to_have_class(re.compile(r"\bunread\b"))


def test_global_view_shows_categories_as_tiles(reader: Reader) -> None:
    page = reader.page
    reader.go("/global")
    daily = page.locator(".tile", has_text="Daily")
    expect(daily.locator("h2 .count")).to_have_text("5")
    expect(page.locator(".tile", has_text="Uncategorised")).to_contain_text("Blog")
    screenshot(page, "reading-global")
    daily.get_by_role("link", name="News").click()
    expect(page.get_by_role("heading", name="News", level=1)).to_be_visible()
    expect(reader.articles()).to_have_count(5)


def test_infinite_scroll_loads_every_page_once(reader: Reader) -> None:
    page = reader.page
    now = utcnow()
    reader.feeds.feed(
        "/many.xml",
        items("many", 45, newest=now - timedelta(hours=1), step=timedelta(minutes=30)),
        title="Many",
    )
    subscribe(reader.server, reader.feeds.url("/many.xml"))
    reader.set_preferences(page_size=10, show="all", mark_read_on_scroll=True)
    fragments: list[str] = []
    page.on(
        "request",
        lambda request: (
            fragments.append(request.url)
            if "/feeds/" in request.url and "partial=1" in request.url
            else None
        ),
    )
    reader.go("/")
    page.locator(".sidebar").get_by_role("link", name="Many").click()
    expect(page.get_by_role("heading", name="Many", level=1)).to_be_visible()
    # Pages of 10 load as the end comes near, until the stream ends.
    for _ in range(40):
        if page.locator("[data-stream-end]").count():
            break
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(100)
    expect(reader.articles()).to_have_count(45)
    cursors = [re.search(r"after=(\d+)", url)[1] for url in fragments]  # type: ignore[index]
    assert len(cursors) == 4 == len(set(cursors)), fragments
    expect(page.locator("[data-stream-end]")).to_have_text("No more articles.")
    ids = [a.get_attribute("data-entry-id") for a in reader.articles().all()]
    assert len(ids) == len(set(ids)) == 45
    labels = page.locator("h2.day").all_inner_texts()
    assert len(labels) == len(set(labels)), f"a day was separated twice: {labels}"
    # Marked read on scroll: the articles that went past the top of the window.
    page.mouse.wheel(0, -100_000)
    expect(reader.articles().first).not_to_have_class(re.compile(r"\bunread\b"))
    expect(reader.articles().last).to_have_class(re.compile(r"\bunread\b"))


def test_new_articles_banner_and_tab_title(reader: Reader) -> None:
    page = reader.page
    page.clock.install()
    reader.go("/?view=normal")
    expect(page).to_have_title("(8) newsriver")
    banner = page.get_by_role(
        "button", name="There are new articles available, click to refresh the page"
    )
    expect(banner).to_be_hidden()
    page.clock.fast_forward("01:05")
    expect(banner).to_be_hidden()

    now = utcnow()
    reader.feeds.feed(
        "/blog.xml",
        [
            Item("blog-new", "Fresh blog story", published=now),
            *items("blog", 3, newest=now - timedelta(minutes=1), step=timedelta(minutes=1)),
        ],
        title="Blog",
    )
    refresh_all(reader.server)
    page.clock.fast_forward("01:05")
    expect(banner).to_be_visible()
    expect(page).to_have_title("(9) newsriver")
    # The page itself did not change under the reader's eyes.
    expect(reader.articles()).to_have_count(8)
    banner.click()
    expect(reader.articles()).to_have_count(9)
    expect(reader.articles().first).to_contain_text("Fresh blog story")


def test_mark_all_as_read_asks_first_and_spares_later_arrivals(
    live_server: LiveServer, page: Page, feeds: FeedServer
) -> None:
    user_id = live_server.make_user("alice")
    now = utcnow()
    feeds.feed("/news.xml", items("news", 4, newest=now, step=timedelta(days=4)))
    server = live_server
    subscribe(server, feeds.url("/news.xml"))
    save_preferences(server.database, user_id, Preferences(timezone=ZONE))
    sign_in(page, server, "alice")
    page.goto(f"{server.url}/?view=normal")
    expect(page.locator("article.entry")).to_have_count(4)

    answers = iter([False, True, True])
    questions: list[str] = []

    def answer(dialog: Dialog) -> None:
        questions.append(dialog.message)
        if next(answers):
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", answer)
    # Declined: nothing changes.
    page.keyboard.press("Shift+A")
    expect(page.locator("article.entry.unread")).to_have_count(4)
    assert questions == ["Mark all articles of “Main stream” as read?"]

    menu = page.locator("details[data-mark-all]")
    menu.locator("summary").click()
    with page.expect_navigation():
        menu.get_by_role("button", name="Older than one week").click()
    expect(page.get_by_text("Marked 2 articles as read.")).to_be_visible()
    expect(page.locator("article.entry")).to_have_count(2)

    # Arrived after this page was loaded: it stays unread.
    late = Item("late", "Late story", published=now)
    feeds.feed("/news.xml", [late, *items("news", 4, newest=now, step=timedelta(days=4))])
    refresh_all(server)
    page.locator("details[data-mark-all] summary").click()
    with page.expect_navigation():
        page.get_by_role("button", name="All of them").click()
    expect(page.get_by_text("Marked 2 articles as read.")).to_be_visible()
    expect(page.locator("article.entry")).to_have_count(1)
    expect(page.locator("article.entry")).to_contain_text("Late story")
    expect(page).to_have_title("(1) newsriver")
    assert len(questions) == 3


def test_search_words_and_phrases(reader: Reader) -> None:
    page = reader.page
    reader.go("/?view=normal&show=all")
    search = page.get_by_label("Search articles")
    search.fill("kernels")
    with page.expect_navigation():
        search.press("Enter")
    titles = reader.articles().locator(".entry-toggle").all_inner_texts()
    assert sorted(titles) == ["Blog story 1", "News story 1", "News story 3"]
    expect(page.get_by_text("Articles matching")).to_contain_text("kernels")
    expect(search).to_have_value("kernels")

    search.fill('"news story 3"')
    with page.expect_navigation():
        search.press("Enter")
    expect(reader.articles()).to_have_count(1)
    search.fill("nothing-like-this")
    with page.expect_navigation():
        search.press("Enter")
    expect(page.get_by_text("No article matches this search.")).to_be_visible()
    page.get_by_role("link", name="clear the search").click()
    expect(reader.articles()).to_have_count(8)


def test_labels_are_created_added_and_removed(reader: Reader) -> None:
    page = reader.page
    reader.go("/?view=normal&show=all")
    story = reader.article("News story 2")
    story.locator(".entry-toggle").click()
    story.locator(".labels-menu summary").click()
    story.get_by_label("New label").fill("Later")
    story.get_by_role("button", name="Add").click()
    expect(story.locator(".entry-header .label-chip")).to_have_text("Later")
    expect(page.locator(".sidebar").get_by_role("link", name="Later")).to_be_visible()

    other = reader.article("Blog story 0")
    other.locator(".entry-toggle").click()
    other.locator(".labels-menu summary").click()
    # The chip changes at once; the server's answer comes after: wait for it before
    # reading the label's stream (a loaded machine answers late).
    with page.expect_response(lambda response: response.url.endswith("/entries/labels")):
        other.get_by_label("Later").check()
    expect(other.locator(".entry-header .label-chip")).to_have_text("Later")

    page.locator(".sidebar").get_by_role("link", name="Later").click()
    expect(page.get_by_role("heading", name="Later", level=1)).to_be_visible()
    expect(reader.articles()).to_have_count(2)
    first = reader.articles().first
    first.locator(".entry-toggle").click()
    first.locator(".labels-menu summary").click()
    with page.expect_response(lambda response: response.url.endswith("/entries/labels")):
        first.get_by_label("Later").uncheck()
    expect(first.locator(".entry-header .label-chip")).to_have_count(0)
    page.reload()
    expect(reader.articles()).to_have_count(1)


def test_refresh_fetches_the_due_feeds_and_shows_their_news(reader: Reader) -> None:
    page = reader.page
    now = utcnow()
    fresh = Item("blog-new", "Refreshed story", published=now)
    older = items("blog", 3, newest=now - timedelta(minutes=1), step=timedelta(minutes=1))
    reader.feeds.feed("/blog.xml", [fresh, *older], title="Blog")
    with reader.server.database.write() as connection:
        connection.execute(schema.feeds.update().values(next_check_at=now - timedelta(minutes=1)))
    reader.go("/?view=normal")
    expect(reader.articles()).to_have_count(8)
    with page.expect_navigation():
        page.keyboard.press("r")
    expect(page.get_by_text("Checked 2 feeds: 1 new article.")).to_be_visible()
    expect(reader.articles()).to_have_count(9)
    expect(reader.articles().first).to_contain_text("Refreshed story")
