"""The exceptions newsriver raises across its own seams.

Foreign exceptions (lxml, aiohttp, SQLAlchemy…) are wrapped into these where they
cross a module boundary, so callers above a seam handle only this hierarchy.
"""

from __future__ import annotations


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
