"""Property tests for `parse_feed`: whatever the bytes, FeedParseError or a safe ParsedFeed.

Two promises are checked on generated input. First, `parse_feed` raises nothing but
`FeedParseError`, on arbitrary bytes, on arbitrary text in many encodings and on real
feeds from the shared corpus damaged by random mutations. Second, every `ParsedFeed` it
returns keeps the invariants consumers rely on (`feed_problems` below): UTC datetimes,
absolute URLs with safe schemes, non-empty entry ids, plain-text titles and sanitised HTML.

Invariants the parser breaks today are listed in KNOWN_PROBLEMS and exceptions it raises
in KNOWN_CRASHES: the properties tolerate those, and each has a strict xfail test at the
end of this file holding a minimal reproduction. When a fix makes that test pass, delete
its entry here too, so that the properties hold the fix in place.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

import lxml.html
import pytest
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from newsriver.errors import FeedParseError
from newsriver.feeds import parse_feed
from newsriver.feeds.sanitize import EMBED_HOSTS
from newsriver.models import Enclosure, ParsedEntry, ParsedFeed, Person

FEED_URL: Final = "http://example.com/feed"
SAFE_URL_SCHEMES: Final = frozenset({"http", "https", "mailto", "ftp", "magnet", "tel", "urn"})
UNSAFE_MARKUP_SCHEMES: Final = frozenset({"javascript", "vbscript", "data"})
# Elements that must never survive sanitising; iframes are checked against EMBED_HOSTS.
FORBIDDEN_TAGS: Final = frozenset(
    {"script", "style", "object", "embed", "applet", "form", "base", "meta", "link", "frame"}
)
URL_ATTRIBUTES: Final = frozenset(
    {"href", "src", "srcset", "poster", "action", "formaction", "data", "background"}
    | {"xlink:href", "lowsrc", "dynsrc", "longdesc", "cite", "ping", "codebase", "usemap"}
)

# Invariants the parser breaks today, by the prefix of the problem `feed_problems`
# reports, each with the strict xfail test below that reproduces it.
KNOWN_PROBLEMS: Final[dict[str, str]] = {}
# Exceptions other than FeedParseError that parse_feed raises today, each recognised by a
# predicate and reproduced by the strict xfail test it is filed under.
KNOWN_CRASHES: Final[dict[str, Callable[[Exception], bool]]] = {}

_C0_AND_SPACE = "".join(map(chr, range(0x21)))
_TAB_OR_NEWLINE = re.compile("[\t\n\r]")
_SCHEME = re.compile("([a-zA-Z][a-zA-Z0-9+.-]*):")
# Cc: C0 controls, DEL and C1 controls. Titles, names and categories are one line of
# text, so even tab and newline have no business there.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# Characters lxml refuses in a string to parse (XML 1.0 Char, surrogates excluded).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


# ---------------------------------------------------------------------------------------
# The invariants


def browser_scheme(url: str) -> str | None:
    """The lower-cased scheme a browser would see in `url`; None when it is relative.

    WHATWG URL parsing strips leading and trailing C0 controls and spaces, and removes
    tabs and newlines anywhere, before it looks for the scheme.
    """
    match = _SCHEME.match(_TAB_OR_NEWLINE.sub("", url.strip(_C0_AND_SPACE)))
    return match.group(1).lower() if match else None


def feed_problems(feed: ParsedFeed, *, html_titles: bool = False) -> list[str]:
    """Every broken invariant of `feed`, as text; empty when the output is sound.

    `html_titles`: the titles were HTML without escaped markup, so any `<` left in a
    title is a tag that was not removed.
    """
    found: list[str] = []
    titles = [("feed", feed.title)] + [(f"entry {n}", e.title) for n, e in enumerate(feed.entries)]
    for where, title in titles:
        if title is not None and html_titles and "<" in title:
            found.append(f"markup in {where} title: {title!r}")
    for where, line in [(f"{w} title", t) for w, t in titles] + list(_one_line_texts(feed)):
        if line is not None and _CONTROL.search(line):
            found.append(f"control character in {where}: {line!r}")
    found += _datetime_problems("feed.updated", feed.updated)
    found += _url_problems("feed.link", feed.link)
    found += _url_problems("feed.icon", feed.icon)
    found += _url_problems("feed.logo", feed.logo)
    found += _url_problems("feed.self_link", feed.self_link)
    found += [p for hub in feed.hubs for p in _url_problems("feed.hubs", hub)]
    found += _people_problems("feed.authors", feed.authors)
    found += _html_problems("feed.description", feed.description)
    for n, entry in enumerate(feed.entries):
        where = f"entry {n}"
        if not isinstance(entry.id, str) or not entry.id.strip():
            found.append(f"empty id at {where}: {entry.id!r}")
        found += _datetime_problems(f"{where}.published", entry.published)
        found += _datetime_problems(f"{where}.updated", entry.updated)
        found += _url_problems(f"{where}.link", entry.link)
        found += _url_problems(f"{where}.comments", entry.comments)
        found += _url_problems(f"{where}.thumbnail", entry.thumbnail)
        found += [p for e in entry.enclosures for p in _url_problems(f"{where}.enclosure", e.url)]
        found += _people_problems(f"{where}.authors", entry.authors)
        found += _html_problems(f"{where}.summary", entry.summary)
        found += _html_problems(f"{where}.content", entry.content)
    for text in _strings(feed):
        if "\0" in text:
            # PostgreSQL refuses NUL in text columns.
            found.append(f"NUL character: {text!r:.300}")
        if not _encodable(text):
            found.append(f"not UTF-8 encodable: {text!r:.300}")
    return found


def new_problems(feed: ParsedFeed, *, html_titles: bool = False) -> list[str]:
    """The broken invariants of `feed` that are not KNOWN_PROBLEMS."""
    problems = feed_problems(feed, html_titles=html_titles)
    return [p for p in problems if not p.startswith(tuple(KNOWN_PROBLEMS))]


def assert_sound(feed: ParsedFeed, *, html_titles: bool = False) -> None:
    problems = new_problems(feed, html_titles=html_titles)
    assert problems == [], f"{problems}\n{feed!r:.3000}"


def _one_line_texts(feed: ParsedFeed) -> Iterator[tuple[str, str | None]]:
    """Plain text shown on one line besides titles: people's names and categories."""
    for person in feed.authors:
        yield "feed author name", person.name
    for n, entry in enumerate(feed.entries):
        for person in entry.authors:
            yield f"entry {n} author name", person.name
        for category in entry.categories:
            yield f"entry {n} category", category


def _datetime_problems(where: str, moment: datetime | None) -> list[str]:
    if moment is None:
        return []
    if moment.tzinfo is None or moment.utcoffset() != timedelta(0):
        return [f"datetime not UTC at {where}: {moment!r}"]
    return []


def _url_problems(where: str, url: str | None) -> list[str]:
    if url is None:
        return []
    scheme = browser_scheme(url)
    if scheme is None:
        # The document URL is absolute http, so nothing should be left relative.
        return [f"relative URL at {where}: {url!r}"]
    if scheme not in SAFE_URL_SCHEMES:
        return [f"unsafe URL at {where}: {url!r}"]
    return []


def _people_problems(where: str, people: tuple[Person, ...]) -> list[str]:
    found = []
    for person in people:
        found += _url_problems(f"{where}.uri", person.uri)
    return found


def _html_problems(where: str, markup: str | None) -> list[str]:
    """What is unsafe in sanitised HTML, as an independent parser (libxml2's) reads it."""
    if markup is None:
        return []
    found = []
    lowered = markup.lower()
    for needle in ("<script", "<style"):
        if needle in lowered:
            found.append(f"{needle!r} in {where}: {markup!r:.300}")
    readable = _NOT_XML_CHAR.sub("", markup)
    if not readable.strip():
        return found
    root = lxml.html.fragment_fromstring(readable, create_parent="div")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}> in {where}")
        if tag == "iframe" and urlsplit(element.get("src") or "").hostname not in EMBED_HOSTS:
            found.append(f"iframe from {element.get('src')!r} in {where}")
        for name, value in element.attrib.items():
            name = name.lower()
            if name.startswith("on"):
                found.append(f"event handler {tag}[{name}] in {where}")
            if name not in URL_ATTRIBUTES:
                continue
            urls = [c.split()[0] for c in value.split(",") if c.split()]
            for url in urls if name == "srcset" else [value]:
                if browser_scheme(url) in UNSAFE_MARKUP_SCHEMES:
                    found.append(f"unsafe URL {tag}[{name}]={value!r} in {where}")
    return found


def _strings(feed: ParsedFeed) -> Iterator[str]:
    """Every string in the feed, entries and people included."""
    yield from _strings_of(feed)
    for person in feed.authors:
        yield from _strings_of(person)
    for entry in feed.entries:
        yield from _strings_of(entry)
        for person in entry.authors:
            yield from _strings_of(person)
        for enclosure in entry.enclosures:
            yield from _strings_of(enclosure)


def _strings_of(record: ParsedFeed | ParsedEntry | Person | Enclosure) -> Iterator[str]:
    for field in fields(record):
        value = getattr(record, field.name)
        if isinstance(value, str):
            yield value
        elif isinstance(value, (tuple, frozenset)):
            yield from (v for v in value if isinstance(v, str))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_or_none(body: bytes, content_type: str | None = None) -> ParsedFeed | None:
    """Parse; None for FeedParseError (or a KNOWN_CRASHES one). Anything else propagates."""
    try:
        return parse_feed(body, FEED_URL, content_type)
    except FeedParseError as error:
        failure = error
    except Exception as error:
        known = [name for name, matches in KNOWN_CRASHES.items() if matches(error)]
        if not known:
            raise
        if currently_in_test_context():
            event(f"known crash: {known[0]}")
        return None
    assert failure.url == FEED_URL
    assert failure.reason
    return None


def check(body: bytes, content_type: str | None = None, *, html_titles: bool = False) -> None:
    feed = parse_or_none(body, content_type)
    if feed is not None:
        assert_sound(feed, html_titles=html_titles)


@pytest.mark.parametrize(
    "markup",
    [
        "<script>x</script>",
        '<a href=" \x01Java\tScript:x">x</a>',
        '<img srcset="a.png 1x, DATA:image/png,x 2x">',
        '<iframe src="https://evil.example/"></iframe>',
        "<p onclick=x>x</p>",
        '<video poster="vbscript:x"></video>',
    ],
)
def test_the_html_check_can_fail(markup: str) -> None:
    assert _html_problems("x", markup) != []


def test_the_feed_check_can_fail() -> None:
    feed = ParsedFeed(url=FEED_URL, format="rss20", title="a\x00b", link="javascript:x")
    assert [p.split(":")[0] for p in feed_problems(feed)] == [
        "control character in feed title",
        "unsafe URL at feed.link",
        "NUL character",
    ]
    assert feed_problems(ParsedFeed(url=FEED_URL, format="rss20", title="<b>"), html_titles=True)
    assert feed_problems(ParsedFeed(url=FEED_URL, format="rss20", icon="i.png"))


# ---------------------------------------------------------------------------------------
# Arbitrary bytes and text

_PREFIXES = [
    b"",
    b"<",
    b"<?xml version='1.0'?>",
    b"<rss version='2.0'><channel>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'>",
    b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>",
    b'{"version": "https://jsonfeed.org/version/1.1", "items": [',
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"<\x00?\x00",
]
_CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/rss+xml",
        "text/xml; charset=utf-8",
        "text/xml; charset=utf-16",
        "application/xml; charset=iso-8859-1",
        "application/xml; charset=bogus",
        "application/feed+json; charset=utf-32",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_PREFIXES), st.binary(max_size=600), _CONTENT_TYPES)
def test_arbitrary_bytes(prefix: bytes, tail: bytes, content_type: str | None) -> None:
    check(prefix + tail, content_type)


# Encodings publishers use or declare, including ones that make parsers stumble:
# wide ones, EBCDIC, UTF-7 and a multi-byte Asian one.
ENCODINGS: Final = (
    *("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"),
    *("latin-1", "cp1252", "cp1251", "koi8-r", "iso8859-7", "shift_jis", "gb18030"),
    *("big5", "cp500", "utf-7", "ascii"),
)
_ERROR_HANDLERS = st.sampled_from(["strict", "replace", "xmlcharrefreplace"])


def _encode(text: str, encoding: str, errors: str) -> bytes:
    try:
        return text.encode(encoding, errors)
    except UnicodeEncodeError:
        return text.encode(encoding, "replace")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.sampled_from(ENCODINGS), _ERROR_HANDLERS)
def test_arbitrary_text_in_any_encoding(text: str, encoding: str, errors: str) -> None:
    check(_encode(text, encoding, errors))


_TEMPLATES: Final = (
    '<?xml version="1.0" encoding="{enc}"?><rss version="2.0"><channel><title>{text}</title>'
    "<item><title>{text}</title><description>{text}</description><guid>{text}</guid>"
    "<link>{text}</link></item></channel></rss>",
    '<?xml version="1.0" encoding="{enc}"?><feed xmlns="http://www.w3.org/2005/Atom">'
    '<title type="html">{text}</title><entry><id>{text}</id><title>{text}</title>'
    '<content type="html">{text}</content><updated>{text}</updated></entry></feed>',
)


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(_TEMPLATES),
    st.sampled_from(ENCODINGS),
    st.sampled_from(ENCODINGS),
    st.booleans(),
    _ERROR_HANDLERS,
)
def test_arbitrary_text_in_a_feed(
    text: str, template: str, encoding: str, declared: str, escaped: bool, errors: str
) -> None:
    """Text in every field, escaped or raw (so markup in it breaks the XML), encoded one
    way and declared as the same or another encoding."""
    document = template.format(enc=declared, text=escape(text) if escaped else text)
    check(_encode(document, encoding, errors))


# ---------------------------------------------------------------------------------------
# Real feeds, damaged


@cache
def _corpus_files(directory: Path) -> tuple[Path, ...]:
    return tuple(sorted(p for p in directory.iterdir() if p.is_file()))


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


# Byte sequences that break or subvert XML and JSON in interesting ways.
_INSERTS: Final = (
    *(b"&", b"<", b">", b"]]>", b"<![CDATA[", b"<!--", b"-->", b"<!DOCTYPE", b"\x00"),
    *(b"&#0;", b"&#x1;", b"&nbsp;", b"&amp;", b"&#xD800;", b"&undefined;", b'"', b"'"),
    *(b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbb\xbf", b"\xfe\xff", b"\r", b"\x1b"),
    *(b"</item>", b"<item>", b"</entry>", b"<entry>", b"</channel>", b"<title>", b"</title>"),
    b'<!DOCTYPE rss [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>',
    b"&e;",
    b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/>',
    b'xml:base="javascript:alert(1)//" ',
    b'<a href="javascript:alert(1)" onclick="x">',
    b"&lt;script&gt;alert(1)&lt;/script&gt;",
    b"{",
    b"}",
    b"[",
    b"null",
    b'"version": 7,',
)
_LABELS: Final = (*ENCODINGS, "utf-16le", "x-unknown", "", "ebcdic-cp-us", "iso-2022-jp")
_DECLARATION = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([^\"']*)", re.IGNORECASE)


@st.composite
def _mutation(draw: st.DrawFn, body: bytes) -> bytes:
    """One random, realistic kind of damage to `body`."""
    size = len(body)
    start = draw(st.integers(0, size))
    end = draw(st.integers(start, min(size, start + 4096)))
    kind = draw(st.sampled_from(["delete", "duplicate", "insert", "token", "truncate", "encoding"]))
    if kind == "delete":
        return body[:start] + body[end:]
    if kind == "duplicate":
        return body[:end] + body[start:end] + body[end:]
    if kind == "insert":
        return body[:start] + draw(st.binary(min_size=1, max_size=16)) + body[start:]
    if kind == "token":
        return body[:start] + draw(st.sampled_from(_INSERTS)) + body[start:]
    if kind == "truncate":
        return body[:start]
    label = draw(st.sampled_from(_LABELS)).encode()
    if _DECLARATION.match(body):
        return _DECLARATION.sub(lambda m: m.group(1) + label, body, count=1)
    return b'<?xml version="1.0" encoding="' + label + b'"?>' + body


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.data())
def test_mutated_real_feeds(shared_corpus: Path, data: st.DataObject) -> None:
    files = _corpus_files(shared_corpus / "real")
    path = data.draw(st.sampled_from(files), label="file")
    body = _read(path)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        body = data.draw(_mutation(body))
    check(body, data.draw(_CONTENT_TYPES, label="content_type"))


@pytest.mark.parametrize("name", ["real", "feedparser-tests", "gofeed-testdata"])
def test_the_undamaged_corpus_is_sound(shared_corpus: Path, name: str) -> None:
    """The invariants hold on every corpus file as it is (a baseline for the mutations)."""
    paths = [p for p in (shared_corpus / name).rglob("*") if p.is_file()]
    paths = [p for p in paths if p.suffix in {".xml", ".json", ".rss", ".atom", ".rdf"}]
    assert paths
    problems: dict[str, str] = {}
    parsed = 0
    for path in paths:
        feed = parse_or_none(path.read_bytes())
        if feed is not None:
            parsed += 1
            found = new_problems(feed)
            if found:
                problems[path.name] = found[0]
    assert parsed > len(paths) // 2
    assert problems == {}


# ---------------------------------------------------------------------------------------
# Generated feeds full of hostile values

_HOSTILE_URLS: Final = (
    *("javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "\x01javascript:x"),
    *("vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"),
    *("jar:http://x/!", "chrome://settings", "about:blank", "//cdn.example.com/a.mp3"),
    *("/absolute/path", "relative/path?q=1#f", "../up", "", "   ", "#frag", "?query"),
    *("http://[::1", "http://ex ample.com/", "https://example.org/ok", "mailto:a@b.example"),
    *("HTTP://EXAMPLE.COM/X", "urn:isbn:123", "magnet:?xt=urn:btih:1", "tel:+1", "ftp://f/x"),
)
_HOSTILE_MARKUP: Final = (
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">j</a>',
    '<a href="  jav&#x09;ascript:alert(1)">t</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe src="//www.youtube.com/embed/x"></iframe>',
    "<svg><script>alert(1)</script></svg>",
    "<math><mi xlink:href='javascript:alert(1)'>m</mi></math>",
    "<style>body{display:none}</style>",
    '<div onclick="alert(1)" style="position:fixed">x</div>',
    "<img srcset='javascript:alert(1) 1x, data:image/png,x 2x'>",
    "<video poster=javascript:alert(1) src=vbscript:x></video>",
    "<form action=javascript:alert(1)><input onfocus=alert(1) autofocus></form>",
    '<base href="javascript:alert(1)//"><meta http-equiv=refresh content="0;url=javascript:x">',
    "<object data=javascript:alert(1)></object><embed src=javascript:alert(1)>",
    "<noscript><p title='</noscript><img src=x onerror=alert(1)>'></noscript>",
    "<p>plain <b>bold</b> text</p>",
)
_DATES: Final = (
    *("Mon, 02 Jan 2006 15:04:05 -0700", "2006-01-02T15:04:05+14:00", "2006-01-02T15:04:05"),
    *("Sun, 31 Dec 9999 23:59:59 -1200", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59"),
    *("Thu, 01 Jan 1970 00:00:00 GMT", "2024-02-30T00:00:00Z", "yesterday", "", "1e999"),
)
_TEXT = st.text(max_size=40)
_URLS = st.one_of(st.sampled_from(_HOSTILE_URLS), _TEXT)
_DATE_TEXT = st.one_of(st.sampled_from(_DATES), _TEXT)
_MARKUP_TEXT = st.lists(st.one_of(st.sampled_from(_HOSTILE_MARKUP), _TEXT), max_size=4).map("".join)
# HTML titles built from tags and text holding no '<' or '&': nothing in them stands for a
# literal '<', so any '<' left in the title after parsing is a tag that was not removed.
_HTML_TITLES = st.lists(
    st.one_of(
        st.sampled_from(_HOSTILE_MARKUP),
        st.text(st.characters(exclude_characters="<&", codec="utf-8"), max_size=20),
    ),
    max_size=4,
).map("".join)


class _Escaped:
    """Draws strings escaped for XML character data, or quoted as attribute values."""

    def __init__(self, draw: st.DrawFn) -> None:
        self._draw = draw

    def text(self, strategy: st.SearchStrategy[str]) -> str:
        return escape(self._draw(strategy))

    def url_attribute(self) -> str:
        return quoteattr(self._draw(_URLS))


@st.composite
def _rss(draw: st.DrawFn) -> str:
    x = _Escaped(draw)
    t, u = x.text, x.url_attribute
    return (
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:media="http://search.yahoo.com/mrss/"'
        ' xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{t(_HTML_TITLES)}</title><link>{t(_URLS)}</link>"
        f"<description>{t(_MARKUP_TEXT)}</description>"
        f"<lastBuildDate>{t(_DATE_TEXT)}</lastBuildDate><image><url>{t(_URLS)}</url></image>"
        f"<atom:link rel='self' href={u()}/><atom:link rel='hub' href={u()}/>"
        f"<item><title>{t(_HTML_TITLES)}</title><link>{t(_URLS)}</link>"
        f"<comments>{t(_URLS)}</comments><guid>{t(_TEXT)}</guid>"
        f"<pubDate>{t(_DATE_TEXT)}</pubDate><description>{t(_MARKUP_TEXT)}</description>"
        f"<content:encoded>{t(_MARKUP_TEXT)}</content:encoded>"
        f"<enclosure url={u()} type='audio/mpeg' length='1'/><media:thumbnail url={u()}/>"
        f"<atom:link rel='enclosure' href={u()}/><atom:link rel='replies' href={u()}/>"
        f"<author>{t(_TEXT)}</author></item></channel></rss>"
    )


@st.composite
def _atom(draw: st.DrawFn) -> str:
    x = _Escaped(draw)
    t, u = x.text, x.url_attribute
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/">'
        f'<title type="html">{t(_HTML_TITLES)}</title>'
        f'<subtitle type="html">{t(_MARKUP_TEXT)}</subtitle>'
        f"<link href={u()}/><link rel='self' href={u()}/><link rel='hub' href={u()}/>"
        f"<icon>{t(_URLS)}</icon><logo>{t(_URLS)}</logo><updated>{t(_DATE_TEXT)}</updated>"
        f"<author><name>{t(_TEXT)}</name><uri>{t(_URLS)}</uri></author>"
        f'<entry><id>{t(_TEXT)}</id><title type="html">{t(_HTML_TITLES)}</title>'
        f"<link href={u()}/><link rel='enclosure' href={u()}/><link rel='replies' href={u()}/>"
        f"<published>{t(_DATE_TEXT)}</published><updated>{t(_DATE_TEXT)}</updated>"
        f'<summary type="html">{t(_MARKUP_TEXT)}</summary>'
        f'<content type="html">{t(_MARKUP_TEXT)}</content><media:thumbnail url={u()}/>'
        f"<author><name>{t(_TEXT)}</name><uri>{t(_URLS)}</uri></author></entry></feed>"
    )


@st.composite
def _json_feed(draw: st.DrawFn) -> str:
    item = {
        "id": draw(st.one_of(_TEXT, st.integers(), st.none())),
        "url": draw(_URLS),
        "external_url": draw(_URLS),
        "title": draw(_HTML_TITLES),
        "content_html": draw(_MARKUP_TEXT),
        "summary": draw(_MARKUP_TEXT),
        "image": draw(_URLS),
        "date_published": draw(_DATE_TEXT),
        "date_modified": draw(_DATE_TEXT),
        "authors": [{"name": draw(_TEXT), "url": draw(_URLS)}],
        "attachments": [{"url": draw(_URLS), "mime_type": "audio/mpeg"}],
    }
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": draw(_TEXT),
        "home_page_url": draw(_URLS),
        "feed_url": draw(_URLS),
        "description": draw(_MARKUP_TEXT),
        "icon": draw(_URLS),
        "favicon": draw(_URLS),
        "hubs": [{"type": "WebSub", "url": draw(_URLS)}],
        "authors": [{"name": draw(_TEXT), "url": draw(_URLS)}],
        "items": [item],
    }
    return json.dumps(document, ensure_ascii=draw(st.booleans()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rss())
def test_generated_rss_is_sound(document: str) -> None:
    # RSS titles are plain text unless they look like HTML, so '<' may rightly survive.
    check(document.encode())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_atom())
def test_generated_atom_is_sound(document: str) -> None:
    check(document.encode(), html_titles=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_json_feed())
def test_generated_json_feed_is_sound(document: str) -> None:
    check(document.encode("utf-8", "surrogatepass"))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(_rss(), _atom()),
    st.integers(0, 10**6),
    st.sampled_from([b"&", b"<", b"</title>", b"<item>", b"<entry>"]),
)
def test_generated_feeds_broken_into_the_lenient_path_are_sound(
    document: str, position: int, breaker: bytes
) -> None:
    """The same feeds with a bare `&`, `<` or a stray tag, for the repair and feedparser
    paths. Titles are not checked for markup: a breaker inside an HTML title can rightly
    turn its escaped markup into text."""
    body = document.encode()
    cut = body.find(b">", position % len(body)) + 1
    check(body[:cut] + breaker + body[cut:])


# ---------------------------------------------------------------------------------------
# Bugs found by the properties above, reduced to minimal inputs. An open one is a strict
# xfail with a KNOWN_PROBLEMS / KNOWN_CRASHES entry; when it starts passing, remove both.


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b'{"version": "https://jsonfeed.org/version/1.1", "title": "a\\u0000b",'
            b' "items": [{"id": "1", "title": "x\\u001by"}]}',
            id="json-escapes",
        ),
        pytest.param(
            b'<feed xmlns="http://www.w3.org/2005/Atom">'
            b'<title type="html">a&amp;#1;b</title></feed>',
            id="html-title-character-reference",
        ),
        pytest.param(
            b'<rss version="2.0"><channel><title>a&#1;b</title>', id="lenient-path-reference"
        ),
        pytest.param(
            b'<rss version="2.0"><channel><title>a\x7fb</title></channel></rss>', id="delete"
        ),
    ],
)
def test_titles_lose_control_characters(body: bytes) -> None:
    feed = parse_feed(body, FEED_URL)
    assert feed.title == "ab"
    assert [e.title for e in feed.entries] in ([], ["xy"])


def test_a_lone_surrogate_in_a_json_title_is_replaced() -> None:
    body = b'{"version": "https://jsonfeed.org/version/1.1", "title": "a\\ud800b", "items": []}'
    assert parse_feed(body, FEED_URL).title == "a\ufffdb"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1",'
            b' "authors": [{"name": "a\\u0001b"}], "tags": ["a\\u001bb"]}]}',
            id="json",
        ),
        pytest.param(
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id>'
            b'<author><name>a&#x7f;b</name></author><category term="a&#x7f;b"/></entry></feed>',
            id="atom-delete",
        ),
        pytest.param(
            b'<rss version="2.0"><channel><item><guid>g</guid>'
            b"<author>a&#1;b</author><category>a&#1;b</category></item>",
            id="lenient-path-reference",
        ),
    ],
)
def test_names_and_categories_lose_control_characters(body: bytes) -> None:
    """Like titles, whichever reader they came through."""
    entry = parse_feed(body, FEED_URL).entries[0]
    assert [p.name for p in entry.authors] == ["ab"]
    assert entry.categories == ("ab",)


@pytest.mark.parametrize(
    "body",
    [
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "g\\u0000h"}]}',
        b'<rss version="2.0"><channel><item><guid>g&#0;h</guid>',  # read by feedparser
    ],
    ids=["json", "lenient-path"],
)
def test_no_nul_reaches_ids_and_links(body: bytes) -> None:
    """PostgreSQL refuses NUL in text, so such an entry could not be stored at all."""
    feed = parse_feed(body, FEED_URL)
    assert [p for p in feed_problems(feed) if p.startswith("NUL")] == []


def test_no_lone_surrogate_from_json_reaches_ids_and_categories() -> None:
    """Not encodable as UTF-8, so they could not be stored or served."""
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1",'
        b' "items": [{"id": "a\\ud800b", "tags": ["c\\udfffd"]}]}'
    )
    feed = parse_feed(body, FEED_URL)
    assert [p for p in feed_problems(feed) if p.startswith("not UTF-8")] == []


@pytest.mark.parametrize("base", ["urn:x", "mailto:a@example.com", "tel:1", "magnet:?x"])
def test_a_non_hierarchical_xml_base_gives_way_to_the_document_url(base: str) -> None:
    """A base that nothing can be resolved against falls back to the document URL, as an
    unsafe one (javascript:) does, instead of leaving links relative."""
    body = (
        f'<rss version="2.0" xml:base="{base}"><channel><link>home</link>'
        "<item><link>a</link><guid>g</guid></item></channel></rss>"
    )
    feed = parse_feed(body.encode(), FEED_URL)
    assert (feed.link, feed.entries[0].link) == (
        "http://example.com/home",
        "http://example.com/a",
    )


def test_a_relative_xml_base_under_a_non_hierarchical_one_resolves_against_the_document() -> None:
    body = (
        b'<rss version="2.0" xml:base="urn:x"><channel>'
        b'<item xml:base="/sub/"><link>a</link><guid>g</guid></item></channel></rss>'
    )
    assert parse_feed(body, FEED_URL).entries[0].link == "http://example.com/sub/a"


def test_markup_with_a_lone_surrogate_in_a_json_tag() -> None:
    """The sanitiser (Rust) cannot take a lone surrogate; it is replaced before."""
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1",'
        b' "items": [{"id": "1", "tags": ["<b>c\\udfffd</b>"]}]}'
    )
    assert parse_feed(body, FEED_URL).entries[0].categories == ("c\ufffdd",)


def test_lenient_path_reads_references_to_no_character() -> None:
    """feedparser raises on "&#xD800;" (not UTF-8 encodable) and "&#9999999;" (past
    U+10FFFF), which would lose the whole feed; they become U+FFFD."""
    body = (
        b'<rss version="2.0"><channel><title>a&#xD800;b</title><item><guid>g&#9999999;</guid>'
        b"<description>&lt;b&gt;x&lt;/b&gt;&#xDFFF;</description></item>"
    )
    feed = parse_feed(body, FEED_URL)
    assert feed.recovered is not None
    assert (feed.title, feed.entries[0].id) == ("a\ufffdb", "g\ufffd")
    assert feed.entries[0].summary == "<b>x</b>\ufffd"


def test_lenient_path_links_lose_nothing_to_nul() -> None:
    """A browser percent-encodes a control character in a URL; so does the parser."""
    body = b'<rss version="2.0"><channel><item><link>http://x.example/a&#0;b</link>'
    assert parse_feed(body, FEED_URL).entries[0].link == "http://x.example/a%00b"


# Junk after a truncated document, beyond textual repair: only feedparser reads it.
_LENIENT_TAIL: Final = b"<x></y>"


@pytest.mark.parametrize(
    "body",
    [
        # In UTC, these are in years 10000 and 0.
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        b"<updated>9999-12-31T23:59:59-23:59</updated>" + _LENIENT_TAIL,
        b'<feed xmlns="http://www.w3.org/2005/Atom"><updated>0001-01-01T00:00:00+01:00</updated>'
        + _LENIENT_TAIL,
    ],
)
def test_lenient_path_drops_dates_out_of_datetime_range(body: bytes) -> None:
    feed = parse_feed(body, FEED_URL)
    assert feed.recovered is not None
    assert "lenient" in feed.recovered
    assert feed.updated is None
    assert all(e.updated is None for e in feed.entries)


def test_lenient_path_does_not_take_published_for_updated() -> None:
    """feedparser's FeedParserDict answers `updated` with `published` when it is absent,
    with a DeprecationWarning (an error under pytest); the fallback must not ask it."""
    body = (
        b'<rss version="2.0"><channel><item><pubDate>Mon, 02 Jan 2006 15:04:05 GMT</pubDate>'
        + _LENIENT_TAIL
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        feed = parse_feed(body, FEED_URL)
    assert feed.recovered is not None
    assert "lenient" in feed.recovered
    entry = feed.entries[0]
    assert entry.published is not None
    assert entry.updated is None


@pytest.mark.parametrize(
    "body",
    [
        b"</width>",  # TypeError: int() argument must be ... not 'NoneType'
        b"</creativeCommons:license>",  # KeyError: 'license'
        b"</gml:pos>",  # KeyError: 'where'
        b"<item<textinput<description>",  # KeyError: 'textinput'
        b"<textinput<item<textinput<link>k</link>",  # KeyError: 'links'
        b"<item<source<image<link</link>",  # IndexError: list index out of range
        b'<e n=""\nxmlns:g="h\xa0\xaa"><g:l>',  # ValueError: too many values to unpack
        b"<psc:chapters<psc:chapter>",  # TypeError: expected string or bytes-like object
    ],
)
def test_feedparser_exceptions_do_not_escape(body: bytes) -> None:
    """Bytes on which feedparser itself crashes (found by the mutation property) end in
    FeedParseError like any other bytes feedparser cannot read."""
    with pytest.raises(FeedParseError):
        parse_feed(body, FEED_URL)


@pytest.mark.parametrize(
    "body",
    [
        b"<logo><entry<media:",
        b'<logo xmlns:media="http://search.yahoo.com/mrss/"><entry<media:',
    ],
)
def test_lenient_path_takes_only_strings_from_feedparser(body: bytes) -> None:
    """The undeclared `media:` prefix is declared on the document element by the repairs;
    feedparser then reports that element's attributes, a dict, as the feed's `logo`,
    which `fallback` once passed on to `resolve_url` as if it were a string."""
    with contextlib.suppress(FeedParseError):
        parse_feed(body, FEED_URL)


@pytest.mark.parametrize(
    "body",
    [
        b'<rss version="2.0"><channel><item><guid>g1</guid></item></channel></rss>',
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1234</id></entry></feed>',
        b'<rss version="2.0"><channel><item><guid>a&amp;b&lt;c&#38;d&#233;&apos;&quot;</guid>'
        b"</item></channel></rss>",
        b'<rss version="2.0"><channel><item><title>t</title><guid>a&amp;amp;b</guid>'
        b"</item></channel></rss>",
    ],
    ids=["rss-guid", "atom-id", "escapes", "escapes-after-a-title"],
)
def test_entry_ids_are_the_same_on_the_lenient_path(body: bytes) -> None:
    """feedparser resolves ids against the base URL: "g1" would become
    "http://example.com/g1". A feed that is broken (or truncated) for one fetch would
    then duplicate every entry, since entries are deduplicated by id."""
    strict = parse_feed(body, FEED_URL)
    broken = parse_feed(body + b"<x></y>", FEED_URL)
    assert broken.recovered is not None
    assert [e.id for e in broken.entries] == [e.id for e in strict.entries]


@pytest.mark.parametrize(
    "body",
    [
        b'<rss version="2.0" xml:base="http://other.example/dir/"><channel><item>'
        b"<guid>g1</guid></item><item><guid>http://x.example/2</guid></item></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://other.example/dir/">'
        b'<entry><id>1234</id><link href="p"/></entry><entry><id>http://x.example/2</id>'
        b"</entry></feed>",
    ],
    ids=["rss", "atom"],
)
def test_ids_and_links_are_the_same_on_the_lenient_path_under_xml_base(body: bytes) -> None:
    """Ids stay literal under an xml:base too, and a guid or id is the link exactly when
    the strict path says so (an RSS guid that is a web URL)."""
    strict = parse_feed(body, FEED_URL)
    broken = parse_feed(body + b"<x></y>", FEED_URL)
    assert broken.recovered is not None
    assert [(e.id, e.link) for e in broken.entries] == [(e.id, e.link) for e in strict.entries]


@pytest.mark.parametrize(
    "body",
    [
        b'<rss version="2.0"><channel><title>T</title><item><guid>g</guid></item>'
        b"<x></y></channel></rss>",
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>'
        b"<entry><id>e</id></entry><x></y></feed>",
    ],
    ids=["rss", "atom"],
)
def test_lenient_path_keeps_the_feed_title(body: bytes) -> None:
    """`close_unclosed_element` fails here after inserting `</feed>` right after
    `<feed ...>`; feedparser must get the document without that, or the title falls
    outside the feed."""
    feed = parse_feed(body, FEED_URL)
    assert feed.recovered is not None
    assert feed.title == "T"
    assert len(feed.entries) == 1


# ---------------------------------------------------------------------------------------
# Damage repaired on the strict path, without feedparser

_WHOLE: Final = (
    b'<?xml version="1.0" encoding="utf-8"?>\n'
    b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
    b"<channel><title>T &amp; t</title><link>http://example.com/</link>\n"
    b'<item><title>One</title><guid isPermaLink="false">g1</guid>'
    b"<description>&lt;p&gt;first &amp;amp; more&lt;/p&gt;</description></item>\n"
    b"<!-- a comment -->\n"
    b"<item><title>Two &#233;t&#xE9;</title><guid>g2</guid><dc:creator>Ann</dc:creator>"
    b'<enclosure url="http://example.com/a.mp3" type="audio/mpeg" length="12"/>'
    b"<content:encoded><![CDATA[<p>second <b>bold</b></p>]]></content:encoded></item>\n"
    b"</channel></rss>\n"
)


def test_a_truncated_document_reads_as_far_as_it_goes() -> None:
    """Wherever the document is cut short after its first item (in a tag, a comment, a
    CDATA section, a reference or text), the end tags it lacks are added: the channel and
    that item read exactly as in the whole document, without feedparser."""
    whole = parse_feed(_WHOLE, FEED_URL)
    first_end = _WHOLE.index(b"</item>") + len(b"</item>")
    for cut in range(first_end, _WHOLE.rindex(b"</rss>")):
        feed = parse_feed(_WHOLE[:cut], FEED_URL)
        assert feed.recovered is not None, cut
        assert "end tags of a truncated document added" in feed.recovered, cut
        assert (feed.title, feed.entries[:1]) == (whole.title, whole.entries[:1]), cut


def test_a_truncated_item_keeps_what_came_before_the_cut() -> None:
    feed = parse_feed(_WHOLE[: _WHOLE.index(b"t&#xE9;</title>")], FEED_URL)
    assert [e.title for e in feed.entries] == ["One", "Two \xe9"]


def test_whitespace_in_namespace_names_is_removed() -> None:
    """Generators that wrap long lines break namespace names, which libxml2 refuses as
    URIs; RFC 3986 (appendix C) says to ignore whitespace in a URI."""
    body = (
        b'<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        b" xmlns:atom='http://www\n.w3.org/2005/Atom' xmlns:media=' http://search.yahoo.com/mrss/'>"
        b'<channel><atom:link rel="hub" href="http://hub.example/"/><item><guid>g</guid>'
        b'<description>xmlns="a b"</description><media:thumbnail url="http://x.example/t.jpg"/>'
        b"</item></channel></rss>"
    )
    feed = parse_feed(body, FEED_URL)
    assert feed.recovered is not None
    assert "whitespace removed from namespace names" in feed.recovered
    assert feed.hubs == ("http://hub.example/",)
    assert feed.entries[0].thumbnail == "http://x.example/t.jpg"
    assert feed.entries[0].summary == 'xmlns="a b"'


# ---------------------------------------------------------------------------------------
# Cleaning text: skipped only where there is nothing to clean


def test_c1_controls_that_lxml_reads_are_windows_1252() -> None:
    """Raw, or as character references, in any text field."""
    body = (
        b'<rss version="2.0"><channel><item><guid>g</guid><title>\xc2\x93a\xc2\x94</title>'
        b"<description>&#x93;b&#148; &#0150;</description><category>c&#x80;</category>"
        b"<author>d\xc2\x96e</author></item></channel></rss>"
    )
    entry = parse_feed(body, FEED_URL).entries[0]
    assert (entry.title, entry.summary) == ("\u201ca\u201d", "\u201cb\u201d \u2013")
    assert (entry.categories, [p.name for p in entry.authors]) == (("c\u20ac",), ["d\u2013e"])


def test_controls_made_by_unescaping_an_rss_title_are_removed() -> None:
    """A title escaped twice is unescaped once more, which can make a control character
    that the document, as lxml reads it, does not hold (a form feed, here)."""
    body = b'<rss version="2.0"><channel><item><guid>g</guid><title>a&amp;#12;b</title>'
    feed = parse_feed(body + b"</item></channel></rss>", FEED_URL)
    assert feed.entries[0].title == "ab"


def test_controls_in_base64_atom_content_are_removed() -> None:
    content = base64.b64encode(b"a\x01b\x00c\xc2\x93d").decode()
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>e</id>'
        f'<content type="application/octet-stream">{content}</content></entry></feed>'
    )
    assert parse_feed(body.encode(), FEED_URL).entries[0].content == "abc\u201cd"
