"""`parse_feed`: any feed's bytes in, one normalised, safe `ParsedFeed` out.

The flow, for XML:

    decode (BOM → HTTP charset → declaration → UTF-8 → windows-1252, repaired)
    → strict lxml parse
        → on failure: repair the text (bare &, HTML entities, controls, stray <,
          garbage before the prolog, whitespace in namespace names) and parse
          strictly again, adding missing end tags (a forgotten one, or all those a
          truncated document lacks)
            → on failure: feedparser's loose parser
    → read RSS / RDF / Atom into a draft → finish (sanitise, resolve, identify)

JSON Feed skips straight to its reader. Pure: no network, no database, no clock.
"""

from __future__ import annotations

from lxml import etree

from newsriver.errors import FeedParseError
from newsriver.feeds import elements as el
from newsriver.feeds import xmlsafe
from newsriver.feeds.atom import read_atom
from newsriver.feeds.draft import FeedDraft, finish_feed
from newsriver.feeds.encoding import DecodedDocument, decode_document
from newsriver.feeds.fallback import read_with_feedparser
from newsriver.feeds.jsonfeed import read_json_feed
from newsriver.feeds.rss import read_rss
from newsriver.models import ParsedFeed

# Document elements by local name: old RSS and Atom drafts used many namespaces
# (Userland's, purl.org/echo, purl.org/pie…) for the same vocabulary.
_RSS_ROOTS = frozenset({"rss", "channel", "RDF"})
_ATOM_ROOTS = frozenset({"feed"})
_HTML_STARTS = (b"<!doctype html", b"<html")
# Each missing end tag costs one more strict parse; past this, feedparser is cheaper.
_MAX_ELEMENT_CLOSINGS = 8


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse a feed document of any supported format.

    `url` is where the document came from: relative links resolve against it.
    `content_type` is the HTTP header, whose charset outranks the XML declaration.
    Raises `FeedParseError` only when the bytes are not a feed at all; a damaged feed
    is read as well as it can be and marked `recovered` with the reason.
    """
    decoded = decode_document(body, content_type)
    head = decoded.utf8[:1024].lstrip()
    if not head:
        raise FeedParseError(url, "empty document")
    if head[:1] in (b"{", b"["):
        draft = read_json_feed(decoded.utf8, url)
        return finish_feed(draft, encoding=decoded.encoding, recovered=decoded.repaired)
    return _parse_xml(decoded, url)


def _parse_xml(decoded: DecodedDocument, url: str) -> ParsedFeed:
    notes = [decoded.repaired] if decoded.repaired else []
    utf8 = decoded.utf8
    if utf8[:1].isspace():
        # XML 1.0 §2.8 puts the declaration first; whitespace before it is common.
        utf8 = utf8.lstrip()
    utf8 = xmlsafe.strip_doctype(utf8)
    try:
        root = xmlsafe.parse_strict(utf8)
    except etree.XMLSyntaxError as error:
        if _looks_like_html(utf8):
            raise FeedParseError(url, "an HTML page, not a feed") from error
        draft = _parse_damaged(utf8, url, _describe(error), notes)
    else:
        draft = _read_document(root, utf8, url)
    recovered = "; ".join(notes) or None
    return finish_feed(draft, encoding=decoded.encoding, recovered=recovered)


def _parse_damaged(utf8: bytes, url: str, error: str, notes: list[str]) -> FeedDraft:
    """Repair and re-parse strictly; failing that, read with feedparser.

    feedparser gets the document as repaired, but without the end tags added: when
    closing elements did not make it well-formed, some were put in the wrong place
    (`</feed>` right after `<feed>`), and would hide what follows from feedparser too.
    """
    repaired, fixes = xmlsafe.repair(utf8)
    closed = repaired
    completed = False
    for _ in range(_MAX_ELEMENT_CLOSINGS + 1):
        try:
            root = xmlsafe.parse_strict(closed)
        except etree.XMLSyntaxError as retry_error:
            fix = "missing end tag added"
            closed_again = xmlsafe.close_unclosed_element(closed, retry_error.msg or "")
            if closed_again is None and not completed:
                fix, completed = "end tags of a truncated document added", True
                closed_again = xmlsafe.complete_truncated(closed)
            if closed_again is None:
                break
            closed = closed_again
            if fix not in fixes:
                fixes.append(fix)
        else:
            notes.append(f"{error}; repaired: {', '.join(fixes)}")
            return _read_document(root, closed, url)
    notes.append(f"{error}; read with the lenient parser")
    del closed  # a whole copy of the document, not to be kept while feedparser runs
    return read_with_feedparser(repaired, url)


def _read_document(root: etree._Element, utf8: bytes, url: str) -> FeedDraft:
    """Read the document that lxml parsed from `utf8` into `root`."""
    name = el.local_name(root.tag) if isinstance(root.tag, str) else ""
    if name in _RSS_ROOTS:
        draft = read_rss(root, url)
    elif name in _ATOM_ROOTS:
        draft = read_atom(root, url)
    elif name.lower() == "html":
        raise FeedParseError(url, "an HTML page, not a feed")
    else:
        raise FeedParseError(url, f"not a feed: the document element is <{name}>")
    draft.needs_cleaning = xmlsafe.may_hold_c1_controls(utf8)
    return draft


def _looks_like_html(utf8: bytes) -> bool:
    return utf8[:512].lstrip().lower().startswith(_HTML_STARTS)


def _describe(error: etree.XMLSyntaxError) -> str:
    message = (error.msg or str(error)).strip()
    return f"not well-formed XML ({message})"
