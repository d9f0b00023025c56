"""Small readers over lxml elements shared by the RSS and Atom readers."""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Iterator
from typing import cast

from lxml import etree

from newsriver.feeds.urls import resolve_url
from newsriver.models import Person

ATOM10 = "http://www.w3.org/2005/Atom"
ATOM03 = "http://purl.org/atom/ns#"
RSS10 = "http://purl.org/rss/1.0/"
RSS090 = "http://my.netscape.com/rdf/simple/0.9/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
MEDIA = "http://search.yahoo.com/mrss/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
XHTML = "http://www.w3.org/1999/xhtml"
SLASH = "http://purl.org/rss/1.0/modules/slash/"
WFW = "http://wellformedweb.org/CommentAPI/"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# HTML elements that have no end tag.
_VOID_ELEMENTS = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }
)

# "Name <email>" or "email (Name)", the two shapes RSS authors come in.
_NAME_ANGLE_EMAIL = re.compile(r"^\s*(?P<name>[^<]*?)\s*<(?P<email>[^>@\s]+@[^>\s]+)>\s*$")
_EMAIL_PAREN_NAME = re.compile(r"^\s*(?P<email>[^\s()]+@[^\s()]+)\s*\((?P<name>.*)\)\s*$")
_NAME_PAREN_EMAIL = re.compile(r"^\s*(?P<name>[^()]*?)\s*\((?P<email>[^\s()]+@[^\s()]+)\)\s*$")
_BARE_EMAIL = re.compile(r"^\s*(?:mailto:)?(?P<email>[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+)\s*$")


def qualified(namespace: str, name: str) -> str:
    """A namespaced tag in the Clark notation lxml uses: "{namespace}name"."""
    return f"{{{namespace}}}{name}"


def namespace_of(tag: str) -> str:
    """The `{namespace}` part of a tag, without braces; "" when it has none."""
    return tag[1:].partition("}")[0] if tag[:1] == "{" else ""


def local_name(tag: str) -> str:
    """The tag without its `{namespace}`."""
    return tag.rpartition("}")[2]


def text(element: etree._Element) -> str:
    """The element's text content, including text inside any child elements."""
    if len(element) == 0:
        return element.text or ""
    # lxml yields str for documents parsed from bytes with a declared encoding.
    return "".join(cast(Iterator[str], element.itertext()))


def inner_markup(element: etree._Element) -> str:
    """The element's content as markup: for RSS fields that carry HTML.

    Escaped HTML (the convention) is the element's text. Raw elements mean the publisher
    embedded XHTML, whose text nodes are character data, so they are serialised as such.
    """
    if len(element) == 0:
        return element.text or ""
    return xhtml_markup(element)


def xhtml_markup(element: etree._Element) -> str:
    """Serialise an element's children as plain HTML, without XML namespaces.

    Atom `type="xhtml"` content arrives as namespaced elements (`<xhtml:p>`); an HTML
    sanitiser would not recognise those, so the tags are written with their local names.
    Namespaced attributes may remain (`xml:lang="…"`): to an HTML parser they are
    attributes no allow-list keeps.
    """
    if len(element) == 0 and not element.text:
        return ""
    # The element's content is what lies between its own tags: one serialisation, in
    # which text is escaped ("&lt;p&gt;" stays character data) and so is ">" in
    # attribute values.
    serialised = etree.tostring(element, encoding="unicode", with_tail=False)
    markup = serialised[serialised.index(">") + 1 : serialised.rindex("</")]
    if _PREFIXED_TAG.search(markup) is not None:
        # Not the usual case, XHTML as the default namespace and no tag with a prefix.
        markup = _renamed_markup(element)
    return _with_end_tags(markup) if "/>" in markup else markup


# A tag written with a namespace prefix; in serialised XML, text cannot hold a "<".
_PREFIXED_TAG = re.compile(r"</?[^\s/>:]+:")


def _with_end_tags(markup: str) -> str:
    """Write the empty elements of serialised XML, "<div/>", as "<div></div>".

    HTML reads "<div/>" as a start tag: an empty iframe or script would swallow the rest
    of the entry as raw text. Void elements ("<br/>") are left as they are. In the
    serialisation, "<" starts a tag and nothing else.
    """
    pieces: list[str] = []
    position = 0
    end = markup.find("/>")
    while end >= 0:
        start = markup.rfind("<", 0, end)
        name = _TAG_NAME.match(markup, start + 1)
        if name is not None and name.group(0).lower() not in _VOID_ELEMENTS:
            pieces += (markup[position:end], f"></{name.group(0)}>")
            position = end + 2
        end = markup.find("/>", end + 2)
    if not pieces:
        return markup
    pieces.append(markup[position:])
    return "".join(pieces)


_TAG_NAME = re.compile(r"[^\s/>]+")


def _renamed_markup(element: etree._Element) -> str:
    """`xhtml_markup` for elements written with prefixes: a copy of the subtree with
    every element renamed to its local name and namespaced attributes removed."""
    holder = copy.deepcopy(element)
    for node in holder.iter():
        if isinstance(node.tag, str) and node.tag[0] == "{":
            node.tag = local_name(node.tag)
        for name in [n for n in node.attrib if n[0] == "{"]:
            del node.attrib[name]
    etree.cleanup_namespaces(holder)
    # The leading text is character data, not markup: "&lt;p&gt;" must stay escaped.
    parts = [html.escape(holder.text or "", quote=False)]
    for child in holder:
        parts.append(etree.tostring(child, encoding="unicode", with_tail=True))
    return "".join(parts)


def source_markup(element: etree._Element) -> str:
    """Serialise content declared as escaped HTML that also holds raw elements.

    Atom `type="html"` says the text is HTML source, yet publishers also put raw
    elements there, or mix both. The declaration is believed for the text: text nodes
    are taken as markup as they are (not re-escaped), and elements are written as tags
    around them.
    """
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_tag_source(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _tag_source(element: etree._Element) -> str:
    name = local_name(element.tag)
    attributes = "".join(
        f' {key}="{html.escape(value)}"'
        for key, value in cast(dict[str, str], element.attrib).items()
        if key[0] != "{"
    )
    if name.lower() in _VOID_ELEMENTS:
        # "</br>" would be read as a second line break by an HTML parser.
        return f"<{name}{attributes}>{source_markup(element)}"
    return f"<{name}{attributes}>{source_markup(element)}</{name}>"


def parse_person(value: str) -> Person | None:
    """Read an RSS-style author string: "Name <email>", "email (Name)", or either alone."""
    value = value.strip()
    if not value:
        return None
    if "@" not in value:
        return Person(name=value)  # every shape with an address has an "@"
    for pattern in (_EMAIL_PAREN_NAME, _NAME_ANGLE_EMAIL, _NAME_PAREN_EMAIL):
        match = pattern.match(value)
        if match:
            return Person(name=match["name"].strip() or None, email=match["email"])
    match = _BARE_EMAIL.match(value)
    if match:
        return Person(email=match["email"])
    return Person(name=value)


def person_from_children(element: etree._Element, base: str | None = None) -> Person | None:
    """An Atom-style person (`name`, `email`, `uri`) in any namespace, else its text.

    Atom 0.3 called the URI `url` or `homepage`. The URI is resolved here, against
    `base` (the person element's base) and the URI element's own xml:base, because
    those are lost once the person is a plain `Person`. Elements that are not parts of
    a person (mixed-in text, extensions) are ignored.
    """
    parts: dict[str, str | None] = {}
    for child in element:
        if isinstance(child.tag, str):
            part = _PERSON_PARTS.get(local_name(child.tag))
            if part is not None and part not in parts:
                parts[part] = text(child).strip() or None
                if part == "uri":
                    parts[part] = resolve_url(parts[part], base_of(child, base))
    if not any(parts.values()):
        # Not RFC 4287, but common: the person as the element's own text.
        return parse_person(text(element))
    return Person(name=parts.get("name"), email=parts.get("email"), uri=parts.get("uri"))


def base_of(element: etree._Element, parent_base: str | None) -> str | None:
    """The base URL in force inside `element`: its xml:base resolved, else the parent's."""
    declared = element.get(XML_BASE)
    if declared is None:
        return parent_base
    return resolve_url(declared, parent_base) or parent_base


_PERSON_PARTS = {"name": "name", "email": "email", "uri": "uri", "url": "uri", "homepage": "uri"}


def int_or_none(value: str | None) -> int | None:
    """An integer, or None for anything a publisher might put there instead."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None
