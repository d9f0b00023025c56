"""The lenient path: feedparser, for documents too broken for our strict reader.

feedparser's loose parser recovers text that libxml2's recover mode silently drops
(an unclosed `</title>`, a truncated document). It is slow, so it runs only after
strict parsing and our textual repairs have both failed.

`feedparser.parse` is not called: it resolves ids against the base URL, has expat report
text one entity reference at a time, and reads a string it is given as a path or URL.
`_run_feedparser` drives feedparser's own two parsers the way `parse` does, without
those three. Everything feedparser returns is checked for its type before use: its
dictionaries hold whatever the document's shape made of them.
"""

from __future__ import annotations

import calendar
import io
import time
import xml.sax
import xml.sax.expatreader
import xml.sax.saxutils
from datetime import UTC, datetime
from typing import Any

from feedparser.api import LooseFeedParser, StrictFeedParser
from feedparser.sanitizer import replace_doctype

from newsriver.errors import FeedParseError
from newsriver.feeds.dates import parse_date
from newsriver.feeds.draft import EntryDraft, FeedDraft, Text
from newsriver.models import FeedFormat, Person

_FORMATS: dict[str, FeedFormat] = {
    "rss090": "rss090",
    "rss091n": "rss091",
    "rss091u": "rss091",
    "rss092": "rss092",
    "rss093": "rss092",
    "rss094": "rss092",
    "rss20": "rss20",
    "rss10": "rss10",
    "rss": "rss20",
    "atom01": "atom03",
    "atom02": "atom03",
    "atom03": "atom03",
    "atom10": "atom10",
    "atom": "atom10",
}


def read_with_feedparser(utf8: bytes, url: str) -> FeedDraft:
    """Fill a draft using feedparser; raise FeedParseError if it finds no feed either."""
    try:
        version, feed, entries = _run_feedparser(utf8, url)
    except Exception as error:  # feedparser's loose parser has its own crash bugs
        raise FeedParseError(url, f"not a feed, even read leniently ({error!r})") from error
    if not entries and not _str(feed.get("title")) and version not in _FORMATS:
        raise FeedParseError(url, "not a feed, even read leniently")
    draft = FeedDraft(url=url, format=_FORMATS.get(version, "rss20"))
    literal_titles = draft.format.startswith("rss")
    draft.title = _title(feed.get("title_detail"), literal=literal_titles)
    draft.link = _str(feed.get("link"))
    draft.description = _text(feed.get("subtitle_detail"))
    draft.language = _str(feed.get("language"))
    draft.updated = _date(feed, "updated")
    draft.authors = _people(feed)
    draft.logo = _str(_dict(feed.get("image")).get("href")) or _str(feed.get("logo"))
    draft.icon = _str(feed.get("icon"))
    for link in _dicts(feed.get("links")):
        rel, href = _str(link.get("rel")), _str(link.get("href"))
        if rel == "hub" and href:
            draft.hubs.append(href)
        elif rel == "self" and href:
            draft.self_link = draft.self_link or href
    draft.entries = [_entry(entry, rss=literal_titles) for entry in _dicts(entries)]
    return draft


# ---------------------------------------------------------------------------------------
# Running feedparser


def _run_feedparser(utf8: bytes, url: str) -> tuple[str, dict[str, Any], list[Any]]:
    """feedparser's version name, feed dictionary and entries for a UTF-8 document.

    As `feedparser.parse` does: the strict (SAX) parser first, the loose one when the
    document is not well-formed XML, with DOCTYPE entities reduced to the safe ones.
    """
    doctype_version, data, entities = replace_doctype(utf8)
    handler = _StrictParser(url, None, "utf-8")
    handler.resolve_relative_uris = False  # we sanitise and resolve URLs ourselves, once
    handler.sanitize_html = False
    reader = _TextRunExpatParser()
    reader.setFeature(xml.sax.handler.feature_namespaces, True)
    reader.setFeature(xml.sax.handler.feature_external_ges, False)
    reader.setContentHandler(handler)
    reader.setErrorHandler(handler)
    source = xml.sax.xmlreader.InputSource()
    source.setByteStream(io.BytesIO(data))
    # The bytes are UTF-8 whatever the XML declaration says (see encoding.py).
    source.setEncoding("utf-8")
    try:
        reader.parse(source)
    except xml.sax.SAXException:
        handler = _LooseParser(url, None, "utf-8", entities)
        handler.resolve_relative_uris = False
        handler.sanitize_html = False
        handler.feed(data.decode("utf-8", "replace"))
    version = doctype_version or handler.version or ""
    return str(version), handler.feeddata, handler.entries


class _TextRunExpatParser(xml.sax.expatreader.ExpatParser):
    """expat reporting each run of text at once, not piece by piece.

    Unbuffered, expat makes one call per entity reference and per piece between them,
    and feedparser keeps a string for each until the element ends: escaped markup
    ("&lt;p&gt;") then costs about fifty bytes of memory per byte of text.
    """

    def reset(self) -> None:
        super().reset()
        self._parser.buffer_text = True  # type: ignore[attr-defined]


class _Amendments:
    """What our feedparser parsers do differently from feedparser's own.

    Ids are kept as the publisher wrote them. feedparser resolves a `<guid>` or Atom
    `<id>` against the base URL (the document URL, xml:base) as if it were a link,
    unless it is marked `isPermaLink="false"`: "g1" would become "http://example.com/g1".
    Entries are deduplicated by id, and the strict path keeps ids literal, so a feed
    broken for one fetch would otherwise duplicate every entry.

    A character reference to what is no character ("&#xD800;", "&#9999999;") becomes
    U+FFFD, as an undecodable byte does, instead of ending the whole parse in an error.
    """

    guidislink: bool | int

    def pop(self, element: str, strip_whitespace: int = 1) -> Any:
        # feedparser's pop() resolves an "id" only when guidislink is set.
        is_link = getattr(self, "guidislink", False)
        if element == "id":
            self.guidislink = False
        try:
            return super().pop(element, strip_whitespace)  # type: ignore[misc]
        finally:
            self.guidislink = is_link

    def handle_charref(self, ref: str) -> None:
        try:
            chr(int(ref[1:], 16) if ref[:1] in ("x", "X") else int(ref)).encode()
        except (ValueError, OverflowError, UnicodeEncodeError):
            ref = "65533"
        super().handle_charref(ref)  # type: ignore[misc]


class _StrictParser(_Amendments, StrictFeedParser):  # type: ignore[misc]
    pass


class _LooseParser(_Amendments, LooseFeedParser):  # type: ignore[misc]
    def decode_entities(self, element: str, data: str) -> str:
        """The loose parser leaves the five XML escapes in text it takes for XML, which
        is where an id falls ("a&amp;b"); the strict path reads them."""
        decoded: str = super().decode_entities(element, data)
        if element == "id" and self.contentparams.get("type", "xml").endswith("xml"):
            decoded = xml.sax.saxutils.unescape(decoded, _QUOTES)
        return decoded


_QUOTES = {"&quot;": '"', "&apos;": "'"}


# ---------------------------------------------------------------------------------------
# Reading feedparser's results


def _entry(raw: dict[str, Any], *, rss: bool) -> EntryDraft:
    entry = EntryDraft()
    entry.id = _str(raw.get("id"))
    entry.title = _title(raw.get("title_detail"), literal=rss)
    entry.link = _str(raw.get("link"))
    if entry.link is not None and _link_is_the_id(raw) and not _id_serves_as_link(entry.link, rss):
        entry.link = None
    entry.summary = _text(raw.get("summary_detail"))
    contents = _dicts(raw.get("content"))
    if contents:
        entry.content = _text(contents[0])
    entry.published = _date(raw, "published")
    entry.updated = _date(raw, "updated")
    entry.authors = _people(raw)
    for tag in _dicts(raw.get("tags")):
        category = _str(tag.get("label")) or _str(tag.get("term"))
        if category:
            entry.categories.append(category)
    for enclosure in _dicts(raw.get("enclosures")):
        href = _str(enclosure.get("href"))
        if href:
            length = _str(enclosure.get("length"))
            entry.enclosures.append((href, _str(enclosure.get("type")), length))
    thumbnails = _dicts(raw.get("media_thumbnail"))
    if thumbnails:
        entry.thumbnail = _str(thumbnails[0].get("url"))
    entry.comments = _str(raw.get("comments"))
    return entry


def _link_is_the_id(raw: dict[str, Any]) -> bool:
    """Whether feedparser took the entry's link from its guid or id.

    It does so when the id is not marked `isPermaLink="false"` and no link came before
    it, and says so in `guidislink`; a link element read afterwards replaces the link
    but not the flag, and is listed in `links`.
    """
    if not raw.get("guidislink"):
        return False
    return not any(_str(link.get("rel")) == "alternate" for link in _dicts(raw.get("links")))


def _id_serves_as_link(entry_id: str, rss: bool) -> bool:
    """As on the strict path (`rss._item_guid`): an RSS guid is the entry's link when it
    is a web URL, an Atom id never."""
    return rss and entry_id.startswith(("http://", "https://"))


def _title(detail: object, *, literal: bool) -> Text | None:
    """RSS titles are literal text on the strict path too (see `rss._title_text`)."""
    text = _text(detail)
    return Text(text.value, "text") if text is not None and literal else text


def _text(detail: object) -> Text | None:
    value = _str(_dict(detail).get("value"))
    if value is None:
        return None
    is_html = "html" in (_str(_dict(detail).get("type")) or "")
    return Text(value, "html" if is_html else "text")


def _date(holder: dict[str, Any], key: str) -> datetime | None:
    """Prefer our own date reading of the raw string; feedparser's tuple as a fallback."""
    # dict.get: FeedParserDict.get("updated") falls back to "published" with a warning.
    raw = dict.get(holder, key)
    parsed = parse_date(raw) if isinstance(raw, str) else None
    if parsed is not None:
        return parsed
    struct = dict.get(holder, key + "_parsed")
    if not isinstance(struct, time.struct_time):
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC)
    except (OverflowError, ValueError, OSError):
        return None  # a year outside what datetime holds: an unreadable date


def _people(holder: dict[str, Any]) -> list[Person]:
    people = []
    for author in _dicts(holder.get("authors")):
        name, email = _str(author.get("name")), _str(author.get("email"))
        uri = _str(author.get("href"))
        if name or email or uri:
            people.append(Person(name=name, email=email, uri=uri))
    return people


def _str(value: object) -> str | None:
    """A string feedparser found, or None for anything else it put in that place."""
    return value if isinstance(value, str) else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
