"""The REST API's entries: listings with Miniflux's filters and paging, one entry,
status and star changes, and users kept apart. `site` is test_rest.py's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from newsriver.service import reading, rest_entries
from newsriver.store.entries import set_read
from tests.api.test_rest import Site, error, site
from tests.store import DAY, NOW, add_feed, dated_items, index_search, refresh

__all__ = ["site"]  # the fixture, imported for the tests below


def ids(body: dict[str, Any]) -> list[int]:
    return [entry["id"] for entry in body["entries"]]


def test_an_entry_in_miniflux_shape(site: Site) -> None:
    body = site.ok("/entries", params={"feed_id": site.blog})
    assert body["total"] == 2
    episode = next(entry for entry in body["entries"] if entry["title"] == "Episode")
    assert episode["user_id"] == site.alice
    assert episode["feed_id"] == site.blog
    assert episode["status"] == "unread"
    assert episode["starred"] is False
    assert episode["url"] == "https://example.org/b1"
    assert episode["content"] == "<p>Blog <em>text</em></p>"
    assert episode["tags"] == ["audio", "talk"]
    assert episode["reading_time"] == 1
    assert len(episode["hash"]) == 64
    (enclosure,) = episode["enclosures"]
    assert enclosure["url"] == "https://example.org/b1.mp3"
    assert enclosure["mime_type"] == "audio/mpeg"
    assert enclosure["size"] == 1234
    assert enclosure["entry_id"] == episode["id"]
    # No date in the feed: published is when it was first seen, as Miniflux does.
    assert episode["published_at"] == NOW.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert episode["created_at"] == episode["published_at"]
    assert episode["feed"]["id"] == site.blog
    assert episode["feed"]["category"]["id"] == 0
    assert site.ok(f"/entries/{episode['id']}") == episode
    assert site.ok(f"/feeds/{site.blog}/entries/{episode['id']}") == episode


def test_default_order_and_limit_are_miniflux_s(site: Site) -> None:
    everything = site.entry_ids(site.alice)  # newest first
    body = site.ok("/entries")
    assert body["total"] == 27
    # Miniflux's defaults: oldest first, 100 at most.
    assert ids(body) == everything[::-1]
    newest = site.ok("/entries", params={"direction": "desc", "order": "id", "limit": 5})
    assert ids(newest) == everything[:5]
    assert newest["total"] == 27
    # Orders that are neither the date nor the id's fall back to the id.
    by_title = site.ok("/entries", params={"direction": "desc", "order": "title", "limit": 5})
    assert ids(by_title) == everything[:5]


def test_published_at_orders_by_date_where_ids_do_not(site: Site) -> None:
    """Entries stored last but dated earliest come first by `published_at` (the default
    order), last by id; offsets page through the date order."""
    archive = add_feed(site.database, "https://example.org/archive.xml", site.alice)
    old = refresh(site.database, archive, dated_items("archive", 3, newest=NOW - 100 * DAY))
    by_id = site.entry_ids(site.alice)[::-1]  # oldest id first
    assert by_id[-3:] == old.new_ids
    by_date = ids(site.ok("/entries", params={"limit": 0}))
    assert by_date == old.new_ids + by_id[:-3]
    explicit = site.ok("/entries", params={"order": "published_at", "direction": "desc"})
    assert ids(explicit) == by_date[::-1]
    assert ids(site.ok("/entries", params={"order": "id", "limit": 0})) == by_id
    pages = [
        site.ok("/entries", params={"limit": 7, "offset": offset}) for offset in range(0, 35, 7)
    ]
    assert [entry for page in pages for entry in ids(page)] == by_date
    assert {page["total"] for page in pages} == {30}
    dates = [entry["published_at"] for entry in site.ok("/entries", params={"limit": 0})["entries"]]
    assert dates == sorted(dates)
    # Narrowed listings are in date order too.
    unread = site.ok("/entries", params={"status": "unread", "feed_id": archive})
    assert ids(unread) == old.new_ids


def test_offset_pages_cover_everything_once(site: Site) -> None:
    everything = site.entry_ids(site.alice)
    pages = [
        ids(site.ok("/entries", params={"direction": "desc", "limit": 10, "offset": offset}))
        for offset in (0, 10, 20, 30)
    ]
    assert pages[0] + pages[1] + pages[2] == everything
    assert pages[3] == []
    past = site.ok("/entries", params={"offset": 500})
    assert past == {"total": 27, "entries": []}


def test_offsets_walk_the_ids_in_steps(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    # The walk takes MAX_IDS ids at a time; with 4, an offset of 10 takes three steps.
    monkeypatch.setattr(rest_entries, "MAX_IDS", 4)
    everything = site.entry_ids(site.alice)
    page = site.ok("/entries", params={"direction": "desc", "limit": 5, "offset": 10})
    assert ids(page) == everything[10:15]
    assert page["total"] == 27
    tail = site.ok("/entries", params={"direction": "asc", "limit": 5, "offset": 25})
    assert ids(tail) == everything[::-1][25:]
    assert tail["total"] == 27


def test_status_starred_search_and_id_bounds(site: Site) -> None:
    everything = site.entry_ids(site.alice)
    reading.mark_read(site.database, site.alice, everything[:3], read=True)
    reading.star(site.database, site.alice, everything[3:4], starred=True)
    unread = site.ok("/entries", params={"status": "unread", "direction": "desc"})
    assert ids(unread) == everything[3:]
    read = site.ok("/entries", params={"status": "read", "direction": "desc"})
    assert ids(read) == everything[:3]
    both = site.ok("/entries", params=[("status", "read"), ("status", "unread")])
    assert both["total"] == 27
    assert ids(site.ok("/entries", params={"starred": "true"})) == everything[3:4]
    unstarred = site.ok("/entries", params={"starred": "false", "direction": "desc"})
    assert ids(unstarred) == everything[:3] + everything[4:]
    # Nothing is hidden from the global listing here: globally_visible selects all.
    assert site.ok("/entries", params={"globally_visible": "true"})["total"] == 27
    middle = everything[10]
    below = site.ok("/entries", params={"before_entry_id": middle, "direction": "desc"})
    assert ids(below) == everything[11:]
    above = site.ok("/entries", params={"after_entry_id": middle, "direction": "desc"})
    assert ids(above) == everything[:10]
    index_search(site.database)
    found = site.ok("/entries", params={"search": "Second blog"})
    assert [entry["title"] for entry in found["entries"]] == ["Second blog post"]


def test_dates_filter_on_the_published_time(site: Site) -> None:
    # "news" entries are an hour apart, the newest an hour before NOW.
    hour = 3600
    newest = int(NOW.timestamp()) - hour
    news = {"feed_id": site.news, "direction": "desc"}
    after = site.ok("/entries", params={**news, "after": newest - 2 * hour})
    assert [e["title"] for e in after["entries"]] == ["news entry 24", "news entry 23"]
    before = site.ok("/entries", params={**news, "before": newest - 22 * hour})
    assert [e["title"] for e in before["entries"]] == ["news entry 1", "news entry 0"]
    published = datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert after["entries"][0]["published_at"] == published


def test_changed_times_and_tags(site: Site) -> None:
    """`changed_after`/`changed_before` are on `changed_at` (the latest of first seen,
    edited, read and starred), strictly; `tags` must all be the entry's categories."""
    everything = site.entry_ids(site.alice)
    listed = site.ok("/entries", params={"direction": "desc", "limit": 0})["entries"]
    changed = {entry["id"]: entry["changed_at"] for entry in listed}
    latest = max(_unix(moment) for moment in changed.values())
    assert site.ok("/entries", params={"changed_after": latest + 1})["total"] == 0
    assert site.ok("/entries", params={"changed_before": latest + 1})["total"] == 27
    # Reading an entry later makes it the one changed last.
    later = datetime.fromtimestamp(latest + 100, UTC)
    with site.database.write() as connection:
        set_read(connection, site.alice, [everything[5]], read=True, now=later)
    recent = site.ok("/entries", params={"changed_after": latest + 50})
    assert ids(recent) == [everything[5]]
    assert recent["entries"][0]["changed_at"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    older = site.ok("/entries", params={"changed_before": latest + 50, "limit": 0})
    assert sorted(ids(older)) == sorted(e for e in everything if e != everything[5])

    tagged = [entry for entry in listed if entry["tags"]]
    assert tagged, "the site has entries with categories"
    tag = tagged[0]["tags"][0]
    with_tag = site.ok("/entries", params={"tags": tag, "limit": 0})
    assert sorted(ids(with_tag)) == sorted(e["id"] for e in listed if tag in e["tags"])
    both = site.ok("/entries", params=[("tags", tag), ("tags", "no such tag")])
    assert both["total"] == 0


def _unix(moment: str) -> int:
    return int(datetime.strptime(moment, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp())


def test_feed_and_category_listings(site: Site) -> None:
    news = site.ok(f"/feeds/{site.news}/entries", params={"limit": 3})
    assert news["total"] == 25
    assert len(news["entries"]) == 3
    category = site.ok(f"/categories/{site.news_category}/entries")
    assert category["total"] == 25
    assert {entry["feed_id"] for entry in category["entries"]} == {site.news}
    assert site.ok("/entries", params={"category_id": site.news_category})["total"] == 25
    (one,) = site.ok(f"/categories/{site.news_category}/entries", params={"limit": 1})["entries"]
    assert site.ok(f"/categories/{site.news_category}/entries/{one['id']}")["id"] == one["id"]


def test_another_users_things_do_not_exist(site: Site) -> None:
    (secret, *_) = site.entry_ids(site.bob, feed_id=site.secret)
    assert error(site.get(f"/entries/{secret}"), 404) == "resource not found"
    assert site.get(f"/feeds/{site.secret}/entries").status_code == 404
    assert site.get(f"/feeds/{site.secret}/entries/{secret}").status_code == 404
    assert error(site.get("/entries", params={"feed_id": site.secret}), 400) == "invalid feed ID"
    bob_category = site.call("POST", "/categories", json={"title": "Bob's"}, user="bob").json()
    assert site.get(f"/categories/{bob_category['id']}/entries").status_code == 404
    params = {"category_id": bob_category["id"]}
    assert error(site.get("/entries", params=params), 400) == "invalid category ID"
    # An entry of alice's, asked for under a feed or category it is not in.
    (news_entry, *_) = site.entry_ids(site.alice, feed_id=site.news)
    assert site.get(f"/feeds/{site.blog}/entries/{news_entry}").status_code == 404
    # Bob never sees alice's entries, only his own of the feed they share.
    assert {entry["feed_id"] for entry in site.ok("/entries", user="bob")["entries"]} == {
        site.blog,
        site.secret,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"status": "removed"},
        {"limit": 1001},
        {"limit": -1},
        {"offset": -1},
        {"offset": 100_001},
        {"order": "random"},
        {"direction": "up"},
        {"before": "yesterday"},
        {"after": 10**20},
        {"before_entry_id": 2**63},
        {"category_id": "x"},
        {"starred": "maybe"},
        {"changed_after": "soon"},
        {"tags": [f"t{n}" for n in range(51)]},
    ],
)
def test_bad_filters_are_400(site: Site, params: dict[str, Any]) -> None:
    assert error(site.get("/entries", params=params), 400).startswith("invalid request")


def test_limit_zero_means_the_most(site: Site) -> None:
    assert len(site.ok("/entries", params={"limit": 0})["entries"]) == 27


def test_status_and_star_changes(site: Site) -> None:
    everything = site.entry_ids(site.alice)
    (bobs, *_) = site.entry_ids(site.bob, feed_id=site.secret)
    # newsboat sends its JSON labelled as a form; accepted as Miniflux accepts it.
    body = f'{{"entry_ids": [{everything[0]}, {everything[1]}, {bobs}], "status": "read"}}'
    form = {"content-type": "application/x-www-form-urlencoded"}
    assert site.call("PUT", "/entries", content=body, headers=form).status_code == 204
    assert site.entry_ids(site.alice, read_only=True) == everything[:2]
    assert site.entry_ids(site.bob, read_only=True) == []
    unread = {"entry_ids": [everything[0]], "status": "unread", "starred": True}
    assert site.call("PUT", "/entries", json=unread).status_code == 204
    assert site.entry_ids(site.alice, read_only=True) == everything[1:2]
    assert site.entry_ids(site.alice, starred_only=True) == everything[:1]
    toggle = f"/entries/{everything[0]}/bookmark"
    assert site.call("PUT", toggle).status_code == 204
    assert site.entry_ids(site.alice, starred_only=True) == []
    assert site.call("PUT", f"/entries/{everything[2]}/star").status_code == 204
    assert site.entry_ids(site.alice, starred_only=True) == everything[2:3]
    assert site.call("PUT", f"/entries/{bobs}/bookmark").status_code == 404
    assert site.entry_ids(site.bob, starred_only=True) == []


@pytest.mark.parametrize(
    "body",
    [
        {"entry_ids": [], "status": "read"},
        {"entry_ids": [1]},
        {"entry_ids": [1], "status": "removed"},
        {"entry_ids": [0], "status": "read"},
        {"entry_ids": [2**63], "status": "read"},
        {"entry_ids": ["one"], "status": "read"},
        {"entry_ids": list(range(1, 1002)), "status": "read"},
        {"status": "read"},
        [1, 2],
        "read",
    ],
)
def test_bad_status_changes_are_400(site: Site, body: Any) -> None:
    assert site.call("PUT", "/entries", json=body).status_code == 400


def test_a_body_that_is_not_json_is_400(site: Site) -> None:
    assert site.call("PUT", "/entries", content=b"entry_ids=1&status=read").status_code == 400
    assert site.call("PUT", "/entries").status_code == 400
