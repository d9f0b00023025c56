"""Changing things through the Google Reader API: `edit-tag`, `mark-all-as-read`, tags,
unread counts and subscriptions, each only ever on the caller's own data."""

from __future__ import annotations

import time
from datetime import timedelta

from newsriver.api.greader.ids import long_id
from newsriver.service import labels, subscriptions
from tests.api.test_greader_site import READER, Site, site
from tests.api.test_greader_streams import STATE, all_ids
from tests.store import NOW, refresh
from tests.support.feed_server import FeedServer, Item

__all__ = ["site"]
EDIT = READER + "/edit-tag"
SUBSCRIPTION = READER + "/subscription"


def test_edit_tag_as_newsboat_sends_it(site: Site) -> None:
    """newsboat's exact bodies: `i` in the long form, `T`, `ac=edit`."""
    entry = all_ids(site, f"feed/{site.blog}")[0]
    token = site.get(READER + "/token").text
    read = (
        f"i={long_id(entry)}&a=user/-/state/com.google/read"
        f"&r=user/-/state/com.google/kept-unread&ac=edit&T={token}"
    )
    headers = {**site.auth(None), "Content-Type": "application/x-www-form-urlencoded"}
    answer = site.client.post(EDIT, content=read, headers=headers)
    assert answer.text == "OK"
    assert all_ids(site, STATE + "read") == [entry]
    unread = (
        f"i={long_id(entry)}&r=user/-/state/com.google/read&a=user/-/state/com.google/kept-unread"
        f"&a=user/-/state/com.google/tracking-kept-unread&ac=edit&T={token}"
    )
    assert site.client.post(EDIT, content=unread, headers=headers).text == "OK"
    assert all_ids(site, STATE + "read") == []


def test_edit_tag_stars_and_labels_many_items(site: Site) -> None:
    ids = all_ids(site, f"feed/{site.news}")[:5]
    forms = [str(ids[0]), long_id(ids[1]), f"{ids[2]:016x}", str(ids[3]), str(ids[4])]
    assert (
        site.post(EDIT, {"i": forms, "a": [STATE + "starred", "user/-/label/Later"]}).text == "OK"
    )
    assert all_ids(site, STATE + "starred") == ids
    assert all_ids(site, "user/-/label/Later") == ids
    assert (
        site.post(EDIT, {"i": forms[:2], "r": ["user/-/label/Later", STATE + "starred"]}).text
        == "OK"
    )
    assert all_ids(site, "user/-/label/Later") == ids[2:]
    assert all_ids(site, STATE + "starred") == ids[2:]
    assert site.post(EDIT, {"i": forms, "a": STATE + "kept-unread"}).text == "OK"
    assert site.post(EDIT, {"i": forms, "a": STATE + "broadcast"}).text == "OK"  # ignored
    assert site.post(EDIT, {"i": forms, "a": "nonsense/tag"}).status_code == 400


def test_edit_tag_never_touches_another_users_entries(site: Site) -> None:
    secret = all_ids(site, f"feed/{site.secret}", site.bob_token)
    shared = all_ids(site, f"feed/{site.blog}", site.bob_token)
    ids = [str(n) for n in secret + shared]
    answer = site.post(EDIT, {"i": ids, "a": [STATE + "read", STATE + "starred", "user/-/label/X"]})
    assert answer.text == "OK"
    assert all_ids(site, STATE + "read", site.bob_token) == []
    assert all_ids(site, STATE + "starred", site.bob_token) == []
    # Alice's own copies of the shared blog entries changed; bob's secret ones are not hers.
    assert all_ids(site, STATE + "read") == shared
    assert all_ids(site, "user/-/label/X") == shared
    assert labels.list_labels(site.database, site.bob) == []


def test_mark_all_as_read_per_stream_and_before_ts(site: Site) -> None:
    post = site.post
    assert post(READER + "/mark-all-as-read", {"s": f"feed/{site.blog}"}).text == "OK"
    assert all_ids(site, STATE + "read") == all_ids(site, f"feed/{site.blog}")
    # ts in microseconds: entries dated after it stay unread.
    news = site.get(READER + "/stream/contents", s=f"feed/{site.news}", n=100).json()["items"]
    times = sorted(item["published"] for item in news)
    cut = times[10] * 1_000_000
    assert (
        post(READER + "/mark-all-as-read", {"s": "user/-/label/News", "ts": str(cut)}).text == "OK"
    )
    still_unread = site.get(
        READER + "/stream/contents", s="user/-/label/News", xt=STATE + "read", n=100
    ).json()["items"]
    assert sorted(item["published"] for item in still_unread) == times[10:]
    now_us = int(time.time() * 1_000_000) + 10**9
    assert (
        post(READER + "/mark-all-as-read", {"s": STATE + "reading-list", "ts": str(now_us)}).text
        == "OK"
    )
    assert all_ids(site, STATE + "kept-unread") == []
    # Bob's state is untouched, and his feed cannot be named.
    assert all_ids(site, STATE + "read", site.bob_token) == []
    assert post(READER + "/mark-all-as-read", {"s": f"feed/{site.secret}"}).status_code == 404
    assert post(READER + "/mark-all-as-read", {}).status_code == 400
    assert post(READER + "/mark-all-as-read", {"s": "feed/1", "ts": "x"}).status_code == 400


def test_tag_list_unread_counts_rename_and_disable(site: Site) -> None:
    labels.create_label(
        site.database, site.alice, "Keep", entry_ids=all_ids(site, f"feed/{site.blog}")[:1]
    )
    tags = site.get(READER + "/tag/list").json()["tags"]
    assert tags == [
        {"id": STATE + "starred"},
        {"id": "user/-/label/News", "type": "folder"},
        {"id": "user/-/label/Keep", "type": "tag"},
    ]
    counts = {
        c["id"]: c["count"] for c in site.get(READER + "/unread-count").json()["unreadcounts"]
    }
    assert counts == {
        f"feed/{site.news}": 25,
        "user/-/label/News": 25,
        f"feed/{site.blog}": 3,
        "user/-/label/Keep": 1,
        STATE + "reading-list": 28,
    }
    rename = READER + "/rename-tag"
    assert site.post(rename, {"s": "user/-/label/News", "dest": "user/-/label/World"}).text == "OK"
    assert site.post(rename, {"s": "user/-/label/Keep", "dest": "user/-/label/Kept"}).text == "OK"
    assert (
        site.post(rename, {"s": "user/-/label/Nope", "dest": "user/-/label/X"}).status_code == 404
    )
    assert site.post(rename, {"s": "user/-/label/World"}).status_code == 400
    assert len(all_ids(site, "user/-/label/World")) == 25
    disable = READER + "/disable-tag"
    assert site.post(disable, {"s": "user/-/label/World"}).text == "OK"
    assert site.post(disable, {"s": "user/-/label/Kept"}).text == "OK"
    assert site.get(READER + "/tag/list").json()["tags"] == [{"id": STATE + "starred"}]
    assert len(all_ids(site, f"feed/{site.news}")) == 25  # the feeds stay
    # Bob sees none of it.
    assert site.get(READER + "/tag/list", site.bob_token).json()["tags"] == [
        {"id": STATE + "starred"}
    ]


def test_subscription_list_and_edit(site: Site) -> None:
    listed = site.get(SUBSCRIPTION + "/list", output="json").json()["subscriptions"]
    by_id = {s["id"]: s for s in listed}
    assert {key: s["url"] for key, s in by_id.items()} == {
        f"feed/{site.news}": "https://example.org/news.xml",
        f"feed/{site.blog}": "https://example.org/blog.xml",
    }
    news = by_id[f"feed/{site.news}"]
    assert news["categories"] == [{"id": "user/-/label/News", "label": "News"}]
    edit = SUBSCRIPTION + "/edit"
    moved = {"ac": "edit", "s": f"feed/{site.blog}", "t": "My blog", "a": "user/-/label/Reading"}
    assert site.post(edit, moved).text == "OK"
    blog = subscriptions.get_subscription(site.database, site.alice, site.blog)
    assert (blog.display_title, blog.category_name) == ("My blog", "Reading")
    out = {"ac": "edit", "s": f"feed/{site.blog}", "r": "user/-/label/Reading"}
    assert site.post(edit, out).text == "OK"
    assert (
        subscriptions.get_subscription(site.database, site.alice, site.blog).category_name is None
    )
    assert site.post(edit, {"ac": "unsubscribe", "s": f"feed/{site.news}"}).text == "OK"
    assert len(site.get(SUBSCRIPTION + "/list").json()["subscriptions"]) == 1
    # Bob's feed cannot be edited or removed by alice, nor can odd actions pass.
    assert site.post(edit, {"ac": "unsubscribe", "s": f"feed/{site.secret}"}).status_code == 404
    assert site.post(edit, {"ac": "explode", "s": f"feed/{site.blog}"}).status_code == 400
    assert site.post(edit, {"ac": "edit"}).status_code == 400
    bobs = site.get(SUBSCRIPTION + "/list", site.bob_token).json()["subscriptions"]
    assert {s["id"] for s in bobs} == {f"feed/{site.blog}", f"feed/{site.secret}"}


def test_subscribe_quickadd_and_opml(site: Site) -> None:
    with FeedServer() as server:
        first = server.feed("/one.xml", [Item("1", "One")], title="Feed One")
        second = server.feed("/two.xml", [Item("2", "Two")], title="Feed Two")
        added = site.post(SUBSCRIPTION + "/quickadd", {"quickadd": first}).json()
        assert added["numResults"] == 1
        assert added["streamName"] == "Feed One"
        body = {"ac": "subscribe", "s": f"feed/{second}", "a": "user/-/label/New", "t": "Two!"}
        assert site.post(SUBSCRIPTION + "/edit", body).text == "OK"
        failed = site.post(SUBSCRIPTION + "/quickadd", {"quickadd": server.url("/missing")}).json()
        assert failed["numResults"] == 0
        assert failed["error"]
    listed = site.get(SUBSCRIPTION + "/list").json()["subscriptions"]
    titles = {s["title"]: s["categories"] for s in listed}
    assert titles["Feed One"] == []
    assert titles["Two!"] == [{"id": "user/-/label/New", "label": "New"}]
    assert all_ids(site, added["streamId"])
    exported = site.get(SUBSCRIPTION + "/export")
    assert exported.status_code == 200
    assert b"https://example.org/news.xml" in exported.content
    assert b"secret.xml" not in exported.content
    opml = exported.content.replace(b"news.xml", b"imported.xml")
    headers = {**site.auth(site.bob_token), "Content-Type": "text/x-opml"}
    assert site.client.post(SUBSCRIPTION + "/import", content=opml, headers=headers).text == "OK"
    bobs = {
        s["url"] for s in site.get(SUBSCRIPTION + "/list", site.bob_token).json()["subscriptions"]
    }
    assert "https://example.org/imported.xml" in bobs
    bad = site.client.post(SUBSCRIPTION + "/import", content=b"not opml", headers=headers)
    assert bad.status_code == 400


def test_unread_counts_carry_when_each_stream_last_got_an_entry(site: Site) -> None:
    later = NOW + timedelta(hours=1)
    refresh(site.database, site.blog, [Item("b4", "Newest blog post")], now=later)

    def newest(token: str | None = None) -> dict[str, str | None]:
        answer = site.get(READER + "/unread-count", token, output="json").json()
        return {c["id"]: c.get("newestItemTimestampUsec") for c in answer["unreadcounts"]}

    at = {moment: str(int(moment.timestamp() * 1_000_000)) for moment in (NOW, later)}
    assert newest() == {
        f"feed/{site.news}": at[NOW],
        "user/-/label/News": at[NOW],
        f"feed/{site.blog}": at[later],
        STATE + "reading-list": at[later],
    }
    # Bob shares the blog, not the news; his secret feed is his alone.
    assert newest(site.bob_token) == {
        f"feed/{site.blog}": at[later],
        f"feed/{site.secret}": at[NOW],
        STATE + "reading-list": at[later],
    }
