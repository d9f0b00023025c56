"""Tests for the scheduler: every rule, their combinations, and the bounds of the result."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsriver.feeds import parse_feed
from newsriver.store.records import FeedForUpdate, NextCheck
from newsriver.update.schedule import (
    GONE_PAUSE,
    GONE_REASON,
    JITTER,
    MAX_INTERVAL,
    MAX_RETRY_AFTER,
    MIN_INTERVAL,
    FetchFacts,
    posting_interval,
    schedule,
)

# A Monday, at noon.
NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
OK = FetchFacts(succeeded=True, error_count=0)
# With this draw, the adaptive interval is not shifted at all.
CENTRE = 0.5
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


def feed(
    *,
    last_new_entry_at: datetime | None = None,
    ttl_minutes: int | None = None,
    skip_hours: frozenset[int] = frozenset(),
    skip_days: frozenset[str] = frozenset(),
    interval_override_s: int | None = None,
    posting_interval_s: int | None = None,
    error_count: int = 0,
) -> FeedForUpdate:
    return FeedForUpdate(
        id=1,
        url="https://blog.example.org/feed.xml",
        etag=None,
        last_modified=None,
        error_count=error_count,
        last_fetched_at=None,
        last_new_entry_at=last_new_entry_at,
        ttl_minutes=ttl_minutes,
        skip_hours=skip_hours,
        skip_days=skip_days,
        interval_override_s=interval_override_s,
        posting_interval_s=posting_interval_s,
    )


def failed(errors: int, *, retry_after: timedelta | None = None) -> FetchFacts:
    return FetchFacts(succeeded=False, error_count=errors, retry_after=retry_after)


def check(
    stored: FeedForUpdate | None = None,
    facts: FetchFacts = OK,
    *,
    now: datetime = NOW,
    posting: int | None = None,
    jitter: float = CENTRE,
) -> NextCheck:
    return schedule(stored or feed(), facts, now=now, posting_interval_s=posting, jitter=jitter)


# --- posting_interval ---------------------------------------------------------------------


def moved_to(result: NextCheck, hour_start: datetime, interval: timedelta = HOUR) -> bool:
    """Whether a check moved out of skipped hours landed early in `hour_start`'s hour.

    The draw spreads it by up to a tenth of the interval (CENTRE: a twentieth).
    """
    return hour_start <= result.at < hour_start + interval * JITTER


def days_ago(*days: float) -> list[datetime]:
    return [NOW - timedelta(days=day) for day in days]


def test_posting_interval_needs_two_distinct_dates() -> None:
    assert posting_interval([], NOW) is None
    assert posting_interval(days_ago(1), NOW) is None
    assert posting_interval(days_ago(1, 1, 1), NOW) is None


def test_posting_interval_is_the_median_gap() -> None:
    # Gaps of 1, 1, 5 days: the median ignores the long pause.
    assert posting_interval(days_ago(0, 1, 2, 7), NOW) == timedelta(days=1)
    # Gaps of 1, 2, 4, 8 hours: an even count averages the middle two.
    hours = [NOW - timedelta(hours=h) for h in (0, 1, 3, 7, 15)]
    assert posting_interval(hours, NOW) == timedelta(hours=3)


def test_posting_interval_ignores_order_duplicates_and_zones() -> None:
    dates = days_ago(0, 1, 2, 3, 2, 1)
    random.Random(4).shuffle(dates)
    paris = timezone(timedelta(hours=2))
    dates.append((NOW - timedelta(days=3)).astimezone(paris))
    assert posting_interval(dates, NOW) == timedelta(days=1)


def test_posting_interval_uses_the_most_recent_twenty_dates() -> None:
    # 20 recent dates an hour apart, then 30 old ones a week apart.
    recent = [NOW - HOUR * n for n in range(20)]
    old = [NOW - timedelta(days=30) - timedelta(weeks=n) for n in range(30)]
    assert posting_interval(recent + old, NOW) == HOUR


def test_posting_interval_ignores_future_dates_beyond_a_small_slack() -> None:
    dates = [*days_ago(0, 2, 4), NOW + timedelta(days=300), NOW + timedelta(days=301)]
    assert posting_interval(dates, NOW) == timedelta(days=2)
    assert posting_interval([NOW + timedelta(minutes=30), NOW], NOW) == timedelta(minutes=30)


def test_posting_interval_takes_naive_dates_as_utc() -> None:
    naive = [datetime(2024, 5, 6, 0, 0), datetime(2024, 5, 5, 0, 0)]
    assert posting_interval(naive, NOW) == timedelta(days=1)


def test_posting_interval_of_a_real_feed() -> None:
    items = "".join(
        f"<item><guid>{n}</guid><pubDate>0{6 - n // 4} May 2024 {(n % 4) * 6:02d}:00:00 GMT"
        "</pubDate></item>"
        for n in range(8)
    )
    document = f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'
    parsed = parse_feed(document.encode(), "https://blog.example.org/feed.xml")
    dates = [e.published for e in parsed.entries if e.published is not None]
    assert len(dates) == 8
    assert posting_interval(dates, NOW) == timedelta(hours=6)


# --- base interval ------------------------------------------------------------------------


def test_half_the_posting_interval() -> None:
    result = check(posting=3 * 3600)
    assert result.at == NOW + timedelta(hours=1, minutes=30)
    assert result.reason == "posts about every 3 h; checking every 1 h 30 min"


def test_the_adaptive_interval_is_clamped() -> None:
    fast = check(posting=10 * 60)
    assert fast.at == NOW + MIN_INTERVAL
    assert fast.reason == "posts about every 10 min; checking every 15 min"
    slow = check(posting=5 * 86400)
    assert slow.at == NOW + MAX_INTERVAL
    assert slow.reason == "posts about every 5 days; checking every 24 h"
    assert check(posting=2 * 86400).at == NOW + MAX_INTERVAL
    assert check(posting=30 * 60).at == NOW + MIN_INTERVAL


def test_unknown_posting_interval_means_an_hour() -> None:
    for posting in (None, 0, -5):
        result = check(posting=posting)
        assert result.at == NOW + HOUR
        assert result.reason == "posting interval unknown; checking every 1 h"


def test_the_stored_estimate_is_used_when_none_is_given() -> None:
    stored = feed(posting_interval_s=4 * 3600)
    assert check(stored).at == NOW + 2 * HOUR
    assert check(stored, posting=3600).at == NOW + MIN_INTERVAL * 2


def test_a_feed_silent_for_a_month_is_checked_daily() -> None:
    stale = check(feed(last_new_entry_at=NOW - timedelta(days=45)), posting=3600)
    assert stale.at == NOW + MAX_INTERVAL
    assert stale.reason == "no new entry for 45 days; checking every 24 h"
    boundary = check(feed(last_new_entry_at=NOW - timedelta(days=30)), posting=3600)
    assert boundary.at == NOW + MAX_INTERVAL
    recent = check(feed(last_new_entry_at=NOW - timedelta(days=29)), posting=3600)
    assert recent.at == NOW + timedelta(minutes=30)
    # A last-new-entry time ahead of now (clock skew) is not silence.
    ahead = check(feed(last_new_entry_at=NOW + HOUR), posting=3600)
    assert ahead.at == NOW + timedelta(minutes=30)


# --- override -----------------------------------------------------------------------------


def test_a_subscriber_override_replaces_the_adaptive_interval() -> None:
    result = check(feed(interval_override_s=1800), posting=86400)
    assert result.at == NOW + timedelta(minutes=30)
    assert result.reason == "refresh interval set to 30 min by a subscriber"


def test_an_override_may_be_faster_than_fifteen_minutes_but_not_than_one() -> None:
    assert check(feed(interval_override_s=300)).at == NOW + 5 * MINUTE
    tiny = check(feed(interval_override_s=5))
    assert tiny.at == NOW + MINUTE
    assert tiny.reason == "refresh interval set to 1 min by a subscriber"
    assert check(feed(interval_override_s=-100)).at == NOW + MINUTE


def test_an_override_beats_staleness_and_is_capped_at_a_week() -> None:
    silent = feed(interval_override_s=600, last_new_entry_at=NOW - timedelta(days=400))
    assert check(silent).at == NOW + 10 * MINUTE
    huge = check(feed(interval_override_s=10**30))
    assert huge.at == NOW + timedelta(days=7)
    assert huge.reason == "refresh interval set to 7 days by a subscriber"


# --- errors -------------------------------------------------------------------------------


def test_one_error_retries_after_the_base_interval() -> None:
    result = check(facts=failed(1), posting=3 * 3600)
    assert result.at == NOW + timedelta(hours=1, minutes=30)
    assert result.reason == "the last fetch failed; retrying in 1 h 30 min"


def test_errors_back_off_exponentially() -> None:
    for errors, hours in ((2, 2), (3, 4), (4, 8), (5, 16)):
        result = check(facts=failed(errors))
        assert result.at == NOW + hours * HOUR
        assert result.reason == f"{errors} errors in a row; backing off {hours} h"


def test_back_off_is_capped_even_for_absurd_error_counts() -> None:
    for errors in (6, 50, 10**9):
        result = check(facts=failed(errors))
        assert result.at == NOW + MAX_INTERVAL
        assert result.reason == f"{errors} errors in a row; backing off 24 h"


def test_back_off_starts_from_the_override() -> None:
    assert check(feed(interval_override_s=60), failed(3)).at == NOW + 4 * MINUTE
    # A subscriber's interval above the cap is not shortened by errors.
    weekly = check(feed(interval_override_s=3 * 86400), failed(4))
    assert weekly.at == NOW + timedelta(days=3)


def test_inconsistent_error_facts() -> None:
    # A success resets the back-off whatever the count says; a failure counts at least one.
    assert check(facts=FetchFacts(succeeded=True, error_count=5)).at == NOW + HOUR
    assert check(facts=failed(0)).reason == "the last fetch failed; retrying in 1 h"


# --- ttl and max-age ----------------------------------------------------------------------


def test_ttl_is_a_floor() -> None:
    result = check(feed(ttl_minutes=120), jitter=0)
    assert result.at == NOW + 2 * HOUR
    assert result.reason == "posting interval unknown; the feed's ttl is 2 h"
    # A ttl shorter than the interval changes nothing.
    short = check(feed(ttl_minutes=30))
    assert short.at == NOW + HOUR
    assert short.reason == "posting interval unknown; checking every 1 h"


def test_max_age_is_a_floor() -> None:
    result = check(facts=FetchFacts(True, 0, max_age=3 * HOUR), posting=3600, jitter=0)
    assert result.at == NOW + 3 * HOUR
    assert result.reason == (
        "posts about every 1 h; the server allows caching for 3 h (Cache-Control max-age)"
    )


def test_the_larger_of_ttl_and_max_age_wins() -> None:
    both = check(feed(ttl_minutes=180), FetchFacts(True, 0, max_age=2 * HOUR), jitter=0)
    assert both.at == NOW + 3 * HOUR
    assert "ttl is 3 h" in both.reason
    other = check(feed(ttl_minutes=60), FetchFacts(True, 0, max_age=5 * HOUR), jitter=0)
    assert other.at == NOW + 5 * HOUR
    assert "caching for 5 h" in other.reason


def test_publisher_hints_are_capped_at_a_day() -> None:
    week = check(facts=FetchFacts(True, 0, max_age=timedelta(weeks=1)), jitter=0)
    assert week.at == NOW + MAX_INTERVAL
    assert week.reason.endswith(
        "the server allows caching for 7 days (Cache-Control max-age), capped at 24 h"
    )
    absurd = check(feed(ttl_minutes=10**400), jitter=0)
    assert absurd.at == NOW + MAX_INTERVAL
    assert "capped at 24 h" in absurd.reason


def test_hints_outweigh_an_override_and_mild_back_off() -> None:
    fast = check(feed(interval_override_s=300, ttl_minutes=60), jitter=0)
    assert fast.at == NOW + HOUR
    assert fast.reason == "refresh interval set to 5 min by a subscriber; the feed's ttl is 1 h"
    errors = check(feed(ttl_minutes=180), failed(2), jitter=0)
    assert errors.at == NOW + 3 * HOUR
    assert errors.reason == "2 errors in a row; the feed's ttl is 3 h"
    # A longer back-off wins over the hint.
    longer = check(feed(ttl_minutes=180), failed(4))
    assert longer.reason == "4 errors in a row; backing off 8 h"


def test_zero_or_negative_hints_are_ignored() -> None:
    result = check(feed(ttl_minutes=0), FetchFacts(True, 0, max_age=timedelta(0)))
    assert result.at == NOW + HOUR
    assert check(feed(ttl_minutes=-60)).at == NOW + HOUR


def test_jitter_never_brings_a_check_before_a_publisher_floor() -> None:
    for draw in (0.0, 0.3, 0.5, 0.999):
        result = check(feed(ttl_minutes=120), jitter=draw)
        assert NOW + 2 * HOUR <= result.at < NOW + 2.2 * HOUR


# --- Retry-After --------------------------------------------------------------------------


def test_retry_after_longer_than_the_interval_decides() -> None:
    result = check(facts=failed(1, retry_after=5 * HOUR), jitter=0)
    assert result.at == NOW + 5 * HOUR
    assert result.reason == "the last fetch failed; the server asked to wait 5 h (Retry-After)"


def test_retry_after_shorter_than_the_interval_only_sets_a_floor() -> None:
    result = check(facts=failed(3, retry_after=10 * MINUTE))
    assert result.at == NOW + 4 * HOUR
    assert result.reason == "3 errors in a row; backing off 4 h"


def test_retry_after_is_never_undercut_by_jitter() -> None:
    # An interval a bit above the floor, jittered down, must still respect the floor.
    for draw in (0.0, 0.25, 0.5, 0.75, 0.999):
        result = check(facts=failed(1, retry_after=58 * MINUTE), jitter=draw)
        assert result.at >= NOW + 58 * MINUTE
        assert result.at < NOW + 1.1 * HOUR


def test_retry_after_is_capped_at_a_week() -> None:
    result = check(facts=failed(1, retry_after=timedelta(days=30)), jitter=0)
    assert result.at == NOW + MAX_RETRY_AFTER
    assert result.reason == (
        "the last fetch failed; the server asked to wait 30 days (Retry-After; capped at 7 days)"
    )


def test_a_zero_or_negative_retry_after_is_ignored() -> None:
    for wait in (timedelta(0), -HOUR):
        assert check(facts=failed(1, retry_after=wait)).at == NOW + HOUR


# --- gone ---------------------------------------------------------------------------------


def test_a_gone_feed_is_disabled_far_away() -> None:
    facts = FetchFacts(succeeded=False, error_count=7, retry_after=HOUR, gone=True)
    result = check(feed(skip_hours=frozenset({12}), interval_override_s=60), facts, jitter=0.9)
    assert result == NextCheck(at=NOW + GONE_PAUSE, reason=GONE_REASON)
    assert result.reason == "the server says the feed is gone (410); disabled"


# --- skipHours / skipDays -----------------------------------------------------------------


def test_a_skipped_hour_moves_the_check_to_the_first_allowed_hour() -> None:
    # 12:00 + 1 h = 13:00, skipped with 14:00: the check moves to 15:00.
    result = check(feed(skip_hours=frozenset({13, 14})))
    assert moved_to(result, datetime(2024, 5, 6, 15, 0, tzinfo=UTC))
    assert result.reason == (
        "posting interval unknown; checking every 1 h; skipHours: not before 15:00 UTC"
    )


def test_an_allowed_hour_is_left_alone() -> None:
    result = check(feed(skip_hours=frozenset({1, 2, 3})))
    assert result.at == NOW + HOUR
    assert "skip" not in result.reason


def test_skip_hours_wrap_around_midnight() -> None:
    late = datetime(2024, 5, 6, 22, 30, tzinfo=UTC)
    result = check(feed(skip_hours=frozenset({23, 0, 1, 2})), now=late)
    assert moved_to(result, datetime(2024, 5, 7, 3, 0, tzinfo=UTC))
    assert result.reason.endswith("skipHours: not before 03:00 UTC")


def test_skipping_every_hour_or_every_day_is_ignored() -> None:
    every_hour = check(feed(skip_hours=frozenset(range(24))))
    assert every_hour.at == NOW + HOUR
    days = frozenset({"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"})
    every_day = check(feed(skip_days=days | {"Saturday", "Sunday"}))
    assert every_day.at == NOW + HOUR


def test_out_of_range_hours_and_unknown_days_are_ignored() -> None:
    result = check(feed(skip_hours=frozenset({24, -1, 99}), skip_days=frozenset({"Someday"})))
    assert result.at == NOW + HOUR


def test_a_skipped_day_moves_the_check_to_the_next_allowed_midnight() -> None:
    saturday = datetime(2024, 5, 11, 9, 0, tzinfo=UTC)
    result = check(feed(skip_days=frozenset({"Saturday", "Sunday"})), now=saturday)
    assert moved_to(result, datetime(2024, 5, 13, 0, 0, tzinfo=UTC))
    assert result.reason.endswith("; skipDays: not before Monday 00:00 UTC")


def test_day_names_are_matched_regardless_of_case_and_spaces() -> None:
    monday_after_check = check(feed(skip_days=frozenset({" monday", "TUESDAY "})))
    assert moved_to(monday_after_check, datetime(2024, 5, 8, 0, 0, tzinfo=UTC))


def test_skip_days_and_hours_combine() -> None:
    friday_night = datetime(2024, 5, 10, 23, 30, tzinfo=UTC)
    stored = feed(skip_days=frozenset({"Saturday", "Sunday"}), skip_hours=frozenset(range(7)))
    result = check(stored, now=friday_night)
    assert moved_to(result, datetime(2024, 5, 13, 7, 0, tzinfo=UTC))
    assert result.reason.endswith("skipDays and skipHours: not before Monday 07:00 UTC")


def test_skips_apply_after_back_off_and_retry_after() -> None:
    result = check(feed(skip_hours=frozenset({16, 17})), failed(3, retry_after=5 * HOUR), jitter=0)
    assert result.at == datetime(2024, 5, 6, 18, 0, tzinfo=UTC)
    assert result.reason == (
        "3 errors in a row; the server asked to wait 5 h (Retry-After); "
        "skipHours: not before 18:00 UTC"
    )


def test_a_moved_check_is_spread_within_its_hour() -> None:
    stored = feed(skip_hours=frozenset({12, 13}))
    starts = {check(stored, jitter=draw).at for draw in (0.0, 0.5, 0.999)}
    assert min(starts) == datetime(2024, 5, 6, 14, 0, tzinfo=UTC)
    assert len(starts) == 3
    assert max(starts) < datetime(2024, 5, 6, 15, 0, tzinfo=UTC)


# --- jitter, time zones, invariants -------------------------------------------------------


def test_jitter_spreads_the_interval_by_ten_percent_either_way() -> None:
    low = check(posting=4 * 3600, jitter=0.0).at
    high = check(posting=4 * 3600, jitter=0.999999).at
    assert low == NOW + 2 * HOUR * 0.9
    assert NOW + 2 * HOUR * 1.0999 < high < NOW + 2 * HOUR * 1.1
    draws = [check(posting=4 * 3600, jitter=draw / 10).at for draw in range(10)]
    assert draws == sorted(draws)


@pytest.mark.parametrize("draw", [-0.1, 1.0, 2.0])
def test_jitter_outside_its_range_is_refused(draw: float) -> None:
    with pytest.raises(AssertionError, match="jitter"):
        check(jitter=draw)


def test_the_result_is_utc_whatever_the_zone_of_now() -> None:
    tokyo = timezone(timedelta(hours=9))
    result = check(now=NOW.astimezone(tokyo))
    assert result.at == NOW + HOUR
    assert result.at.tzinfo is UTC


def test_skip_hours_are_gmt_whatever_the_zone_of_now() -> None:
    tokyo = timezone(timedelta(hours=9))
    result = check(feed(skip_hours=frozenset({13})), now=NOW.astimezone(tokyo))
    assert moved_to(result, datetime(2024, 5, 6, 14, 0, tzinfo=UTC))


def test_naive_now_is_refused() -> None:
    with pytest.raises(AssertionError, match="timezone-aware"):
        check(now=datetime(2024, 5, 6, 12, 0))
    with pytest.raises(AssertionError, match="timezone-aware"):
        posting_interval([], datetime(2024, 5, 6, 12, 0))


# --- properties ---------------------------------------------------------------------------

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
small_or_absurd = st.one_of(st.none(), st.integers(-(10**6), 10**7), st.integers())
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]),
)
feeds = st.builds(
    feed,
    error_count=st.integers(0, 100),
    last_new_entry_at=st.none() | moments,
    ttl_minutes=small_or_absurd,
    skip_hours=st.frozensets(st.integers(-2, 26)),
    skip_days=st.frozensets(st.sampled_from([*DAY_NAMES, "sunday", "Someday"])),
    interval_override_s=small_or_absurd,
    posting_interval_s=small_or_absurd,
)
durations = st.none() | st.timedeltas()
facts_strategy = st.builds(
    FetchFacts,
    succeeded=st.booleans(),
    error_count=st.integers(0, 10**12),
    max_age=durations,
    retry_after=durations,
    gone=st.booleans(),
)
jitters = st.floats(min_value=0, max_value=1, exclude_max=True)


@given(feeds, facts_strategy, moments, small_or_absurd, jitters)
def test_the_next_check_is_always_after_now_and_within_a_year(
    stored: FeedForUpdate,
    facts: FetchFacts,
    now: datetime,
    posting: int | None,
    jitter: float,
) -> None:
    result = schedule(stored, facts, now=now, posting_interval_s=posting, jitter=jitter)
    assert result.at.tzinfo is UTC
    assert now < result.at <= now + GONE_PAUSE
    assert result.reason
    if facts.retry_after is not None and facts.retry_after > timedelta(0):
        assert result.at >= now + min(facts.retry_after, MAX_RETRY_AFTER)


@given(feeds, moments, small_or_absurd, jitters)
def test_a_skipped_hour_or_day_is_never_chosen(
    stored: FeedForUpdate, now: datetime, posting: int | None, jitter: float
) -> None:
    result = schedule(stored, OK, now=now, posting_interval_s=posting, jitter=jitter)
    hours = {hour for hour in stored.skip_hours if 0 <= hour <= 23}
    days = {day.lower() for day in stored.skip_days} & {day.lower() for day in DAY_NAMES}
    if len(hours) < 24:
        assert result.at.hour not in hours
    if len(days) < 7:
        assert DAY_NAMES[result.at.weekday()].lower() not in days


@given(feeds, moments, st.integers(1, 10**6), jitters)
def test_a_success_is_checked_within_the_interval_bounds(
    stored: FeedForUpdate, now: datetime, posting: int, jitter: float
) -> None:
    # Without overrides, hints or skips, the result stays in the adaptive band.
    plain = dataclasses.replace(
        stored,
        interval_override_s=None,
        ttl_minutes=None,
        skip_hours=frozenset(),
        skip_days=frozenset(),
    )
    result = schedule(plain, OK, now=now, posting_interval_s=posting, jitter=jitter)
    assert now + MIN_INTERVAL * 0.9 <= result.at <= now + MAX_INTERVAL * 1.1
