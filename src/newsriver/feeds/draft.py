"""The mutable, raw form of a feed while a format reader fills it in, and its finishing.

Every format reader (RSS, Atom, JSON Feed, the feedparser fallback) fills the same
drafts with the raw values it found, saying for each piece of text whether it is HTML
or plain text. `finish_feed` then does, once and in one place, what all formats need:
sanitising, URL resolution, plain-text titles, and entry identity.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeVar

from newsriver.feeds.sanitize import html_to_text, sanitize_html, text_to_html
from newsriver.feeds.urls import resolve_url, usable_base
from newsriver.models import Enclosure, FeedFormat, IdSource, ParsedEntry, ParsedFeed, Person

TextKind = Literal["html", "text"]
_T = TypeVar("_T", bound=Hashable)

# What no stored string may hold, whatever reader it came through: the C0 controls XML
# 1.0 §2.2 forbids (all but tab, LF and CR; NUL above all, which PostgreSQL refuses),
# which the strict path removes from the bytes but JSON escapes and feedparser's
# character references produce; and lone surrogates (JSON "\ud800", "&#xD800;"), which
# UTF-8 cannot encode and which become U+FFFD, as undecodable bytes do.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_STORABLE: dict[int, str | None] = {
    **{code: None for code in range(0x20) if chr(code) not in "\t\n\r"},
    **dict.fromkeys(range(0xD800, 0xE000), "\ufffd"),
}
# In text, C1 controls (U+0080-U+009F) too: when they appear, the publisher meant the
# windows-1252 characters with those byte values (curly quotes, dashes, the euro sign),
# which is also how HTML parsers read such character references. The five bytes
# windows-1252 leaves undefined are dropped.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f\ud800-\udfff]")
_TEXT: dict[int, str | None] = {
    **_STORABLE,
    **{code: bytes([code]).decode("cp1252", errors="ignore") or None for code in range(0x80, 0xA0)},
}


@dataclass(slots=True)
class Text:
    """A piece of feed text and how to read it: as markup, or as literal characters."""

    value: str
    kind: TextKind
    # Made by the reader (unescaped, decoded from base64) rather than taken from the
    # document as parsed: cleaned even when the document's text needs no cleaning.
    made: bool = field(default=False, compare=False)


@dataclass(slots=True)
class EntryDraft:
    """One entry as found in the document, before sanitising and URL resolution."""

    # The base URL in force for this entry (xml:base, else the feed's base).
    base: str | None = None
    id: str | None = None
    title: Text | None = None
    link: str | None = None
    authors: list[Person] = field(default_factory=list)
    published: datetime | None = None
    updated: datetime | None = None
    summary: Text | None = None
    content: Text | None = None
    categories: list[str] = field(default_factory=list)
    enclosures: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    thumbnail: str | None = None
    comments: str | None = None
    # Fields filled from a fallback source, which the proper element may replace.
    provisional: set[str] = field(default_factory=set)


@dataclass(slots=True)
class FeedDraft:
    """A whole feed as found in the document; see `EntryDraft`."""

    url: str
    format: FeedFormat
    base: str | None = None
    title: Text | None = None
    link: str | None = None
    description: Text | None = None
    language: str | None = None
    icon: str | None = None
    logo: str | None = None
    updated: datetime | None = None
    authors: list[Person] = field(default_factory=list)
    hubs: list[str] = field(default_factory=list)
    self_link: str | None = None
    ttl: int | None = None
    skip_hours: set[int] = field(default_factory=set)
    skip_days: set[str] = field(default_factory=set)
    entries: list[EntryDraft] = field(default_factory=list)
    provisional: set[str] = field(default_factory=set)
    # Whether the text read from the document may hold what `finish_feed` cleans. Only
    # the XML path clears it, for a document without C1 controls: lxml refuses C0
    # controls and lone surrogates, so no other text it returns needs cleaning.
    needs_cleaning: bool = True


def offer(draft: FeedDraft | EntryDraft, name: str, value: object, *, fallback: bool) -> None:
    """Fill a draft field from a source, letting the proper element beat a fallback.

    The first value of each kind wins; a value from the proper element (`fallback=False`,
    e.g. RSS `description`) replaces one taken from a fallback (iTunes summary, Dublin
    Core), whichever comes first in the document.
    """
    if value is None:
        return
    current = getattr(draft, name)
    if fallback:
        if current is None:
            setattr(draft, name, value)
            draft.provisional.add(name)
    elif current is None or name in draft.provisional:
        setattr(draft, name, value)
        draft.provisional.discard(name)


def finish_feed(draft: FeedDraft, *, encoding: str, recovered: str | None) -> ParsedFeed:
    """Turn a draft into the normalised, safe `ParsedFeed` every consumer relies on."""
    base = usable_base(draft.base, draft.url)
    link = resolve_url(draft.link, base)
    clean = draft.needs_cleaning
    return ParsedFeed(
        url=draft.url,
        format=draft.format,
        title=_plain(draft.title, clean),
        link=link,
        description=_html(draft.description, base, clean),
        language=_language(draft.language),
        icon=resolve_url(draft.icon, base),
        logo=resolve_url(draft.logo, base),
        updated=draft.updated,
        authors=_people(draft.authors, base, clean),
        hubs=tuple(_unique(u for u in (resolve_url(h, base) for h in draft.hubs) if u)),
        self_link=resolve_url(draft.self_link, base),
        ttl=draft.ttl,
        skip_hours=frozenset(draft.skip_hours),
        skip_days=frozenset(draft.skip_days),
        entries=tuple(_finish_entry(entry, base, clean) for entry in draft.entries),
        recovered=recovered,
        encoding=encoding,
    )


def _finish_entry(draft: EntryDraft, feed_base: str, clean: bool) -> ParsedEntry:
    # Runs once per entry: the common cases (the feed's base, no content element, empty
    # lists) are told apart without a call, which costs more than their checks.
    if draft.base is None or draft.base == feed_base:
        base = feed_base  # what usable_base returns for them
    else:
        base = usable_base(draft.base, feed_base)
    title = _plain(draft.title, clean)
    link = resolve_url(draft.link, base)
    summary = _html(draft.summary, base, clean)
    if draft.content is None:
        content = None
    elif draft.content == draft.summary:
        # Feeds often repeat the body as the summary (RSS description and
        # content:encoded, Atom summary and content): sanitised once.
        content = summary
    else:
        content = _html(draft.content, base, clean)
    entry_id, id_source = _identity(draft.id, link, title, content or summary)
    enclosures = _enclosures(draft.enclosures, base) if draft.enclosures else ()
    return ParsedEntry(
        id=entry_id,
        id_source=id_source,
        title=title,
        link=link,
        authors=_people(draft.authors, base, clean) if draft.authors else (),
        published=draft.published,
        updated=draft.updated,
        summary=summary,
        content=content,
        categories=_categories(draft.categories, clean) if draft.categories else (),
        enclosures=enclosures,
        thumbnail=resolve_url(draft.thumbnail, base) or _image(enclosures),
        comments=resolve_url(draft.comments, base),
    )


def _identity(
    raw_id: str | None, link: str | None, title: str | None, body: str | None
) -> tuple[str, IdSource]:
    """Entry identity: the publisher's id, else the link, else a hash of what it says."""
    if raw_id is not None:
        stripped = _storable(raw_id).strip()
        if stripped:
            return stripped, "guid"
    if link:
        return link, "link"
    digest = hashlib.sha256(f"{title or ''}\x00{body or ''}".encode()).hexdigest()
    return f"sha256:{digest[:40]}", "hash"


# C0/C1 controls and lone surrogates; isprintable() is the cheap pre-check (it is also
# False for some harmless characters, which this leaves alone).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _plain(text: Text | None, clean: bool) -> str | None:
    if text is None:
        return None
    return _one_line(text.value, html=text.kind == "html", clean=clean or text.made)


def _one_line(value: str, *, html: bool = True, clean: bool = True) -> str | None:
    """Plain text on one line, for titles, names and categories; None when empty.

    `clean` is False only when `value` is known to hold nothing `_clean_text` changes.
    """
    if clean:
        value = _clean_text(value)
    plain = html_to_text(value) if html else " ".join(value.split())
    if not plain.isprintable():
        # One line of text has no business with any control (from &#27; and the like),
        # not even the tab and newline that other text may keep.
        plain = _UNPRINTABLE.sub("", plain)
    return plain or None


def _html(text: Text | None, base: str | None, clean: bool) -> str | None:
    if text is None or not text.value.strip():
        return None
    value = _clean_text(text.value) if clean or text.made else text.value
    if text.kind == "text":
        # Already what sanitising would make of it: all the markup is its own <p> and
        # <br> (test_sanitize: test_text_to_html_is_already_sanitised).
        return text_to_html(value) or None
    return sanitize_html(value, base) or None


def _clean_text(value: str) -> str:
    """Text without unstorable characters, and with C1 controls read as windows-1252."""
    return value.translate(_TEXT) if _NOT_TEXT.search(value) else value


def _storable(value: str) -> str:
    """A string kept verbatim (an id, an address) without unstorable characters."""
    return value.translate(_STORABLE) if _UNSTORABLE.search(value) else value


def _language(value: str | None) -> str | None:
    """A language tag as BCP 47 writes it: "en_US" (a locale name) becomes "en-US"."""
    tag = _storable(value or "").strip().replace("_", "-")
    return tag or None


def _people(people: list[Person], base: str | None, clean: bool) -> tuple[Person, ...]:
    finished: list[Person] = []
    for person in people:
        name = _one_line(person.name, clean=clean) if person.name else None
        email = _storable(person.email).strip() if person.email else None
        uri = resolve_url(person.uri, base)
        if not (name or email or uri):
            continue
        name, email = name or None, email or None
        if name == person.name and email == person.email and uri == person.uri:
            finished.append(person)  # already as finished: no copy needed
        else:
            finished.append(Person(name=name, email=email, uri=uri))
    return tuple(finished) if len(finished) < 2 else tuple(_unique(finished))


def _categories(raw: list[str], clean: bool) -> tuple[str, ...]:
    lines = [line for line in (_one_line(value, clean=clean) for value in raw) if line]
    return tuple(lines) if len(lines) < 2 else tuple(_unique(lines))


def _enclosures(
    raw: list[tuple[str, str | None, str | None]], base: str | None
) -> tuple[Enclosure, ...]:
    seen: set[str] = set()
    finished: list[Enclosure] = []
    for url, mime_type, length in raw:
        absolute = resolve_url(url, base)
        if not absolute or absolute in seen:
            continue
        seen.add(absolute)
        finished.append(Enclosure(url=absolute, type=_mime(mime_type), length=_length(length)))
    return tuple(finished)


def _image(enclosures: tuple[Enclosure, ...]) -> str | None:
    """The first image enclosure: the entry's picture when no thumbnail is named."""
    for enclosure in enclosures:
        if enclosure.type and enclosure.type.startswith("image/"):
            return enclosure.url
    return None


def _mime(value: str | None) -> str | None:
    if not value:
        return None
    return _storable(value).strip().lower() or None


def _length(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        length = int(value.strip())
    except ValueError:
        return None
    return length if length >= 0 else None


def _unique(items: Iterable[_T]) -> list[_T]:
    """The items in their first-seen order, without repeats."""
    return list(dict.fromkeys(items))
