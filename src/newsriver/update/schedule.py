"""When to check a feed next, and why, in words. Pure: no I/O, no clock.

The interval starts from how often the publisher posts and is then shaped by what the
last fetch taught us, in this order:

1. base: a subscriber's override, else about half the posting interval (clamped to
   [MIN_INTERVAL, MAX_INTERVAL]; one hour when unknown; MAX_INTERVAL for a feed silent
   for STALE_AFTER);
2. errors: exponential back-off from the base;
3. publisher hints: never earlier than the RSS `ttl` or Cache-Control `max-age`
   (RFC 9111 §5.2.2.1), whose effect is capped at MAX_INTERVAL;
4. jitter: ±JITTER of the interval, so that feeds added together do not stay in step;
5. Retry-After (RFC 9110 §10.2.3): never earlier than the server asked;
6. RSS `skipHours`/`skipDays`: out of the hours and days the publisher says to skip.

Every rule that decides the result shows in `NextCheck.reason`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from newsriver.store.records import FeedForUpdate, NextCheck

__all__ = [
    "GONE_PAUSE",
    "GONE_REASON",
    "JITTER",
    "MAX_INTERVAL",
    "MAX_OVERRIDE",
    "MAX_RETRY_AFTER",
    "MIN_INTERVAL",
    "MIN_OVERRIDE",
    "STALE_AFTER",
    "UNKNOWN_INTERVAL",
    "FetchFacts",
    "posting_interval",
    "schedule",
]

# Bounds of the adaptive interval and of the publisher hints' effect.
MIN_INTERVAL = timedelta(minutes=15)
MAX_INTERVAL = timedelta(hours=24)
# The interval when the publisher's rhythm is unknown (a new or undated feed).
UNKNOWN_INTERVAL = timedelta(hours=1)
# A feed without a new entry for this long is checked every MAX_INTERVAL.
STALE_AFTER = timedelta(days=30)
# Bounds of a subscriber's override: admins may poll faster than MIN_INTERVAL.
MIN_OVERRIDE = timedelta(minutes=1)
MAX_OVERRIDE = timedelta(days=7)
# A Retry-After longer than this is not obeyed to the letter.
MAX_RETRY_AFTER = timedelta(days=7)
# A gone feed is disabled; the pause only keeps `at` meaningful.
GONE_PAUSE = timedelta(days=365)
GONE_REASON = "the server says the feed is gone (410); disabled"
# The spread of the jitter, as a fraction of the interval.
JITTER = 0.1
# How many of the most recent distinct entry dates estimate the posting interval, and how
# far past `now` a date may be and still count (clocks and time zones are often off).
POSTING_SAMPLE = 20
POSTING_DATE_SLACK = timedelta(hours=1)

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HOUR = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class FetchFacts:
    """What one fetch taught us about when to come back."""

    # The server answered 200 or 304.
    succeeded: bool
    # Consecutive failed fetches after this one (0 on success).
    error_count: int
    # Cache-Control max-age of the response.
    max_age: timedelta | None = None
    # Retry-After of a 429 or 503, as a delay from now.
    retry_after: timedelta | None = None
    # The server answered 410 Gone.
    gone: bool = False


@dataclass(frozen=True, slots=True)
class _Plan:
    """The interval decided so far, and the words explaining it."""

    interval: timedelta
    # What we know ("posts about every 3 h"), then what we do about it ("checking every…").
    context: str
    decision: str | None = None
    # True when the interval is a publisher's floor: jitter may only delay it.
    floor: bool = False

    def reason(self) -> str:
        return f"{self.context}; {self.decision}" if self.decision else self.context


def posting_interval(dates: Iterable[datetime], now: datetime) -> timedelta | None:
    """Return the publisher's typical gap between entries, from the entry dates of a document.

    That is the median gap between the POSTING_SAMPLE most recent distinct dates not
    later than `now` (give or take POSTING_DATE_SLACK); None with fewer than two.
    Naive dates are taken as UTC. Does not look at when the entries were first seen.
    """
    latest = _aware(now) + POSTING_DATE_SLACK
    distinct = sorted({d for d in map(_as_utc, dates) if d <= latest}, reverse=True)
    recent = distinct[:POSTING_SAMPLE]
    if len(recent) < 2:
        return None
    gaps = sorted(newer - older for newer, older in pairwise(recent))
    middle = len(gaps) // 2
    return gaps[middle] if len(gaps) % 2 else (gaps[middle - 1] + gaps[middle]) / 2


def schedule(
    feed: FeedForUpdate,
    facts: FetchFacts,
    *,
    now: datetime,
    posting_interval_s: int | None,
    jitter: float,
) -> NextCheck:
    """Return when to check `feed` next, after a fetch that taught us `facts`.

    `posting_interval_s` is the current estimate of the publisher's rhythm; None falls
    back to `feed.posting_interval_s`. `jitter`, in [0, 1), is the caller's random draw:
    it spreads the interval by ±JITTER (0.5 leaves it as it is), or only delays it when
    a publisher's or server's floor decided it. `feed` must carry the publisher hints
    (ttl, skipHours, skipDays) of the latest parse. The result is aware UTC, later than
    `now`, and at most GONE_PAUSE away. A gone feed gets GONE_PAUSE and GONE_REASON; disabling it is
    the caller's job.
    """
    assert 0 <= jitter < 1, f"jitter must be in [0, 1), got {jitter!r}"
    now = _aware(now)
    if facts.gone:
        return NextCheck(at=now + GONE_PAUSE, reason=GONE_REASON)
    estimate = posting_interval_s if posting_interval_s is not None else feed.posting_interval_s
    plan = _base(feed, now, estimate)
    plan = _back_off(plan, facts)
    plan = _respect_hints(plan, feed.ttl_minutes, facts.max_age)
    if plan.floor:
        at = now + plan.interval * (1 + JITTER * jitter)
    else:
        at = now + plan.interval * (1 - JITTER + 2 * JITTER * jitter)
    if facts.retry_after is not None and facts.retry_after > timedelta(0):
        wait = min(facts.retry_after, MAX_RETRY_AFTER)
        at = max(at, now + wait * (1 + JITTER * jitter))
        if wait > plan.interval:
            plan = replace(plan, interval=wait, decision=_retry_clause(facts.retry_after))
    reason = plan.reason()
    moved, skip_clause = _out_of_skipped(at, feed.skip_hours, feed.skip_days)
    if skip_clause is not None:
        # Spread within the first allowed hour, so that such feeds do not all start at :00.
        at = moved + min(plan.interval * JITTER * jitter, timedelta(minutes=59))
        reason = f"{reason}; {skip_clause}"
    return NextCheck(at=at, reason=reason)


def _base(feed: FeedForUpdate, now: datetime, estimate_s: int | None) -> _Plan:
    """The interval before this fetch's facts: override, staleness, or posting rhythm."""
    if feed.interval_override_s is not None:
        interval = _clamp_seconds(feed.interval_override_s, MIN_OVERRIDE, MAX_OVERRIDE)
        return _Plan(interval, f"refresh interval set to {_duration(interval)} by a subscriber")
    if feed.last_new_entry_at is not None:
        quiet = now - _as_utc(feed.last_new_entry_at)
        if quiet >= STALE_AFTER:
            return _Plan(
                MAX_INTERVAL,
                f"no new entry for {quiet.days} days",
                f"checking every {_duration(MAX_INTERVAL)}",
            )
    if estimate_s is None or estimate_s <= 0:
        return _Plan(
            UNKNOWN_INTERVAL,
            "posting interval unknown",
            f"checking every {_duration(UNKNOWN_INTERVAL)}",
        )
    # Bounded first: a rhythm of 10**400 seconds would overflow a float.
    estimate_s = min(estimate_s, 10**10)
    interval = _clamp_seconds(estimate_s / 2, MIN_INTERVAL, MAX_INTERVAL)
    return _Plan(
        interval,
        f"posts about every {_duration_s(estimate_s)}",
        f"checking every {_duration(interval)}",
    )


def _back_off(plan: _Plan, facts: FetchFacts) -> _Plan:
    """Double the interval per consecutive error after the first, up to MAX_INTERVAL.

    A subscriber's interval longer than MAX_INTERVAL is not shortened by errors.
    """
    if facts.succeeded:
        return plan
    errors = max(facts.error_count, 1)
    # Computed in seconds: 2**errors times a day overflows timedelta quickly.
    cap = max(MAX_INTERVAL, plan.interval).total_seconds()
    seconds = min(plan.interval.total_seconds() * 2 ** min(errors - 1, 64), cap)
    interval = timedelta(seconds=seconds)
    if errors == 1:
        return _Plan(interval, "the last fetch failed", f"retrying in {_duration(interval)}")
    return _Plan(interval, f"{errors} errors in a row", f"backing off {_duration(interval)}")


def _respect_hints(plan: _Plan, ttl_minutes: int | None, max_age: timedelta | None) -> _Plan:
    """Never check before the RSS ttl or the Cache-Control max-age, up to MAX_INTERVAL."""
    hints: list[tuple[float, str]] = []
    if ttl_minutes is not None and ttl_minutes > 0:
        # Bounded first: a ttl of 10**400 minutes would overflow a float.
        hints.append((min(ttl_minutes, 10**9) * 60.0, "the feed's ttl is {}"))
    if max_age is not None and max_age > timedelta(0):
        hints.append(
            (max_age.total_seconds(), "the server allows caching for {} (Cache-Control max-age)")
        )
    if not hints:
        return plan
    seconds, words = max(hints, key=lambda hint: hint[0])
    floor = _clamp_seconds(seconds, timedelta(0), MAX_INTERVAL)
    if floor <= plan.interval:
        return plan
    clause = words.format(_duration_s(seconds))
    if seconds > MAX_INTERVAL.total_seconds():
        clause += f", capped at {_duration(MAX_INTERVAL)}"
    return replace(plan, interval=floor, decision=clause, floor=True)


def _retry_clause(asked: timedelta) -> str:
    if asked > MAX_RETRY_AFTER:
        capped = f"; capped at {_duration(MAX_RETRY_AFTER)}"
        return f"the server asked to wait {_duration(asked)} (Retry-After{capped})"
    return f"the server asked to wait {_duration(asked)} (Retry-After)"


def _out_of_skipped(
    at: datetime, skip_hours: frozenset[int], skip_days: frozenset[str]
) -> tuple[datetime, str | None]:
    """Move `at` to the start of the first hour not skipped by skipHours/skipDays.

    Returns `at` unchanged and None when it is not in a skipped hour or day. Hours are
    GMT (RSS 2.0 §skipHours); a list skipping all hours (or all days) is a publisher's
    mistake and is ignored. Unknown day names and hours outside 0-23 are ignored.
    """
    hours = {hour for hour in skip_hours if 0 <= hour <= 23}
    days = {_DAYS.index(day.strip().lower()) for day in skip_days if day.strip().lower() in _DAYS}
    hours = set() if len(hours) == 24 else hours
    days = set() if len(days) == 7 else days
    rules: set[str] = set()
    candidate = at
    # At most 6 skipped days plus 23 skipped hours lie ahead: 8 days of hours is plenty.
    for _ in range(24 * 8):
        hour_skipped, day_skipped = candidate.hour in hours, candidate.weekday() in days
        if not (hour_skipped or day_skipped):
            break
        rules.update({"skipHours"} if hour_skipped else set())
        rules.update({"skipDays"} if day_skipped else set())
        candidate = candidate.replace(minute=0, second=0, microsecond=0) + _HOUR
    if not rules:
        return at, None
    when = candidate.strftime("%H:00 UTC")
    if "skipDays" in rules:
        when = f"{_DAYS[candidate.weekday()].capitalize()} {when}"
    return candidate, f"{' and '.join(sorted(rules))}: not before {when}"


def _clamp_seconds(seconds: float, low: timedelta, high: timedelta) -> timedelta:
    """`seconds` as a timedelta within [low, high]; clamped before conversion, which
    would overflow for absurd values."""
    return timedelta(seconds=min(max(seconds, low.total_seconds()), high.total_seconds()))


def _duration(span: timedelta) -> str:
    return _duration_s(span.total_seconds())


def _duration_s(seconds: float) -> str:
    """Say a duration the way a person would: "45 s", "15 min", "1 h 30 min", "3 days 2 h"."""
    if seconds < 59.5:
        return f"{max(round(seconds), 1)} s"
    minutes = round(seconds / 60)
    days, minutes = divmod(minutes, 24 * 60) if minutes >= 2 * 24 * 60 else (0, minutes)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{days} days"] if days else []
    parts += [f"{hours} h"] if hours else []
    parts += [f"{minutes} min"] if minutes else []
    return " ".join(parts)


def _aware(now: datetime) -> datetime:
    assert now.utcoffset() is not None, f"now must be timezone-aware, got {now!r}"
    return now.astimezone(UTC)


def _as_utc(moment: datetime) -> datetime:
    # The parser only produces aware UTC; a naive value can only mean UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
