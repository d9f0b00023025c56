"""`edit-tag`: what adding or removing each tag does to entries.

- `user/-/state/com.google/read`: read (added) or unread (removed);
- `…/starred`: starred or not;
- `…/kept-unread`: added, unread (newsriver has no separate mark); removed, nothing;
- `user/-/label/NAME`: the label of that name, created when added for the first time;
- any other state (`tracking-kept-unread`, `broadcast`, `like`…): ignored, as it has
  no meaning here.

Removals are applied before additions, so `r=…/read&a=…/kept-unread` (newsboat's
"mark unread") and `a=…/read&r=…/kept-unread` ("mark read") both end as asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from newsriver.api.greader.streams import KEPT_UNREAD, LABEL, READ, STARRED, STATE, normalise
from newsriver.errors import ConflictError
from newsriver.service import labels, reading
from newsriver.store.database import Database


def apply_tags(
    database: Database,
    user_id: int,
    entry_ids: Sequence[int],
    *,
    added: Sequence[str],
    removed: Sequence[str],
) -> None:
    """Apply `edit-tag`'s removals, then its additions. Ids not the user's are ignored;
    ValueError for a tag that is neither a state nor a label."""
    if not entry_ids:
        return
    for tag in map(normalise, removed):
        _apply(database, user_id, entry_ids, tag, add=False)
    for tag in map(normalise, added):
        _apply(database, user_id, entry_ids, tag, add=True)


def _apply(
    database: Database, user_id: int, entry_ids: Sequence[int], tag: str, *, add: bool
) -> None:
    if tag == READ:
        reading.mark_read(database, user_id, entry_ids, read=add)
    elif tag == STARRED:
        reading.star(database, user_id, entry_ids, starred=add)
    elif tag == KEPT_UNREAD:
        if add:
            reading.mark_read(database, user_id, entry_ids, read=False)
    elif tag.startswith(LABEL):
        _label(database, user_id, entry_ids, tag[len(LABEL) :], add=add)
    elif not tag.startswith(STATE):
        raise ValueError(f"not a tag: {tag[:80]!r}")


def _label(
    database: Database, user_id: int, entry_ids: Sequence[int], name: str, *, add: bool
) -> None:
    name = labels.clean_name(name)
    label_id = label_named(database, user_id, name)
    if add:
        if label_id is None:
            try:
                labels.create_label(database, user_id, name, entry_ids=entry_ids)
                return
            except ConflictError:  # created by a concurrent request meanwhile
                label_id = label_named(database, user_id, name)
        if label_id is not None:
            labels.label_entries(database, user_id, label_id, entry_ids)
    elif label_id is not None:
        labels.unlabel_entries(database, user_id, label_id, entry_ids)


def label_named(database: Database, user_id: int, name: str) -> int | None:
    folded = name.casefold()
    for label in labels.list_labels(database, user_id):
        if label.name.casefold() == folded:
            return label.id
    return None
