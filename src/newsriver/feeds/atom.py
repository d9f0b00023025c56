"""Reading Atom 1.0 (RFC 4287) and the older Atom 0.3 draft into drafts.

Atom is precise about text: every text construct says whether it is plain text,
escaped HTML or inline XHTML (RFC 4287 §3.1), and xml:base may change the base URL on
any element (§2), so both are honoured here rather than guessed.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from functools import lru_cache

from lxml import etree

from newsriver.feeds import elements as el
from newsriver.feeds.dates import parse_date
from newsriver.feeds.draft import EntryDraft, FeedDraft, Text, TextKind, offer
from newsriver.feeds.urls import resolve_url

# Handlers get the base URL in force in the element's parent; those that resolve URLs
# apply the element's own xml:base first (`el.base_of`), which the others need not look up.
_Handler = Callable[[EntryDraft, etree._Element, str | None], None]
_FeedHandler = Callable[[FeedDraft, etree._Element, str | None], None]


def read_atom(root: etree._Element, url: str) -> FeedDraft:
    """Fill a draft from an Atom `<feed>` document element (1.0 or 0.3)."""
    namespace = el.namespace_of(root.tag)
    is_03 = namespace == el.ATOM03 or root.get("version") == "0.3"
    base = el.base_of(root, url)
    draft = FeedDraft(url=url, format="atom03" if is_03 else "atom10", base=base)
    draft.language = root.get(el.XML_LANG)
    prefix = el.qualified(namespace, "") if namespace else ""
    entry_tag = prefix + "entry"
    feed_handlers = _feed_handlers(prefix)
    entry_handlers = _entry_handlers(prefix)
    for child in root:
        tag = child.tag
        if tag == entry_tag:
            draft.entries.append(_read_entry(child, base, entry_handlers))
        else:
            # Comments and the like have no string tag, and so no handler.
            handler = feed_handlers.get(tag)
            if handler is not None:
                handler(draft, child, base)
    return draft


def _read_entry(
    entry_element: etree._Element, feed_base: str | None, handlers: dict[str, _Handler]
) -> EntryDraft:
    base = el.base_of(entry_element, feed_base)
    entry = EntryDraft(base=base)
    for child in entry_element:
        handler = handlers.get(child.tag)
        if handler is not None:
            handler(entry, child, base)
    return entry


def text_construct(element: etree._Element) -> Text:
    """Read an Atom text construct (RFC 4287 §3.1), content (§4.1.3) or Atom 0.3 content.

    Atom 0.3 says how the value is encoded with `mode` (xml, escaped, base64); Atom 1.0
    says it with `type` alone, and content of any other media type than text, HTML,
    XHTML and XML is base64 (§4.1.3.3).
    """
    kind = (element.get("type") or "text").strip().lower()
    if kind in ("xhtml", "application/xhtml+xml"):
        return Text(el.xhtml_markup(_xhtml_container(element)), "html")
    mode = (element.get("mode") or "").strip().lower()
    is_html = "html" in kind
    if mode == "xml" and len(element):
        return Text(el.xhtml_markup(element), "html")
    if is_html and len(element):
        # Escaped HTML was promised, raw elements (or both) were delivered.
        return Text(el.source_markup(element), "html")
    value = el.text(element)
    if mode == "base64" or (not mode and _is_base64_type(kind)):
        decoded = _decode_base64(value)
        if decoded is not None:
            return Text(decoded, _decoded_kind(element), made=True)
    return Text(value, "html" if is_html else "text")


def _decoded_kind(element: etree._Element) -> TextKind:
    """What publishers base64-encode is markup: HTML unless declared plain text.

    feedparser and gofeed read it the same way, whatever media type it claims.
    """
    declared = (element.get("type") or "").strip().lower()
    return "text" if declared in ("text", "text/plain") else "html"


def _is_base64_type(kind: str) -> bool:
    """Whether Atom 1.0 content of this media type is base64-encoded (§4.1.3.3)."""
    if kind in ("text", "html") or kind.startswith("text/"):
        return False
    return not (kind.endswith(("+xml", "/xml")) or "/" not in kind)


def _xhtml_container(element: etree._Element) -> etree._Element:
    """The XHTML `div` that RFC 4287 §3.1.1.3 wraps inline XHTML in, when present."""
    children = [c for c in element if isinstance(c.tag, str)]
    if (
        len(children) == 1
        and el.local_name(children[0].tag) == "div"
        and not (element.text or "").strip()
    ):
        return children[0]
    return element


def _decode_base64(value: str) -> str | None:
    """The decoded text, or None when the value is not base64 of UTF-8 text.

    Binary content (an image, a video) cannot be shown as text, and text that merely
    claims a binary type is better kept as it is than lost.
    """
    try:
        return base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _link(element: etree._Element) -> tuple[str, str, str | None, str | None] | None:
    """An Atom link as (rel, href, type, length); rel defaults to alternate (§4.2.7.2)."""
    href = element.get("href")
    if href is None:
        # Atom 0.3 drafts and some generators put the URL in the content instead.
        href = el.text(element).strip() or None
    if href is None:
        # Only a missing href: an empty one is a reference to the base (`_resolve_href`).
        return None
    rel = (element.get("rel") or "alternate").strip()
    if rel.startswith("http://www.iana.org/assignments/relation/"):
        rel = rel.rsplit("/", 1)[1]
    return rel.lower(), href, element.get("type"), element.get("length")


def _resolve_href(href: str, base: str | None) -> str:
    """An href made absolute; an empty one is the base itself (RFC 3986 §5.2)."""
    if not href.strip():
        return base or href
    return resolve_url(href, base) or href


def _is_html_alternate(mime: str | None) -> bool:
    return mime is None or "html" in mime.lower()


# --- entry ---------------------------------------------------------------------------


def _entry_id(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    entry.id = entry.id or el.text(element).strip() or None


def _entry_title(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    entry.title = entry.title or text_construct(element)


def _entry_summary(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    offer(entry, "summary", text_construct(element), fallback=False)


def _entry_content(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    # Content with `src` lives elsewhere (§4.1.3.2); there is nothing here to show.
    if entry.content is None and not element.get("src"):
        entry.content = text_construct(element)


def _entry_link(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    link = _link(element)
    if link is None:
        return
    rel, href, mime, length = link
    href = _resolve_href(href, el.base_of(element, base))
    if rel == "alternate" and entry.link is None and _is_html_alternate(mime):
        entry.link = href
    elif rel == "enclosure":
        entry.enclosures.append((href, mime, length))
    elif rel == "replies" and entry.comments is None and _is_html_alternate(mime):
        entry.comments = href


def _entry_author(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    person = el.person_from_children(element, el.base_of(element, base))
    if person is not None:
        entry.authors.append(person)


def _entry_published(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    offer(entry, "published", parse_date(el.text(element)), fallback=False)


def _entry_issued(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    """Atom 0.3's issued/created and Dublin Core's date: published, unless it is given."""
    offer(entry, "published", parse_date(el.text(element)), fallback=True)


def _entry_updated(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    offer(entry, "updated", parse_date(el.text(element)), fallback=False)


def _entry_modified(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    offer(entry, "updated", parse_date(el.text(element)), fallback=True)


def _entry_category(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    label = element.get("label") or element.get("term") or el.text(element)
    if label and label.strip():
        entry.categories.append(label.strip())


def _entry_dc_creator(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    """Dublin Core creator inside Atom: a plain name string."""
    person = el.parse_person(el.text(element))
    if person is not None:
        entry.authors.append(person)


def _media_thumbnail(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    entry.thumbnail = entry.thumbnail or element.get("url")


def _media_description(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    kind: TextKind = "html" if (element.get("type") or "").strip().lower() == "html" else "text"
    offer(entry, "summary", Text(el.text(element), kind), fallback=True)


def _media_group(entry: EntryDraft, element: etree._Element, base: str | None) -> None:
    base = el.base_of(element, base)
    for child in element:
        handler = _MEDIA.get(child.tag)
        if handler is not None:
            handler(entry, child, base)


_MEDIA: dict[str, _Handler] = {
    el.qualified(el.MEDIA, "thumbnail"): _media_thumbnail,
    el.qualified(el.MEDIA, "description"): _media_description,
}


@lru_cache(maxsize=8)  # keyed by the namespace, which a document chooses: bounded
def _entry_handlers(prefix: str) -> dict[str, _Handler]:
    """The entry handlers, for Atom elements in the document's Atom namespace."""
    return {
        prefix + "id": _entry_id,
        prefix + "title": _entry_title,
        prefix + "summary": _entry_summary,
        prefix + "content": _entry_content,
        prefix + "link": _entry_link,
        prefix + "author": _entry_author,
        prefix + "published": _entry_published,
        prefix + "issued": _entry_issued,
        prefix + "created": _entry_issued,
        prefix + "updated": _entry_updated,
        prefix + "modified": _entry_modified,
        prefix + "category": _entry_category,
        el.qualified(el.DC, "date"): _entry_issued,
        el.qualified(el.DC, "creator"): _entry_dc_creator,
        el.qualified(el.MEDIA, "group"): _media_group,
        **_MEDIA,
    }


# --- feed ----------------------------------------------------------------------------


def _feed_title(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    feed.title = feed.title or text_construct(element)


def _feed_subtitle(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    feed.description = feed.description or text_construct(element)


def _feed_link(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    link = _link(element)
    if link is None:
        return
    rel, href, mime, _ = link
    href = _resolve_href(href, el.base_of(element, base))
    if rel == "alternate" and feed.link is None and _is_html_alternate(mime):
        feed.link = href
    elif rel == "self":
        feed.self_link = feed.self_link or href
    elif rel == "hub":
        feed.hubs.append(href)


def _feed_updated(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    offer(feed, "updated", parse_date(el.text(element)), fallback=False)


def _feed_modified(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    offer(feed, "updated", parse_date(el.text(element)), fallback=True)


def _feed_author(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    person = el.person_from_children(element, el.base_of(element, base))
    if person is not None:
        feed.authors.append(person)


def _feed_icon(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    feed.icon = feed.icon or resolve_url(el.text(element), el.base_of(element, base))


def _feed_logo(feed: FeedDraft, element: etree._Element, base: str | None) -> None:
    feed.logo = feed.logo or resolve_url(el.text(element), el.base_of(element, base))


@lru_cache(maxsize=8)  # keyed by the namespace, which a document chooses: bounded
def _feed_handlers(prefix: str) -> dict[str, _FeedHandler]:
    """The feed-level handlers, for elements in the document's Atom namespace."""
    return {
        prefix + "title": _feed_title,
        prefix + "subtitle": _feed_subtitle,
        prefix + "tagline": _feed_subtitle,
        prefix + "link": _feed_link,
        prefix + "updated": _feed_updated,
        prefix + "modified": _feed_modified,
        prefix + "author": _feed_author,
        prefix + "icon": _feed_icon,
        prefix + "logo": _feed_logo,
    }
