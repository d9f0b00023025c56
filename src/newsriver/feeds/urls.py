"""Resolving the relative URLs that feeds are full of, and refusing dangerous ones."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin, urlsplit

# Schemes a reader may follow from a link or load from an enclosure. Anything else
# (javascript:, data:, vbscript:, file:…) is dropped rather than resolved.
SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto", "ftp", "magnet", "tel", "urn"})
# The safe schemes whose URLs have a path to resolve relative references against
# (RFC 3986 §5.2); a "urn:", "mailto:", "tel:" or "magnet:" URL has none.
_HIERARCHICAL_SCHEMES = frozenset({"http", "https", "ftp"})
_ABSOLUTE_WEB = ("https://", "http://")
# What browsers strip from both ends of a URL (WHATWG URL, basic URL parser, step 1).
_C0_AND_SPACE = "".join(map(chr, range(0x21)))
# What no text column stores or UTF-8 encodes: C0 controls other than tab, LF and CR
# (PostgreSQL refuses NUL) and lone surrogates. Browsers percent-encode the controls and
# read a surrogate as U+FFFD, so encoding them that way keeps the URL's meaning.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def resolve_url(url: str | None, base: str | None) -> str | None:
    """Return `url` made absolute against `base`, or None when it is empty or unsafe.

    Does not fetch anything and does not normalise beyond what RFC 3986 §5.2 resolution
    does; surrounding whitespace (common in hand-written feeds) is stripped first.
    """
    if url is None:
        return None
    url = url.strip()
    if not url.isprintable():  # cheap: almost every URL is printable
        url = _UNSTORABLE.sub(_percent_encoded, url.strip(_C0_AND_SPACE))
    if url.startswith(_ABSOLUTE_WEB):
        # The overwhelmingly common case: already absolute, nothing to resolve or check.
        return url
    if not url:
        return None
    if base:
        quick = _quick_join(url, base)
        if quick is not None:
            return quick
        try:
            url = urljoin(base.strip(), url)
        except ValueError:
            return None
    scheme = _scheme(url)
    if scheme is None:
        # Still relative (no usable base): keep it; callers may have no better answer.
        return url
    return url if scheme in SAFE_LINK_SCHEMES else None


def usable_base(base: str | None, parent: str) -> str:
    """The base URL in force: `base` (an xml:base), unless nothing resolves against it.

    A base with a non-hierarchical scheme ("urn:x", "mailto:…") leaves relative
    references relative, so the next base up, `parent`, is used instead, as it is for
    an unsafe base. A relative `base` is made absolute against an absolute `parent`.
    """
    if base is None or base.startswith(_ABSOLUTE_WEB):
        return base or parent
    scheme = _scheme(base)
    if scheme is None:
        if _scheme(parent) is None:
            return base  # no absolute URL anywhere: nothing better to resolve against
        return resolve_url(base, parent) or parent
    return base if scheme in _HIERARCHICAL_SCHEMES else parent


def _percent_encoded(match: re.Match[str]) -> str:
    character = match.group()
    if "\ud800" <= character <= "\udfff":
        return "%EF%BF%BD"  # U+FFFD
    return f"%{ord(character):02X}"


def _scheme(url: str) -> str | None:
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        return "invalid"
    return scheme.lower() or None


# A bare path with nothing RFC 3986 §5.2.4 would rewrite: no dot segments, no backslash
# (which browsers and urljoin treat specially), no scheme-like colon, no query or
# fragment (urljoin drops an empty one; those rare URLs take the slow path).
_PLAIN_PATH = re.compile(r"[^:/?#\\]*(?:/[^/?#\\]*)*")


def _quick_join(url: str, base: str) -> str | None:
    """Join the two common relative forms without urllib: "/path" and "path".

    Returns None whenever the shortcut might differ from full RFC 3986 resolution, so
    the caller falls back to `urljoin`. Gives the same answer as `urljoin` otherwise.
    """
    if url[0] == "." or "/." in url or "//" in url or not _PLAIN_PATH.fullmatch(url):
        return None
    parts = _split_base(base)
    if parts is None:
        return None
    origin, directory = parts
    return origin + url if url[0] == "/" else directory + url


@lru_cache(maxsize=256)
def _split_base(base: str) -> tuple[str, str] | None:
    """The origin ("https://host") and directory ("https://host/a/") of an http(s) base."""
    base = base.strip()
    if not base.startswith(_ABSOLUTE_WEB) or "\\" in base:
        return None
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    if not parts.netloc:
        return None
    origin = f"{parts.scheme}://{parts.netloc}"
    directory = parts.path[: parts.path.rfind("/") + 1] or "/"
    if "/." in directory:
        return None
    return origin, origin + directory
