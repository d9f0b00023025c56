"""The Google Reader API, as FreshRSS and its clients speak it, at `/api/greader` and
`/api/greader.php`. See docs/api/greader.md."""

from __future__ import annotations

from fastapi import FastAPI


def include_greader(app: FastAPI) -> None:
    """Add the Google Reader routes to `app`."""
