"""The legacy Atom stream `reader/atom/<stream>` (newsboat's "feedhq" mode reads it)."""

from __future__ import annotations

from lxml import etree

from newsriver.api.greader.ids import long_id
from newsriver.service import reading
from tests.api.test_greader_site import API, Site, site
from tests.api.test_greader_streams import STATE, all_ids

__all__ = ["site"]
ATOM = API + "/reader/atom/"
NS = {"a": "http://www.w3.org/2005/Atom", "gr": "http://www.google.com/schemas/reader/atom/"}
SCHEME = "http://www.google.com/reader/"


def parse(body: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.fromstring(body, parser)


def states(entry: etree._Element) -> set[str]:
    """The `label`s of the entry's categories in Google Reader's scheme (what newsboat reads)."""
    return {
        c.get("label") or "" for c in entry.findall("a:category", NS) if c.get("scheme") == SCHEME
    }


def test_a_feed_as_newsboat_asks_for_it(site: Site) -> None:
    # newsboat escapes the stream id: `reader/atom/feed%2F<id>?n=20`.
    response = site.get(f"{ATOM}feed%2F{site.blog}", n=20)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = parse(response.content)
    assert feed.findtext("a:title", namespaces=NS) == "Test feed"
    entries = feed.findall("a:entry", NS)
    ids = all_ids(site, f"feed/{site.blog}")
    assert [e.findtext("a:id", namespaces=NS) for e in entries] == [long_id(n) for n in ids]
    podcast = entries[0]
    assert podcast.findtext("a:title", namespaces=NS) == "Podcast"
    links = {link.get("rel"): link.get("href") for link in podcast.findall("a:link", NS)}
    assert links == {"alternate": "https://example.org/b3", "enclosure": "https://e.org/a.mp3"}
    assert states(podcast) == {"reading-list", "fresh"}
    assert feed.find("gr:continuation", NS) is None


def test_read_and_starred_states_and_labels(site: Site) -> None:
    ids = all_ids(site, f"feed/{site.news}")
    reading.mark_read(site.database, site.alice, ids[:2], read=True)
    reading.star(site.database, site.alice, ids[1:3], starred=True)
    feed = parse(site.get(ATOM + "user/-/label/News", n=3).content)
    entries = feed.findall("a:entry", NS)
    assert [states(e) for e in entries] == [
        {"reading-list", "read"},
        {"reading-list", "read", "starred"},
        {"reading-list", "starred", "fresh"},
    ]
    # The category is there, outside Google Reader's scheme (a label named "read"
    # must not pass for the state).
    terms = {c.get("term") for c in entries[0].findall("a:category", NS)}
    assert "user/-/label/News" in terms
    unread = parse(site.get(ATOM + STATE + "reading-list", n=100, xt=STATE + "read").content)
    assert len(unread.findall("a:entry", NS)) == 28 - 2


def test_paging_with_the_continuation(site: Site) -> None:
    everything = all_ids(site, STATE + "reading-list")
    seen: list[str] = []
    continuation = None
    for _ in range(10):
        params: dict[str, object] = {"n": 12}
        if continuation is not None:
            params["c"] = continuation
        feed = parse(site.get(ATOM + STATE + "reading-list", None, **params).content)
        seen += [e.findtext("a:id", namespaces=NS) or "" for e in feed.findall("a:entry", NS)]
        continuation = feed.findtext("gr:continuation", namespaces=NS)
        if continuation is None:
            break
    assert seen == [long_id(n) for n in everything]


def test_other_users_streams_and_bad_requests(site: Site) -> None:
    assert site.get(f"{ATOM}feed%2F{site.secret}").status_code == 404
    assert site.get(f"{ATOM}feed/{site.secret}").status_code == 404
    assert site.get(f"{ATOM}feed%2F{site.secret}", site.bob_token).status_code == 200
    assert site.get(ATOM + "nonsense").status_code == 400
    assert site.client.get(f"{ATOM}feed%2F{site.blog}").status_code == 401
    titles = parse(site.get(ATOM + STATE + "reading-list", n=100).content)
    assert "secret" not in etree.tostring(titles).decode()
