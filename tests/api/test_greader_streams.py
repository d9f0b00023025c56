"""Reading through the Google Reader API: `stream/contents`, `stream/items/ids` and
`stream/items/contents`, every stream kind and parameter, and hostile input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from newsriver.api.greader.ids import long_id
from newsriver.service import labels, reading
from newsriver.store import schema
from tests.api.test_greader_site import READER, Site, site
from tests.store import dated_items, refresh

__all__ = ["site"]
CONTENTS = READER + "/stream/contents"
IDS = READER + "/stream/items/ids"
ITEMS = READER + "/stream/items/contents"
STATE = "user/-/state/com.google/"


def ids_of(answer: dict[str, Any]) -> list[int]:
    """Entry ids of a `stream/contents` answer (items) or a `stream/items/ids` one."""
    if "items" in answer:
        return [int(item["id"].rsplit("/", 1)[1], 16) for item in answer["items"]]
    return [int(ref["id"]) for ref in answer["itemRefs"]]


def all_ids(site: Site, stream: str, token: str | None = None, **params: Any) -> list[int]:
    return ids_of(site.get(IDS, token, s=stream, n=10_000, **params).json())


def test_the_reading_list_holds_every_entry_of_the_user_newest_first(site: Site) -> None:
    answer = site.get(CONTENTS + "/" + STATE + "reading-list", n=100).json()
    ids = ids_of(answer)
    assert len(ids) == 28
    assert ids == sorted(ids, reverse=True)
    assert answer["id"] == STATE + "reading-list"
    assert "continuation" not in answer
    # The same stream by `s`, with no stream at all, and through greader.php.
    assert ids_of(site.get(CONTENTS, s=STATE + "reading-list", n=100).json()) == ids
    assert ids_of(site.get(CONTENTS, n=100).json()) == ids
    php = site.get("/api/greader.php/reader/api/0/stream/contents", n=100).json()
    assert ids_of(php) == ids
    assert all_ids(site, STATE + "reading-list") == ids


def test_an_item_carries_what_clients_show(site: Site) -> None:
    answer = site.get(CONTENTS + "/feed/" + str(site.blog), n=10).json()
    podcast = next(item for item in answer["items"] if item["title"] == "Podcast")
    assert podcast["origin"]["streamId"] == f"feed/{site.blog}"
    assert podcast["alternate"] == [{"href": "https://example.org/b3", "type": "text/html"}]
    assert podcast["canonical"] == [{"href": "https://example.org/b3"}]
    assert podcast["enclosure"][0]["href"] == "https://e.org/a.mp3"
    assert podcast["enclosure"][0]["type"] == "audio/mpeg"
    assert STATE + "reading-list" in podcast["categories"]
    assert STATE + "read" not in podcast["categories"]
    assert int(podcast["timestampUsec"]) // 1000 == int(podcast["crawlTimeMsec"])
    first = next(item for item in answer["items"] if item["title"] == "First blog post")
    assert "<em>text</em>" in first["summary"]["content"]
    news = site.get(CONTENTS + "/feed/" + str(site.news), n=1).json()["items"][0]
    assert "user/-/label/News" in news["categories"]


def test_state_streams_follow_read_and_starred(site: Site) -> None:
    everything = all_ids(site, STATE + "reading-list")
    read, starred = everything[:3], everything[2:6]
    reading.mark_read(site.database, site.alice, read, read=True)
    reading.star(site.database, site.alice, starred, starred=True)
    assert all_ids(site, STATE + "read") == read
    assert all_ids(site, STATE + "starred") == starred
    assert all_ids(site, STATE + "kept-unread") == everything[3:]
    assert all_ids(site, STATE + "reading-list", xt=STATE + "read") == everything[3:]
    assert all_ids(site, STATE + "reading-list", it=STATE + "starred") == starred
    assert all_ids(site, STATE + "starred", xt=STATE + "read") == everything[3:6]
    assert all_ids(site, STATE + "read", xt=STATE + "read") == []
    assert all_ids(site, STATE + "reading-list", xt=STATE + "starred") == [
        entry_id for entry_id in everything if entry_id not in starred
    ]
    assert all_ids(site, STATE + "reading-list", xt=STATE + "kept-unread") == read
    assert all_ids(site, STATE + "starred", xt=[STATE + "read", STATE + "starred"]) == []
    item = site.get(CONTENTS, s=STATE + "starred", n=1).json()["items"][0]
    assert {STATE + "read", STATE + "starred"} <= set(item["categories"])
    # Bob's state is his own, on the very same blog entries.
    assert all_ids(site, STATE + "read", site.bob_token) == []


def test_labels_are_categories_first_then_labels(site: Site) -> None:
    news = all_ids(site, f"feed/{site.news}")
    assert len(news) == 25
    assert all_ids(site, "user/-/label/News") == news
    assert all_ids(site, "user/-/label/news") == news  # names are unique in any case
    blog = all_ids(site, f"feed/{site.blog}")
    label_id = labels.create_label(site.database, site.alice, "Keep", entry_ids=blog[:2])
    assert all_ids(site, "user/-/label/Keep") == blog[:2]
    item = site.get(ITEMS, i=str(blog[0])).json()["items"][0]
    assert "user/-/label/Keep" in item["categories"]
    # A user id in place of "-" is accepted.
    assert all_ids(site, f"user/{site.alice}/label/Keep") == blog[:2]
    assert all_ids(site, "user/1234/state/com.google/reading-list") == all_ids(
        site, STATE + "reading-list"
    )
    assert label_id > 0


def test_a_feed_by_url_or_by_id(site: Site) -> None:
    by_id = all_ids(site, f"feed/{site.blog}")
    assert len(by_id) == 3
    assert all_ids(site, "feed/https://example.org/blog.xml") == by_id
    answer = site.get(CONTENTS + "/feed/https://example.org/blog.xml", n=10).json()
    assert ids_of(answer) == by_id
    assert answer["id"] == f"feed/{site.blog}"


@pytest.mark.parametrize(
    ("stream", "status"),
    [
        ("feed/999999", 404),
        ("feed/https://example.org/secret.xml", 404),  # bob's feed
        ("user/-/label/Nothing", 404),
        ("user/-/state/com.google/broadcast-friends", 404),
        ("user/abc/state/com.google/reading-list", 400),
        ("pop/topic/top/en", 400),
        ("feed/", 400),
        ("feed/99999999999999999999999999", 404),
        ("x" * 5000, 400),
    ],
)
def test_unknown_streams_are_4xx_and_reveal_nothing(site: Site, stream: str, status: int) -> None:
    for path, params in ((CONTENTS, {"s": stream}), (IDS, {"s": stream})):
        response = site.get(path, **params)
        assert response.status_code == status, (path, stream, response.text)
        assert "secret" not in response.text
    assert site.get(f"{CONTENTS}/feed/{site.secret}").status_code == 404
    assert site.get(f"{CONTENTS}/feed/{site.secret}", site.bob_token).status_code == 200


def test_pages_follow_the_continuation_while_new_entries_arrive(site: Site) -> None:
    everything = all_ids(site, STATE + "reading-list")
    first = site.get(CONTENTS, n=10).json()
    assert ids_of(first) == everything[:10]
    refresh(site.database, site.news, dated_items("late", 5))
    second = site.get(CONTENTS, n=10, c=first["continuation"]).json()
    assert ids_of(second) == everything[10:20]
    third = site.get(CONTENTS, n=10, c=second["continuation"]).json()
    assert ids_of(third) == everything[20:]
    assert "continuation" not in third
    # The same with ids, oldest first.
    oldest = site.get(IDS, n=10, r="o").json()
    assert ids_of(oldest) == sorted(everything)[:10]
    rest = site.get(IDS, n=100, r="o", c=oldest["continuation"]).json()
    assert ids_of(rest)[:18] == sorted(everything)[10:]
    assert len(ids_of(rest)) == 18 + 5


def test_xt_and_it_take_feeds_categories_and_labels(site: Site) -> None:
    """Excluding (`xt`) or requiring (`it`) a feed, a category or a label: a stream that
    names nothing of the user's excludes nothing, and requires what nobody has."""
    everything = all_ids(site, STATE + "reading-list")
    news = all_ids(site, f"feed/{site.news}")
    blog = all_ids(site, f"feed/{site.blog}")
    assert sorted(news + blog) == sorted(everything)
    labels.create_label(site.database, site.alice, "Keep", entry_ids=[news[0], blog[0]])
    reading_list = STATE + "reading-list"
    assert all_ids(site, reading_list, xt=f"feed/{site.news}") == blog
    assert all_ids(site, reading_list, xt="user/-/label/News") == blog  # the category
    assert all_ids(site, reading_list, xt="user/-/label/Keep") == [
        entry for entry in everything if entry not in (news[0], blog[0])
    ]
    both = [f"feed/{site.blog}", "user/-/label/Keep"]
    assert all_ids(site, reading_list, xt=both) == news[1:]
    assert all_ids(site, reading_list, xt="user/-/label/Nothing") == everything
    assert all_ids(site, reading_list, it="user/-/label/Keep") == [blog[0], news[0]]
    assert all_ids(site, reading_list, it=f"feed/{site.blog}") == blog
    assert all_ids(site, "user/-/label/News", it="user/-/label/Keep") == [news[0]]
    # A feed outside the category asked for, or a label nobody has: nothing.
    assert all_ids(site, "user/-/label/News", it=f"feed/{site.blog}") == []
    assert all_ids(site, reading_list, it="user/-/label/Nothing") == []
    # Another user's feed is nothing of Alice's.
    assert all_ids(site, reading_list, xt=f"feed/{site.secret}") == everything


def test_time_bounds_are_on_the_crawl_time_in_seconds(site: Site) -> None:
    """`ot`/`nt` select by when entries were first seen (the items' crawlTimeMsec), not
    by their published date: a client asking for what arrived since its last sync must
    also get an old-dated entry fetched since."""
    ids = sorted(all_ids(site, f"feed/{site.news}"))
    start = datetime(2024, 6, 1, tzinfo=UTC)
    # First seen an hour apart in the reverse of their publishing order (the newest was
    # fetched first), so bounds on the published date would select the other entries.
    with site.database.write() as connection:
        for hour, entry_id in enumerate(reversed(ids)):
            connection.execute(
                update(schema.entries)
                .where(schema.entries.c.id == entry_id)
                .values(first_seen_at=start + timedelta(hours=hour))
            )
    middle = int((start + timedelta(hours=12)).timestamp())
    newer = site.get(CONTENTS, s=f"feed/{site.news}", n=100, ot=middle).json()["items"]
    assert len(ids) == 25
    assert sorted(ids_of({"items": newer})) == ids[:13]
    assert all(int(item["crawlTimeMsec"]) // 1000 >= middle for item in newer)
    older = site.get(CONTENTS, s=f"feed/{site.news}", n=100, nt=middle).json()["items"]
    assert sorted(ids_of({"items": older})) == ids[13:]
    between = all_ids(site, f"feed/{site.news}", ot=middle, nt=middle + 3 * 3600)
    assert sorted(between) == ids[10:13]


@pytest.mark.parametrize(
    "params",
    [
        {"n": "0"},
        {"n": "-5"},
        {"n": "ten"},
        {"n": "1" * 40},
        {"c": "garbage"},
        {"c": "ZTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OQ"},
        {"ot": "99999999999999999"},
        {"nt": "yesterday"},
    ],
)
def test_bad_parameters_are_400s(site: Site, params: dict[str, str]) -> None:
    for path in (CONTENTS, IDS, READER.replace("/api/0", "/atom")):
        response = site.get(path, **params)
        assert response.status_code == 400, (path, params, response.text)
        assert response.headers["content-type"].startswith("text/plain")


def test_huge_pages_are_capped(site: Site) -> None:
    refresh(site.database, site.news, dated_items("many", 1100))
    assert len(site.get(CONTENTS, n=10**12).json()["items"]) == 1000
    assert len(site.get(IDS, n=10**12).json()["itemRefs"]) == 1128


def test_items_by_id_in_every_form_and_method(site: Site) -> None:
    wanted = all_ids(site, f"feed/{site.blog}")
    forms = [long_id(wanted[0]), str(wanted[1]), f"{wanted[2]:016x}"]
    got = site.get(ITEMS, i=forms).json()
    assert ids_of(got) == wanted
    posted = site.post(ITEMS, {"i": forms[::-1]}).json()
    assert ids_of(posted) == wanted[::-1]
    # Bob's entries, unknown and impossible ids are left out; never a 500.
    secret = all_ids(site, f"feed/{site.secret}", site.bob_token)
    mixed = [str(secret[0]), "-1", "999999", "ffffffffffffffff", str(wanted[0]), str(wanted[0])]
    assert ids_of(site.post(ITEMS, {"i": mixed}).json()) == [wanted[0]]
    assert site.post(ITEMS, {"i": []}).json()["items"] == []


@pytest.mark.parametrize("bad", ["abc-def", "1.5", "tag:google.com,2005:reader/item/zz", "9" * 30])
def test_malformed_item_ids_are_400s(site: Site, bad: str) -> None:
    assert site.post(ITEMS, {"i": ["1", bad]}).status_code == 400
    assert site.post(READER + "/edit-tag", {"i": bad, "a": STATE + "read"}).status_code == 400


def test_too_many_items_at_once_is_a_400(site: Site) -> None:
    assert site.post(ITEMS, {"i": [str(n) for n in range(1, 1002)]}).status_code == 400
    assert len(site.post(ITEMS, {"i": [str(n) for n in range(1, 1001)]}).json()["items"]) == 28
