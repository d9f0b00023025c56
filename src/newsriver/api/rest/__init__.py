"""The REST API, compatible with Miniflux's v1, at `/v1`. See docs/api/rest.md."""

from __future__ import annotations

from fastapi import FastAPI


def include_rest(app: FastAPI) -> None:
    """Add the REST routes (and `/v1/openapi.json`) to `app`."""
