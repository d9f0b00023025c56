"""The Fever API at `/api/fever` and `/api/fever.php`. See docs/api/fever.md."""

from __future__ import annotations

from fastapi import FastAPI

from newsriver.api.fever.routes import router


def include_fever(app: FastAPI) -> None:
    """Add the Fever routes to `app`."""
    app.include_router(router)
