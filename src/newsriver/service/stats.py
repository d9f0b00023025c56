"""The figures of `newsriver stats`."""

from __future__ import annotations

from newsriver.store.database import Database
from newsriver.store.stats import Stats, collect_stats


def instance_stats(database: Database) -> tuple[Stats, int]:
    """Counts, and the database's size in bytes."""
    with database.read() as connection:
        stats = collect_stats(connection)
    return stats, database.size_bytes()
