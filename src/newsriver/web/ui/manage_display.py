"""Showing subscription and feed-health values on pages, and reading them from forms:
durations, percentages, HTTP statuses and times relative to now, in the viewer's zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from http import HTTPStatus

from newsriver.clock import utcnow
from newsriver.store.subscriptions import SubscriptionSettings
from newsriver.web.ui.days import zone_named
from newsriver.web.ui.deps import Viewer


def time_helpers(viewer: Viewer) -> dict[str, object]:
    return {
        "when": Moments(viewer.preferences.timezone, utcnow()),
        "status_text": status_text,
        "percent": percent,
        "duration": duration,
    }


# --- Reading forms and showing values ---------------------------------------------------

# The refresh intervals offered (a value set otherwise, e.g. through an API, is added).
INTERVALS = (300, 900, 1800, 3600, 2 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400)


def optional_int(text: str, what: str) -> int | None:
    """A form's number field: blank is None; ValueError (for the user) when not a number."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{what} must be a whole number") from None


def settings_values(chosen: SubscriptionSettings) -> dict[str, str]:
    """Settings as the edit form's fields show them (blank: the default)."""

    def text(value: int | None) -> str:
        return "" if value is None else str(value)

    return {
        "title": chosen.title or "",
        "category_id": text(chosen.category_id),
        "refresh_interval_s": text(chosen.refresh_interval_s),
        "keep_max_age_days": text(chosen.keep_max_age_days),
        "keep_max_count": text(chosen.keep_max_count),
        "open_original": "1" if chosen.open_original else "",
    }


def interval_choices(current: int | None) -> list[tuple[int, str]]:
    seconds = sorted({*INTERVALS, *([current] if current is not None else [])})
    return [(value, duration(value)) for value in seconds]


def duration(seconds: float) -> str:
    """ "5 min", "2 h", "1 day 6 h": rounded to the unit that matters."""
    seconds = abs(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min" if minutes and hours < 10 else f"{hours} h"
    days, hours = divmod(seconds // 3600, 24)
    unit = "day" if days == 1 else "days"
    return f"{days} {unit} {hours} h" if hours and days < 7 else f"{days} {unit}"


def percent(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.0%}"


def status_text(status: int | None) -> str:
    if status is None:
        return "no answer"
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def filename_part(name: str) -> str:
    """`name` with only the characters safe in a download's file name."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "_" for ch in name)


@dataclass(frozen=True, slots=True)
class Moment:
    # For <time datetime>: ISO 8601 in UTC.
    iso: str
    # In the viewer's time zone, for the tooltip.
    local: str
    # "5 min ago", "in 2 h": what the page shows.
    relative: str


class Moments:
    """Shows times relative to one `now`, in the viewer's time zone (templates call it)."""

    def __init__(self, timezone: str, now: datetime) -> None:
        self.zone: tzinfo = zone_named(timezone)
        self.now = now

    def __call__(self, moment: datetime | None) -> Moment | None:
        if moment is None:
            return None
        delta = (moment - self.now).total_seconds()
        if abs(delta) < 60:
            relative = "just now"
        elif delta < 0:
            relative = f"{duration(-delta)} ago"
        else:
            relative = f"in {duration(delta)}"
        local = moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M %Z")
        return Moment(moment.astimezone(UTC).isoformat(), local, relative)
