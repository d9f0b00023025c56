"""Stream ids, as clients name them, and what they select.

- `user/-/state/com.google/reading-list`: everything; `…/read`, `…/starred`, and
  `…/kept-unread` (newsriver keeps no separate "kept unread" mark: it is the unread
  entries);
- `user/-/label/NAME`: the feeds of the category of that name, else the entries
  carrying the label of that name (Google Reader had one namespace for both);
- `feed/ID` or `feed/URL`: one subscription.

`user/<digits>/…` is taken as `user/-/…` (clients put their user id there). A stream id
that cannot be read is a ValueError (400); one naming nothing of the user's, their
feeds, categories and labels, a NotFoundError (404), whoever else has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsriver.api.greader.catalogue import Catalogue
from newsriver.errors import NotFoundError
from newsriver.service.sync import EntryQuery

STATE = "user/-/state/com.google/"
LABEL = "user/-/label/"
READING_LIST = STATE + "reading-list"
READ = STATE + "read"
STARRED = STATE + "starred"
KEPT_UNREAD = STATE + "kept-unread"

_STATES = {
    "reading-list": EntryQuery(),
    "read": EntryQuery(read_only=True),
    "starred": EntryQuery(starred_only=True),
    "kept-unread": EntryQuery(unread_only=True),
}


@dataclass(frozen=True, slots=True)
class Selection:
    """A stream resolved for one user."""

    # The canonical id (`user/-/…`, `feed/<numeric id>`).
    stream_id: str
    title: str
    query: EntryQuery
    # Set for a feed stream.
    feed_id: int | None = None


def normalise(stream_id: str) -> str:
    """`user/123/…` as `user/-/…`; ValueError for a user part that is neither."""
    stream_id = stream_id.strip()
    if stream_id.startswith("user/"):
        _, user, rest = [*stream_id.split("/", 2), "", ""][:3]
        if user != "-" and not (user.isascii() and user.isdigit()):
            raise ValueError("a stream id's user part must be - or a number")
        return f"user/-/{rest}"
    return stream_id


def select(stream_id: str, catalogue: Catalogue) -> Selection:
    """What `stream_id` selects among the user's entries."""
    stream_id = normalise(stream_id)
    if stream_id.startswith(STATE):
        state = stream_id[len(STATE) :]
        if state not in _STATES:
            raise NotFoundError(f"unknown state stream {state[:80]!r}")
        return Selection(stream_id, state, _STATES[state])
    if stream_id.startswith(LABEL):
        return _label(stream_id[len(LABEL) :], catalogue)
    if stream_id.startswith("feed/"):
        feed_id = feed_id_of(stream_id, catalogue)
        title = catalogue.feeds[feed_id].title
        return Selection(f"feed/{feed_id}", title, EntryQuery(feed_id=feed_id), feed_id)
    raise ValueError(f"unknown kind of stream id {stream_id[:80]!r}")


def feed_id_of(stream_id: str, catalogue: Catalogue) -> int:
    """The subscription `feed/ID` or `feed/URL` names; NotFoundError when not the user's."""
    value = normalise(stream_id).removeprefix("feed/").strip()
    if not stream_id.strip().startswith("feed/") or not value:
        raise ValueError("a feed stream id is feed/<id> or feed/<url>")
    if value.isascii() and value.isdigit() and len(value) <= 18:
        feed_id: int | None = int(value)
    else:
        feed_id = catalogue.feed_with_url(value)
    if feed_id is None or feed_id not in catalogue.feeds:
        raise NotFoundError("no such subscription")
    return feed_id


def label_name(stream_id: str) -> str:
    """NAME of `user/-/label/NAME`; ValueError for any other stream id."""
    stream_id = normalise(stream_id)
    if not stream_id.startswith(LABEL) or not stream_id[len(LABEL) :].strip():
        raise ValueError("a label stream id is user/-/label/<name>")
    return stream_id[len(LABEL) :].strip()


def _label(name: str, catalogue: Catalogue) -> Selection:
    category_id = catalogue.category_named(name)
    if category_id is not None:
        title = catalogue.categories[category_id]
        query = EntryQuery(category_id=category_id)
        return Selection(LABEL + title, title, query)
    label_id = catalogue.label_named(name)
    if label_id is not None:
        title = catalogue.labels[label_id]
        return Selection(LABEL + title, title, EntryQuery(label_id=label_id))
    raise NotFoundError("no such label")
