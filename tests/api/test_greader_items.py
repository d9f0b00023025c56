"""Google Reader items, built straight from the store's rows (`sync.list_items`), are
the items `EntryDetails` describe: every field, for every kind of entry, on SQLite and
PostgreSQL, whatever text form SQLite holds a time in, before 1970 too.

`expected_item` below is the serialiser as it was written on `EntryDetails` (the
general path that Fever, REST and the Atom stream read), kept here as the reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from newsriver.api.greader.catalogue import Catalogue, load_catalogue
from newsriver.api.greader.ids import long_id
from newsriver.api.greader.streams import LABEL, READ, READING_LIST, STARRED
from newsriver.service import labels, reading, sync
from newsriver.service.sync import EntryDetails, EntryQuery
from newsriver.settings import Settings
from newsriver.store import schema
from newsriver.store.database import Database
from newsriver.web.app import create_app
from tests.api.test_greader_site import (
    ALICE_API_PASSWORD,
    BOB_API_PASSWORD,
    READER,
    login,
    make_user,
    token_of,
)
from tests.store import DIALECTS, add_feed, dated_items, postgresql_url, refresh
from tests.support.feed_server import Item

CONTENTS = READER + "/stream/contents"
ITEMS = READER + "/stream/items/contents"
STATE = "user/-/state/com.google/"


@dataclass(frozen=True, slots=True)
class Reader:
    client: TestClient
    database: Database
    alice: int
    bob: int
    news: int
    blog: int
    token: str

    def get(self, path: str, **params: Any) -> dict[str, Any]:
        headers = {"Authorization": f"GoogleLogin auth={self.token}"}
        response = self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer


@pytest.fixture(params=DIALECTS)
def reader(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Reader]:
    with open_reader(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def sqlite_reader(tmp_path: Path) -> Iterator[Reader]:
    with open_reader("sqlite", tmp_path) as opened:
        yield opened


@contextmanager
def open_reader(dialect: str, tmp_path: Path) -> Iterator[Reader]:
    """alice reads "News" (category News, 6 entries) and "Blog" (shared with bob, 4
    entries), in the whole app on a fresh database."""
    with ExitStack() as stack:
        url = stack.enter_context(postgresql_url()) if dialect == "postgresql" else None
        settings = Settings(data_dir=tmp_path, database_url=url, allow_private_networks="1")
        app = create_app(settings, scheduler=False)
        client = stack.enter_context(TestClient(app, follow_redirects=False))
        database: Database = app.state.database
        alice = make_user(database, "alice", ALICE_API_PASSWORD)
        bob = make_user(database, "bob", BOB_API_PASSWORD)
        news = add_feed(database, "https://example.org/news.xml", alice, category="News")
        blog = add_feed(database, "https://example.org/blog.xml", alice, bob)
        refresh(database, news, dated_items("news", 6))
        refresh(
            database,
            blog,
            [
                Item("b4", "Bare", body=""),
                Item(
                    "b3", "Podcast", link="https://example.org/b3", enclosure="https://e.org/a.mp3"
                ),
                Item("b2", "Second", link="https://example.org/b2", body="<p>Ünïcode “quotes”</p>"),
                Item("b1", "First", body="<p>Blog <em>text</em></p>"),
            ],
        )
        yield Reader(
            client,
            database,
            alice,
            bob,
            news,
            blog,
            token_of(login(client, "alice", ALICE_API_PASSWORD)),
        )


def shape_entries(reader: Reader) -> dict[str, int]:
    """Give the blog's entries every shape an item can take, and some of the entries
    states and labels (alice's, and one of bob's on an entry they share); the blog's
    entry ids by guid."""
    entries = schema.entries
    with reader.database.write() as connection:
        found = connection.execute(
            text("SELECT key, id FROM entries WHERE feed_id = :feed"), {"feed": reader.blog}
        )
        ids: dict[str, int] = {key: int(entry_id) for key, entry_id in found}
        edits: dict[str, dict[str, object]] = {
            # No title, no body at all, an author, enclosures of every kind.
            "b4": {
                "title": None,
                "summary": None,
                "content": None,
                "author": "Ann Author",
                "enclosures": json.dumps(
                    [
                        {"url": "https://e.org/v.mp4", "type": None, "length": None},
                        {"type": "no/url"},
                        "not an object",
                        {"url": "https://e.org/b.ogg", "type": "audio/ogg", "length": 99},
                    ]
                ),
            },
            # An empty content falls back to the summary; an edit time of its own.
            "b2": {"content": "", "updated": datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)},
            # Content and summary: the content wins; an empty author is none.
            "b1": {"content": "<p>Full text</p>", "author": "", "enclosures": ""},
        }
        for key, values in edits.items():
            connection.execute(update(entries).where(entries.c.id == ids[key]).values(**values))
    everything = [
        entry.id
        for entry in sync.list_entries(reader.database, reader.alice, EntryQuery(limit=100)).entries
    ]
    reading.mark_read(reader.database, reader.alice, everything[:3], read=True)
    reading.star(reader.database, reader.alice, everything[2:5], starred=True)
    labels.create_label(reader.database, reader.alice, "Keep", entry_ids=[ids["b3"], ids["b1"]])
    labels.create_label(reader.database, reader.alice, "Also", entry_ids=[ids["b3"]])
    labels.create_label(reader.database, reader.bob, "Bobs", entry_ids=[ids["b3"], ids["b2"]])
    return ids


def expected_item(
    entry: EntryDetails, label_ids: tuple[int, ...], catalogue: Catalogue
) -> dict[str, object]:
    """An entry as `stream/contents` lists it, from its `EntryDetails`."""
    feed = catalogue.feeds.get(entry.feed_id)
    crawled = int(entry.first_seen_at.timestamp() * 1_000_000)
    published = entry.published or entry.sort_at
    states = [READING_LIST]
    if entry.read:
        states.append(READ)
    if entry.starred:
        states.append(STARRED)
    if feed is not None and feed.category_id is not None:
        states.append(LABEL + catalogue.categories[feed.category_id])
    states.extend(LABEL + catalogue.labels[i] for i in label_ids if i in catalogue.labels)
    found: dict[str, object] = {
        "id": long_id(entry.id),
        "crawlTimeMsec": str(crawled // 1000),
        "timestampUsec": str(crawled),
        "published": int(published.timestamp()),
        "updated": int((entry.updated or published).timestamp()),
        "title": entry.title or "",
        "categories": states,
        "origin": {
            "streamId": f"feed/{entry.feed_id}",
            "title": feed.title if feed is not None else "",
            "htmlUrl": (feed.site_url or "") if feed is not None else "",
        },
        "summary": {"direction": "ltr", "content": entry.content or entry.summary or ""},
    }
    if entry.link:
        found["canonical"] = [{"href": entry.link}]
        found["alternate"] = [{"href": entry.link, "type": "text/html"}]
    if entry.author:
        found["author"] = entry.author
    if entry.enclosures:
        found["enclosure"] = [
            {
                "href": e.get("url"),
                "type": e.get("type") or "",
                "length": str(e.get("length") or ""),
            }
            for e in entry.enclosures
            if e.get("url")
        ]
    return found


def expected_items(reader: Reader, ids: list[int]) -> list[dict[str, object]]:
    """The reference items of alice's entries `ids`, in that order, as JSON reads them."""
    found = sync.list_entries(reader.database, reader.alice, EntryQuery(limit=1000))
    by_id = {entry.id: entry for entry in found.entries}
    catalogue = load_catalogue(reader.database, reader.alice)
    items = [expected_item(by_id[i], found.labels.get(i, ()), catalogue) for i in ids]
    loaded: list[dict[str, object]] = json.loads(json.dumps(items))
    return loaded


def ids_of(answer: dict[str, Any]) -> list[int]:
    return [int(item["id"].rsplit("/", 1)[1], 16) for item in answer["items"]]


def test_items_are_the_entries_details_in_every_stream(reader: Reader) -> None:
    ids = shape_entries(reader)
    everything = reader.get(CONTENTS + "/" + STATE + "reading-list", n=1000)
    assert len(everything["items"]) == 10
    assert everything["items"] == expected_items(reader, ids_of(everything))
    by_guid = {item["title"]: item for item in everything["items"]}
    # The shapes made above, as clients see them.
    bare = next(item for item in everything["items"] if int(item["id"][-16:], 16) == ids["b4"])
    assert (bare["title"], bare["summary"]["content"], bare["author"]) == ("", "", "Ann Author")
    assert "canonical" not in bare
    assert [e["href"] for e in bare["enclosure"]] == ["https://e.org/v.mp4", "https://e.org/b.ogg"]
    assert bare["enclosure"][1] == {
        "href": "https://e.org/b.ogg",
        "type": "audio/ogg",
        "length": "99",
    }
    assert by_guid["Second"]["summary"]["content"] == "<p>Ünïcode “quotes”</p>"
    assert by_guid["Second"]["updated"] == int(
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC).timestamp()
    )
    assert by_guid["First"]["summary"]["content"] == "<p>Full text</p>"
    assert not {"author", "enclosure"} & set(by_guid["First"])
    podcast = by_guid["Podcast"]["categories"]
    assert podcast[-2:] == [LABEL + "Keep", LABEL + "Also"]
    assert LABEL + "Bobs" not in podcast
    # The store gives alice's labels alone (not merely filtered out by the API).
    rows = {row[0]: row for row in sync.list_items(reader.database, reader.alice, EntryQuery())}
    names = {label.id: label.name for label in labels.list_labels(reader.database, reader.alice)}
    assert [names[i] for i in rows[ids["b3"]][12] or ()] == ["Keep", "Also"]
    assert rows[ids["b2"]][12] is None
    # Other streams and parameters select among the same items.
    streams: list[tuple[str, dict[str, Any]]] = [
        (CONTENTS + "/feed/" + str(reader.blog), {"n": 3}),
        (CONTENTS + "/" + STATE + "starred", {"n": 10}),
        (CONTENTS + "/" + STATE + "read", {"r": "o"}),
        (CONTENTS + "/user/-/label/Keep", {}),
        (CONTENTS + "/user/-/label/News", {"xt": STATE + "read"}),
        (CONTENTS, {"n": 4, "c": everything_continuation(reader)}),
    ]
    for path, params in streams:
        answer = reader.get(path, **params)
        assert answer["items"], path
        assert answer["items"] == expected_items(reader, ids_of(answer)), path
    # Items by id, in the order asked, in any id form.
    asked = [ids["b1"], ids["b4"], ids_of(everything)[-1], ids["b3"]]
    answer = reader.get(
        ITEMS, i=[str(asked[0]), long_id(asked[1]), f"{asked[2]:016x}", str(asked[3])]
    )
    assert ids_of(answer) == asked
    assert answer["items"] == expected_items(reader, asked)


def everything_continuation(reader: Reader) -> str:
    first = reader.get(CONTENTS, n=4)
    continuation: str = first["continuation"]
    return continuation


def test_a_page_and_its_continuation_cover_the_stream(reader: Reader) -> None:
    everything = ids_of(reader.get(CONTENTS, n=1000))
    first = reader.get(CONTENTS, n=7)
    second = reader.get(CONTENTS, n=7, c=first["continuation"])
    assert ids_of(first) + ids_of(second) == everything
    assert "continuation" not in second


def test_times_before_1970_are_truncated_like_the_entries_details(reader: Reader) -> None:
    entries = schema.entries
    with reader.database.write() as connection:
        connection.execute(
            update(entries)
            .where(entries.c.feed_id == reader.news)
            .values(
                published=datetime(1969, 12, 31, 23, 59, 58, 500000, tzinfo=UTC),
                updated=None,
                first_seen_at=datetime(1969, 12, 31, 23, 59, 59, 250000, tzinfo=UTC),
            )
        )
    answer = reader.get(CONTENTS + "/feed/" + str(reader.news))
    assert answer["items"] == expected_items(reader, ids_of(answer))
    item = answer["items"][0]
    # int() of -1.5 seconds, as `int(published.timestamp())` gives; microseconds exact.
    assert (item["published"], item["updated"]) == (-1, -1)
    assert (item["timestampUsec"], item["crawlTimeMsec"]) == ("-750000", "-750")


def test_times_in_any_sqlite_text_form(sqlite_reader: Reader) -> None:
    reader = sqlite_reader
    news = [
        entry.id
        for entry in sync.list_entries(
            reader.database, reader.alice, EntryQuery(feed_id=reader.news, limit=10)
        ).entries
    ]
    forms = [
        # published, updated, first_seen_at, as written by hand or by older code.
        ("2024-05-06 14:00:00+02:00", "2024-05-06T12:00:00.5", "2024-05-06 12:00:00"),
        ("2024-05-06 12:00:00.000000", None, "2024-05-06T12:00:01.250000"),
        ("2024-05-06T12:00:00", "2024-05-06 12:00:00.999999", "2024-05-06 12:00:00.123456"),
    ]
    with reader.database.write() as connection:
        for entry_id, (published, updated, first_seen_at) in zip(news, forms, strict=False):
            connection.execute(
                text(
                    "UPDATE entries SET published = :published, updated = :updated,"
                    " first_seen_at = :first_seen_at WHERE id = :id"
                ),
                {
                    "published": published,
                    "updated": updated,
                    "first_seen_at": first_seen_at,
                    "id": entry_id,
                },
            )
    answer = reader.get(CONTENTS + "/feed/" + str(reader.news))
    assert answer["items"] == expected_items(reader, ids_of(answer))
    by_id = {int(item["id"][-16:], 16): item for item in answer["items"]}
    noon = int(datetime(2024, 5, 6, 12, tzinfo=UTC).timestamp())
    assert [by_id[i]["published"] for i in news[:3]] == [noon] * 3
    assert [by_id[i]["timestampUsec"] for i in news[:3]] == [
        str(noon * 1_000_000),
        str((noon + 1) * 1_000_000 + 250_000),
        str(noon * 1_000_000 + 123_456),
    ]
