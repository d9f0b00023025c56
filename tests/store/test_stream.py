"""The reading contract (store and service, on SQLite and PostgreSQL): streams by
label and category on every strategy, pages while entries arrive, mark-all-read and its
boundaries, the new-articles check, the sidebar, and users kept apart throughout."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, Literal

import pytest
from sqlalchemy import select, update

from newsriver.clock import utcnow
from newsriver.errors import NotFoundError
from newsriver.service import labels as label_service
from newsriver.service import reading, sync
from newsriver.service.reading import PageRequest, Stream
from newsriver.store import categories, schema
from newsriver.store import entries as entries_module
from newsriver.store.database import Database
from newsriver.store.entries import EntryQuery, list_entries, set_starred
from tests.store import (
    DAY,
    HOUR,
    NOW,
    add_feed,
    add_user,
    dated_items,
    entries_of,
    ids_of,
    index_search,
    mark,
    refresh,
)
from tests.support.feed_server import Item


@pytest.fixture(params=["merged", "filtered"])
def category_strategy(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Categories are read by merging each feed's first entries, or (above a number of
    feeds) by filtering the stream: both must list exactly the same entries."""
    if request.param == "filtered":
        monkeypatch.setattr(entries_module, "MAX_MERGED_FEEDS", 0)
    return str(request.param)


def category_id(database: Database, user_id: int, name: str) -> int:
    c = schema.categories
    with database.read() as connection:
        found = connection.scalar(select(c.c.id).where(c.c.user_id == user_id, c.c.name == name))
    assert found is not None
    return int(found)


def all_pages(database: Database, user_id: int, limit: int, **query: Any) -> Iterator[list[int]]:
    """The ids of each page of a store query, following its cursor to the end."""
    cursor: int | None = None
    while True:
        with database.read() as connection:
            page = list_entries(
                connection, user_id, EntryQuery(after_id=cursor, limit=limit, **query)
            )
        if not page:
            return
        yield [row.id for row in page]
        cursor = page[-1].id


def service_pages(database: Database, user_id: int, request: PageRequest) -> list[list[int]]:
    pages: list[list[int]] = []
    after: int | None = None
    while True:
        page = reading.stream(
            database,
            user_id,
            PageRequest(
                stream=request.stream,
                unread_only=request.unread_only,
                order=request.order,
                search=request.search,
                after=after,
                limit=request.limit,
            ),
        )
        pages.append([row.id for row in page.entries])
        if page.next_after is None:
            return pages
        after = page.next_after


def test_category_pages_match_the_filtered_stream_on_both_strategies(
    database: Database, category_strategy: str
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    busy = add_feed(database, "https://example.org/busy.xml", alice, category="Mixed")
    quiet = add_feed(database, "https://example.org/quiet.xml", alice, category="Mixed")
    other = add_feed(database, "https://example.org/other.xml", alice, bob, category="Other")
    # Interleaved arrivals: the quiet feed's few entries sit between the busy one's.
    refresh(database, busy, dated_items("b", 9))
    refresh(database, quiet, dated_items("q", 2))
    refresh(database, other, dated_items("o", 5))
    refresh(database, busy, dated_items("b2", 4, newest=NOW), now=NOW + HOUR)
    refresh(database, quiet, dated_items("q2", 1, newest=NOW), now=NOW + HOUR)
    everything = entries_of(database, alice)
    mark(database, alice, [row.id for row in everything[::2]], read=True)
    rows = entries_of(database, alice)
    mixed = category_id(database, alice, "Mixed")
    in_mixed = [row for row in rows if row.feed_id in (busy, quiet)]

    for order in ("newest", "oldest"):
        ordered = in_mixed if order == "newest" else in_mixed[::-1]
        for unread_only in (False, True):
            expected = [row.id for row in ordered if not (unread_only and row.read)]
            for limit in (1, 2, 5, 100):
                pages = list(
                    all_pages(
                        database,
                        alice,
                        limit,
                        category_id=mixed,
                        unread_only=unread_only,
                        order=order,
                    )
                )
                assert [entry for page in pages for entry in page] == expected
                assert all(len(page) <= limit for page in pages)
    # A category of another user's selects nothing, even on a feed both read.
    bobs = add_feed(database, "https://example.org/other.xml", bob, category="Bob's")
    assert bobs == other
    assert ids_of(database, alice, category_id=category_id(database, bob, "Bob's")) == []
    assert ids_of(database, bob, category_id=mixed) == []


def test_an_empty_category_lists_nothing(database: Database, category_strategy: str) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/a.xml", alice, category="Full")
    refresh(database, feed_id, dated_items("a", 3))
    with database.write() as connection:
        categories.create_category(connection, alice, "Empty")
    assert ids_of(database, alice, category_id=category_id(database, alice, "Empty")) == []
    assert len(ids_of(database, alice, category_id=category_id(database, alice, "Full"))) == 3


@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_label_pages_are_stable_while_entries_arrive_and_get_labelled(
    database: Database, order: Literal["newest", "oldest"]
) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/a.xml", alice)
    ids = refresh(database, feed_id, dated_items("a", 12)).new_ids
    later = label_service.create_label(database, alice, "Later", entry_ids=ids[::2])
    labelled = sorted(ids[::2], reverse=order == "newest")

    seen: list[int] = []
    for step, page in enumerate(all_pages(database, alice, 2, label_id=later, order=order)):
        seen.extend(page)
        # Arrivals, labelled at once: above the cursor when newest first, after it else.
        arrived = refresh(
            database,
            feed_id,
            dated_items(f"n{step}", 1, newest=NOW + step * HOUR),
            now=NOW + step * HOUR,
        ).new_ids
        label_service.label_entries(database, alice, later, arrived)
        if step >= 2:
            break
    rest_cursor = seen[-1]
    seen.extend(ids_of(database, alice, label_id=later, order=order, after_id=rest_cursor))
    assert len(seen) == len(set(seen))
    if order == "newest":
        assert seen == labelled
    else:
        assert seen[: len(labelled)] == labelled
        assert len(seen) == len(labelled) + 3


def test_a_label_stream_combines_with_unread_search_and_category(database: Database) -> None:
    alice = add_user(database, "alice")
    news = add_feed(database, "https://example.org/news.xml", alice, category="News")
    blog = add_feed(database, "https://example.org/blog.xml", alice)
    news_ids = refresh(
        database,
        news,
        [Item("n1", "Kernel news"), Item("n2", "Garden news"), Item("n3", "Kernel again")],
    ).new_ids
    blog_ids = refresh(database, blog, [Item("b1", "Kernel blog"), Item("b2", "Cats")]).new_ids
    index_search(database)
    keep = label_service.create_label(database, alice, "Keep", entry_ids=news_ids + blog_ids)
    mark(database, alice, [news_ids[0]], read=True)
    by_title = {row.title: row.id for row in entries_of(database, alice)}

    assert set(ids_of(database, alice, label_id=keep)) == set(news_ids + blog_ids)
    assert set(ids_of(database, alice, label_id=keep, unread_only=True)) == set(
        news_ids[1:] + blog_ids
    )
    assert set(ids_of(database, alice, label_id=keep, search="kernel")) == {
        by_title["Kernel news"],
        by_title["Kernel again"],
        by_title["Kernel blog"],
    }
    news_category = category_id(database, alice, "News")
    assert set(ids_of(database, alice, label_id=keep, category_id=news_category)) == set(news_ids)
    assert ids_of(database, alice, label_id=keep, starred_only=True) == []


def test_another_users_label_selects_nothing_even_on_a_shared_feed(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    shared = add_feed(database, "https://example.org/shared.xml", alice, bob)
    ids = refresh(database, shared, dated_items("s", 4)).new_ids
    alices = label_service.create_label(database, alice, "Mine", entry_ids=ids)
    assert set(ids_of(database, alice, label_id=alices)) == set(ids)
    # Bob has these entries too, but the label is alice's.
    assert ids_of(database, bob, label_id=alices) == []
    assert ids_of(database, bob, label_id=alices, search="entry") == []
    with pytest.raises(NotFoundError):
        reading.stream(database, bob, PageRequest(stream=Stream("label", alices)))


def test_service_pages_end_with_no_cursor_and_carry_labels(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/a.xml", alice)
    ids = refresh(database, feed_id, dated_items("a", 7)).new_ids
    first = label_service.create_label(database, alice, "First", entry_ids=ids[:2])
    second = label_service.create_label(database, alice, "Second", entry_ids=ids[1:2])

    pages = service_pages(database, alice, PageRequest(limit=3, unread_only=False))
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [entry for page in pages for entry in page] == sorted(ids, reverse=True)
    # Exactly a page's worth left: no empty page after it.
    assert [len(page) for page in service_pages(database, alice, PageRequest(limit=7))] == [7]

    page = reading.stream(database, alice, PageRequest(order="oldest", limit=3))
    assert page.labels == {ids[0]: (first,), ids[1]: (first, second)}
    assert page.newest_id == max(ids)
    assert page.title == ""
    feed_page = reading.stream(database, alice, PageRequest(stream=Stream("feed", feed_id)))
    assert feed_page.title == "Test feed"
    with pytest.raises(ValueError, match="1 to 1000"):
        reading.stream(database, alice, PageRequest(limit=0))
    with pytest.raises(ValueError, match="needs"):
        Stream("feed")


def test_streams_of_ids_that_are_not_the_users_are_not_found(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    alices_feed = add_feed(database, "https://example.org/a.xml", alice, category="A")
    refresh(database, alices_feed, dated_items("a", 2))
    add_feed(database, "https://example.org/b.xml", bob)
    alices_category = category_id(database, alice, "A")
    for stream in (
        Stream("feed", alices_feed),
        Stream("category", alices_category),
        Stream("label", 999_999),
        Stream("feed", 999_999),
    ):
        with pytest.raises(NotFoundError):
            reading.stream(database, bob, PageRequest(stream=stream))
        with pytest.raises(NotFoundError):
            reading.mark_all_read(database, bob, stream, up_to_id=10**9)
    assert len(ids_of(database, alice, unread_only=True)) == 2


def test_mark_all_read_stops_at_the_pages_newest_entry(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/a.xml", alice)
    shown = refresh(database, feed_id, dated_items("a", 5)).new_ids
    page = reading.stream(database, alice, PageRequest(limit=2))
    assert page.newest_id == max(shown)
    arrived = refresh(
        database, feed_id, dated_items("later", 2, newest=NOW + HOUR), now=NOW + HOUR
    ).new_ids

    marked = reading.mark_all_read(database, alice, Stream(), up_to_id=page.newest_id)
    assert marked == 5
    assert ids_of(database, alice, unread_only=True) == sorted(arrived, reverse=True)
    # Again: nothing more to do below the mark.
    assert reading.mark_all_read(database, alice, Stream(), up_to_id=page.newest_id) == 0


def test_mark_all_read_older_than_a_cutoff(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/a.xml", alice)
    # Published 1 h, 3 days and 10 days ago, from the real clock the service reads.
    now = utcnow()
    items = [
        Item("fresh", "Fresh", published=now - HOUR),
        Item("days", "Days old", published=now - 3 * DAY),
        Item("old", "Old", published=now - 10 * DAY),
    ]
    refresh(database, feed_id, items, now=now)
    by_title = {row.title: row.id for row in entries_of(database, alice)}
    top = max(by_title.values())

    assert (
        reading.mark_all_read(database, alice, Stream(), up_to_id=top, older_than=timedelta(days=7))
        == 1
    )
    assert {row.title for row in entries_of(database, alice, unread_only=True)} == {
        "Fresh",
        "Days old",
    }
    assert reading.mark_all_read(database, alice, Stream(), up_to_id=top, older_than=DAY) == 1
    assert ids_of(database, alice, unread_only=True) == [by_title["Fresh"]]
    with pytest.raises(ValueError, match="negative"):
        reading.mark_all_read(database, alice, Stream(), up_to_id=top, older_than=-DAY)


def test_mark_all_read_of_one_scope_leaves_the_rest(
    database: Database, category_strategy: str
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    news = add_feed(database, "https://example.org/news.xml", alice, bob, category="News")
    tech = add_feed(database, "https://example.org/tech.xml", alice, category="Tech")
    loose = add_feed(database, "https://example.org/loose.xml", alice)
    news_ids = refresh(database, news, dated_items("n", 4)).new_ids
    tech_ids = refresh(database, tech, dated_items("t", 3)).new_ids
    loose_ids = refresh(database, loose, dated_items("l", 3)).new_ids
    index_search(database)
    top = max(news_ids + tech_ids + loose_ids)
    mark(database, alice, [loose_ids[0]], starred=True)
    keep = label_service.create_label(database, alice, "Keep", entry_ids=[tech_ids[0]])

    def unread() -> set[int]:
        return set(ids_of(database, alice, unread_only=True))

    everything = set(news_ids + tech_ids + loose_ids)
    assert reading.mark_all_read(database, alice, Stream("label", keep), up_to_id=top) == 1
    assert unread() == everything - {tech_ids[0]}
    assert reading.mark_all_read(database, alice, Stream("starred"), up_to_id=top) == 1
    assert unread() == everything - {tech_ids[0], loose_ids[0]}
    tech_category = category_id(database, alice, "Tech")
    assert reading.mark_all_read(database, alice, Stream("category", tech_category), up_to_id=top)
    assert unread() == set(news_ids + loose_ids[1:])
    # A search narrows the scope: "entry 0" of the news feed only ("n entry 0").
    assert (
        reading.mark_all_read(
            database, alice, Stream("feed", news), up_to_id=top, search='"n entry 0"'
        )
        == 1
    )
    assert len(unread()) == 3 + 2
    assert reading.mark_all_read(database, alice, Stream(), up_to_id=top) == 5
    assert unread() == set()
    # Bob reads the news feed too: his entries stayed unread throughout.
    assert set(ids_of(database, bob, unread_only=True)) == set(news_ids)


def test_check_new_counts_unread_arrivals_after_the_page(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/a.xml", alice)
    bobs_feed = add_feed(database, "https://example.org/b.xml", bob)
    refresh(database, feed_id, dated_items("a", 3))
    page = reading.stream(database, alice, PageRequest())
    assert reading.check_new(database, alice, page.newest_id) == reading.NewArticles(
        newest_id=page.newest_id, new_unread=0, unread=3
    )
    # Bob's arrivals are not alice's news.
    refresh(database, bobs_feed, dated_items("b", 4))
    assert reading.check_new(database, alice, page.newest_id).new_unread == 0
    arrived = refresh(
        database, feed_id, dated_items("n", 2, newest=NOW + HOUR), now=NOW + HOUR
    ).new_ids
    mark(database, alice, arrived[:1], read=True)
    check = reading.check_new(database, alice, page.newest_id)
    assert check == reading.NewArticles(newest_id=max(arrived), new_unread=1, unread=4)
    assert reading.check_new(database, bob, 0).unread == 4
    nobody = add_user(database, "nobody")
    assert reading.check_new(database, nobody, 0) == reading.NewArticles(0, 0, 0)


def test_sidebar_lists_categories_in_order_with_counts_errors_and_labels(
    database: Database,
) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    zeta = add_feed(database, "https://example.org/zeta.xml", alice, category="Zeta")
    alpha = add_feed(database, "https://example.org/alpha.xml", alice, category="Alpha")
    loose = add_feed(database, "https://example.org/loose.xml", alice, bob)
    broken = add_feed(database, "https://example.org/broken.xml", alice, category="Zeta")
    with database.write() as connection:
        categories.create_category(connection, alice, "Empty")
        f = schema.feeds
        connection.execute(
            f.update().where(f.c.id == broken).values(last_error="HTTP 500", error_count=3)
        )
    zeta_ids = refresh(database, zeta, dated_items("z", 3)).new_ids
    refresh(database, alpha, dated_items("a", 2))
    loose_ids = refresh(database, loose, dated_items("l", 4)).new_ids
    mark(database, alice, zeta_ids[:1], read=True, starred=True)
    mark(database, alice, loose_ids[:2], starred=True)
    label_service.create_label(database, alice, "b-label", entry_ids=zeta_ids)
    label_service.create_label(database, alice, "A-label")
    label_service.create_label(database, bob, "Bob's", entry_ids=loose_ids)

    side = reading.load_sidebar(database, alice)
    # Categories in their order (creation here), the empty one included.
    assert [category.name for category in side.categories] == ["Zeta", "Alpha", "Empty"]
    zeta_item = side.categories[0]
    # Feeds by title: the broken one, never fetched, is named by its URL.
    assert [(item.feed.feed_id, item.unread) for item in zeta_item.feeds] == [
        (broken, 0),
        (zeta, 2),
    ]
    assert zeta_item.unread == 2
    errors = {item.feed.feed_id: item.feed.error for item in zeta_item.feeds}
    assert errors == {zeta: None, broken: "HTTP 500"}
    assert side.categories[1].unread == 2
    assert side.categories[2].feeds == ()
    assert [item.feed.feed_id for item in side.uncategorised] == [loose]
    assert side.uncategorised[0].unread == 4
    assert side.unread == 8
    assert side.starred == 3
    assert [(label.name, label.total, label.unread) for label in side.labels] == [
        ("A-label", 0, 0),
        ("b-label", 3, 2),
    ]
    assert set(side.feeds()) == {zeta, alpha, loose, broken}
    assert side.feeds()[zeta].title == "Test feed"
    assert side.feeds()[broken].title == "https://example.org/broken.xml"
    # Without counts, what infinite scroll needs: the kept sidebar while it is right,
    # else the names read without counting (every count 0) and not kept.
    assert reading.load_sidebar(database, alice, with_counts=False) is side
    mark(database, alice, zeta_ids[1:2], read=True)
    names = reading.load_sidebar(database, alice, with_counts=False)
    assert {feed_id: feed.title for feed_id, feed in names.feeds().items()} == {
        feed_id: feed.title for feed_id, feed in side.feeds().items()
    }
    assert [label.name for label in names.labels] == ["A-label", "b-label"]
    assert (names.unread, names.starred, names.categories[0].unread) == (0, 0, 0)
    assert reading.load_sidebar(database, alice, with_counts=False) is names
    assert reading.load_sidebar(database, alice).unread == 7
    # Bob sees his one feed and his own label only.
    bobs = reading.load_sidebar(database, bob)
    assert bobs.categories == ()
    assert [label.name for label in bobs.labels] == ["Bob's"]
    assert (bobs.unread, bobs.starred) == (4, 0)


def test_marking_through_the_service_ignores_other_users_ids(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    alices = refresh(
        database, add_feed(database, "https://example.org/a.xml", alice), dated_items("a", 2)
    ).new_ids
    bobs = refresh(
        database, add_feed(database, "https://example.org/b.xml", bob), dated_items("b", 2)
    ).new_ids
    assert reading.mark_read(database, alice, alices + bobs, read=True) == 2
    assert reading.star(database, alice, alices + bobs + alices, starred=True) == 2
    assert reading.mark_read(database, alice, [], read=True) == 0
    assert not any(row.read or row.starred for row in entries_of(database, bob))
    assert reading.mark_read(database, alice, alices[:1], read=False) == 1
    assert reading.star(database, alice, alices, starred=False) == 2
    with pytest.raises(ValueError, match="at most 1000"):
        reading.mark_read(database, alice, list(range(1, 1002)), read=True)
    with pytest.raises(ValueError, match="positive"):
        reading.star(database, alice, [0], starred=True)


def test_the_unread_stream_pages_through_sparse_unread_entries(database: Database) -> None:
    """The unread main stream on its own index: few unread entries among many read."""
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/a.xml", alice, bob)
    ids = refresh(database, feed_id, dated_items("a", 30)).new_ids
    keep = [ids[3], ids[17], ids[29]]
    mark(database, alice, [entry for entry in ids if entry not in keep], read=True)
    pages = service_pages(database, alice, PageRequest(limit=2))
    assert pages == [[ids[29], ids[17]], [ids[3]]]
    assert service_pages(database, alice, PageRequest(limit=2, order="oldest")) == [
        [ids[3], ids[17]],
        [ids[29]],
    ]
    assert len(ids_of(database, bob, unread_only=True)) == 30


def test_sync_filters_narrow_every_stream_and_ids_list_the_same_entries(
    database: Database, category_strategy: str
) -> None:
    """The filters the sync APIs add (read only, given ids, id bounds, a date range)
    narrow each stream exactly as filtering its full listing does, and the ids-only
    listing pages through the same entries."""
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    busy = add_feed(database, "https://example.org/busy.xml", alice, category="Mixed")
    quiet = add_feed(database, "https://example.org/quiet.xml", alice, bob, category="Mixed")
    refresh(database, busy, dated_items("b", 8))
    refresh(database, quiet, dated_items("q", 4))
    everything = entries_of(database, alice)
    mark(database, alice, [row.id for row in everything[::3]], read=True)
    with database.write() as connection:
        set_starred(connection, alice, [row.id for row in everything[1::4]], starred=True, now=NOW)
    rows = entries_of(database, alice)
    ids = [row.id for row in rows]
    middle = sorted(ids)[len(ids) // 2]
    dates = sorted(row.sort_at for row in rows)
    since, until = dates[2], dates[-3]
    # First seen a minute apart in an order unrelated to ids and dates.
    seen = {entry_id: NOW - timedelta(minutes=(entry_id * 7) % 13) for entry_id in ids}
    with database.write() as connection:
        for entry_id, moment in seen.items():
            connection.execute(
                update(schema.entries)
                .where(schema.entries.c.id == entry_id)
                .values(first_seen_at=moment)
            )
    seen_since, seen_until = NOW - timedelta(minutes=9), NOW - timedelta(minutes=2)
    chosen = tuple(ids[1::2])
    mixed = category_id(database, alice, "Mixed")
    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({"read_only": True}, [row.id for row in rows if row.read]),
        ({"entry_ids": chosen}, [i for i in ids if i in chosen]),
        ({"entry_ids": ()}, []),
        ({"id_above": middle}, [i for i in ids if i > middle]),
        ({"id_below": middle}, [i for i in ids if i < middle]),
        ({"since": since, "until": until}, [r.id for r in rows if since <= r.sort_at < until]),
        (
            {"seen_since": seen_since, "seen_until": seen_until},
            [i for i in ids if seen_since <= seen[i] < seen_until],
        ),
        ({"unstarred_only": True}, [row.id for row in rows if not row.starred]),
        ({"excluded_feed_ids": (quiet,)}, [row.id for row in rows if row.feed_id != quiet]),
        (
            {"category_id": mixed, "unstarred_only": True, "seen_since": seen_since},
            [row.id for row in rows if not row.starred and seen[row.id] >= seen_since],
        ),
        (
            {"category_id": mixed, "read_only": True, "id_above": middle},
            [row.id for row in rows if row.read and row.id > middle],
        ),
        (
            {"feed_id": quiet, "unread_only": True, "since": since},
            [r.id for r in rows if r.feed_id == quiet and not r.read and r.sort_at >= since],
        ),
    ]
    for query, expected in cases:
        for limit in (1, 3, 100):
            pages = list(all_pages(database, alice, limit, **query))
            assert [entry for page in pages for entry in page] == expected, query
        with database.read() as connection:
            listed = entries_module.list_entry_ids(
                connection, alice, EntryQuery(limit=100, **query)
            )
            oldest_first = entries_module.list_entry_ids(
                connection, alice, EntryQuery(limit=100, order="oldest", **query)
            )
            first_two = entries_module.list_entry_ids(
                connection, alice, EntryQuery(limit=2, **query)
            )
        assert listed == expected, query
        assert sync.count_entries(database, alice, EntryQuery(limit=1, **query)) == len(expected)
        assert oldest_first == expected[::-1], query
        assert first_two == expected[:2], query
    # Another user's ids are never listed, read or not.
    with database.read() as connection:
        assert entries_module.list_entry_ids(connection, bob, EntryQuery(entry_ids=tuple(ids))) == [
            row.id for row in rows if row.feed_id == quiet
        ]


def test_sync_entries_carry_every_detail_and_labels_in_query_order(database: Database) -> None:
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/a.xml", alice, bob)
    items = [
        Item(
            "e1",
            "With a podcast",
            published=NOW - 2 * HOUR,
            categories=("news", "tech"),
            enclosure="https://example.org/e1.mp3",
        ),
        Item("e2", "Plain", published=NOW - HOUR),
    ]
    new_ids = refresh(database, feed_id, items).new_ids
    by_title = {row.title: row.id for row in entries_of(database, alice)}
    podcast, plain = by_title["With a podcast"], by_title["Plain"]
    mark(database, alice, [plain], read=True)
    label = label_service.create_label(database, alice, "Keep")
    label_service.label_entries(database, alice, label, [podcast])

    found = sync.list_entries(database, alice, EntryQuery(limit=10, order="oldest"))
    assert [entry.id for entry in found.entries] == sorted(new_ids)
    first = found.entries[0]
    assert first.title == "With a podcast"
    assert first.categories == ("news", "tech")
    assert first.enclosures == (
        {"url": "https://example.org/e1.mp3", "type": "audio/mpeg", "length": 1234},
    )
    assert first.published == NOW - 2 * HOUR
    assert first.first_seen_at is not None
    assert (first.read, first.starred) == (False, False)
    assert found.entries[1].read
    assert found.entries[1].read_at is not None
    assert found.labels == {podcast: (label,)}
    # Bob reads the same feed: his state, not alice's, and none of her labels.
    bobs = sync.list_entries(database, bob, EntryQuery(entry_ids=(podcast, plain)))
    assert [entry.read for entry in bobs.entries] == [False, False]
    assert bobs.labels == {}
    assert sync.entry_ids(database, alice, EntryQuery(read_only=True)) == [plain]
    assert sync.entry_ids(database, bob, EntryQuery(unread_only=True)) == [plain, podcast]


def test_tags_and_changed_times_filter_on_both_databases(database: Database) -> None:
    """Miniflux's `tags` (every one among the entry's categories, exactly) and
    `changed_after`/`changed_before` (the latest of first seen, edited, read and
    starred, strictly)."""
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/tags.xml", alice)
    items = [
        Item("t-0", "Both", categories=("python", "rust")),
        Item("t-1", "Python", categories=("python",)),
        Item("t-2", "None"),
        Item("t-3", "Quoted", categories=('py"thon', "Python")),
    ]
    refresh(database, feed_id, items)
    by_title = {row.title: row.id for row in entries_of(database, alice)}

    def titles(**query: Any) -> set[str]:
        with database.read() as connection:
            rows = list_entries(connection, alice, EntryQuery(limit=100, **query))
        return {row.title or "" for row in rows}

    assert titles(tags=("python",)) == {"Both", "Python"}
    assert titles(tags=("python", "rust")) == {"Both"}
    assert titles(tags=('py"thon',)) == {"Quoted"}
    assert titles(tags=("Python",)) == {"Quoted"}
    assert titles(tags=("pyth",)) == set()

    with database.read() as connection:
        seen = connection.scalar(select(schema.entries.c.first_seen_at).limit(1))
    assert seen is not None
    assert titles(changed_after=seen) == set()
    assert titles(changed_before=seen + timedelta(seconds=1)) == set(by_title)
    later = seen + HOUR
    with database.write() as connection:
        set_starred(connection, alice, [by_title["None"]], starred=True, now=later)
    assert titles(changed_after=seen + timedelta(minutes=30)) == {"None"}
    assert titles(changed_before=seen + timedelta(minutes=30)) == set(by_title) - {"None"}


def test_listing_by_date_orders_by_sort_at_then_id_with_offsets(database: Database) -> None:
    """Miniflux's `order=published_at`: by `sort_at`, ties by id, both directions, for
    the whole stream (walked on the date index) and narrowed ones (sorted candidates),
    with offsets, and only the user's entries."""
    alice, bob = add_user(database, "alice"), add_user(database, "bob")
    recent = add_feed(database, "https://example.org/recent.xml", alice, bob)
    old = add_feed(database, "https://example.org/old.xml", alice)
    others = add_feed(database, "https://example.org/others.xml", bob)
    # Stored in this order, so ids grow while dates go back: the old feed's entries get
    # the highest ids, and two of its entries share their date with recent ones.
    refresh(database, recent, dated_items("r", 6))
    refresh(database, old, [*dated_items("o", 5, newest=NOW - 30 * DAY), *dated_items("t", 2)])
    refresh(database, others, dated_items("x", 4, newest=NOW - 10 * DAY))
    rows = entries_of(database, alice)
    mark(database, alice, [row.id for row in rows[::2]], read=True)
    rows = entries_of(database, alice)
    by_date = [row.id for row in sorted(rows, key=lambda row: (row.sort_at, row.id))]
    assert by_date != sorted(by_date), "the data must tell date order from id order"

    def listed(order: Literal["newest", "oldest"] = "newest", **query: Any) -> list[int]:
        offset = query.pop("offset", 0)
        limit = query.pop("limit", 100)
        with database.read() as connection:
            return entries_module.list_entry_ids_by_date(
                connection, alice, EntryQuery(order=order, limit=limit, **query), offset=offset
            )

    assert listed("oldest") == by_date
    assert listed() == by_date[::-1]
    pages = [listed(limit=4, offset=offset) for offset in range(0, 16, 4)]
    assert [entry for page in pages for entry in page] == by_date[::-1]
    assert listed(offset=100) == []
    unread = [entry for entry in by_date if not next(r for r in rows if r.id == entry).read]
    assert listed("oldest", unread_only=True) == unread
    assert listed("oldest", feed_id=old) == [
        entry for entry in by_date if next(r for r in rows if r.id == entry).feed_id == old
    ]
    middle = sorted(by_date)[len(by_date) // 2]
    assert listed("oldest", id_above=middle) == [entry for entry in by_date if entry > middle]
    # Bob's listing holds his own entries, the shared feed's included, and nothing else.
    with database.read() as connection:
        bobs = entries_module.list_entry_ids_by_date(connection, bob, EntryQuery(limit=100))
    assert set(bobs) == {row.id for row in entries_of(database, bob)}
    assert len(bobs) == 10


def test_entries_carrying_excluded_labels_are_left_out(database: Database) -> None:
    alice = add_user(database, "alice")
    feed_id = add_feed(database, "https://example.org/excluded.xml", alice)
    refresh(database, feed_id, dated_items("e", 5))
    ids = ids_of(database, alice)
    keep = label_service.create_label(database, alice, "Keep", entry_ids=ids[:2])
    other = label_service.create_label(database, alice, "Other", entry_ids=ids[1:3])
    with database.read() as connection:

        def listed(*labels: int) -> list[int]:
            query = EntryQuery(limit=100, excluded_label_ids=labels)
            return [row.id for row in list_entries(connection, alice, query)]

        assert listed(keep) == ids[2:]
        assert listed(keep, other) == ids[3:]
        assert listed() == ids
