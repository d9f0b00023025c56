"""`database`: every test of this package runs once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsriver.store.database import Database, open_database
from tests.store import DIALECTS, empty_tables, postgresql_url, sqlite_url


@pytest.fixture(scope="session")
def postgresql_database() -> Iterator[Database]:
    """One migrated PostgreSQL database for the whole suite (see tests/store/__init__.py)."""
    with postgresql_url() as url:
        database = open_database(url)
        try:
            yield database
        finally:
            database.close()


@pytest.fixture(params=DIALECTS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty, migrated database: a new SQLite file, or the suite's PostgreSQL one."""
    if request.param == "sqlite":
        database = open_database(sqlite_url(tmp_path))
        try:
            yield database
        finally:
            database.close()
        return
    database = request.getfixturevalue("postgresql_database")
    try:
        yield database
    finally:
        empty_tables(database)
