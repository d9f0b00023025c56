"""Day separators and dates: the reader's own midnight, labels that change only where
the day changes, English names whatever the locale."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsriver.web.ui.days import (
    day_label,
    full_time,
    long_date,
    separators,
    short_time,
    zone_named,
)

PARIS = ZoneInfo("Europe/Paris")
TOKYO = ZoneInfo("Asia/Tokyo")
MONTHS = [
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
]
# Thursday 26 November 2026, 10:00 in Paris (09:00 UTC).
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "label"),
    [
        (datetime(2026, 11, 26, 8, 59, tzinfo=UTC), "Today"),
        # 00:30 in Paris today, still yesterday in UTC.
        (datetime(2026, 11, 25, 23, 30, tzinfo=UTC), "Today"),
        (datetime(2026, 11, 25, 22, 59, tzinfo=UTC), "Yesterday"),
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), "Before yesterday"),
        (datetime(2026, 11, 23, 12, 0, tzinfo=UTC), "Monday 23 November 2026"),
        (datetime(2025, 12, 31, 23, 30, tzinfo=UTC), "Thursday 1 January 2026"),
        # A publisher's clock ahead of ours: a date, not "Today".
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), "Friday 27 November 2026"),
    ],
)
def test_labels_follow_the_readers_midnight(moment: datetime, label: str) -> None:
    assert day_label(moment, now=NOW, zone=PARIS) == label


def test_the_same_moment_is_on_different_days_in_different_zones() -> None:
    moment = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # 01:00 on the 26th in Tokyo
    assert day_label(moment, now=NOW, zone=TOKYO) == "Today"
    assert day_label(moment, now=NOW, zone=PARIS) == "Yesterday"
    assert day_label(moment, now=NOW, zone=ZoneInfo("America/Los_Angeles")) == "Yesterday"


def test_a_separator_comes_wherever_the_label_changes() -> None:
    """Streams are in arrival order: a late entry dated earlier puts its own separator,
    and the next entry of today a new "Today" one."""
    today = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    yesterday = today - timedelta(days=1)
    moments = [today, today - timedelta(hours=1), yesterday, today, today, yesterday]
    assert separators(moments, now=NOW, zone=PARIS) == [
        "Today",
        None,
        "Yesterday",
        "Today",
        None,
        "Yesterday",
    ]
    # A page continuing a stream does not repeat the day shown last.
    assert separators(moments[3:], now=NOW, zone=PARIS, previous="Yesterday") == [
        "Today",
        None,
        "Yesterday",
    ]
    assert separators(moments[3:], now=NOW, zone=PARIS, previous="Today") == [
        None,
        None,
        "Yesterday",
    ]
    assert separators([], now=NOW, zone=PARIS) == []


def test_short_and_full_times() -> None:
    assert short_time(datetime(2026, 11, 26, 8, 5, tzinfo=UTC), now=NOW, zone=PARIS) == "09:05"
    assert short_time(datetime(2026, 3, 2, 8, 5, tzinfo=UTC), now=NOW, zone=PARIS) == "2 Mar"
    assert short_time(datetime(2025, 3, 2, 8, 5, tzinfo=UTC), now=NOW, zone=PARIS) == "2 Mar 2025"
    assert full_time(datetime(2026, 11, 23, 13, 5, tzinfo=UTC), zone=PARIS) == (
        "Monday 23 November 2026, 14:05"
    )


def test_unknown_zones_fall_back_to_utc() -> None:
    assert zone_named("Europe/Paris") == PARIS
    for bad in ("", "Mars/Olympus", "../../etc/passwd", "Europe/"):
        assert zone_named(bad) == ZoneInfo("UTC")


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from([PARIS, TOKYO, ZoneInfo("UTC"), ZoneInfo("Pacific/Kiritimati")]),
)
def test_long_dates_name_the_local_day(moment: datetime, zone: ZoneInfo) -> None:
    local = moment.astimezone(zone)
    label = long_date(local.date())
    day, number, month, year = label.split(" ")
    assert (
        day
        == ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[
            local.weekday()
        ]
    )
    assert (int(number), int(year)) == (local.day, local.year)
    assert month == MONTHS[local.month - 1]
