"""Parsing feed XML with lxml safely, and repairing the usual kinds of broken XML.

The parser never resolves entities, never loads a DTD and never touches the network,
so billion-laughs and external-entity (XXE) documents cannot expand or read files.
libxml2's own limits (no `huge_tree`) bound nesting depth and text-node size.

When strict parsing fails we repair the document textually — the damage in real feeds
is almost always one of a handful of kinds — and parse strictly again. libxml2's
`recover` mode is not used for that: it silently drops the text around an error.
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Callable, Iterator
from typing import Final, TypedDict

from lxml import etree

# XML 1.0 §2.2: these C0 controls may not appear in a document, even escaped.
_C0_CONTROLS = bytes(c for c in range(32) if c not in (9, 10, 13))
# What may stand before a DOCTYPE (XML 1.0 §2.8): the declaration, comments, PIs.
_PROLOG_PARTS = re.compile(rb"<\?.*?\?>|<!--.*?-->", re.DOTALL)
_DOCTYPE = re.compile(rb"<!DOCTYPE(?:[^\[>]*\[.*?\]\s*>|[^>]*>)", re.IGNORECASE | re.DOTALL)
# An `&` that does not start a well-formed reference. Named references are checked
# separately because XML defines only five of them.
_BARE_AMPERSAND = re.compile(rb"&(?!#[0-9]{1,7};|#x[0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9._-]*;)")
# The five XML predefines are left out: escaped markup is made of millions of them, and a
# Python call per match would cost time and a copy of each piece.
_NAMED_REFERENCE = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9._-]*);")
# A `<` that cannot start markup: "a < b", "<3", "<-". Markup starts with a name
# character, `/`, `!` or `?`.
_STRAY_LESS_THAN = re.compile(rb"<(?![A-Za-z_:/!?\x80-\xff])")
# Sections whose text the repairs must leave alone, by opener and terminator.
_VERBATIM_SECTIONS = ((b"<![CDATA[", b"]]>"), (b"<!--", b"-->"))
_COMMON_PREFIXES = {
    b"atom": b"http://www.w3.org/2005/Atom",
    b"dc": b"http://purl.org/dc/elements/1.1/",
    b"content": b"http://purl.org/rss/1.0/modules/content/",
    b"media": b"http://search.yahoo.com/mrss/",
    b"itunes": b"http://www.itunes.com/dtds/podcast-1.0.dtd",
    b"slash": b"http://purl.org/rss/1.0/modules/slash/",
    b"wfw": b"http://wellformedweb.org/CommentAPI/",
    b"sy": b"http://purl.org/rss/1.0/modules/syndication/",
}
# The name of the document element's start tag (after the prolog).
_ROOT_START = re.compile(rb"<(?![?!])[^\s/>]+")
# A namespace declaration with whitespace in its value, anywhere (a cheap first look);
# a start tag, up to its first ">", declaring a namespace; and such a declaration.
_SPACED_NAMESPACE = re.compile(rb"""xmlns(?::[^\s=<>"']+)?\s*=\s*(?:"[^"]*\s|'[^']*\s)""")
_TAG_DECLARING_NAMESPACES = re.compile(rb"<[^\s<>/!?][^<>]*?\sxmlns[^<>]*")
_NAMESPACE_DECLARATION = re.compile(rb"""(\sxmlns(?::[^\s=<>"']+)?\s*=\s*)("[^"]*"|'[^']*')""")
_WHITESPACE = re.compile(rb"\s+")
# A repair applied to text outside CDATA; it records what it changed in the set.
_Fixer = Callable[[bytes, set[str]], bytes]


class _ParserOptions(TypedDict):
    encoding: str
    resolve_entities: bool
    no_network: bool
    load_dtd: bool
    dtd_validation: bool
    huge_tree: bool
    remove_pis: bool
    remove_comments: bool
    collect_ids: bool


# How every parser of untrusted documents is configured: told they are UTF-8, with no
# entity expansion, DTD or network, and libxml2's size and depth limits.
_PARSER_OPTIONS: Final[_ParserOptions] = {
    "encoding": "utf-8",
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_pis": True,
    "remove_comments": True,
    "collect_ids": False,
}


def new_parser(*, recover: bool = False) -> etree.XMLParser:
    """A fresh lxml parser for untrusted documents, told they are UTF-8.

    Parsers are not thread-safe when shared across threads mid-parse, and a new one
    costs microseconds, so callers make one per document.
    """
    return etree.XMLParser(recover=recover, **_PARSER_OPTIONS)


def parse_strict(utf8: bytes) -> etree._Element:
    """Parse a UTF-8 document strictly; raise `etree.XMLSyntaxError` on any error."""
    return etree.fromstring(utf8, new_parser())


def strip_doctype(utf8: bytes) -> bytes:
    """Remove the document type declaration, if the document has one near its start.

    Feeds need no DTD. Old RSS 0.91 points at Netscape's long-gone DTD for its HTML
    entities, and attacks declare entities there; either way the declaration can only
    hurt, and the entities it would define are handled by `repair`.
    """
    head = utf8[:4096]
    if b"<!DOCTYPE" not in head and b"<!doctype" not in head.lower():
        return utf8
    match = _DOCTYPE.search(utf8)
    if match is None or _PROLOG_PARTS.sub(b"", utf8[: match.start()]).strip():
        # Not in the prolog (inside a comment, CDATA or text): not a declaration.
        return utf8
    return utf8[: match.start()] + utf8[match.end() :]


# C1 controls (U+0080-U+009F) in UTF-8, and character references to them. The reference
# pattern starts with "#" so that the regex engine skips to the rare "#"s, not to every
# "&" of escaped markup; the lookbehind then requires the "&".
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")
_C1_REFERENCE = re.compile(rb"#(?<=&#)(?:0*1(?:2[89]|[3-5][0-9])|x0*[89][0-9a-f]);", re.IGNORECASE)


def may_hold_c1_controls(utf8: bytes) -> bool:
    """Whether text parsed from the document may hold a C1 control character.

    False is certain: there is neither such a character nor a reference to one. True may
    be a false alarm (a reference inside CDATA or a comment is not one).
    """
    if b"\xc2" in utf8 and _C1_CONTROL.search(utf8) is not None:
        return True
    return b"#" in utf8 and _C1_REFERENCE.search(utf8) is not None


_TAG_MISMATCH = re.compile(r"Opening and ending tag mismatch: ([^\s]+) line (\d+) and")


def close_unclosed_element(utf8: bytes, error_message: str) -> bytes | None:
    """Close an element whose end tag is missing, as named by libxml2's mismatch error.

    The missing end tag is put where the element's text ends: at the next markup after
    its start tag (after a CDATA section if the text is one). That is right for the text
    elements of feeds (`<title>`, `<link>`…), the only ones publishers forget to close in
    practice. Returns None when the error is not of that kind or the start is not found.
    """
    match = _TAG_MISMATCH.search(error_message)
    if match is None:
        return None
    name = match.group(1).encode()
    line = int(match.group(2))
    line_start = 0
    for _ in range(line - 1):
        line_start = utf8.find(b"\n", line_start) + 1
        if line_start == 0:
            return None
    line_end = utf8.find(b"\n", line_start)
    line_end = len(utf8) if line_end < 0 else line_end
    start_tag = re.compile(rb"<" + re.escape(name) + rb"(?:\s[^>]*)?(?<!/)>")
    for found in start_tag.finditer(utf8, line_start, line_end + 1):
        insert_at = _end_of_text(utf8, found.end())
        if insert_at >= 0 and not utf8.startswith(b"</" + name, insert_at):
            return utf8[:insert_at] + b"</" + name + b">" + utf8[insert_at:]
    return None


def complete_truncated(utf8: bytes) -> bytes | None:
    """The document with the end tags it lacks added at its end; None if it lacks none.

    That is what a document cut short needs (a transfer broken off, a full disk): it is
    well-formed as far as it goes, but for its last piece of markup. A last partial tag,
    comment or declaration is dropped first; a last CDATA section is ended, keeping its
    text, as is text cut short. Returns None when the document is not well-formed up to
    its end, or when every element it opens is closed.
    """
    cut = _without_partial_markup(utf8)
    parser = etree.XMLPullParser(events=("start", "end"), **_PARSER_OPTIONS)
    try:
        parser.feed(cut)
    except etree.XMLSyntaxError:
        return None
    still_open: list[etree._Element] = []
    for event, element in parser.read_events():
        if event == "end":
            still_open.pop()
        elif isinstance(element, etree._Element):
            still_open.append(element)
    if not still_open:
        return None
    end_tags = [f"</{_qualified_name(element)}>" for element in reversed(still_open)]
    return cut + "".join(end_tags).encode()


def _without_partial_markup(utf8: bytes) -> bytes:
    """The document without the markup it ends in the middle of, or with its CDATA ended."""
    cdata = utf8.rfind(b"<![CDATA[")
    if cdata >= 0 and utf8.find(b"]]>", cdata) < 0:
        return utf8 + b"]]>"
    comment = utf8.rfind(b"<!--")
    if comment >= 0 and utf8.find(b"-->", comment) < 0:
        return utf8[:comment]
    markup = utf8.rfind(b"<")
    if markup >= 0 and utf8.find(b">", markup) < 0:
        return utf8[:markup]
    return utf8


def _qualified_name(element: etree._Element) -> str:
    """The element's name as its start tag wrote it, prefix included."""
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


def _end_of_text(utf8: bytes, position: int) -> int:
    """Where the text that starts at `position` ends: the next markup, skipping CDATA."""
    if utf8.startswith(b"<![CDATA[", position):
        cdata_end = utf8.find(b"]]>", position)
        position = len(utf8) if cdata_end < 0 else cdata_end + 3
    return utf8.find(b"<", position)


def repair(utf8: bytes) -> tuple[bytes, list[str]]:
    """Return the document with the common, mechanical kinds of damage fixed.

    Each repair is listed, in words, in the second element. Nothing is dropped except
    characters XML forbids outright and a DOCTYPE (which could only declare entities we
    refuse to expand anyway).
    """
    fixes: list[str] = []
    declaration = utf8.find(b"<?xml", 0, 4096)
    start = declaration if declaration >= 0 else utf8.find(b"<")
    if start > 0:
        utf8 = utf8[start:]
        fixes.append("text before the document element removed")
    elif start < 0:
        return utf8, fixes
    cleaned = utf8.translate(None, _C0_CONTROLS)
    if len(cleaned) != len(utf8):
        utf8 = cleaned
        fixes.append("control characters removed")
    without_doctype = strip_doctype(utf8)
    if len(without_doctype) != len(utf8):
        utf8 = without_doctype
        fixes.append("DOCTYPE removed")
    utf8 = _declare_common_prefixes(utf8, fixes)
    if b"&" in utf8:
        utf8 = _outside_cdata(utf8, _fix_references, fixes)
    if b"<" in utf8:
        utf8 = _outside_cdata(utf8, _fix_stray_less_than, fixes)
    if _SPACED_NAMESPACE.search(utf8) is not None:
        # After the stray "<"s are escaped: every "<" left outside CDATA starts markup.
        utf8 = _outside_cdata(utf8, _fix_namespace_names, fixes)
    return utf8, fixes


def _declare_common_prefixes(utf8: bytes, fixes: list[str]) -> bytes:
    """Declare the namespace prefixes feeds commonly use without declaring them.

    Publishers copy `<atom:link>` or `<dc:creator>` from templates and forget the
    `xmlns:` attribute; XML namespaces then make the document unreadable.
    """
    missing = [
        b' xmlns:%s="%s"' % (prefix, uri)
        for prefix, uri in _COMMON_PREFIXES.items()
        if b"<" + prefix + b":" in utf8 and b"xmlns:" + prefix + b"=" not in utf8
    ]
    if not missing:
        return utf8
    root = _ROOT_START.search(utf8)
    if root is None:
        return utf8
    fixes.append("undeclared namespace prefixes declared")
    return utf8[: root.end()] + b"".join(missing) + utf8[root.end() :]


def _outside_cdata(utf8: bytes, fix: _Fixer, fixes: list[str]) -> bytes:
    """Apply `fix` to the parts of the document outside CDATA sections and comments.

    An opener without a terminator is text like any other. The scan is linear: once a
    terminator is known to be absent from some point on, it is not searched for again
    (a backtracking regex would rescan to the end from every unterminated opener).
    """
    pieces: list[bytes] = []
    position = 0
    changed: set[str] = set()
    for start, end in _verbatim_sections(utf8):
        pieces.append(fix(utf8[position:start], changed))
        pieces.append(utf8[start:end])
        position = end
    pieces.append(fix(utf8[position:], changed))
    fixes.extend(sorted(changed))
    return b"".join(pieces)


def _verbatim_sections(utf8: bytes) -> Iterator[tuple[int, int]]:
    """The (start, end) of each terminated CDATA section and comment, in order."""
    # Where each kind's terminator was last found, or -1 once it is known to be absent.
    found = {opener: 0 for opener, _ in _VERBATIM_SECTIONS}
    position = utf8.find(b"<!")
    while position >= 0:
        end = -1
        for opener, terminator in _VERBATIM_SECTIONS:
            if not utf8.startswith(opener, position) or found[opener] < 0:
                continue
            body = position + len(opener)
            if found[opener] < body:
                found[opener] = utf8.find(terminator, body)
            if found[opener] >= 0:
                end = found[opener] + len(terminator)
            break
        if end >= 0:
            yield position, end
            position = utf8.find(b"<!", end)
        else:
            position = utf8.find(b"<!", position + 2)


def _fix_references(chunk: bytes, changed: set[str]) -> bytes:
    def named(match: re.Match[bytes]) -> bytes:
        name = match.group(1)
        codepoint = html.entities.name2codepoint.get(name.decode("ascii"))
        if codepoint is None:
            # Unknown entity (e.g. one a stripped DOCTYPE declared): keep it as text.
            changed.add("undefined entity kept as text")
            return b"&amp;" + name + b";"
        changed.add("HTML entity replaced by its character")
        return b"&#%d;" % codepoint

    fixed = _BARE_AMPERSAND.sub(b"&amp;", chunk)
    if len(fixed) != len(chunk):
        changed.add("bare ampersand escaped")
    return _NAMED_REFERENCE.sub(named, fixed)


def _fix_namespace_names(chunk: bytes, changed: set[str]) -> bytes:
    """Remove whitespace from namespace names, which libxml2 refuses as invalid URIs.

    A URI holds no whitespace; when a document has some in one, it was wrapped as long
    lines are, and RFC 3986 (appendix C) says to ignore it. Generators that wrap their
    output ("http://www\\n.w3.org/2005/Atom") thereby get their namespace back.
    """

    def value(match: re.Match[bytes]) -> bytes:
        quoted = match.group(2)
        if _WHITESPACE.search(quoted) is None:
            return match.group(0)
        changed.add("whitespace removed from namespace names")
        return match.group(1) + _WHITESPACE.sub(b"", quoted)

    def tag(match: re.Match[bytes]) -> bytes:
        return _NAMESPACE_DECLARATION.sub(value, match.group(0))

    return _TAG_DECLARING_NAMESPACES.sub(tag, chunk)


def _fix_stray_less_than(chunk: bytes, changed: set[str]) -> bytes:
    fixed = _STRAY_LESS_THAN.sub(b"&lt;", chunk)
    if len(fixed) != len(chunk):
        changed.add("stray '<' escaped")
    return fixed
