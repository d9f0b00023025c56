"""One yardstick for feed parsers: field-by-field agreement with gofeed's test expectations.

gofeed (github.com/mmcdole/gofeed) ships inputs with the JSON its parsers are expected to
produce. This module finds those cases, turns each expected JSON into a flat list of
`(field path, kind, expected value)`, and compares it with what a parser produced, after
that output has been put into the same flat shape (a `FeedView`). Both newsriver
(`view_parsed`) and feedparser (`view_feedparser`) are adapted to `FeedView`, so the
same comparison scores both.

Cases (under ``shared/corpus/gofeed-testdata``):

- ``translator/{rss,atom}/X.xml`` with ``X.json``, and ``translator/json/X.json`` with
  ``X_expected.json``: gofeed's *universal* model (gofeed.Feed).
- ``parser/{rss,atom}/X.xml`` with ``X.json``, ``parser/json/X.json`` with
  ``X_expected.json``: the *format-level* models (rss.Feed, atom.Feed, json.Feed).
- ``parser/json/invalid/*`` and ``parser/universal/{invalid.json,unknown_feed.xml,
  empty_feed.xml}``: not feeds; the only acceptable failure is `FeedParseError`. The other
  ``parser/universal`` inputs have no expected JSON: they must simply parse.

What is compared (the path vocabulary; ``[i]`` is a list index):

====================  ==========================================  ======================
path                  universal (format-level) source             our model
====================  ==========================================  ======================
format                parser ``version_*`` cases only (see below) ParsedFeed.format
title                 title                                       title
link                  link (rss link, atom first alternate link,  link
                      json home_page_url)
feedLink              feedLink (atom rel=self, json feed_url)     self_link
description           description (rss description, atom          description
                      subtitle/tagline, json description)
language              language (atom xml:lang)                    language
updated               updatedParsed, else publishedParsed (rss    updated
                      lastBuildDate, else pubDate; atom updated)
image                 image.url (rss image.url)                   logo, else icon
icon / logo           atom icon/logo; json favicon/icon           icon / logo
ttl, skipHours,       rss ttl, skipHours, skipDays                ttl, skip_hours,
skipDays                                                          skip_days
authors[i].name/      authors[] (atom authors[]; json author(s),  authors
email/uri             url as uri)
authors[i]            rss managingEditor/webMaster (raw string)   authors[i] (see
                                                                  `person` below)
items.count           len(items) (atom entries)                   len(entries)
items[i].guid         guid (rss guid.value, atom id, json id)     id
items[i].title        title                                       title
items[i].link         link (atom first alternate link, json url)  link
items[i].description  description (rss description, atom          summary
                      summary, json summary)
items[i].content      content (rss content:encoded, atom          content
                      content.value, json content_html/text)
items[i].published    format-level published/pubDate              published
items[i].updated      format-level updated                        updated
items[i].published_   universal publishedParsed                   published, else
or_updated                                                        updated
items[i].updated_or_  universal updatedParsed                     updated, else
published                                                         published
items[i].authors...   as for the feed (rss author: raw string)    authors
items[i].categories   categories (rss categories[].value, atom    categories
[j]                   label else term, json tags)
items[i].enclosures   enclosures (rss enclosure(s), atom          enclosures
[j].url/type/length   rel=enclosure links, json attachments)
items[i].image        image.url (json image)                      thumbnail
items[i].comments     rss comments, atom rel=replies link         comments
====================  ==========================================  ======================

How values compare (`Kind`):

- ``html``: fields that are HTML in our model (descriptions, content). Both sides are
  reduced to plain text (tags stripped, entities unescaped, whitespace collapsed):
  sanitising legitimately changes markup.
- ``text``: fields that are plain text in our model (titles, names, categories). gofeed
  does not say whether its value is markup or text (it keeps "<b>" in an HTML title),
  so our text, whitespace collapsed, must equal the expected value read either way:
  as markup reduced to text, or as text.
- ``exact``: after stripping surrounding whitespace (ids, languages, emails, lengths).
- ``mime``: case-insensitively (MIME types are).
- ``url``: exactly, or the expected URL made absolute against `CASE_URL` equals ours:
  gofeed resolves only against xml:base because it is never told where the document came
  from, while we are (`CASE_URL`), so a relative expectation is met by its resolution.
- ``instant``: as UTC instants; raw expected date strings are read with our `parse_date`.
- ``person``: a raw RSS author string ("Name (email)") against a structured person:
  equal when the person's name and email, taken out of the string (read as markup or
  as text), leave only punctuation and space.
- ``set``: as sets of strings (skipHours, skipDays).

``items.count`` is compared only when the expected JSON has items (a zero that both
sides could only agree on would pad the score).

Translator date fallback: gofeed's universal model fills an item's published date from
its updated date and vice versa, so the universal expectations compare with our value
after the same fallback (``published_or_updated``, ``updated_or_published``).

Not compared, deliberately (our model has no counterpart, or it is gofeed metadata):
copyright/rights, generator, docs, rating, cloud, textInput, feed-level categories,
extensions, dcExt, itunesExt, custom elements, contributors, atom ``source``, atom and
rss ``links`` lists beyond the ones mapped above, link titles/hreflang, category
scheme/domain, guid isPermalink, content type/src, image title/link/width/height, author
avatars, json ``expired``/``next_url``/``user_comment``, attachment titles and durations,
and the translator's ``feedType``/``feedVersion`` (present in every case: counting them
would dilute the score with a near-trivial field; version detection is measured by the
``parser/*/version_*`` cases, where it is the point).

Scoring: every compared field counts once. A parser that raises FeedParseError on a case
with expectations scores zero for all of its fields; a case whose fields are all outside
the model compares nothing and counts for nothing.

The feedparser adapter (`view_feedparser`) is told the same document URL (as
Content-Location) and maps feedparser's keys onto ours: `subtitle` → description,
`summary` → summary, `content[0]` → content, `id` → guid, HTML-typed titles reduced to
text (ours are plain text), `publisher` (RSS webMaster) appended to the authors (we list
webMaster among the authors), `image.href`/`logo` → logo, `media_thumbnail`, iTunes image
or an image `media_content` → thumbnail. feedparser does not read JSON Feed, so it scores
nothing on those fields; the XML-only score is the fair comparison of the two.
"""

from __future__ import annotations

import calendar
import html
import io
import json
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin

import feedparser

from newsriver.errors import FeedParseError
from newsriver.feeds import parse_feed
from newsriver.feeds.dates import parse_date
from newsriver.models import ParsedFeed

# tests/support/gofeed_compare.py → parents[2] is the repository; shared/ sits beside it.
CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
GOFEED = CORPUS / "gofeed-testdata"
# The document URL every case is parsed with (a reserved TLD, so it collides with nothing
# in the data).
CASE_URL = "http://feeds.example/case.xml"

Kind = Literal["text", "html", "exact", "mime", "url", "instant", "person", "set"]
Level = Literal["universal", "rss", "atom", "json", "smoke"]

# universal inputs that are not feeds at all.
_NOT_FEEDS = frozenset({"invalid.json", "unknown_feed.xml", "empty_feed.xml"})


# --- cases ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Case:
    """One gofeed input with (unless `level` is "smoke") the JSON it should produce."""

    name: str
    source: Path
    expected: Path | None
    level: Level
    # Not a feed: parsing must raise FeedParseError (and nothing else).
    invalid: bool = False

    @property
    def is_json(self) -> bool:
        """True for JSON Feed inputs (scored separately as well as overall)."""
        return self.source.suffix == ".json"

    def body(self) -> bytes:
        """The input document's bytes."""
        return self.source.read_bytes()

    def expected_json(self) -> dict[str, Any]:
        """The expected gofeed JSON; {} for smoke and invalid cases."""
        if self.expected is None:
            return {}
        loaded: dict[str, Any] = json.loads(self.expected.read_text(encoding="utf-8"))
        return loaded


def discover_cases(root: Path = GOFEED) -> list[Case]:
    """Every gofeed case under `root`, sorted by name; [] when the corpus is absent."""
    if not root.is_dir():
        return []
    cases: list[Case] = []
    for level in ("rss", "atom"):
        cases += _xml_cases(root / "translator" / level, "universal")
        cases += _xml_cases(root / "parser" / level, level)
    cases += _json_cases(root / "translator" / "json", "universal")
    cases += _json_cases(root / "parser" / "json", "json")
    for path in sorted((root / "parser" / "json" / "invalid").glob("*")):
        cases.append(Case(_name(path, root), path, None, "json", invalid=True))
    for path in sorted((root / "parser" / "universal").glob("*")):
        invalid = path.name in _NOT_FEEDS
        cases.append(Case(_name(path, root), path, None, "smoke", invalid=invalid))
    return sorted(cases, key=lambda case: case.name)


def _xml_cases(folder: Path, level: Level) -> list[Case]:
    root = folder.parents[1]
    return [
        Case(_name(path, root), path, path.with_suffix(".json"), level)
        for path in sorted(folder.glob("*.xml"))
        if path.with_suffix(".json").is_file()
    ]


def _json_cases(folder: Path, level: Level) -> list[Case]:
    root = folder.parents[1]
    cases = []
    for path in sorted(folder.glob("*_expected.json")):
        source = path.with_name(path.name.removesuffix("_expected.json") + ".json")
        if source.is_file():
            cases.append(Case(_name(source, root), source, path, level))
    return cases


def _name(path: Path, root: Path) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


# --- the comparable shape ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PersonView:
    """A person as any parser reports it."""

    name: str | None = None
    email: str | None = None
    uri: str | None = None


@dataclass(frozen=True, slots=True)
class EnclosureView:
    """An enclosure; `length` as a string, the way the formats carry it."""

    url: str | None = None
    type: str | None = None
    length: str | None = None


@dataclass(frozen=True, slots=True)
class EntryView:
    """The comparable fields of one entry."""

    guid: str | None = None
    title: str | None = None
    link: str | None = None
    description: str | None = None
    content: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    authors: tuple[PersonView, ...] = ()
    categories: tuple[str, ...] = ()
    enclosures: tuple[EnclosureView, ...] = ()
    image: str | None = None
    comments: str | None = None


@dataclass(frozen=True, slots=True)
class FeedView:
    """The comparable fields of a feed, whichever parser produced them."""

    format: str | None = None
    title: str | None = None
    link: str | None = None
    feed_link: str | None = None
    description: str | None = None
    language: str | None = None
    updated: datetime | None = None
    authors: tuple[PersonView, ...] = ()
    icon: str | None = None
    logo: str | None = None
    ttl: str | None = None
    skip_hours: frozenset[str] = frozenset()
    skip_days: frozenset[str] = frozenset()
    entries: tuple[EntryView, ...] = field(default=())


def view_parsed(feed: ParsedFeed) -> FeedView:
    """Our `ParsedFeed` in the comparable shape."""
    return FeedView(
        format=feed.format,
        title=feed.title,
        link=feed.link,
        feed_link=feed.self_link,
        description=feed.description,
        language=feed.language,
        updated=feed.updated,
        authors=tuple(PersonView(p.name, p.email, p.uri) for p in feed.authors),
        icon=feed.icon,
        logo=feed.logo,
        ttl=None if feed.ttl is None else str(feed.ttl),
        skip_hours=frozenset(str(hour) for hour in feed.skip_hours),
        skip_days=feed.skip_days,
        entries=tuple(
            EntryView(
                guid=entry.id,
                title=entry.title,
                link=entry.link,
                description=entry.summary,
                content=entry.content,
                published=entry.published,
                updated=entry.updated,
                authors=tuple(PersonView(p.name, p.email, p.uri) for p in entry.authors),
                categories=entry.categories,
                enclosures=tuple(
                    EnclosureView(e.url, e.type, None if e.length is None else str(e.length))
                    for e in entry.enclosures
                ),
                image=entry.thumbnail,
                comments=entry.comments,
            )
            for entry in feed.entries
        ),
    )


# feedparser's version names → ours (the FeedFormat literals).
FEEDPARSER_FORMATS = {
    "rss090": "rss090",
    "rss091n": "rss091",
    "rss091u": "rss091",
    "rss092": "rss092",
    "rss093": "rss092",
    "rss094": "rss092",
    "rss20": "rss20",
    "rss10": "rss10",
    "rss": "rss20",
    "atom03": "atom03",
    "atom10": "atom10",
    "json1": "json10",
    "json11": "json11",
}


def view_feedparser(result: Mapping[str, Any]) -> FeedView:
    """feedparser's result dictionary in the comparable shape."""
    feed: Mapping[str, Any] = result.get("feed", {})
    image = feed.get("image") or {}
    return FeedView(
        format=FEEDPARSER_FORMATS.get(result.get("version") or ""),
        title=_fp_plain(feed, "title"),
        link=feed.get("link"),
        feed_link=_fp_link(feed, "self"),
        description=feed.get("subtitle"),
        language=feed.get("language"),
        updated=_fp_date(feed, "updated") or _fp_date(feed, "published"),
        # RSS webMaster is feedparser's "publisher"; we list it among the authors.
        authors=_fp_people(feed) + _fp_people({"authors": [feed.get("publisher_detail") or {}]}),
        icon=_fp_str(feed.get("icon")),
        logo=_fp_str(image.get("href")) or _fp_str(feed.get("logo")),
        ttl=feed.get("ttl"),
        entries=tuple(_fp_entry(entry) for entry in result.get("entries", [])),
    )


def _fp_entry(entry: Mapping[str, Any]) -> EntryView:
    contents = entry.get("content") or [{}]
    thumbnails = entry.get("media_thumbnail") or [{}]
    return EntryView(
        guid=entry.get("id"),
        title=_fp_plain(entry, "title"),
        link=entry.get("link"),
        description=entry.get("summary"),
        content=contents[0].get("value"),
        published=_fp_date(entry, "published"),
        updated=_fp_date(entry, "updated"),
        authors=_fp_people(entry),
        categories=tuple(
            t.get("label") or t.get("term")
            for t in entry.get("tags", [])
            if t.get("label") or t.get("term")
        ),
        enclosures=tuple(
            EnclosureView(e.get("href"), e.get("type"), e.get("length"))
            for e in entry.get("enclosures", [])
        ),
        image=thumbnails[0].get("url") or _fp_media_image(entry),
        comments=entry.get("comments"),
    )


def _fp_media_image(entry: Mapping[str, Any]) -> str | None:
    """An iTunes image, else the first Media RSS content that is an image."""
    itunes = (entry.get("image") or {}).get("href")
    if itunes:
        return str(itunes)
    for media in entry.get("media_content") or []:
        if media.get("medium") == "image" or (media.get("type") or "").startswith("image/"):
            return _fp_str(media.get("url"))
    return None


def _fp_str(value: object) -> str | None:
    """feedparser sometimes leaves a dict where a string belongs (an icon with xml:base)."""
    return value if isinstance(value, str) else None


def _fp_plain(holder: Mapping[str, Any], key: str) -> str | None:
    """A feedparser text as plain text, as our model has it: HTML titles lose their tags."""
    value = holder.get(key)
    detail = holder.get(key + "_detail") or {}
    if isinstance(value, str) and "html" in (detail.get("type") or ""):
        return html_text(value)
    return value if isinstance(value, str) else None


def _fp_link(holder: Mapping[str, Any], rel: str) -> str | None:
    for link in holder.get("links", []):
        if link.get("rel") == rel and link.get("href"):
            return str(link["href"])
    return None


def _fp_date(holder: Mapping[str, Any], key: str) -> datetime | None:
    # `in` first: feedparser's get("updated_parsed") falls back to published, warning.
    if key + "_parsed" not in holder:
        return None
    parsed: time.struct_time | None = holder[key + "_parsed"]
    if parsed is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _fp_people(holder: Mapping[str, Any]) -> tuple[PersonView, ...]:
    people = holder.get("authors") or []
    return tuple(
        PersonView(p.get("name"), p.get("email"), p.get("href"))
        for p in people
        if p.get("name") or p.get("email") or p.get("href")
    )


def flatten(view: FeedView) -> dict[str, object]:
    """The view as {path: value}, in the path vocabulary of the module docstring."""
    flat: dict[str, object] = {
        "format": view.format,
        "title": view.title,
        "link": view.link,
        "feedLink": view.feed_link,
        "description": view.description,
        "language": view.language,
        "updated": view.updated,
        "image": view.logo or view.icon,
        "icon": view.icon,
        "logo": view.logo,
        "ttl": view.ttl,
        "skipHours": view.skip_hours,
        "skipDays": view.skip_days,
        "items.count": len(view.entries),
    }
    _flatten_people(flat, "", view.authors)
    for index, entry in enumerate(view.entries):
        _flatten_entry(flat, f"items[{index}].", entry)
    return flat


def _flatten_entry(flat: dict[str, object], prefix: str, entry: EntryView) -> None:
    values: dict[str, object] = {
        "guid": entry.guid,
        "title": entry.title,
        "link": entry.link,
        "description": entry.description,
        "content": entry.content,
        "published": entry.published,
        "updated": entry.updated,
        "published_or_updated": entry.published or entry.updated,
        "updated_or_published": entry.updated or entry.published,
        "image": entry.image,
        "comments": entry.comments,
    }
    for name, value in values.items():
        flat[prefix + name] = value
    _flatten_people(flat, prefix, entry.authors)
    for index, category in enumerate(entry.categories):
        flat[f"{prefix}categories[{index}]"] = category
    for index, enclosure in enumerate(entry.enclosures):
        flat[f"{prefix}enclosures[{index}].url"] = enclosure.url
        flat[f"{prefix}enclosures[{index}].type"] = enclosure.type
        flat[f"{prefix}enclosures[{index}].length"] = enclosure.length


def _flatten_people(flat: dict[str, object], prefix: str, people: Iterable[PersonView]) -> None:
    for index, person in enumerate(people):
        path = f"{prefix}authors[{index}]"
        flat[path] = person
        flat[path + ".name"] = person.name
        flat[path + ".email"] = person.email
        flat[path + ".uri"] = person.uri


# --- expectations --------------------------------------------------------------------

# path → (kind, expected value)
Expectations = dict[str, tuple[Kind, object]]


def expectations(case: Case) -> Expectations:
    """What the case's expected JSON says, in the path vocabulary; {} for smoke cases."""
    document = case.expected_json()
    if case.level == "universal":
        return _universal(document)
    if case.level == "rss":
        return _rss(document, case.name)
    if case.level == "atom":
        return _atom(document, case.name)
    if case.level == "json":
        return _json_feed(document, case.name)
    return {}


class _Builder:
    """Collects expectations, ignoring values that are absent or empty."""

    def __init__(self) -> None:
        self.found: Expectations = {}

    def add(self, path: str, kind: Kind, value: object) -> None:
        if value is None or value == "" or value == [] or value == {}:
            return
        self.found[path] = (kind, value)

    def date(self, path: str, raw: object, parsed: object = None) -> None:
        """A datetime from gofeed's *Parsed value, else from the raw string."""
        if isinstance(parsed, str) and parsed:
            self.add(path, "instant", datetime.fromisoformat(parsed))
        elif isinstance(raw, str) and raw.strip():
            self.add(path, "instant", parse_date(raw))

    def people(self, prefix: str, people: object) -> None:
        """Structured people: [{name, email, uri|url}]."""
        for index, person in enumerate(people if isinstance(people, list) else []):
            if isinstance(person, dict):
                path = f"{prefix}authors[{index}]"
                self.add(path + ".name", "text", person.get("name"))
                self.add(path + ".email", "exact", person.get("email"))
                self.add(path + ".uri", "url", person.get("uri") or person.get("url"))

    def count(self, items: object) -> None:
        """The number of entries, unless both sides could only say zero."""
        if isinstance(items, list) and items:
            self.found["items.count"] = ("exact", len(items))


def _universal(doc: dict[str, Any]) -> Expectations:
    out = _Builder()
    out.add("title", "text", doc.get("title"))
    out.add("link", "url", doc.get("link"))
    out.add("feedLink", "url", doc.get("feedLink"))
    out.add("description", "html", doc.get("description"))
    out.add("language", "exact", doc.get("language"))
    out.date("updated", None, doc.get("updatedParsed") or doc.get("publishedParsed"))
    out.add("image", "url", (doc.get("image") or {}).get("url"))
    out.people("", doc.get("authors"))
    items = doc.get("items") or []
    out.count(items)
    for index, item in enumerate(items):
        prefix = f"items[{index}]."
        out.add(prefix + "guid", "exact", item.get("guid"))
        out.add(prefix + "title", "text", item.get("title"))
        out.add(prefix + "link", "url", item.get("link"))
        out.add(prefix + "description", "html", item.get("description"))
        out.add(prefix + "content", "html", item.get("content"))
        out.date(prefix + "published_or_updated", None, item.get("publishedParsed"))
        out.date(prefix + "updated_or_published", None, item.get("updatedParsed"))
        out.people(prefix, item.get("authors"))
        for position, category in enumerate(item.get("categories") or []):
            out.add(f"{prefix}categories[{position}]", "text", category)
        _enclosures(out, prefix, item.get("enclosures") or [])
        out.add(prefix + "image", "url", (item.get("image") or {}).get("url"))
    return out.found


def _enclosures(out: _Builder, prefix: str, enclosures: list[dict[str, Any]]) -> None:
    for index, enclosure in enumerate(enclosures):
        path = f"{prefix}enclosures[{index}]."
        out.add(path + "url", "url", enclosure.get("url") or enclosure.get("href"))
        out.add(path + "type", "mime", enclosure.get("type"))
        out.add(path + "length", "exact", enclosure.get("length"))


# gofeed's version strings → our formats, for the parser/*/version_* cases. Versions we
# do not distinguish map to the one we report for them (0.93/0.94 read as 0.92, 2.0.1
# and 2.1 as 2.0; a missing version is read as RSS 2.0).
_RSS_VERSIONS = {
    "0.9": "rss090",
    "0.90": "rss090",
    "0.91": "rss091",
    "0.92": "rss092",
    "0.93": "rss092",
    "0.94": "rss092",
    "1.0": "rss10",
    "2.0": "rss20",
    "2.0.1": "rss20",
    "2.01": "rss20",
    "2.1": "rss20",
    "": "rss20",
}
_ATOM_VERSIONS = {"0.3": "atom03", "1.0": "atom10"}
_JSON_VERSIONS = {"1.0": "json10", "1.1": "json11"}


def _version(out: _Builder, name: str, version: object, table: Mapping[str, str]) -> None:
    if name.rpartition("/")[2].startswith("version_") and isinstance(version, str):
        out.found["format"] = ("exact", table.get(version, f"unknown {version!r}"))


def _rss(doc: dict[str, Any], name: str) -> Expectations:
    out = _Builder()
    _version(out, name, doc.get("version"), _RSS_VERSIONS)
    out.add("title", "text", doc.get("title"))
    out.add("link", "url", doc.get("link"))
    out.add("description", "html", doc.get("description"))
    out.add("language", "exact", doc.get("language"))
    if doc.get("lastBuildDate"):
        out.date("updated", doc.get("lastBuildDate"), doc.get("lastBuildDateParsed"))
    else:
        out.date("updated", doc.get("pubDate"), doc.get("pubDateParsed"))
    out.add("image", "url", (doc.get("image") or {}).get("url"))
    out.add("ttl", "exact", doc.get("ttl"))
    out.add("skipHours", "set", doc.get("skipHours"))
    out.add("skipDays", "set", doc.get("skipDays"))
    editors = [doc.get("managingEditor"), doc.get("webMaster")]
    for index, raw in enumerate(e for e in editors if e):
        out.add(f"authors[{index}]", "person", raw)
    items = doc.get("items") or []
    out.count(items)
    for index, item in enumerate(items):
        _rss_item(out, f"items[{index}].", item)
    return out.found


def _rss_item(out: _Builder, prefix: str, item: dict[str, Any]) -> None:
    out.add(prefix + "guid", "exact", (item.get("guid") or {}).get("value"))
    out.add(prefix + "title", "text", item.get("title"))
    out.add(prefix + "link", "url", item.get("link"))
    out.add(prefix + "description", "html", item.get("description"))
    out.add(prefix + "content", "html", item.get("content"))
    out.add(prefix + "authors[0]", "person", item.get("author"))
    out.date(prefix + "published", item.get("pubDate"), item.get("pubDateParsed"))
    out.add(prefix + "comments", "url", item.get("comments"))
    categories = [c.get("value") for c in item.get("categories") or []]
    for index, category in enumerate(categories):
        out.add(f"{prefix}categories[{index}]", "text", category)
    enclosures = item.get("enclosures") or ([item["enclosure"]] if item.get("enclosure") else [])
    _enclosures(out, prefix, enclosures)


def _atom(doc: dict[str, Any], name: str) -> Expectations:
    out = _Builder()
    _version(out, name, doc.get("version"), _ATOM_VERSIONS)
    out.add("title", "text", doc.get("title"))
    out.add("description", "html", doc.get("subtitle"))
    out.add("language", "exact", doc.get("language"))
    out.date("updated", doc.get("updated"), doc.get("updatedParsed"))
    out.add("icon", "url", doc.get("icon"))
    out.add("logo", "url", doc.get("logo"))
    out.people("", doc.get("authors"))
    links = doc.get("links") or []
    out.add("link", "url", _atom_link(links, "alternate"))
    out.add("feedLink", "url", _atom_link(links, "self"))
    entries = doc.get("entries") or []
    out.count(entries)
    for index, entry in enumerate(entries):
        _atom_entry(out, f"items[{index}].", entry)
    return out.found


def _atom_entry(out: _Builder, prefix: str, entry: dict[str, Any]) -> None:
    out.add(prefix + "guid", "exact", entry.get("id"))
    out.add(prefix + "title", "text", entry.get("title"))
    out.add(prefix + "description", "html", entry.get("summary"))
    content = entry.get("content") or {}
    if not content.get("src"):
        out.add(prefix + "content", "html", content.get("value"))
    out.date(prefix + "published", entry.get("published"), entry.get("publishedParsed"))
    out.date(prefix + "updated", entry.get("updated"), entry.get("updatedParsed"))
    out.people(prefix, entry.get("authors"))
    for index, category in enumerate(entry.get("categories") or []):
        out.add(
            f"{prefix}categories[{index}]", "text", category.get("label") or category.get("term")
        )
    links = entry.get("links") or []
    out.add(prefix + "link", "url", _atom_link(links, "alternate"))
    out.add(prefix + "comments", "url", _atom_link(links, "replies"))
    enclosures = [link for link in links if link.get("rel") == "enclosure"]
    _enclosures(out, prefix, enclosures)


def _atom_link(links: list[dict[str, Any]], rel: str) -> str | None:
    for link in links:
        if (link.get("rel") or "alternate") == rel and link.get("href") is not None:
            return str(link["href"])
    return None


def _json_feed(doc: dict[str, Any], name: str) -> Expectations:
    out = _Builder()
    _version(out, name, doc.get("version"), _JSON_VERSIONS)
    out.add("title", "text", doc.get("title"))
    out.add("link", "url", doc.get("home_page_url"))
    out.add("feedLink", "url", doc.get("feed_url"))
    out.add("description", "html", doc.get("description"))
    out.add("language", "exact", doc.get("language"))
    out.add("icon", "url", doc.get("favicon"))
    out.add("logo", "url", doc.get("icon"))
    out.people("", doc.get("authors") or ([doc["author"]] if doc.get("author") else []))
    items = doc.get("items") or []
    out.count(items)
    for index, item in enumerate(items):
        _json_item(out, f"items[{index}].", item)
    return out.found


def _json_item(out: _Builder, prefix: str, item: dict[str, Any]) -> None:
    out.add(prefix + "guid", "exact", item.get("id"))
    out.add(prefix + "title", "text", item.get("title"))
    out.add(prefix + "link", "url", item.get("url") or item.get("external_url"))
    out.add(prefix + "description", "html", item.get("summary"))
    out.add(prefix + "content", "html", item.get("content_html") or item.get("content_text"))
    out.date(prefix + "published", item.get("date_published"))
    out.date(prefix + "updated", item.get("date_modified"))
    out.people(prefix, item.get("authors") or ([item["author"]] if item.get("author") else []))
    for index, tag in enumerate(item.get("tags") or []):
        out.add(f"{prefix}categories[{index}]", "text", tag)
    out.add(prefix + "image", "url", item.get("image") or item.get("banner_image"))
    attachments = [
        {"url": a.get("url"), "type": a.get("mime_type"), "length": _str(a.get("size_in_bytes"))}
        for a in item.get("attachments") or []
    ]
    _enclosures(out, prefix, attachments)


def _str(value: object) -> str | None:
    return None if value is None else str(value)


# --- comparison ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldResult:
    """One compared field of one case."""

    path: str
    expected: object
    actual: object
    match: bool


def compare(expected: Expectations, view: FeedView) -> list[FieldResult]:
    """Compare every expected field with the view's value at the same path."""
    flat = flatten(view)
    results = []
    for path, (kind, value) in expected.items():
        actual = flat.get(path)
        results.append(FieldResult(path, value, actual, _matches(kind, value, actual)))
    return results


def _matches(kind: Kind, expected: object, actual: object) -> bool:
    if actual is None:
        return False
    if kind == "text":
        return _collapse(str(actual)) in (html_text(str(expected)), _collapse(str(expected)))
    if kind == "html":
        return html_text(str(expected)) == html_text(str(actual))
    if kind == "url":
        return url_matches(str(expected), str(actual))
    if kind == "instant":
        return (
            isinstance(expected, datetime)
            and isinstance(actual, datetime)
            and (expected.astimezone(UTC) == actual.astimezone(UTC))
        )
    if kind == "person":
        return isinstance(actual, PersonView) and person_matches(str(expected), actual)
    if kind == "set":
        return {str(v).strip() for v in _iterable(expected)} == set(_iterable(actual))
    if kind == "mime":
        return str(expected).strip().lower() == str(actual).strip().lower()
    return str(expected).strip() == str(actual).strip()


def _iterable(value: object) -> Iterable[object]:
    return value if isinstance(value, (list, tuple, set, frozenset)) else [value]


_TAG = re.compile(r"<(?:[A-Za-z/!?][^>]*)>")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def html_text(value: str) -> str:
    """Markup reduced to its text: tags dropped, entities unescaped, whitespace collapsed."""
    without_tags = _TAG.sub(" ", _COMMENT.sub(" ", value))
    return " ".join(html.unescape(without_tags).split())


def _collapse(value: str) -> str:
    return " ".join(value.split())


def url_matches(expected: str, actual: str, base: str = CASE_URL) -> bool:
    """Exactly equal, or equal once the expected URL is resolved against the case's URL."""
    expected = expected.strip()
    return actual == expected or actual == urljoin(base, expected)


def person_matches(raw: str, person: PersonView) -> bool:
    """Whether a structured person says exactly what the raw author string says.

    The raw string is read both as markup and as text (gofeed does not say which it is).
    """
    return any(_says(reading, person) for reading in {html_text(raw), _collapse(raw)})


def _says(rest: str, person: PersonView) -> bool:
    for part in (person.email, person.name and _collapse(person.name)):
        if part:
            if part not in rest:
                return False
            rest = rest.replace(part, " ", 1)
    return not rest.strip(" ()<>[],;:\"'")


# --- running -------------------------------------------------------------------------


def run_ours(case: Case) -> FeedView:
    """Parse the case with newsriver (exceptions propagate)."""
    return view_parsed(parse_feed(case.body(), CASE_URL))


def run_feedparser(case: Case) -> FeedView:
    """Parse the case with feedparser, told the same document URL as we are."""
    result = feedparser.parse(
        io.BytesIO(case.body()), response_headers={"content-location": CASE_URL}
    )
    return view_feedparser(result)


@dataclass(slots=True)
class Score:
    """Matched and compared field counts, overall and for XML inputs only."""

    matched: int = 0
    total: int = 0
    xml_matched: int = 0
    xml_total: int = 0

    def add(self, case: Case, results: list[FieldResult]) -> None:
        """Count one case's results."""
        hits = sum(result.match for result in results)
        self.matched += hits
        self.total += len(results)
        if not case.is_json:
            self.xml_matched += hits
            self.xml_total += len(results)

    @property
    def percent(self) -> float:
        """Matched fields as a percentage of compared fields, overall."""
        return 100.0 * self.matched / self.total if self.total else 0.0

    @property
    def xml_percent(self) -> float:
        """The same for XML inputs only."""
        return 100.0 * self.xml_matched / self.xml_total if self.xml_total else 0.0


def score_parser(cases: Iterable[Case], ours: bool) -> Score:
    """Score newsriver (`ours`) or feedparser over the cases that have expectations.

    A parser that raises on a valid case scores zero for all of that case's fields.
    """
    score = Score()
    for case in cases:
        if case.invalid or case.level == "smoke":
            continue
        expected = expectations(case)
        try:
            view = run_ours(case) if ours else run_feedparser(case)
        except FeedParseError:
            view = FeedView()
        score.add(case, compare(expected, view))
    return score
