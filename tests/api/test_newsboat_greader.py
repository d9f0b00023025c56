"""newsboat 2.21 in its "feedhq" mode (the Google Reader API) against `newsriver serve`.

newsboat logs in with ClientLogin, lists the subscriptions, then reads each one as the
legacy Atom stream `reader/atom/feed%2F<id>?n=20`; an entry's read state travels as a
Google Reader category (`read`, or `fresh` for unread). What it stores in its SQLite
cache must be what newsriver has, and its unread count newsriver's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.api.newsboat import (
    DEFAULT_FEEDS,
    Entries,
    NewsboatRun,
    NewsriverServer,
    check_read_state_round_trip,
    newsboat_binary,
    run_newsboat,
    running_newsriver,
    server_entries,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsriverServer]:
    newsboat_binary()
    with running_newsriver(tmp_path_factory.mktemp("newsriver")) as running:
        yield running


def feed_id_of(feedurl: str) -> int:
    """The subscription an Atom stream URL newsboat stored names (`…/atom/feed%2F3?n=20`)."""
    stream = unquote(urlsplit(feedurl).path.rsplit("/reader/atom/", 1)[1])
    assert stream.startswith("feed/"), feedurl
    return int(stream.removeprefix("feed/"))


def our_entries(server: NewsriverServer) -> Entries:
    """Long item id -> (feed id, title, link, read) for every entry of the user."""
    return {
        f"tag:google.com,2005:reader/item/{entry.id:016x}": (
            entry.feed_id,
            entry.title,
            entry.link,
            entry.read,
        )
        for entry in server_entries(server)
    }


def their_entries(run: NewsboatRun) -> Entries:
    return {
        row["guid"]: (feed_id_of(row["feedurl"]), row["title"], row["url"], not row["unread"])
        for row in run.items()
    }


def test_newsboat_stores_every_article_with_our_unread_count(
    server: NewsriverServer, tmp_path: Path
) -> None:
    run = run_newsboat(newsboat_binary(), tmp_path / "newsboat", server.feedhq_config())
    served = sum(len(feed.items) for feed in DEFAULT_FEEDS)
    assert server.unread() == served
    assert run.unread() == served
    assert their_entries(run) == our_entries(server)
    titles = {row["title"] for row in run.rows("rss_feed")}
    assert titles == {feed.title for feed in DEFAULT_FEEDS}


def test_read_state_set_in_newsriver_reaches_newsboat_at_its_next_reload(
    server: NewsriverServer, tmp_path: Path
) -> None:
    # Marked unread again on the server: unread again in newsboat (the `fresh` state).
    check_read_state_round_trip(
        server, tmp_path / "newsboat", server.feedhq_config(), our_entries, their_entries
    )


def test_a_wrong_api_password_leaves_newsboat_without_articles(
    server: NewsriverServer, tmp_path: Path
) -> None:
    config = server.feedhq_config().replace(server.api_password, "not-the-password")
    with pytest.raises(AssertionError, match="exited"):
        run_newsboat(newsboat_binary(), tmp_path / "newsboat", config)
    assert 'POST /api/greader/accounts/ClientLogin HTTP/1.1" 401' in server.log()
