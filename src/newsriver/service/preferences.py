"""A user's reading preferences, kept as a JSON object in `users.settings`.

Read leniently: a key that is unknown, missing or holds a value this version does not
accept falls back to its default instead of failing, so preferences written by a newer
or older newsriver (or edited by hand) never lock a user out of their reader.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsriver.store.database import Database
from newsriver.store.viewers import set_settings_json

View = Literal["normal", "reader", "global"]
Show = Literal["unread", "all"]
Order = Literal["newest", "oldest"]
Theme = Literal["system", "light", "dark"]

PAGE_SIZES = (10, 20, 30, 50, 100)


@dataclass(frozen=True, slots=True)
class Preferences:
    # An IANA name ("Europe/Paris"); day separators ("Today", "Yesterday") use it.
    timezone: str = "UTC"
    view: View = "normal"
    show: Show = "unread"
    order: Order = "newest"
    # Articles per page (and per infinite-scroll step).
    page_size: int = 20
    mark_read_on_open: bool = True
    # Mark an article read once it has scrolled past the top of the window.
    mark_read_on_scroll: bool = False
    # "system" follows the browser's prefers-color-scheme.
    theme: Theme = "system"


_CHOICES: dict[str, tuple[object, ...]] = {
    "view": get_args(View),
    "show": get_args(Show),
    "order": get_args(Order),
    "theme": get_args(Theme),
    "page_size": PAGE_SIZES,
    "mark_read_on_open": (True, False),
    "mark_read_on_scroll": (True, False),
}


def is_timezone(name: str) -> bool:
    """Whether `name` is an IANA time zone this machine knows."""
    if not name or len(name) > 64 or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def preferences_from_json(text: str | None) -> Preferences:
    """The preferences stored as `text`; anything unusable in it is a default."""
    try:
        stored = json.loads(text) if text else {}
    except ValueError:
        stored = {}
    if not isinstance(stored, dict):
        stored = {}
    return preferences_from_mapping(stored)


def preferences_from_mapping(
    values: dict[str, Any], base: Preferences | None = None
) -> Preferences:
    """`base` (or the defaults) with every acceptable value of `values` applied."""
    chosen: dict[str, Any] = {}
    for field in fields(Preferences):
        if field.name not in values:
            continue
        value = values[field.name]
        if field.name == "timezone":
            if isinstance(value, str) and is_timezone(value):
                chosen["timezone"] = value
        elif value in _CHOICES[field.name] and type(value) is type(_CHOICES[field.name][0]):
            chosen[field.name] = value
    return replace(base or Preferences(), **chosen)


def preferences_to_json(preferences: Preferences) -> str:
    return json.dumps(asdict(preferences), sort_keys=True)


def save_preferences(database: Database, user_id: int, preferences: Preferences) -> None:
    with database.write() as connection:
        set_settings_json(connection, user_id, preferences_to_json(preferences))
