"""The Fever API's changes: items read, unread, saved and unsaved, feeds and groups read
`before` a sync, recently read items unread again; and hostile input, which changes
nothing of anyone's and never fails (also on PostgreSQL, where ids are 64-bit columns)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from newsriver.service import reading
from newsriver.settings import Settings
from newsriver.store.entries import set_read
from newsriver.web.app import create_app
from newsriver.web.auth.api_credentials import fever_key
from tests.api.test_fever import API_PASSWORD, Fever, Site, make_user, site
from tests.store import HOUR, NOW, add_feed, dated_items, postgresql_url, refresh

__all__ = ["site"]  # the fixture, shared with test_fever.py

HUGE = "9" * 40


def ids_text(ids: list[int]) -> str:
    return ",".join(map(str, sorted(ids)))


def test_marking_items_changes_only_the_users_own_state(site: Site) -> None:
    alice, bob = site.fever(site.alice), site.fever(site.bob)
    shared = site.ids(site.alice, stream=reading.Stream("feed", site.shared))
    target = str(shared[0])
    body = alice(mark="item", **{"as": "read"}, id=target)
    assert body["unread_item_ids"] == ids_text(site.ids(site.alice))
    assert shared[0] not in site.ids(site.alice)
    assert shared[0] in site.ids(site.bob)  # the same entry, Bob's state
    body = alice(mark="item", **{"as": "saved"}, id=target)
    assert body["saved_item_ids"] == target
    assert "unread_item_ids" not in body
    assert bob("saved_item_ids")["saved_item_ids"] == ""
    assert alice(mark="item", **{"as": "unsaved"}, id=target)["saved_item_ids"] == ""
    assert alice(mark="item", **{"as": "unread"}, id=target)["unread_item_ids"] == ids_text(
        site.ids(site.alice)
    )
    assert shared[0] in site.ids(site.alice)
    # Bob's own entry, named by Alice: nothing happens to it, and no error.
    bobs = site.ids(site.bob, stream=reading.Stream("feed", site.bobs))
    body = alice(mark="item", **{"as": "read"}, id=str(bobs[0]))
    assert str(bobs[0]) not in body["unread_item_ids"].split(",")
    alice(mark="item", **{"as": "saved"}, id=str(bobs[0]))
    assert site.ids(site.bob, stream=reading.Stream("feed", site.bobs)) == bobs
    assert bob("saved_item_ids")["saved_item_ids"] == ""


def test_marking_a_feed_read_before_a_sync_spares_what_came_after(site: Site) -> None:
    alice = site.fever(site.alice)
    synced = int(NOW.timestamp())
    # Two entries arrive after Alice's client last synced.
    new = refresh(site.database, site.shared, dated_items("shared", 62), now=NOW + 2 * HOUR)
    assert len(new.new_ids) == 2
    body = alice(mark="feed", **{"as": "read"}, id=str(site.shared), before=str(synced))
    unread_shared = site.ids(site.alice, stream=reading.Stream("feed", site.shared))
    assert sorted(unread_shared) == sorted(new.new_ids)
    assert body["unread_item_ids"] == ids_text(site.ids(site.alice))
    assert len(site.ids(site.bob, stream=reading.Stream("feed", site.shared))) == 62
    # Alice's other feed is untouched; without `before`, everything is read.
    assert len(site.ids(site.alice, stream=reading.Stream("feed", site.alices))) == 3
    alice(mark="feed", **{"as": "read"}, id=str(site.shared))
    assert site.ids(site.alice, stream=reading.Stream("feed", site.shared)) == []
    # Bob's feed, named by Alice: refused silently.
    alice(mark="feed", **{"as": "read"}, id=str(site.bobs), before=str(synced + 7200))
    assert len(site.ids(site.bob, stream=reading.Stream("feed", site.bobs))) == 2


def test_marking_groups_read_and_everything_with_group_zero(site: Site) -> None:
    alice, bob = site.fever(site.alice), site.fever(site.bob)
    later = int((NOW + 3 * HOUR).timestamp())
    alice(mark="group", **{"as": "read"}, id=str(site.tech), before=str(later))
    assert site.ids(site.alice, stream=reading.Stream("feed", site.alices)) == []
    assert len(site.ids(site.alice)) == 60
    # Another user's group, and Fever's "Sparks" (-1, which newsriver has none of).
    alice(mark="group", **{"as": "read"}, id=str(site.bobs_category), before=str(later))
    body = alice(mark="group", **{"as": "read"}, id="-1", before=str(later))
    assert "unread_item_ids" not in body
    assert len(site.ids(site.bob)) == 62
    assert len(site.ids(site.alice)) == 60
    # Group 0 is everything the user reads; a `before` older than everything, nothing.
    alice(mark="group", **{"as": "read"}, id="0", before=str(int((NOW - 9 * HOUR).timestamp())))
    assert len(site.ids(site.alice)) == 60
    body = alice(mark="group", **{"as": "read"}, id="0", before=str(later))
    assert body["unread_item_ids"] == ""
    assert site.ids(site.alice) == []
    assert len(site.ids(site.bob)) == 62
    # Only "read" exists for groups and feeds.
    bob(mark="group", **{"as": "unread"}, id="0")
    bob(mark="feed", **{"as": "saved"}, id=str(site.bobs))
    assert len(site.ids(site.bob)) == 62
    assert bob("saved_item_ids")["saved_item_ids"] == ""


def test_unread_recently_read_brings_back_the_last_hour_only(site: Site) -> None:
    alice, bob = site.fever(site.alice), site.fever(site.bob)
    shared = sorted(site.ids(site.alice, stream=reading.Stream("feed", site.shared)))
    # Read long ago (the store takes the time), then just now through the API.
    with site.database.write() as connection:
        set_read(connection, site.alice, shared[:5], read=True, now=NOW)
    for entry_id in shared[5:8]:
        alice(mark="item", **{"as": "read"}, id=str(entry_id))
    bob(mark="item", **{"as": "read"}, id=str(shared[6]))
    body = alice(unread_recently_read="1")
    assert sorted(site.ids(site.alice)) == sorted(
        set(site.ids(site.alice, unread_only=False)) - set(shared[:5])
    )
    assert body["unread_item_ids"] == ids_text(site.ids(site.alice))
    assert shared[6] not in site.ids(site.bob)
    # "0" asks for nothing.
    alice(mark="item", **{"as": "read"}, id=str(shared[9]))
    alice(unread_recently_read="0")
    assert shared[9] not in site.ids(site.alice)


def test_hostile_input_changes_nothing_and_never_fails(site: Site) -> None:
    alice = site.fever(site.alice)
    before = site.ids(site.alice, unread_only=False), site.ids(site.alice), site.ids(site.bob)
    everything = sorted(before[0])
    for value in ("abc", "-1", "1.5", " 3 ", "", HUGE, "١٢", "0x10", "1e3"):
        for name in ("since_id", "max_id", "with_ids", "feed_ids", "group_ids"):
            body = alice(f"items&{name}={value}")
            assert {item["id"] for item in body["items"]} <= set(everything), (name, value)
    assert [item["id"] for item in alice(f"items&since_id={HUGE}")["items"]] == []
    assert len(alice(f"items&max_id={HUGE}")["items"]) == 50
    with_ids = f"{everything[0]},abc,-3,{HUGE},,{everything[1]} , 0"
    assert [item["id"] for item in alice(f"items&with_ids={with_ids}")["items"]] == everything[:2]
    for mark, action, target, when in (
        ("item", "read", HUGE, ""),
        ("item", "read", "-1", ""),
        ("item", "read", "0", ""),
        ("item", "read", "abc", ""),
        ("item", "explode", str(everything[0]), ""),
        ("feed", "read", HUGE, ""),
        ("group", "read", HUGE, ""),
        ("feed", "read", str(site.shared), "-5"),
        ("feed", "read", str(site.shared), "yesterday"),
        ("bogus", "read", str(everything[0]), ""),
        ("ITEM", "READ", f"{everything[0]},{everything[1]}", ""),
    ):
        alice(mark=mark, **{"as": action}, id=target, before=when)
    # A `before` far in the future is clamped, and means "everything so far".
    assert (
        site.ids(site.alice, unread_only=False),
        site.ids(site.alice),
        site.ids(site.bob),
    ) == before
    alice(mark="feed", **{"as": "read"}, id=str(site.alices), before=HUGE)
    assert site.ids(site.alice, stream=reading.Stream("feed", site.alices)) == []


def test_huge_and_foreign_ids_on_postgresql(tmp_path: Path) -> None:
    with postgresql_url() as url:
        app = create_app(Settings(data_dir=tmp_path, database_url=url), scheduler=False)
        with TestClient(app) as client:
            database = app.state.database
            alice, bob = make_user(database, "alice"), make_user(database, "bob")
            feed = add_feed(database, "https://example.org/bob.xml", bob)
            add_feed(database, "https://example.org/alice.xml", alice)
            refresh(database, feed, dated_items("bob", 2))
            fever = Fever(client, fever_key("alice", API_PASSWORD))
            for query in (
                f"items&since_id={HUGE}",
                f"items&max_id={HUGE}",
                f"items&with_ids={HUGE},{2**63}",
                f"items&feed_ids={HUGE},{feed}",
                f"items&group_ids={HUGE}",
            ):
                assert fever(query)["items"] == []
            for mark, target in (
                ("item", HUGE),
                ("feed", HUGE),
                ("group", HUGE),
                ("feed", str(feed)),
            ):
                fever(mark=mark, **{"as": "read"}, id=target, before=HUGE)
            assert fever("items&max_id=0")["total_items"] == 0
            bobs = Fever(client, fever_key("bob", API_PASSWORD))("unread_item_ids")
            assert len(bobs["unread_item_ids"].split(",")) == 2
