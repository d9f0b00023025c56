"""HTTP header values the fetcher sends, and pure readers for the ones it interprets."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from importlib.metadata import PackageNotFoundError, version

# Feed types first, generic XML and JSON (which many feeds are served as) after, and
# anything else last, so a server doing content negotiation picks the feed (RFC 9110
# §12.5.1). HTML is not named: a page instead of a feed is what feed discovery handles.
FEED_ACCEPT = (
    "application/atom+xml, application/rss+xml, application/feed+json, "
    "application/rdf+xml;q=0.9, application/json;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)
# The codings the client decodes (RFC 9110 §12.5.3); zstd is left out because its
# decoder is an optional extra of aiohttp that newsriver does not install.
ACCEPT_ENCODING = "gzip, deflate, br"

# RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31.
_MAX_DELTA_SECONDS = 2**31
_DIRECTIVE = re.compile(
    r"""\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)   # name (a token, RFC 9110 §5.6.2)
        (?:\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*)))?  # =token or ="quoted string"
        \s*(?:,|$)""",
    re.VERBOSE,
)


def default_user_agent() -> str:
    """`newsriver/<version> (+self-hosted feed reader)`; version "dev" when not installed."""
    try:
        release = version("newsriver")
    except PackageNotFoundError:
        release = "dev"
    return f"newsriver/{release} (+self-hosted feed reader)"


def cache_max_age(cache_control: Iterable[str]) -> timedelta | None:
    """The freshness lifetime a response's Cache-Control field lines give, if any.

    `max-age` only (RFC 9111 §5.2.2.1): `s-maxage` is for shared caches and newsriver
    honours the publisher's intent for one reader. `no-store` or an unqualified
    `no-cache` mean "do not reuse without asking", so they yield None rather than a
    lifetime. An unreadable value counts as absent; of several `max-age`, the first wins
    (RFC 9111 §4.2.1 allows that or treating the response as stale).
    """
    max_age: timedelta | None = None
    seen_max_age = False
    for name, value in _directives(cache_control):
        if name == "no-store" or (name == "no-cache" and value is None):
            return None
        if name == "max-age" and not seen_max_age:
            seen_max_age = True
            max_age = _delta_seconds(value)
    return max_age


def retry_after(value: str | None, *, response_date: str | None, now: datetime) -> timedelta | None:
    """How long the server asks us to wait (RFC 9110 §10.2.3), never negative.

    `value` is delta-seconds or an HTTP-date. A date is turned into a delta against the
    response's own Date header when it has a readable one, so a skewed server clock
    cancels out, and against `now` otherwise. None when absent or unreadable.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return _delta_seconds(value)
    until = parse_http_date(value)
    if until is None:
        return None
    reference = parse_http_date(response_date) if response_date is not None else None
    return max(until - (reference or now), timedelta(0))


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date (RFC 9110 §5.6.7, all three forms) as an aware UTC datetime, or None."""
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # The obsolete asctime form has no zone; HTTP-dates are always GMT.
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _directives(field_lines: Iterable[str]) -> Iterable[tuple[str, str | None]]:
    """(lower-cased name, value or None) for each directive of comma-separated lines."""
    for line in field_lines:
        for match in _DIRECTIVE.finditer(line):
            name, quoted, token = match.groups()
            value = quoted if quoted is not None else token
            yield name.lower(), value if value else None


def _delta_seconds(value: str | None) -> timedelta | None:
    if value is None or not (value.isascii() and value.isdigit()):
        return None
    return timedelta(seconds=min(int(value), _MAX_DELTA_SECONDS))
