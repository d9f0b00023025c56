"""Reading Atom 1.0 (RFC 4287) and the older Atom 0.3 draft into drafts.

Atom is precise about text: every text construct says whether it is plain text,
escaped HTML or inline XHTML (RFC 4287 §3.1), and xml:base may change the base URL on
any element (§2), so both are honoured here rather than guessed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

from lxml import etree

from newsriver.feeds import elements as el
from newsriver.feeds.dates import parse_date
from newsriver.feeds.draft import EntryDraft, FeedDraft, Text
from newsriver.feeds.urls import resolve_url
from newsriver.models import Person

_Handler = Callable[[EntryDraft, etree._Element, str | None], None]
_FeedHandler = Callable[[FeedDraft, etree._Element, str | None], None]


def read_atom(root: etree._Element, url: str) -> FeedDraft:
    """Fill a draft from an Atom `<feed>` document element (1.0 or 0.3)."""
    namespace = root.tag[1:].partition("}")[0] if root.tag.startswith("{") else ""
    feed_format = "atom03" if namespace == el.ATOM03 or root.get("version") == "0.3" else "atom10"
    base = _base(root, url)
    draft = FeedDraft(url=url, format=feed_format, base=base)
    draft.language = root.get(el.XML_LANG)
    prefix = "{%s}" % namespace if namespace else ""
    entry_tag = prefix + "entry"
    feed_handlers = _feed_handlers(prefix)
    entry_handlers = _entry_handlers(prefix)
    for child in root:
        tag = child.tag
        if tag == entry_tag:
            draft.entries.append(_read_entry(child, base, entry_handlers))
        elif isinstance(tag, str):
            handler = feed_handlers.get(tag)
            if handler is not None:
                handler(draft, child, _child_base(child, base))
    return draft


def _base(element: etree._Element, parent_base: str | None) -> str | None:
    declared = element.get(el.XML_BASE)
    if declared is None:
        return parent_base
    return resolve_url(declared, parent_base) or parent_base


def _child_base(element: etree._Element, parent_base: str | None) -> str | None:
    return parent_base if el.XML_BASE not in element.attrib else _base(element, parent_base)


def _read_entry(
    entry_element: etree._Element, feed_base: str | None, handlers: dict[str, _Handler]
) -> EntryDraft:
    base = _base(entry_element, feed_base)
    entry = EntryDraft(base=base)
    for child in entry_element:
        handler = handlers.get(child.tag) if isinstance(child.tag, str) else None
        if handler is not None:
            handler(entry, child, _child_base(child, base))
    return entry


def text_construct(element: etree._Element) -> Text:
    """Read an Atom text construct (RFC 4287 §3.1) or Atom 0.3 content (with `mode`)."""
    kind = (element.get("type") or "text").strip().lower()
    if kind == "xhtml" or kind.endswith("xhtml+xml"):
        return Text(el.xhtml_markup(_xhtml_container(element)), "html")
    mode = (element.get("mode") or "").strip().lower()
    if mode == "xml" or (len(element) and "html" in kind):
        return Text(el.xhtml_markup(element), "html")
    value = el.text(element)
    if mode == "base64":
        value = _decode_base64(value)
    if "html" in kind:
        return Text(value, "html")
    return Text(value, "text")


def _xhtml_container(element: etree._Element) -> etree._Element:
    """The XHTML `div` that RFC 4287 §3.1.1.3 wraps inline XHTML in, when present."""
    children = [c for c in element if isinstance(c.tag, str)]
    if len(children) == 1 and el.local_name(children[0].tag) == "div" and not (
        element.text or ""
    ).strip():
        return children[0]
    return element


def _decode_base64(value: str) -> str:
    try:
        return base64.b64decode(value, validate=False).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return value


def _person(element: etree._Element, prefix: str) -> Person | None:
    name = email = uri = None
    for child in element:
        tag = child.tag
        if tag == prefix + "name":
            name = el.text(child).strip() or None
        elif tag == prefix + "email":
            email = el.text(child).strip() or None
        elif tag in (prefix + "uri", prefix + "url"):
            uri = el.text(child).strip() or None
    if name is None and email is None and uri is None:
        # Not RFC 4287, but common: the name as the element's own text.
        return el.parse_person(el.text(element))
    return Person(name=name, email=email, uri=uri)


def _link(element: etree._Element) -> tuple[str, str, str | None, str | None] | None:
    """An Atom link as (rel, href, type, length); rel defaults to alternate (§4.2.7.2)."""
    href = element.get("href")
    if not href:
        return None
    rel = (element.get("rel") or "alternate").strip()
    if rel.startswith("http://www.iana.org/assignments/relation/"):
        rel = rel.rsplit("/", 1)[1]
    return rel.lower(), href, element.get("type"), element.get("length")


def _is_html_alternate(mime: str | None) -> bool:
    return mime is None or "html" in mime.lower()


# --- entry ---------------------------------------------------------------------------


def _entry_handlers(prefix: str) -> dict[str, _Handler]:
    def set_id(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        entry.id = entry.id or el.text(element).strip() or None

    def set_title(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        entry.title = entry.title or text_construct(element)

    def set_summary(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        entry.summary = entry.summary or text_construct(element)

    def set_content(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        if entry.content is None and not element.get("src"):
            entry.content = text_construct(element)

    def add_link(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        link = _link(element)
        if link is None:
            return
        rel, href, mime, length = link
        href = resolve_url(href, base) or href
        if rel == "alternate" and entry.link is None and _is_html_alternate(mime):
            entry.link = href
        elif rel == "enclosure":
            entry.enclosures.append((href, mime, length))
        elif rel == "replies" and entry.comments is None and _is_html_alternate(mime):
            entry.comments = href

    def add_author(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        person = _person(element, prefix)
        if person is not None:
            entry.authors.append(person)

    def set_published(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        entry.published = entry.published or parse_date(el.text(element))

    def set_updated(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        entry.updated = entry.updated or parse_date(el.text(element))

    def add_category(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        label = element.get("label") or element.get("term") or el.text(element)
        if label and label.strip():
            entry.categories.append(label.strip())

    def media_thumbnail(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        entry.thumbnail = entry.thumbnail or element.get("url")

    def media_group(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
        for child in element:
            if child.tag == el.qualified(el.MEDIA, "thumbnail"):
                media_thumbnail(entry, child, base)
            elif child.tag == el.qualified(el.MEDIA, "description") and entry.summary is None:
                entry.summary = Text(el.text(child), "text")

    return {
        prefix + "id": set_id,
        prefix + "title": set_title,
        prefix + "summary": set_summary,
        prefix + "content": set_content,
        prefix + "link": add_link,
        prefix + "author": add_author,
        prefix + "published": set_published,
        prefix + "issued": set_published,
        prefix + "created": set_published,
        prefix + "updated": set_updated,
        prefix + "modified": set_updated,
        prefix + "category": add_category,
        el.qualified(el.DC, "date"): set_published,
        el.qualified(el.DC, "creator"): lambda e, x, b: add_dc_creator(e, x),
        el.qualified(el.MEDIA, "thumbnail"): media_thumbnail,
        el.qualified(el.MEDIA, "group"): media_group,
    }


def add_dc_creator(entry: EntryDraft, element: etree._Element) -> None:
    """Dublin Core creator inside Atom: a plain name string."""
    person = el.parse_person(el.text(element))
    if person is not None:
        entry.authors.append(person)


# --- feed ----------------------------------------------------------------------------


def _feed_handlers(prefix: str) -> dict[str, _FeedHandler]:
    def set_title(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
        feed.title = feed.title or text_construct(element)

    def set_subtitle(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
        feed.description = feed.description or text_construct(element)

    def add_link(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
        link = _link(element)
        if link is None:
            return
        rel, href, mime, _ = link
        href = resolve_url(href, base) or href
        if rel == "alternate" and feed.link is None and _is_html_alternate(mime):
            feed.link = href
        elif rel == "self":
            feed.self_link = feed.self_link or href
        elif rel == "hub":
            feed.hubs.append(href)

    def set_updated(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
        feed.updated = feed.updated or parse_date(el.text(element))

    def add_author(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
        person = _person(element, prefix)
        if person is not None:
            feed.authors.append(person)

    def set_icon(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
        feed.icon = feed.icon or resolve_url(el.text(element), base)

    def set_logo(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
        feed.logo = feed.logo or resolve_url(el.text(element), base)

    return {
        prefix + "title": set_title,
        prefix + "subtitle": set_subtitle,
        prefix + "tagline": set_subtitle,
        prefix + "link": add_link,
        prefix + "updated": set_updated,
        prefix + "modified": set_updated,
        prefix + "author": add_author,
        prefix + "icon": set_icon,
        prefix + "logo": set_logo,
    }
