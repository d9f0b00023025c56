"""Which URLs may be fetched, and following redirects by hand.

aiohttp could follow redirects itself, but then the chain would be out of our sight: we
need every hop's status (is the move permanent?), loop detection, and the scheme check
on every hop. Each hop is a new request, so it goes through the private-address guard
like the first one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from yarl import URL

from newsriver.errors import FetchError

# RFC 9110 §15.4: the redirects that name a new location. 300 (a menu), 304 (handled as
# NotModified) and 305/306 (obsolete) are not redirects for a fetcher.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Moved Permanently (§15.4.2) and Permanent Redirect (§15.4.9).
_PERMANENT = frozenset({301, 308})
_SCHEMES = frozenset({"http", "https"})


def parse_target(url: str, *, requested: str, redirect: bool = False) -> URL:
    """`url` as a fetchable URL: absolute http(s) with a host, fragment dropped.

    Raises FetchError(kind="invalid_url") against `requested`, the URL the caller asked
    for, describing a redirect target as such.
    """
    prefix = f"redirect to {url}: " if redirect else ""
    try:
        parsed = URL(url)
    except (ValueError, TypeError) as e:  # UnicodeError (IDNA) is a ValueError
        raise FetchError(requested, f"{prefix}not a valid URL", kind="invalid_url") from e
    if parsed.scheme not in _SCHEMES:
        raise FetchError(requested, f"{prefix}not an http or https URL", kind="invalid_url")
    if not parsed.raw_host:
        raise FetchError(requested, f"{prefix}URL has no host", kind="invalid_url")
    return parsed.with_fragment(None)


@dataclass(slots=True)
class RedirectChain:
    """The hops of one fetch so far; `follow` adds one or refuses it."""

    requested: str
    max_redirects: int
    current: URL
    hops: int = 0
    _all_permanent: bool = True
    _seen: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._seen.add(str(self.current))

    def follow(self, status: int, location: str | None) -> URL:
        """The next URL to request after a `status` redirect to `location`.

        Raises FetchError for a missing or unusable Location, a URL already visited in
        this chain (a loop: following it again would end the same way) and a hop beyond
        `max_redirects`.
        """
        if location is None:
            raise FetchError(
                self.requested,
                f"HTTP {status} redirect without a Location header",
                kind="http",
                status=status,
            )
        try:
            # RFC 9110 §10.2.2: a relative Location is resolved against the request URL.
            joined = str(self.current.join(URL(location)))
        except (ValueError, TypeError):
            joined = location
        target = parse_target(joined, requested=self.requested, redirect=True)
        key = str(target)
        if key in self._seen:
            raise FetchError(self.requested, f"redirect loop back to {key}", kind="redirect_loop")
        if self.hops >= self.max_redirects:
            raise FetchError(
                self.requested,
                f"more than {self.max_redirects} redirects",
                kind="too_many_redirects",
            )
        self._seen.add(key)
        self.hops += 1
        self._all_permanent = self._all_permanent and status in _PERMANENT
        self.current = target
        return target

    @property
    def final_url(self) -> str:
        """The URL the last request went to; the requested one when nothing redirected."""
        return str(self.current) if self.hops else self.requested

    @property
    def permanent_url(self) -> str | None:
        """The final URL if there was at least one hop and all of them were permanent."""
        return str(self.current) if self.hops and self._all_permanent else None
