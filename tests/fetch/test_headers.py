"""Pure readers of response headers: Cache-Control max-age, Retry-After, HTTP-dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from newsriver.fetch.headers import (
    FEED_ACCEPT,
    cache_max_age,
    default_user_agent,
    parse_http_date,
    retry_after,
)

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([], None),
        (["max-age=3600"], timedelta(hours=1)),
        (["public, max-age=60"], timedelta(seconds=60)),
        (["Max-Age=60"], timedelta(seconds=60)),
        (['max-age="120"'], timedelta(seconds=120)),
        (["max-age=0"], timedelta(0)),
        (["s-maxage=600"], None),
        (["s-maxage=600, max-age=60"], timedelta(seconds=60)),
        (["max-age=60, no-cache"], None),
        (["no-store, max-age=60"], None),
        (["public", "max-age=30"], timedelta(seconds=30)),
        (["max-age=30", "max-age=90"], timedelta(seconds=30)),
        # A qualified no-cache only concerns the named header fields (RFC 9111 §5.2.2.4).
        (['no-cache="Set-Cookie, Set-Cookie2", max-age=45'], timedelta(seconds=45)),
        (["max-age=soon"], None),
        (["max-age=-5"], None),
        (["max-age="], None),
        (["max-age=99999999999"], timedelta(seconds=2**31)),
    ],
)
def test_cache_max_age(lines: list[str], expected: timedelta | None) -> None:
    assert cache_max_age(lines) == expected


def test_retry_after_delta_seconds() -> None:
    assert retry_after("120", response_date=None, now=NOW) == timedelta(seconds=120)
    assert retry_after(" 0 ", response_date=None, now=NOW) == timedelta(0)


def test_retry_after_date_uses_the_response_date_when_readable() -> None:
    value = "Sun, 06 Nov 1994 08:51:07 GMT"
    date = "Sun, 06 Nov 1994 08:49:37 GMT"
    assert retry_after(value, response_date=date, now=NOW) == timedelta(seconds=90)


def test_retry_after_date_falls_back_to_now() -> None:
    value = "Wed, 01 May 2024 12:05:00 GMT"
    assert retry_after(value, response_date=None, now=NOW) == timedelta(minutes=5)
    assert retry_after(value, response_date="garbage", now=NOW) == timedelta(minutes=5)


def test_retry_after_in_the_past_is_zero() -> None:
    value = "Wed, 01 May 2024 11:00:00 GMT"
    assert retry_after(value, response_date=None, now=NOW) == timedelta(0)


@pytest.mark.parametrize("value", [None, "", "soon", "-1", "1.5", "²"])
def test_retry_after_unreadable(value: str | None) -> None:
    assert retry_after(value, response_date=None, now=NOW) is None


@pytest.mark.parametrize(
    "value",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",  # IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  # obsolete RFC 850 form
        "Sun Nov  6 08:49:37 1994",  # obsolete asctime form
    ],
)
def test_parse_http_date_forms(value: str) -> None:
    assert parse_http_date(value) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


def test_user_agent_and_accept() -> None:
    assert default_user_agent().startswith("newsriver/")
    assert default_user_agent().endswith(" (+self-hosted feed reader)")
    assert FEED_ACCEPT.startswith("application/atom+xml, application/rss+xml")
