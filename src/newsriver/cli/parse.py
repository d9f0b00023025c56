"""The work behind `newsriver parse`: one argument in, one JSON object out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsriver.cli.feed_json import JSONObject, feed_to_json
from newsriver.errors import FeedParseError
from newsriver.feeds import parse_feed


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """The line to print for one argument, and why it failed (None when it did not)."""

    line: JSONObject
    error: str | None = None


def parse_argument(arg: str) -> ParseOutcome:
    """Read and parse the feed file `arg`. Never raises: failures become error lines.

    The argument itself is passed to the parser as the document's URL, so relative links
    in a feed without `xml:base` or a channel link stay relative instead of being
    resolved against a `file:` URL that no reader could open.
    """
    if arg.lower().startswith(("http://", "https://")):
        return _failed(
            arg,
            "fetching URLs is not supported yet (the fetcher is still to be built);"
            " save the feed to a file and pass its path",
        )
    try:
        body = Path(arg).read_bytes()
    except OSError as e:
        return _failed(arg, f"cannot read the file: {e.strerror or e}")
    try:
        feed = parse_feed(body, arg)
    except FeedParseError as e:
        return _failed(arg, e.reason)
    except Exception as e:
        # A parser bug must not cost the lines of the other arguments; say it is one.
        return _failed(arg, f"internal error in the parser (please report it): {e!r}")
    return ParseOutcome(feed_to_json(feed))


def _failed(arg: str, reason: str) -> ParseOutcome:
    return ParseOutcome({"url": arg, "error": reason}, reason)
