"""The application as an import path, for servers that start it in processes of their
own: `newsriver serve --workers N` (uvicorn's supervisor imports this in each worker),
or `uvicorn --factory newsriver.web.asgi:app_from_environment` by hand.

Each worker reads its settings from the environment, as the command that started it
did, and runs no scheduler: feeds are fetched by one process only (`serve` starts a
`newsriver worker` beside the web workers), or twice as many requests would go to
every publisher.
"""

from __future__ import annotations

from fastapi import FastAPI

from newsriver.settings import load_settings
from newsriver.web.app import create_app


def app_from_environment() -> FastAPI:
    return create_app(load_settings(), scheduler=False, freeze_startup_objects=True)
