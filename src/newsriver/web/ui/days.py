"""Day separators and dates of a stream, in the reader's time zone.

Pure: every function takes `now` and the zone, so "Today" is the reader's today, tests
pin it, and nothing here reads a clock. Names of days and months are English whatever
the server's locale (`strftime` would follow the process's locale).

Streams are ordered by arrival (entry id), not by date, so dates may go back and forth
along a stream; a separator is put wherever the label changes from the previous
article's, as FreshRSS does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
UTC_ZONE = ZoneInfo("UTC")


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`, or UTC when this machine does not know it (a preference
    saved elsewhere must not break the reader)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def long_date(day: date) -> str:
    """ "Monday 23 November 2026"."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def day_label(moment: datetime, *, now: datetime, zone: ZoneInfo) -> str:
    """ "Today", "Yesterday", "Before yesterday", else the long date (also for dates
    after today: a publisher's clock may run ahead)."""
    day, today = local_day(moment, zone), local_day(now, zone)
    age = (today - day).days
    if age == 0:
        return "Today"
    if age == 1:
        return "Yesterday"
    if age == 2:
        return "Before yesterday"
    return long_date(day)


def separators(
    moments: Iterable[datetime],
    *,
    now: datetime,
    zone: ZoneInfo,
    previous: str | None = None,
) -> list[str | None]:
    """For each moment in stream order, the separator to put before it: its day label
    when that differs from the one before (`previous`: the last label already shown,
    for a page that continues a stream), else None."""
    labels: list[str | None] = []
    for moment in moments:
        label = day_label(moment, now=now, zone=zone)
        labels.append(label if label != previous else None)
        previous = label
    return labels


def short_time(moment: datetime, *, now: datetime, zone: ZoneInfo) -> str:
    """An article's date in a list: "14:05" today, "23 Nov" this year, else
    "23 Nov 2025"."""
    local, today = moment.astimezone(zone), local_day(now, zone)
    if local.date() == today:
        return f"{local.hour:02d}:{local.minute:02d}"
    month = _MONTHS[local.month - 1][:3]
    if local.year == today.year:
        return f"{local.day} {month}"
    return f"{local.day} {month} {local.year}"


def full_time(moment: datetime, *, zone: ZoneInfo) -> str:
    """ "Monday 23 November 2026, 14:05", for a tooltip or the reader view."""
    local = moment.astimezone(zone)
    return f"{long_date(local.date())}, {local.hour:02d}:{local.minute:02d}"
