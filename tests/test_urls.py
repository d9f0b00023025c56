"""URL resolution: the fast paths must agree with RFC 3986 resolution (urljoin)."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsriver.feeds.urls import SAFE_LINK_SCHEMES, resolve_url, usable_base

BASES = [
    "http://example.com/feed",
    "https://example.com/a/b/c.xml",
    "https://example.com/a/b/",
    "http://example.com",
    "http://example.com/a/./b",
    "https://example.com:8080/a?q=1#f",
    "http://user@example.com/x/y",
    "http://example.com/a/..",
]


def _reference(url: str, base: str) -> str | None:
    joined = urljoin(base, url.strip())
    scheme = joined.partition(":")[0].lower() if ":" in joined.split("/")[0] else ""
    return joined if not scheme or scheme in SAFE_LINK_SCHEMES else None


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(BASES), st.text(alphabet="ab/.?#:%\\é 1", min_size=1, max_size=14))
def test_resolution_matches_urljoin(base: str, url: str) -> None:
    if not url.strip():
        assert resolve_url(url, base) is None
        return
    assert resolve_url(url, base) == _reference(url, base)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/a/b.png", "https://example.com/a/b.png"),
        ("b.png", "https://example.com/dir/b.png"),
        ("../b.png", "https://example.com/b.png"),
        ("  https://other.org/x  ", "https://other.org/x"),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("data:text/html,x", None),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("", None),
    ],
)
def test_common_forms(url: str, expected: str | None) -> None:
    assert resolve_url(url, "https://example.com/dir/feed.xml") == expected


def test_relative_url_without_base_stays_relative() -> None:
    assert resolve_url("/a", None) == "/a"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://x.example/a\x00b", "http://x.example/a%00b"),
        ("/a\x1bb", "https://example.com/a%1Bb"),
        ("http://x.example/\ud800", "http://x.example/%EF%BF%BD"),
        # Browsers strip C0 controls and spaces around a URL before reading its scheme.
        ("\x01javascript:alert(1)", None),
        ("\x00 https://x.example/ \x1f", "https://x.example/"),
        ("\x00\x01", None),
    ],
)
def test_control_characters_and_surrogates(url: str, expected: str | None) -> None:
    assert resolve_url(url, "https://example.com/dir/feed.xml") == expected


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        (None, "http://example.com/feed"),
        ("https://other.example/a/", "https://other.example/a/"),
        ("FTP://files.example/pub/", "FTP://files.example/pub/"),
        ("/sub/", "http://example.com/sub/"),
        # Nothing resolves against these: the next base up is used.
        ("urn:x", "http://example.com/feed"),
        ("mailto:a@example.com", "http://example.com/feed"),
        ("tel:1", "http://example.com/feed"),
        ("magnet:?x", "http://example.com/feed"),
    ],
)
def test_usable_base(base: str | None, expected: str) -> None:
    assert usable_base(base, "http://example.com/feed") == expected


def test_a_relative_base_under_a_relative_document_url_stays_as_it_is() -> None:
    """`newsriver parse FILE` gives a path for the document URL: no absolute URL to use."""
    assert usable_base("feeds/sub/", "feeds/x.xml") == "feeds/sub/"
