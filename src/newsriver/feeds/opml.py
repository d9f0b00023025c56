"""Reading and writing OPML subscription lists, the format every feed reader exchanges.

OPML files arrive from many exporters, some of them careless: unescaped `&` in URLs,
HTML entities such as `&eacute;`, truncated downloads, odd encodings. Reading is
therefore lenient, but never silent: whatever could not be used is reported in
`OpmlDocument.problems` so the import screen can show it. It is also never unsafe:
the XML parser resolves no entity, loads no DTD and touches no network or file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from urllib.parse import urlsplit

from lxml import etree

from newsriver.errors import OpmlError
from newsriver.feeds import xmlsafe
from newsriver.feeds.encoding import decode_document

# Separator used to show a nested category path on one line.
CATEGORY_SEPARATOR = " / "

_FEED_SCHEMES = frozenset({"http", "https"})
# Longest outline name quoted in a problem message; enough to recognise it.
_MAX_NAME_IN_MESSAGE = 80


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription as an OPML file describes it.

    `category` is the nearest enclosing folder, because FreshRSS, Miniflux and
    newsriver itself have one level of categories; `category_path` keeps every
    enclosing folder, outermost first, for callers that want the full nesting.
    Given only one of the two, the other is derived so that both always agree.
    """

    xml_url: str
    title: str | None = None
    html_url: str | None = None
    category: str | None = None
    category_path: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.category_path and self.category is None:
            object.__setattr__(self, "category", self.category_path[-1])
        elif self.category and not self.category_path:
            object.__setattr__(self, "category_path", (self.category,))
        elif self.category_path and self.category_path[-1] != self.category:
            raise ValueError("category must be the last element of category_path")

    @property
    def category_display(self) -> str | None:
        """The whole folder path on one line ("Tech / Python"), for lists and logs."""
        return CATEGORY_SEPARATOR.join(self.category_path) or None


@dataclass(frozen=True, slots=True)
class OpmlDocument:
    """What `read_opml` could make of a file: its feeds and what went wrong."""

    title: str | None
    feeds: tuple[OpmlFeed, ...]
    # Human-readable, one per skipped outline or repaired defect, in document order.
    problems: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------
# Reading


def read_opml(data: bytes) -> OpmlDocument:
    """Return the feeds listed in an OPML file, tolerating the usual breakage.

    Raises OpmlError only when nothing usable is there: not XML at all, or no
    `<opml>` root with a `<body>`. A well-formed but empty body is not an error.
    """
    problems: list[str] = []
    root = _parse(data, problems)
    # After recovery, say why the structure is missing: the parse error is the cause.
    cause = f" ({problems[0]})" if problems else ""
    if _local_name(root) != "opml":
        raise OpmlError(f"not an OPML file: the root element is <{_local_name(root)}>{cause}")
    body = _child(root, "body")
    if body is None:
        raise OpmlError(f"not an OPML file: <opml> has no <body>{cause}")
    head = _child(root, "head")
    title_element = _child(head, "title") if head is not None else None
    title = _clean_text(_own_text(title_element)) if title_element is not None else None
    feeds = _collect_feeds(body, problems)
    return OpmlDocument(title=title, feeds=tuple(feeds), problems=tuple(problems))


def _parse(data: bytes, problems: list[str]) -> etree._Element:
    """Decode, then parse strictly, again after repairing common defects, then in
    recovery mode.

    Decoding and repairs are the feed parser's (`encoding`, `xmlsafe`), with its
    safety: no entity is resolved, no DTD loaded, nothing read from a file or the
    network, and libxml2's size limits (no `huge_tree`) apply.
    """
    decoded = decode_document(data)
    if decoded.repaired:
        problems.append(f"the file's encoding is wrong: {decoded.repaired}")
    elif decoded.encoding == "windows-1252" and not _ENCODING_DECLARATION.match(data):
        # Undeclared means UTF-8 (XML 1.0 §4.3.3); old exporters wrote Windows-1252.
        problems.append("the file declares no encoding and is not UTF-8; read it as Windows-1252")
    try:
        return xmlsafe.parse_strict(decoded.utf8)
    except etree.XMLSyntaxError as error:
        first_error = _error_text(error)
    repaired, fixes = xmlsafe.repair(decoded.utf8)
    if fixes:
        try:
            root = xmlsafe.parse_strict(repaired)
        except etree.XMLSyntaxError:
            pass
        else:
            problems.append(f"the file is not well-formed XML ({first_error}); {', '.join(fixes)}")
            return root
    try:
        recovered = etree.fromstring(repaired, xmlsafe.new_parser(recover=True))
    except etree.XMLSyntaxError as error:
        raise OpmlError(f"not an OPML file: {_error_text(error)}") from error
    if recovered is None:
        raise OpmlError(f"not an OPML file: {first_error}")
    problems.append(
        f"the file is not well-formed XML ({first_error}); only what could be recovered was read"
    )
    return recovered


def _error_text(error: etree.XMLSyntaxError) -> str:
    return str(error.msg or error).strip()


_ENCODING_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\bencoding\s*=", re.ASCII)


def _collect_feeds(body: etree._Element, problems: list[str]) -> list[OpmlFeed]:
    """Walk the outline tree, turning feed outlines into OpmlFeed, folders into paths."""
    feeds: list[OpmlFeed] = []
    seen: set[str] = set()
    for outline, attributes, path in _walk_outlines(body):
        name = _outline_name(attributes)
        label = _describe(outline, name)
        raw_url = attributes.get("xmlurl")
        if raw_url is None:
            if not _outline_children(outline):
                problems.append(f"{label} has no xmlUrl and contains no feeds; skipped")
            continue
        xml_url, reason = _feed_url(raw_url)
        if xml_url is None:
            problems.append(f"{label} has an unusable xmlUrl ({reason}); skipped")
            continue
        if xml_url in seen:
            problems.append(f"{label} repeats the feed {xml_url}; only the first was kept")
            continue
        seen.add(xml_url)
        html_url, _ = _feed_url(attributes.get("htmlurl") or "")
        feeds.append(OpmlFeed(xml_url, name, html_url, category_path=path))
    return feeds


_Visit = tuple[etree._Element, dict[str, str], tuple[str, ...]]


def _walk_outlines(body: etree._Element) -> Iterator[_Visit]:
    """Yield every outline in document order, its attributes and its enclosing folders.

    Iterative rather than recursive so a deeply nested file cannot exhaust the stack.
    A feed outline that itself has children does not become a folder: its children
    stay in the folder the feed is in.
    """
    stack: list[tuple[Iterator[etree._Element], tuple[str, ...]]] = [
        (iter(_outline_children(body)), ())
    ]
    while stack:
        children, path = stack[-1]
        outline = next(children, None)
        if outline is None:
            stack.pop()
            continue
        attributes = _attributes(outline)
        yield outline, attributes, path
        inner = path
        name = _outline_name(attributes)
        if "xmlurl" not in attributes and name:
            inner = (*path, name)
        stack.append((iter(_outline_children(outline)), inner))


def _outline_name(attributes: dict[str, str]) -> str | None:
    # OPML 2.0 makes `text` the required one, but exporters that set both put the
    # cleaner name in `title`.
    return _clean_text(attributes.get("title")) or _clean_text(attributes.get("text"))


def _feed_url(raw: str) -> tuple[str | None, str]:
    """Return the URL if a feed can be fetched from it, else None and why not."""
    text = raw.strip()
    if not text:
        return None, "empty"
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None, f"invalid URL {text!r}"
    if not parts.scheme:
        return None, f"not an absolute URL: {text!r}"
    if parts.scheme.lower() not in _FEED_SCHEMES:
        return None, f"unsupported scheme {parts.scheme!r} in {text!r}"
    if not host:
        return None, f"no host in {text!r}"
    return text, ""


def _describe(outline: etree._Element, name: str | None) -> str:
    shown = name or "(untitled)"
    if len(shown) > _MAX_NAME_IN_MESSAGE:
        shown = shown[: _MAX_NAME_IN_MESSAGE - 1] + "…"
    line = f" (line {outline.sourceline})" if outline.sourceline else ""
    return f'outline "{shown}"{line}'


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname.lower()


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    for child in parent:
        if isinstance(child.tag, str) and _local_name(child) == name:
            return child
    return None


def _outline_children(parent: etree._Element) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str) and _local_name(c) == "outline"]


def _attributes(element: etree._Element) -> dict[str, str]:
    """Attribute names lower-cased, since exporters write xmlUrl, xmlurl and XMLURL."""
    result: dict[str, str] = {}
    for key, value in element.attrib.items():
        name = str(key)
        if not name.startswith("{"):
            result.setdefault(name.lower(), str(value))
    return result


def _own_text(element: etree._Element) -> str:
    """Text directly inside an element, skipping unresolved entity references."""
    parts = [element.text or ""]
    parts.extend(child.tail or "" for child in element)
    return "".join(parts)


# A reference left over after XML decoding means the exporter escaped twice
# ("Tom &amp;amp; Jerry"); undo the second escaping in names only, never in URLs.
_LEFTOVER_REFERENCE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def _clean_text(value: str | None) -> str | None:
    if value is None:
        return None
    value = _LEFTOVER_REFERENCE.sub(lambda m: html.unescape(m.group(0)), value)
    value = " ".join(value.split())
    return value or None


# ---------------------------------------------------------------------------------
# Writing


@dataclass(slots=True)
class _Folder:
    name: str
    items: list[OpmlFeed | _Folder] = field(default_factory=list)
    folders: dict[str, _Folder] = field(default_factory=dict)

    def folder(self, name: str) -> _Folder:
        if name not in self.folders:
            self.folders[name] = _Folder(name)
            self.items.append(self.folders[name])
        return self.folders[name]


def write_opml(
    feeds: Iterable[OpmlFeed],
    title: str = "newsriver subscriptions",
    created: datetime | None = None,
) -> bytes:
    """Serialise subscriptions as UTF-8 OPML 2.0 that other readers import.

    Feeds are grouped in one folder outline per category (nested along
    `category_path`), in order of first appearance; uncategorised feeds stay at the
    top level. A feed URL listed twice is written once, as `read_opml` would keep
    it. No `dateCreated` unless `created` is given, so the output depends only on
    the arguments.
    """
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = _xml_safe(title)
    if created is not None:
        etree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = etree.SubElement(root, "body")
    _write_items(body, _group(feeds).items)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _group(feeds: Iterable[OpmlFeed]) -> _Folder:
    top = _Folder("")
    seen: set[str] = set()
    for feed in feeds:
        if feed.xml_url in seen:
            continue
        seen.add(feed.xml_url)
        folder = top
        for name in feed.category_path:
            folder = folder.folder(name)
        folder.items.append(feed)
    return top


def _write_items(parent: etree._Element, items: list[OpmlFeed | _Folder]) -> None:
    for item in items:
        if isinstance(item, _Folder):
            name = _xml_safe(item.name)
            element = etree.SubElement(parent, "outline", text=name, title=name)
            _write_items(element, item.items)
            continue
        # An empty text (rather than the URL) lets importers use the feed's own title.
        attributes = {"text": _xml_safe(item.title or "")}
        if item.title:
            attributes["title"] = attributes["text"]
        attributes["type"] = "rss"
        attributes["xmlUrl"] = _xml_safe(item.xml_url)
        if item.html_url:
            attributes["htmlUrl"] = _xml_safe(item.html_url)
        etree.SubElement(parent, "outline", attributes)


# Characters XML 1.0 cannot carry at all, even escaped; lxml refuses them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)
