"""A Fever request's arguments, parsed leniently into what to read and what to change.

Fever has one endpoint: the arguments present (`groups`, `items`, `mark`…) say what a
call wants, from the query string or the POSTed form alike (FreshRSS reads both). What
cannot be read is dropped rather than refused, as Fever servers do: a malformed id
selects nothing, a malformed `mark` changes nothing. Ids are clamped to 64 bits, so no
number reaches the database out of its column's range.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from newsriver.service.fever_sync import ITEMS_PER_CALL, MAX_ITEM_FILTERS, ItemWindow

MarkKind = Literal["item", "feed", "group"]
MarkAs = Literal["read", "unread", "saved", "unsaved"]

# The largest id a column holds (BIGINT); larger numbers are clamped to it.
MAX_ID = 2**63 - 1
# The latest `before` taken (the last second of year 9999, what datetime can hold).
MAX_TIME = 253_402_300_799
_DIGITS = re.compile(r"[0-9]+")
_KINDS: dict[str, MarkKind] = {"item": "item", "feed": "feed", "group": "group"}
_ACTIONS: dict[str, MarkAs] = {
    "read": "read",
    "unread": "unread",
    "saved": "saved",
    "unsaved": "unsaved",
}


@dataclass(frozen=True, slots=True)
class Mark:
    """`mark=item|feed|group`, `as=…`, `id=N` and, for feeds and groups, `before`."""

    kind: MarkKind
    action: MarkAs
    # The item, feed or group; group 0 is every feed (Fever's "Kindling").
    id: int
    # Only what had arrived by then (the client's last sync); None: everything.
    before: datetime | None


@dataclass(frozen=True, slots=True)
class FeverCall:
    """What one call asks for. Changes are applied before anything is read."""

    groups: bool = False
    feeds: bool = False
    favicons: bool = False
    links: bool = False
    unread_item_ids: bool = False
    saved_item_ids: bool = False
    # None: no `items` argument.
    items: ItemWindow | None = None
    mark: Mark | None = None
    unread_recently_read: bool = False


def parse_call(values: Mapping[str, str]) -> FeverCall:
    """The call that the query and form arguments `values` make."""
    recently = values.get("unread_recently_read")
    return FeverCall(
        groups="groups" in values,
        feeds="feeds" in values,
        favicons="favicons" in values,
        links="links" in values,
        unread_item_ids="unread_item_ids" in values,
        saved_item_ids="saved_item_ids" in values,
        items=_item_window(values) if "items" in values else None,
        mark=_mark(values),
        unread_recently_read=recently is not None and recently.strip() != "0",
    )


def parse_id(text: str | None) -> int | None:
    """A non-negative id, clamped to MAX_ID; None when `text` is not a decimal number
    (signs, spaces inside, other scripts' digits included)."""
    text = (text or "").strip()
    if not _DIGITS.fullmatch(text):
        return None
    # Longer than MAX_ID's 19 digits: larger than it (and int() of thousands of digits
    # is refused by Python anyway).
    return MAX_ID if len(text) > 19 else min(int(text), MAX_ID)


def parse_id_list(text: str | None, *, limit: int) -> tuple[int, ...]:
    """The positive ids of a comma-separated list, first occurrences in order, at most
    `limit`; parts that are not ids are skipped."""
    found: dict[int, None] = {}
    for part in (text or "").split(","):
        number = parse_id(part)
        if number:
            found[number] = None
            if len(found) == limit:
                break
    return tuple(found)


def _item_window(values: Mapping[str, str]) -> ItemWindow:
    with_ids = values.get("with_ids")
    return ItemWindow(
        since_id=parse_id(values.get("since_id")),
        max_id=parse_id(values.get("max_id")),
        with_ids=None if with_ids is None else parse_id_list(with_ids, limit=ITEMS_PER_CALL),
        feed_ids=parse_id_list(values.get("feed_ids"), limit=MAX_ITEM_FILTERS),
        group_ids=parse_id_list(values.get("group_ids"), limit=MAX_ITEM_FILTERS),
    )


def _mark(values: Mapping[str, str]) -> Mark | None:
    """The change asked for; None when there is none, or it cannot be read whole (a
    change half understood is not made)."""
    kind = _KINDS.get((values.get("mark") or "").strip().lower())
    action = _ACTIONS.get((values.get("as") or "").strip().lower())
    target = parse_id(values.get("id"))
    if kind is None or action is None or target is None:
        return None
    # Feeds and groups are only ever marked read; an item needs a real id.
    if (kind != "item" and action != "read") or (kind == "item" and target == 0):
        return None
    before = (values.get("before") or "").strip()
    if before in ("", "0"):
        moment = None
    elif (seconds := parse_id(before)) is not None:
        moment = datetime.fromtimestamp(min(seconds, MAX_TIME), UTC)
    else:
        # A negative or garbled time: marking read is not undone by a client, so do nothing.
        return None
    return Mark(kind, action, target, moment)
