"""The one place that reads the wall clock.

Everything else receives `now` as an argument, which keeps parsing, update decisions and
scheduling pure and lets tests pin time without patching.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC datetime (never a naive one)."""
    return datetime.now(UTC)
