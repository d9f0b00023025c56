"""Plain data shared by every layer: what a parsed feed looks like.

These classes carry no behaviour and import nothing from the rest of newsriver, so
that `feeds/` (which produces them) and `update/`, `store/` (which consume them) can
all depend on them without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

FeedFormat = Literal[
    "rss090", "rss091", "rss092", "rss20", "rss10", "atom03", "atom10", "json10", "json11"
]
IdSource = Literal["guid", "link", "hash"]


@dataclass(frozen=True, slots=True)
class Person:
    """An author or contributor. Plain text only; any of the parts may be missing."""

    name: str | None = None
    email: str | None = None
    # An absolute URL (Atom `uri`, JSON Feed `url`).
    uri: str | None = None

    def display(self) -> str | None:
        """The way a reader would show this person: the name, else the email."""
        return self.name or self.email or self.uri


@dataclass(frozen=True, slots=True)
class Enclosure:
    """A file attached to an entry: a podcast episode, an image, a video."""

    url: str
    # The MIME type as the publisher declared it, lower-cased; None when not given.
    type: str | None = None
    # Size in bytes as declared; None when absent or not a number (publishers often lie).
    length: int | None = None


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One article of a feed, normalised: UTC datetimes, sanitised HTML, absolute URLs."""

    # Stable identity within the feed: the publisher's id/guid, else the link, else
    # a hash of title and content (see `id_source`). Never empty.
    id: str
    id_source: IdSource
    title: str | None = None
    link: str | None = None
    authors: tuple[Person, ...] = ()
    published: datetime | None = None
    updated: datetime | None = None
    # Sanitised HTML.
    summary: str | None = None
    # Sanitised HTML; the full text when the feed carries it.
    content: str | None = None
    categories: tuple[str, ...] = ()
    enclosures: tuple[Enclosure, ...] = ()
    thumbnail: str | None = None
    # The link to the discussion page (RSS `comments`, Atom `rel="replies"`).
    comments: str | None = None

    @property
    def author(self) -> str | None:
        """The first author as one display string, for lists and APIs that want one."""
        for person in self.authors:
            shown = person.display()
            if shown:
                return shown
        return None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A whole feed document, normalised. Produced only by `newsriver.feeds.parse_feed`."""

    # The URL the document was fetched from (or the file it was read from).
    url: str
    format: FeedFormat
    title: str | None = None
    # The site's home page.
    link: str | None = None
    # Sanitised HTML.
    description: str | None = None
    language: str | None = None
    # A small square image (favicon-like); `logo` is the wide one.
    icon: str | None = None
    logo: str | None = None
    updated: datetime | None = None
    authors: tuple[Person, ...] = ()
    # WebSub (RFC-like W3C recommendation, §4) hub URLs and the topic URL the
    # publisher advertises for itself.
    hubs: tuple[str, ...] = ()
    self_link: str | None = None
    # RSS 2.0 `ttl`, in minutes: a publisher's hint of how long the feed may be cached.
    ttl: int | None = None
    # RSS `skipHours` (0-23, GMT) and `skipDays` (English day names, capitalised).
    skip_hours: frozenset[int] = frozenset()
    skip_days: frozenset[str] = frozenset()
    entries: tuple[ParsedEntry, ...] = ()
    # Why strict parsing failed and a lenient path was taken, or None for a clean parse.
    recovered: str | None = None
    # The character encoding the bytes were decoded with.
    encoding: str = "utf-8"
