"""Looking for feed icons: the feed's own icon, else what its site's page announces,
else the site's `/favicon.ico`.

Runs in the worker after refreshes, a few feeds at a time, through the same guarded
fetcher as feeds (so an icon URL cannot reach a private address either). Icons are
stored and served by newsriver, so readers' browsers never contact publishers' sites.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime

from newsriver.errors import FetchError
from newsriver.feeds.discovery import discover_icons, favicon_url, sniff_image
from newsriver.fetch import Fetcher, FetcherConfig, FetchRequest, FetchResult
from newsriver.store.database import Database
from newsriver.store.icons import IconTarget, feeds_needing_icons, save_icon

log = logging.getLogger(__name__)

# An icon larger than this is not a favicon (and would weigh on every sidebar).
MAX_ICON_BYTES = 256 * 1024
# Icons are found in <head>: the start of a page is enough.
MAX_PAGE_BYTES = 1024 * 1024
# Candidate URLs tried per feed, at most.
MAX_CANDIDATES = 4
CONCURRENCY = 8


async def refresh_icons(
    database: Database, fetcher_config: FetcherConfig, *, now: datetime, limit: int = 50
) -> int:
    """Look for the icons of up to `limit` feeds that need one; returns how many were
    found. Failures are recorded as "none found" and retried days later, never raised."""
    with database.read() as connection:
        targets = feeds_needing_icons(connection, now=now, limit=limit)
    if not targets:
        return 0
    config = replace(fetcher_config, max_body_bytes=MAX_PAGE_BYTES)
    slots = asyncio.Semaphore(CONCURRENCY)
    async with Fetcher(config) as fetcher:

        async def one(target: IconTarget) -> tuple[IconTarget, tuple[str, bytes, str] | None]:
            async with slots:
                return target, await find_icon(fetcher, target)

        found = await asyncio.gather(*(one(target) for target in targets))
    with database.write() as connection:
        for target, icon in found:
            content_type, data, source = icon if icon is not None else (None, None, None)
            save_icon(
                connection,
                target.feed_id,
                content_type=content_type,
                data=data,
                source_url=source,
                now=now,
            )
    return sum(icon is not None for _, icon in found)


async def find_icon(fetcher: Fetcher, target: IconTarget) -> tuple[str, bytes, str] | None:
    """(content type, bytes, URL) of the first candidate that is a usable image."""
    for url in await _candidates(fetcher, target):
        try:
            result = await fetcher.fetch(FetchRequest(url))
        except FetchError as e:
            log.debug("icon not fetched", extra={"feed_id": target.feed_id, "reason": e.reason})
            continue
        if not isinstance(result, FetchResult) or len(result.body) > MAX_ICON_BYTES:
            continue
        content_type = sniff_image(result.body)
        if content_type is not None:
            return content_type, result.body, result.final_url
    return None


async def _candidates(fetcher: Fetcher, target: IconTarget) -> list[str]:
    urls = [target.icon_url] if target.icon_url else []
    page = target.site_url or target.feed_url
    try:
        result = await fetcher.fetch(FetchRequest(page))
    except FetchError:
        fallback = favicon_url(page)
        urls.extend([fallback] if fallback else [])
    else:
        if isinstance(result, FetchResult):
            urls.extend(discover_icons(result.body, result.final_url))
    return list(dict.fromkeys(urls))[:MAX_CANDIDATES]
