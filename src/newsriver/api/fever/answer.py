"""Carrying out one authenticated Fever call: its change first, then what it reads.

One call may ask for several things (`?api&groups&feeds&unread_item_ids`); each is
answered under its own member, as FreshRSS does. A change is applied before the reads,
so a call that marks and reads sees its own change.
"""

from __future__ import annotations

from dataclasses import replace

from newsriver.api.fever import serialise
from newsriver.api.fever.params import FeverCall, Mark
from newsriver.api.fever.serialise import Json
from newsriver.errors import NotFoundError
from newsriver.service import fever_sync, reading
from newsriver.service.reading import Stream
from newsriver.store.database import Database


def answer(database: Database, user_id: int, call: FeverCall) -> Json:
    """The JSON answer to `call` by the user, after making its change."""
    found: Json = {}
    if call.unread_recently_read:
        fever_sync.unread_recently_read(database, user_id)
        call = _also(call, unread=True)
    if call.mark is not None:
        _apply(database, user_id, call.mark)
        saved = call.mark.action in ("saved", "unsaved")
        call = _also(call, unread=not saved, saved=saved)
    if call.groups or call.feeds:
        subscriptions = fever_sync.subscriptions(database, user_id)
        if call.groups:
            found["groups"] = serialise.groups(subscriptions)
        if call.feeds:
            found["feeds"] = serialise.feeds(subscriptions)
        found["feeds_groups"] = serialise.feeds_groups(subscriptions)
    if call.favicons:
        found["favicons"] = serialise.favicons(fever_sync.feed_icons(database, user_id))
    if call.items is not None:
        page = fever_sync.items(database, user_id, call.items)
        found["total_items"] = page.total
        found["items"] = serialise.items(page)
    if call.links:
        # Fever's "Hot" links (its own ranking of linked pages) have no counterpart here.
        found["links"] = []
    if call.unread_item_ids:
        ids = fever_sync.item_ids(database, user_id, saved=False)
        found["unread_item_ids"] = serialise.id_list(ids)
    if call.saved_item_ids:
        ids = fever_sync.item_ids(database, user_id, saved=True)
        found["saved_item_ids"] = serialise.id_list(ids)
    return serialise.accepted(fever_sync.last_refreshed(database, user_id)) | found


def _also(call: FeverCall, *, unread: bool = False, saved: bool = False) -> FeverCall:
    """The call, also listing the unread or saved ids: Fever answers a change with the
    list it affected, so clients resync their cache from it."""
    return replace(
        call,
        unread_item_ids=call.unread_item_ids or unread,
        saved_item_ids=call.saved_item_ids or saved,
    )


def _apply(database: Database, user_id: int, mark: Mark) -> None:
    """Make the change. What is not the user's (another user's item, feed or group, or
    none at all) is left alone, silently, like an id that does not exist."""
    if mark.kind == "item":
        if mark.action in ("read", "unread"):
            reading.mark_read(database, user_id, [mark.id], read=mark.action == "read")
        else:
            reading.star(database, user_id, [mark.id], starred=mark.action == "saved")
        return
    if mark.kind == "group" and mark.id == 0:
        stream = Stream()
    else:
        stream = Stream("feed" if mark.kind == "feed" else "category", mark.id)
    try:
        fever_sync.mark_read_before(database, user_id, stream, mark.before)
    except NotFoundError:
        return
