"""Resolving the relative URLs that feeds are full of, and refusing dangerous ones."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

# Schemes a reader may follow from a link or load from an enclosure. Anything else
# (javascript:, data:, vbscript:, file:…) is dropped rather than resolved.
SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "magnet", "tel", "urn"})
_ABSOLUTE_WEB = ("https://", "http://")


def resolve_url(url: str | None, base: str | None) -> str | None:
    """Return `url` made absolute against `base`, or None when it is empty or unsafe.

    Does not fetch anything and does not normalise beyond what RFC 3986 §5.2 resolution
    does; surrounding whitespace (common in hand-written feeds) is stripped first.
    """
    if url is None:
        return None
    url = url.strip()
    if url.startswith(_ABSOLUTE_WEB):
        # The overwhelmingly common case: already absolute, nothing to resolve or check.
        return url
    if not url:
        return None
    if base:
        try:
            url = urljoin(base.strip(), url)
        except ValueError:
            return None
    scheme = _scheme(url)
    if scheme is None:
        # Still relative (no usable base): keep it; callers may have no better answer.
        return url
    return url if scheme in SAFE_LINK_SCHEMES else None


def _scheme(url: str) -> str | None:
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        return "invalid"
    return scheme.lower() or None
