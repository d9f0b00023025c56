"""Reading RSS 0.9x, RSS 2.0 and RSS 1.0 (RDF) documents into drafts.

The three families share most element names, so one reader serves them all: RDF's
items sit beside the channel instead of inside it, and its elements carry the RSS 1.0
(or 0.90) namespace, which `_key` folds away. Extension elements that RSS feeds
commonly carry (Dublin Core, content:encoded, Media RSS, iTunes, Atom links and
authors) are read here too.

Where an extension repeats a core field (dc:title, itunes:summary, media:title…), it is
a fallback: the RSS element wins whichever comes first in the document (`offer`).
RSS's own element names are matched case-insensitively, because generators that write
"pubdate" or "Title" exist and nothing else could be meant.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from functools import lru_cache

from lxml import etree

from newsriver.feeds import elements as el
from newsriver.feeds.atom import text_construct
from newsriver.feeds.dates import parse_date
from newsriver.feeds.draft import EntryDraft, FeedDraft, Text, TextKind, offer
from newsriver.models import FeedFormat

# The RSS 0.90 namespace, as specified and as Netscape's own sample spelled it.
_RSS090_NAMESPACES = frozenset({el.RSS090, "http://channel.netscape.com/rdf/simple/0.9/"})
# Namespaces folded by `_key`, keyed lower-case: to "" for RSS's own elements (RDF's RSS
# 1.0/0.90, and the namespaces a few RSS 0.9x/2.0 feeds declare), or to the spelling
# the handler tables use for modules published under several (iTunes changed case).
_FOLDED_NAMESPACES = {
    **{namespace.lower(): "" for namespace in _RSS090_NAMESPACES},
    el.RSS10: "",
    "http://backend.userland.com/rss": "",
    "http://backend.userland.com/rss2": "",
    "http://backend.userland.com/rss2.1": "",
    "http://blogs.law.harvard.edu/tech/rss": "",
    el.ITUNES.lower(): el.ITUNES,
    "http://search.yahoo.com/mrss": el.MEDIA,
}
_DAY_NAMES = {
    day.lower(): day
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
}

_Parts = tuple[FeedFormat, etree._Element, list[etree._Element]]


def read_rss(root: etree._Element, url: str) -> FeedDraft:
    """Fill a draft from an `<rss>`, `<channel>` or `<rdf:RDF>` document element."""
    feed_format, channel, images = _parts(root)
    draft = FeedDraft(url=url, format=feed_format, base=el.base_of(root, url))
    items, artwork = _read_channel(channel, draft)
    if not items and channel is not root:
        items = _children(root, "item")
    for image in images:
        _channel_image(draft, image)
    if draft.logo is None:
        draft.logo = _fallback_logo(artwork)
    draft.entries = [_read_item(item, draft.base) for item in items]
    return draft


def _parts(root: etree._Element) -> _Parts:
    """The format, the channel and any images beside the channel.

    RDF puts items and image beside the channel; RSS 0.9x/2.0 nest them, though some
    feeds leave out the channel and put items straight under `<rss>`. The channel's own
    items are collected by `_read_channel`, in its one pass over the channel.
    """
    name = _key(root.tag)
    channel = _child(root, "channel")
    if name == "rss":
        feed_format = _rss_version(root.get("version"))
    elif name == "channel":
        feed_format, channel = "rss091", root
    else:
        is_090 = any(namespace in _RSS090_NAMESPACES for namespace in root.nsmap.values())
        feed_format = "rss090" if is_090 else "rss10"
    if channel is None:
        channel = root
    images = _children(root, "image") if channel is not root else []
    return feed_format, channel, images


def _child(parent: etree._Element, key: str) -> etree._Element | None:
    return next((child for child in parent if _key(child.tag) == key), None)


def _children(parent: etree._Element, key: str) -> list[etree._Element]:
    return [child for child in parent if _key(child.tag) == key]


def _rss_version(version: str | None) -> FeedFormat:
    version = (version or "").strip()
    if version.startswith("0.9"):
        return "rss090" if version == "0.90" else ("rss092" if version >= "0.92" else "rss091")
    return "rss20"


@lru_cache(maxsize=1024)  # tags repeat in every item; which ones is the document's choice
def _key(tag: object) -> str | None:
    """The handler-table key of a tag; None for comments and processing instructions.

    RSS's own elements are matched case-insensitively (generators write "pubdate" and
    "Title"), and alternative namespaces are folded (see `_FOLDED_NAMESPACES`).
    """
    if not isinstance(tag, str):
        return None
    if tag[:1] != "{":
        return tag.lower()
    namespace, _, name = tag[1:].partition("}")
    folded = _FOLDED_NAMESPACES.get(namespace.lower())
    if folded is None:
        return tag
    return el.qualified(folded, name) if folded else name.lower()


def _read_channel(
    channel: etree._Element, draft: FeedDraft
) -> tuple[list[etree._Element], list[tuple[str, etree._Element]]]:
    """Read the channel's own elements; return its items and its artwork candidates.

    One pass over the channel, whose children are mostly items: each child visited
    costs a Python object, and a long feed has thousands.
    """
    items: list[etree._Element] = []
    artwork: list[tuple[str, etree._Element]] = []
    for child in channel:
        key = _key(child.tag)
        if key == "item":
            items.append(child)
        elif key in _LOGO_PREFERENCE:
            artwork.append((key, child))
        elif key:
            handler = _CHANNEL.get(key)
            if handler is not None:
                handler(draft, child)
    return items, artwork


def _read_item(item: etree._Element, feed_base: str | None) -> EntryDraft:
    entry = EntryDraft(base=el.base_of(item, feed_base))
    for child in item:
        key = _key(child.tag)
        handler = _ITEM.get(key) if key else None
        if handler is not None:
            handler(entry, child)
    if entry.id is None:
        about = item.get(el.qualified(el.RDF, "about"))
        if about:
            entry.id = about
    return entry


def _title_text(element: etree._Element) -> Text:
    """RSS titles are plain text (RSS Best Practices Profile), often escaped twice.

    A character reference left after XML decoding ("AT&amp;T" from "AT&amp;amp;T") is
    decoded once more; markup-looking text ("<b>", "1 < 2") is kept as the literal text
    the document escaped, exactly as feedparser and gofeed keep it.
    """
    value = el.text(element)
    if "&" in value:
        # Unescaping can make controls ("&amp;#12;"): text the document did not hold.
        return Text(html.unescape(value), "text", made=True)
    return Text(value, "text")


def _markup(element: etree._Element) -> Text:
    """RSS descriptions are HTML by convention, escaped or (wrongly) as raw elements."""
    return Text(el.inner_markup(element), "html")


# --- channel -------------------------------------------------------------------------


def _channel_title(draft: FeedDraft, element: etree._Element) -> None:
    offer(draft, "title", _title_text(element), fallback=False)


def _channel_fallback_title(draft: FeedDraft, element: etree._Element) -> None:
    offer(draft, "title", _title_text(element), fallback=True)


def _channel_link(draft: FeedDraft, element: etree._Element) -> None:
    if draft.link is None:
        draft.link = el.text(element).strip() or None


def _channel_description(draft: FeedDraft, element: etree._Element) -> None:
    offer(draft, "description", _markup(element), fallback=False)


def _channel_fallback_description(draft: FeedDraft, element: etree._Element) -> None:
    offer(draft, "description", _markup(element), fallback=True)


def _channel_language(draft: FeedDraft, element: etree._Element) -> None:
    draft.language = draft.language or el.text(element).strip() or None


def _channel_updated(draft: FeedDraft, element: etree._Element) -> None:
    draft.updated = draft.updated or parse_date(el.text(element))


def _channel_last_build_date(draft: FeedDraft, element: etree._Element) -> None:
    """lastBuildDate says when the channel last changed: it outranks pubDate and dc:date."""
    draft.updated = parse_date(el.text(element)) or draft.updated


def _channel_author(draft: FeedDraft, element: etree._Element) -> None:
    person = el.parse_person(el.text(element))
    if person is not None:
        draft.authors.append(person)


def _channel_image(draft: FeedDraft, element: etree._Element) -> None:
    for child in element:
        if _key(child.tag) == "url" and draft.logo is None:
            draft.logo = el.text(child).strip() or None


def _fallback_logo(artwork: list[tuple[str, etree._Element]]) -> str | None:
    """Podcast or Media RSS artwork, for channels without an RSS `<image>`.

    `artwork` holds the channel's elements keyed in `_LOGO_PREFERENCE`, in document
    order. iTunes artwork is preferred (it is made to be shown as the feed's picture),
    then a Media RSS thumbnail, then Media RSS content that is an image, then an
    old-style `<itunes:link rel="image">`.
    """
    found: dict[str, str] = {}
    for key, child in artwork:
        if key == _ITUNES_IMAGE:
            url = _itunes_image_url(child)
        elif key == _ITUNES_LINK and (child.get("rel") or "").strip().lower() == "image":
            url = child.get("href")
        elif key == _MEDIA_THUMBNAIL or (key == _MEDIA_CONTENT and _is_image(child)):
            url = child.get("url")
        else:
            continue
        if url and url.strip() and key:
            found.setdefault(key, url)
    return next((found[k] for k in _LOGO_PREFERENCE if k in found), None)


def _itunes_image_url(element: etree._Element) -> str | None:
    """iTunes artwork: `href` as Apple specifies, `url` as some publishers write it."""
    return element.get("href") or element.get("url")


def _is_image(element: etree._Element) -> bool:
    """Whether a media:content element is an image, by its medium or MIME type."""
    medium = (element.get("medium") or "").strip().lower()
    return medium == "image" or (element.get("type") or "").strip().lower().startswith("image/")


def _channel_ttl(draft: FeedDraft, element: etree._Element) -> None:
    ttl = el.int_or_none(el.text(element))
    draft.ttl = ttl if ttl is not None and ttl > 0 else None


def _channel_skip_hours(draft: FeedDraft, element: etree._Element) -> None:
    for child in element:
        hour = el.int_or_none(el.text(child))
        # RSS 2.0 says 0-23, but 24 is common for midnight.
        if hour is not None and 0 <= hour <= 24:
            draft.skip_hours.add(hour % 24)


def _channel_skip_days(draft: FeedDraft, element: etree._Element) -> None:
    for child in element:
        day = _DAY_NAMES.get(el.text(child).strip().lower())
        if day:
            draft.skip_days.add(day)


def _channel_atom_link(draft: FeedDraft, element: etree._Element) -> None:
    href = element.get("href")
    if not href:
        return
    rel = (element.get("rel") or "alternate").strip().lower()
    if rel == "hub":
        draft.hubs.append(href)
    elif rel == "self":
        draft.self_link = draft.self_link or href
    elif rel == "alternate" and draft.link is None:
        draft.link = href


_CHANNEL: dict[str, Callable[[FeedDraft, etree._Element], None]] = {
    "title": _channel_title,
    el.qualified(el.DC, "title"): _channel_fallback_title,
    "link": _channel_link,
    "description": _channel_description,
    el.qualified(el.ITUNES, "summary"): _channel_fallback_description,
    el.qualified(el.ITUNES, "subtitle"): _channel_fallback_description,
    el.qualified(el.DC, "description"): _channel_fallback_description,
    "language": _channel_language,
    el.qualified(el.DC, "language"): _channel_language,
    "lastbuilddate": _channel_last_build_date,
    "pubdate": _channel_updated,
    el.qualified(el.DC, "date"): _channel_updated,
    el.qualified(el.DCTERMS, "modified"): _channel_updated,
    "managingeditor": _channel_author,
    "webmaster": _channel_author,
    # Not in RSS 2.0 for channels, but written often enough.
    "author": _channel_author,
    el.qualified(el.DC, "creator"): _channel_author,
    # Not a Dublin Core term, but written by enough tools to be worth reading.
    el.qualified(el.DC, "author"): _channel_author,
    el.qualified(el.ITUNES, "author"): _channel_author,
    "image": _channel_image,
    "ttl": _channel_ttl,
    "skiphours": _channel_skip_hours,
    "skipdays": _channel_skip_days,
    el.qualified(el.ATOM10, "link"): _channel_atom_link,
}


# --- item ----------------------------------------------------------------------------


def _item_title(entry: EntryDraft, element: etree._Element) -> None:
    offer(entry, "title", _title_text(element), fallback=False)


def _item_fallback_title(entry: EntryDraft, element: etree._Element) -> None:
    offer(entry, "title", _title_text(element), fallback=True)


def _item_link(entry: EntryDraft, element: etree._Element) -> None:
    if entry.link is None:
        entry.link = el.text(element).strip() or None


def _item_guid(entry: EntryDraft, element: etree._Element) -> None:
    guid = el.text(element).strip()
    if not guid or entry.id is not None:
        return
    entry.id = guid
    # RSS 2.0: a guid is a permalink unless isPermaLink="false".
    permalink = (element.get("isPermaLink") or "true").strip().lower() != "false"
    if permalink and entry.link is None and guid.startswith(("http://", "https://")):
        entry.link = guid


def _item_description(entry: EntryDraft, element: etree._Element) -> None:
    offer(entry, "summary", _markup(element), fallback=False)


def _item_fallback_description(entry: EntryDraft, element: etree._Element) -> None:
    offer(entry, "summary", _markup(element), fallback=True)


def _item_content(entry: EntryDraft, element: etree._Element) -> None:
    if entry.content is None:
        entry.content = _markup(element)


def _item_xhtml_body(entry: EntryDraft, element: etree._Element) -> None:
    if entry.content is None:
        entry.content = Text(el.xhtml_markup(element), "html")


def _item_atom_content(entry: EntryDraft, element: etree._Element) -> None:
    if entry.content is None and not element.get("src"):
        entry.content = text_construct(element)


def _item_author(entry: EntryDraft, element: etree._Element) -> None:
    person = el.parse_person(el.text(element))
    if person is not None:
        entry.authors.append(person)


def _item_atom_author(entry: EntryDraft, element: etree._Element) -> None:
    person = el.person_from_children(element, el.base_of(element, entry.base))
    if person is not None:
        entry.authors.append(person)


def _item_published(entry: EntryDraft, element: etree._Element) -> None:
    entry.published = entry.published or parse_date(el.text(element))


def _item_updated(entry: EntryDraft, element: etree._Element) -> None:
    entry.updated = entry.updated or parse_date(el.text(element))


def _item_category(entry: EntryDraft, element: etree._Element) -> None:
    value = el.text(element).strip()
    if value:
        entry.categories.append(value)


def _item_labelled_category(entry: EntryDraft, element: etree._Element) -> None:
    """Atom and Media RSS categories: the label if any, else the term (or the text)."""
    label = element.get("label") or element.get("term") or el.text(element)
    if label.strip():
        entry.categories.append(label.strip())


def _item_itunes_category(entry: EntryDraft, element: etree._Element) -> None:
    """iTunes categories name themselves in `text`, and nest their subcategories."""
    for node in element.iter(element.tag):
        name = (node.get("text") or "").strip()
        if name:
            entry.categories.append(name)


def _item_keywords(entry: EntryDraft, element: etree._Element) -> None:
    """iTunes keywords: a comma-separated list, read as categories as podcast apps do."""
    entry.categories.extend(k.strip() for k in el.text(element).split(",") if k.strip())


def _item_enclosure(entry: EntryDraft, element: etree._Element) -> None:
    url = element.get("url")
    if url:
        entry.enclosures.append((url, element.get("type"), element.get("length")))


def _item_comments(entry: EntryDraft, element: etree._Element) -> None:
    entry.comments = entry.comments or el.text(element).strip() or None


def _item_atom_link(entry: EntryDraft, element: etree._Element) -> None:
    href = element.get("href")
    rel = (element.get("rel") or "alternate").strip().lower()
    if not href:
        return
    if rel == "alternate" and entry.link is None:
        entry.link = href
    elif rel == "enclosure":
        entry.enclosures.append((href, element.get("type"), element.get("length")))
    elif rel == "replies" and entry.comments is None:
        entry.comments = href


def _item_media_thumbnail(entry: EntryDraft, element: etree._Element) -> None:
    entry.thumbnail = entry.thumbnail or element.get("url")


def _item_media_content(entry: EntryDraft, element: etree._Element) -> None:
    url = element.get("url")
    if not url:
        return
    if _is_image(element):
        entry.thumbnail = entry.thumbnail or url
    entry.enclosures.append((url, element.get("type"), element.get("fileSize")))


def _item_media_description(entry: EntryDraft, element: etree._Element) -> None:
    kind: TextKind = "html" if (element.get("type") or "").strip().lower() == "html" else "text"
    offer(entry, "summary", Text(el.text(element), kind), fallback=True)


def _item_media_group(entry: EntryDraft, element: etree._Element) -> None:
    for child in element:
        key = _key(child.tag)
        handler = _MEDIA_GROUP.get(key) if key else None
        if handler is not None:
            handler(entry, child)


def _item_itunes_image(entry: EntryDraft, element: etree._Element) -> None:
    entry.thumbnail = entry.thumbnail or _itunes_image_url(element)


def _item_itunes_link(entry: EntryDraft, element: etree._Element) -> None:
    """The old-style iTunes artwork, `<itunes:link rel="image">`."""
    if (element.get("rel") or "").strip().lower() == "image":
        entry.thumbnail = entry.thumbnail or element.get("href")


_ITUNES_IMAGE = el.qualified(el.ITUNES, "image")
_MEDIA_THUMBNAIL = el.qualified(el.MEDIA, "thumbnail")
_MEDIA_CONTENT = el.qualified(el.MEDIA, "content")
_ITUNES_LINK = el.qualified(el.ITUNES, "link")
_LOGO_PREFERENCE = (_ITUNES_IMAGE, _MEDIA_THUMBNAIL, _MEDIA_CONTENT, _ITUNES_LINK)

# Media RSS elements, valid both in an item and inside its media:group.
_MEDIA_GROUP: dict[str, Callable[[EntryDraft, etree._Element], None]] = {
    _MEDIA_THUMBNAIL: _item_media_thumbnail,
    _MEDIA_CONTENT: _item_media_content,
    el.qualified(el.MEDIA, "title"): _item_fallback_title,
    el.qualified(el.MEDIA, "description"): _item_media_description,
    el.qualified(el.MEDIA, "category"): _item_labelled_category,
}

_ITEM: dict[str, Callable[[EntryDraft, etree._Element], None]] = {
    **_MEDIA_GROUP,
    "title": _item_title,
    el.qualified(el.DC, "title"): _item_fallback_title,
    "link": _item_link,
    "guid": _item_guid,
    "description": _item_description,
    el.qualified(el.ITUNES, "summary"): _item_fallback_description,
    el.qualified(el.DC, "description"): _item_fallback_description,
    el.qualified(el.CONTENT, "encoded"): _item_content,
    el.qualified(el.XHTML, "body"): _item_xhtml_body,
    # XHTML body without its namespace, as some old RSS 2.0 feeds write it, and
    # Userland's full-text element.
    "body": _item_content,
    "fullitem": _item_content,
    el.qualified(el.ATOM10, "content"): _item_atom_content,
    "author": _item_author,
    el.qualified(el.DC, "creator"): _item_author,
    el.qualified(el.DC, "author"): _item_author,
    el.qualified(el.ITUNES, "author"): _item_author,
    el.qualified(el.ATOM10, "author"): _item_atom_author,
    "pubdate": _item_published,
    el.qualified(el.DC, "date"): _item_published,
    el.qualified(el.DCTERMS, "issued"): _item_published,
    el.qualified(el.ATOM10, "published"): _item_published,
    el.qualified(el.DCTERMS, "modified"): _item_updated,
    el.qualified(el.ATOM10, "updated"): _item_updated,
    "category": _item_category,
    el.qualified(el.DC, "subject"): _item_category,
    el.qualified(el.ATOM10, "category"): _item_labelled_category,
    el.qualified(el.ITUNES, "category"): _item_itunes_category,
    el.qualified(el.ITUNES, "keywords"): _item_keywords,
    "enclosure": _item_enclosure,
    "comments": _item_comments,
    el.qualified(el.ATOM10, "link"): _item_atom_link,
    el.qualified(el.MEDIA, "group"): _item_media_group,
    _ITUNES_IMAGE: _item_itunes_image,
    _ITUNES_LINK: _item_itunes_link,
}
