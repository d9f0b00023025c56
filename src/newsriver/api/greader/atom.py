"""The legacy Atom form of a stream (`reader/atom/<stream>`), which Google Reader served
before its JSON API and which older clients still read: newsboat's "feedhq" mode
fetches every subscription this way (`reader/atom/feed%2F<id>?n=<feedhq-min-items>`).

Each entry's `<id>` is its long item id, which such clients keep and send back to
`edit-tag`. Its state is a `<category>` in Google Reader's scheme whose `label` newsboat
reads: `read`, or `fresh` for an unread entry, so an entry marked unread on the server
becomes unread in the client again. The user's own labels and categories are written
without that scheme, so a label named "read" cannot pass for the state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from newsriver.api.greader.catalogue import Catalogue
from newsriver.api.greader.ids import long_id
from newsriver.api.greader.serialise import entry_states
from newsriver.api.greader.streams import READ, STATE, Selection
from newsriver.service.sync import EntryDetails, SyncEntries

ATOM_TYPE = "application/atom+xml; charset=utf-8"
_SCHEME = "http://www.google.com/reader/"
_GR = "http://www.google.com/schemas/reader/atom/"
_FRESH = STATE + "fresh"


def atom_stream(
    selection: Selection,
    found: SyncEntries,
    catalogue: Catalogue,
    *,
    continuation: str | None,
    now: datetime,
) -> bytes:
    """The stream's page as an Atom 1.0 document with Google Reader's extensions."""
    site = None
    if selection.feed_id is not None:
        site = catalogue.feeds[selection.feed_id].site_url
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xmlns:gr="{_GR}">',
        "<generator>newsriver</generator>",
        f"<id>tag:google.com,2005:reader/{escape(selection.stream_id)}</id>",
        f"<title>{escape(selection.title)}</title>",
        f"<updated>{_when(now)}</updated>",
    ]
    if site:
        parts.append(f'<link rel="alternate" type="text/html" href={quoteattr(site)}/>')
    if continuation is not None:
        parts.append(f"<gr:continuation>{escape(continuation)}</gr:continuation>")
    for entry in found.entries:
        parts.append(_entry(entry, found.labels.get(entry.id, ()), catalogue))
    parts.append("</feed>\n")
    return "".join(parts).encode()


def _entry(entry: EntryDetails, label_ids: tuple[int, ...], catalogue: Catalogue) -> str:
    crawled = int(entry.first_seen_at.timestamp() * 1000)
    published = entry.published or entry.sort_at
    parts = [f'<entry gr:crawl-timestamp-msec="{crawled}">', f"<id>{long_id(entry.id)}</id>"]
    states = entry_states(entry, label_ids, catalogue)
    if READ not in states:
        states.append(_FRESH)
    for state in states:
        if state.startswith(STATE):
            label = state.removeprefix(STATE)
            parts.append(
                f"<category term={quoteattr(state)} scheme={quoteattr(_SCHEME)}"
                f" label={quoteattr(label)}/>"
            )
        else:
            parts.append(f"<category term={quoteattr(state)}/>")
    parts.append(f"<title>{escape(entry.title or '')}</title>")
    parts.append(f"<published>{_when(published)}</published>")
    parts.append(f"<updated>{_when(entry.updated or published)}</updated>")
    if entry.link:
        parts.append(f'<link rel="alternate" type="text/html" href={quoteattr(entry.link)}/>')
    for enclosure in entry.enclosures:
        url = enclosure.get("url")
        if isinstance(url, str) and url:
            kind = str(enclosure.get("type") or "application/octet-stream")
            parts.append(
                f'<link rel="enclosure" href={quoteattr(url)} type={quoteattr(kind)}'
                f" length={quoteattr(str(enclosure.get('length') or 0))}/>"
            )
    if entry.author:
        parts.append(f"<author><name>{escape(entry.author)}</name></author>")
    body = entry.content or entry.summary or ""
    parts.append(f'<content type="html">{escape(body)}</content>')
    feed = catalogue.feeds.get(entry.feed_id)
    source_title = escape(feed.title) if feed is not None else ""
    parts.append(
        f'<source gr:stream-id="feed/{entry.feed_id}">'
        f"<id>tag:google.com,2005:reader/feed/{entry.feed_id}</id>"
        f"<title>{source_title}</title></source>"
    )
    parts.append("</entry>")
    return "".join(parts)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
