"""The text of an entry that the search index gets, computed where the entry is parsed.

Pure (no database): a parse worker process computes it with the rest of an entry's
stored form (`records.EntryWrite`), so that the refresh's own process, whose single
interpreter lock is the refresh's bottleneck, only hands it to SQLite.
"""

from __future__ import annotations

import re
from html import unescape

# Index this much text per entry at most: the start of an article is what people search.
MAX_TEXT_CHARS = 20_000
# The text after each tag: linear on any input (no nested quantifiers). Collecting the
# text took half the time that replacing every tag did. A `>` inside an attribute value
# leaks a few characters of the attribute into the index text, which only costs a
# spurious match; a tag cut off by the length limit leaks nothing.
_TEXT_AFTER_TAG = re.compile(r">([^<]+)")


def text_of(html: str | None) -> str:
    """The words of sanitised HTML, for the index: at least the first `MAX_TEXT_CHARS`
    characters of its text. Not for display: markup is dropped with a regular expression,
    which is good enough on the sanitiser's well-formed output and several times cheaper
    than parsing it again; runs of white space are left as they are (tokenisers skip
    them), except in a text long enough to be cut."""
    if not html:
        return ""
    html = html[: MAX_TEXT_CHARS * 4]
    pieces = _TEXT_AFTER_TAG.findall(html)
    first_tag = html.find("<")
    if first_tag != 0:
        # Text before the first tag, or all of it when there is none.
        pieces.insert(0, html if first_tag < 0 else html[:first_tag])
    words = unescape(" ".join(pieces))
    if len(words) > MAX_TEXT_CHARS:
        words = " ".join(words.split())[:MAX_TEXT_CHARS]
    return words
