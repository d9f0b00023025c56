"""The exceptions newsriver raises across its own seams.

Foreign exceptions (lxml, aiohttp, SQLAlchemy…) are wrapped into these where they
cross a module boundary, so callers above a seam handle only this hierarchy.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal


class NewsriverError(Exception):
    """Base of every error newsriver raises on purpose."""


class FeedParseError(NewsriverError):
    """The bytes are not a feed in any format newsriver understands, even leniently."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class OpmlError(NewsriverError):
    """An OPML document could not be read at all."""


class StoreError(NewsriverError):
    """The database cannot be used: unreachable, unsupported, or a schema problem."""


class NotFoundError(NewsriverError):
    """A named thing (user, feed, category, entry…) does not exist for this user."""


class ConflictError(NewsriverError):
    """The change would break a uniqueness rule: a user or category name already taken."""


FetchErrorKind = Literal[
    "invalid_url",
    "private_address",
    "dns",
    "connection",
    "timeout",
    "too_large",
    "too_many_redirects",
    "redirect_loop",
    "http",
    "gone",
]


class FetchError(NewsriverError):
    """A feed URL could not be fetched; `kind` says why in a form code can act on.

    `reason` is one plain line for people (newlines and runs of spaces are collapsed, so
    a log line or a UI cell never breaks). `status` is the HTTP status when the server
    answered; `retry_after` is the server's own back-off request (RFC 9110 §10.2.3), only
    ever set on a 429 or 503.
    """

    def __init__(
        self,
        url: str,
        reason: str,
        *,
        kind: FetchErrorKind,
        status: int | None = None,
        retry_after: timedelta | None = None,
    ) -> None:
        reason = " ".join(reason.split())
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.kind: FetchErrorKind = kind
        self.status = status
        self.retry_after = retry_after


class NotAFeedError(NewsriverError):
    """A URL answered, but with neither a feed nor a page that names one."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
