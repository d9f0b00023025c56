"""Finding the feeds a web page advertises, so a user can subscribe with a site's URL.

Pure: it reads HTML that the fetcher already downloaded and returns candidates in
order of confidence. The fetcher probes them; nothing here touches the network.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urldefrag, urlsplit

import lxml.html
from lxml import etree

from newsriver.feeds.urls import resolve_url

FeedSource = Literal["link", "anchor", "guess"]

# Feed links sit in <head> or near the top of the body; beyond this a page is either
# generated junk or not worth parsing in full just to find them.
MAX_PAGE_BYTES = 2 * 1024 * 1024

# Types that announce a feed on their own when rel="alternate".
_FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml"}
)
# Types also used for non-feeds (WordPress announces its REST API as application/json,
# sites list sitemaps as XML): a feed only when the title or URL says so.
_AMBIGUOUS_TYPES = frozenset({"application/json", "text/xml", "application/xml"})
_FEED_HINTS = ("rss", "atom", "feed")
# How the path of a link to a feed usually ends (compared lower-cased, "/" stripped).
_ANCHOR_SUFFIXES = (
    "/feed",
    "/rss",
    ".rss",
    ".atom",
    "/atom.xml",
    "/feed.xml",
    "/rss.xml",
    "/index.xml",
    "feed.json",
)
# Where blog engines put their feed by default: WordPress, Ghost, Jekyll, Hugo, …
GUESS_PATHS = (
    "/feed",
    "/rss",
    "/atom.xml",
    "/feed.xml",
    "/rss.xml",
    "/index.xml",
    "/feed.json",
    "/?feed=rss2",
)
_FETCHABLE_SCHEMES = frozenset({"http", "https"})
_MAX_TITLE = 200


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    """A URL that probably serves a feed, and how sure we are of it.

    `source` tells the confidence: "link" is announced by the page's metadata,
    "anchor" is a visible link that looks like a feed, "guess" is a default path
    that nobody announced and that must be probed before use.
    """

    url: str
    title: str | None
    # The announced MIME type, lower-cased without parameters; None when unknown.
    type: str | None
    source: FeedSource


def discover_feeds(html: bytes | str, url: str) -> list[DiscoveredFeed]:
    """Return the feeds a page at `url` points to, best first, without duplicates.

    Announced `<link>` feeds come first, then same-site anchors to feed-like
    paths; only when the page names none are well-known paths on its origin
    guessed. Only absolute http(s) URLs are returned.
    """
    found: dict[str, DiscoveredFeed] = {}
    document = _parse_page(html)
    if document is not None:
        base = _base_url(document, url)
        for candidate in _from_links(document, base):
            found.setdefault(candidate.url, candidate)
        for candidate in _from_anchors(document, base, url):
            found.setdefault(candidate.url, candidate)
    if found:
        return list(found.values())
    return _guesses(url)


def _parse_page(page: bytes | str) -> etree._Element | None:
    """Parse at most MAX_PAGE_BYTES leniently; None when there is no document at all."""
    data, encoding = _page_bytes(page)
    parser = lxml.html.HTMLParser(
        encoding=encoding,
        recover=True,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        return etree.fromstring(data, parser)
    except (etree.ParserError, etree.XMLSyntaxError):
        return None


def _page_bytes(page: bytes | str) -> tuple[bytes, str | None]:
    """Bound the page and choose its encoding.

    libxml2 reads undeclared pages as Latin-1, turning UTF-8 titles into mojibake;
    bytes that decode as UTF-8 almost surely are UTF-8, whatever a <meta> claims.
    Otherwise libxml2 follows the page's own declaration.
    """
    if isinstance(page, str):
        return page[:MAX_PAGE_BYTES].encode("utf-8", errors="replace"), "utf-8"
    data = page[:MAX_PAGE_BYTES]
    try:
        # Incremental, so a character cut by the size bound is not held against it.
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return data, None
    return data, "utf-8"


def _base_url(document: etree._Element, url: str) -> str:
    """The URL relative links resolve against: the first <base href>, else the page."""
    for base in document.iter("base"):
        href = base.get("href")
        if href is not None:
            resolved = _fetchable(href, url)
            return resolved if resolved is not None else url
    return url


def _from_links(document: etree._Element, base: str) -> Iterator[DiscoveredFeed]:
    """Feeds announced by <link rel="alternate" type=…> or <link rel="feed">."""
    for link in document.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        mime = (link.get("type") or "").split(";")[0].strip().lower() or None
        href = link.get("href")
        if href is None or not _announces_feed(rels, mime, href, link.get("title")):
            continue
        resolved = _fetchable(href, base)
        if resolved is not None:
            yield DiscoveredFeed(resolved, _clean(link.get("title")), mime, "link")


def _announces_feed(rels: list[str], mime: str | None, href: str, title: str | None) -> bool:
    looks_like_feed = any(hint in f"{href} {title or ''}".lower() for hint in _FEED_HINTS)
    if "alternate" in rels and mime is not None:
        if mime in _FEED_TYPES:
            return True
        if mime in _AMBIGUOUS_TYPES and looks_like_feed:
            return True
    # rel="feed" with type text/html points to an h-feed page, not a feed document.
    return "feed" in rels and mime != "text/html"


def _from_anchors(document: etree._Element, base: str, url: str) -> Iterator[DiscoveredFeed]:
    """Visible same-site links whose path ends the way feed URLs usually do."""
    page_host = _site_host(url)
    if page_host is None:
        return
    for anchor in document.iter("a"):
        href = anchor.get("href")
        resolved = _fetchable(href, base) if href is not None else None
        if resolved is None or _site_host(resolved) != page_host:
            continue
        path = urlsplit(resolved).path.lower().rstrip("/")
        if path.endswith(_ANCHOR_SUFFIXES):
            text = "".join(str(part) for part in anchor.itertext())
            title = _clean(text) or _clean(anchor.get("title"))
            yield DiscoveredFeed(resolved, title, None, "anchor")


def _guesses(url: str) -> list[DiscoveredFeed]:
    """Default feed locations on the page's origin, for the fetcher to probe."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        return []
    if parts.scheme.lower() not in _FETCHABLE_SCHEMES or not host:
        return []
    # Drop any user:password@ so guesses never carry credentials.
    origin = f"{parts.scheme.lower()}://{parts.netloc.rpartition('@')[2]}"
    return [DiscoveredFeed(origin + path, None, None, "guess") for path in GUESS_PATHS]


def _fetchable(href: str, base: str) -> str | None:
    """`href` made absolute without its fragment, if it is an http(s) URL with a host."""
    resolved = resolve_url(href, base)
    if resolved is None:
        return None
    try:
        resolved = urldefrag(resolved).url
        parts = urlsplit(resolved)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in _FETCHABLE_SCHEMES or not host:
        return None
    return resolved


def _site_host(url: str) -> str | None:
    """The host as a reader sees the site: case-insensitive, "www." or not."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if host is None:
        return None
    return host.removeprefix("www.")


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    text = " ".join(text.split())[:_MAX_TITLE]
    return text or None


# <link rel> values that name a site's icon, best first: a small square icon is what a
# list of feeds shows; Apple's touch icon is larger but square too.
_ICON_RELS = ("icon", "shortcut icon", "apple-touch-icon", "apple-touch-icon-precomposed")


def discover_icons(html: bytes | str, url: str) -> list[str]:
    """The icon URLs a page announces (`<link rel="icon">` and kin), best first, then
    the conventional `/favicon.ico` of its origin. Pure: nothing is fetched."""
    document = _parse_page(html)
    found: list[tuple[int, int, str]] = []
    if document is not None:
        base = _base_url(document, url)
        for position, link in enumerate(document.iter("link")):
            rel = " ".join((link.get("rel") or "").lower().split())
            href = link.get("href")
            if rel not in _ICON_RELS or not href:
                continue
            resolved = _fetchable(href, base)
            if resolved is not None:
                found.append((_ICON_RELS.index(rel), position, resolved))
    urls = [resolved for _, _, resolved in sorted(found)]
    fallback = favicon_url(url)
    if fallback is not None:
        urls.append(fallback)
    return list(dict.fromkeys(urls))


def favicon_url(url: str) -> str | None:
    """`/favicon.ico` at the origin of `url` (where browsers look when nothing is said)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in _FETCHABLE_SCHEMES or not host:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc}/favicon.ico"


# The image formats browsers show as icons, by their first bytes (magic numbers). The
# Content-Type a server sends for a favicon is too often wrong to be believed.
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"BM", "image/bmp"),
)


def sniff_image(data: bytes) -> str | None:
    """The MIME type of an icon's bytes, or None when they are no image we serve."""
    for signature, mime in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "image/svg+xml"
    return None
