"""The stream parameters: `n` (how many), `r=o` (oldest first), `ot`/`nt` (first seen
from / before, in seconds: the crawl time items carry, which clients compare with their
last sync), `xt` and `it` (exclude / include a state), and `c`, the continuation.

A continuation is the id of the last entry of the previous page, encoded so clients do
not mistake it for anything they could compute: the next page is then "after that id"
in the stream's order, which stays right while new entries arrive (they get higher ids).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from newsriver.api.greader.catalogue import Catalogue
from newsriver.api.greader.ids import MAX_STORED_ID
from newsriver.api.greader.protocol import Params
from newsriver.api.greader.streams import KEPT_UNREAD, READ, STARRED, normalise, select
from newsriver.errors import NotFoundError
from newsriver.service.sync import EntryQuery

DEFAULT_N = 20


@dataclass(frozen=True, slots=True)
class Page:
    """A query for one page: `query.limit` is one more than `size`, to tell whether
    there is a next page."""

    query: EntryQuery
    size: int


def page_query(base: EntryQuery, params: Params, catalogue: Catalogue, *, max_n: int) -> Page:
    """`base` narrowed by the request's parameters (`n` capped at `max_n`). ValueError
    for a parameter that cannot be read."""
    size = params.integer("n", DEFAULT_N)
    assert size is not None
    if size < 1:
        raise ValueError("n must be at least 1")
    size = min(size, max_n)
    query = replace(
        base,
        order="oldest" if params.get("r") == "o" else "newest",
        seen_since=_time(params, "ot"),
        seen_until=_time(params, "nt"),
        after_id=_continuation(params.get("c")),
        limit=size + 1,
    )
    for excluded in map(normalise, params.all("xt")):
        if excluded == READ:
            query = replace(query, unread_only=True)
        elif excluded == STARRED:
            query = replace(query, unstarred_only=True)
        elif excluded == KEPT_UNREAD:
            query = replace(query, read_only=True)
        else:
            query = _excluding(query, excluded, catalogue)
    for included in map(normalise, params.all("it")):
        if included == READ:
            query = replace(query, read_only=True)
        elif included == STARRED:
            query = replace(query, starred_only=True)
        elif included == KEPT_UNREAD:
            query = replace(query, unread_only=True)
        else:
            query = _including(query, included, catalogue)
    if query.read_only and query.unread_only:
        # Read and unread (`it` read with `xt` read): an empty id list selects nothing.
        query = replace(query, entry_ids=())
    return Page(query, size)


def _excluding(query: EntryQuery, stream_id: str, catalogue: Catalogue) -> EntryQuery:
    """`query` without the entries of a feed, category or label stream; a stream that
    names nothing of the user's leaves nothing out."""
    target = _stream_query(stream_id, catalogue)
    if target is None:
        return query
    feed_ids: tuple[int, ...] = ()
    if target.feed_id is not None:
        feed_ids = (target.feed_id,)
    elif target.category_id is not None:
        feed_ids = tuple(
            feed.feed_id
            for feed in catalogue.feeds.values()
            if feed.category_id == target.category_id
        )
    labels = () if target.label_id is None else (target.label_id,)
    return replace(
        query,
        excluded_feed_ids=query.excluded_feed_ids + feed_ids,
        excluded_label_ids=query.excluded_label_ids + labels,
    )


def _including(query: EntryQuery, stream_id: str, catalogue: Catalogue) -> EntryQuery:
    """`query` narrowed to a feed, category or label stream's entries; to nothing when
    the stream names nothing of the user's, or when it conflicts with the stream asked
    for (a feed of another category)."""
    target = _stream_query(stream_id, catalogue)
    if target is None:
        return replace(query, entry_ids=())
    for field in ("feed_id", "category_id", "label_id"):
        wanted, current = getattr(target, field), getattr(query, field)
        if wanted is None:
            continue
        if current not in (None, wanted):
            return replace(query, entry_ids=())
        query = replace(query, **{field: wanted})
    return query


def _stream_query(stream_id: str, catalogue: Catalogue) -> EntryQuery | None:
    """What a stream named in `xt`/`it` selects; None when it names nothing of the user's."""
    try:
        return select(stream_id, catalogue).query
    except (NotFoundError, ValueError):
        return None


def continuation(entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"e{entry_id}".encode()).decode().rstrip("=")


def _continuation(raw: str | None) -> int | None:
    if raw is None or not raw.strip():
        return None
    raw = raw.strip()
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = ""
    digits = decoded[1:]
    if not (decoded.startswith("e") and digits.isdigit() and len(digits) <= 19):
        raise ValueError("c is not a continuation this server gave")
    value = int(digits)
    if value > MAX_STORED_ID:
        raise ValueError("c is not a continuation this server gave")
    return value


def _time(params: Params, name: str) -> datetime | None:
    seconds = params.integer(name)
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{name} is not a time in seconds") from None
