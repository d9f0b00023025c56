"""The login throttle's counts live in the database (on SQLite and PostgreSQL): two
throttles, as two web processes have, share one quota; old failures are pruned."""

from __future__ import annotations

from sqlalchemy import func, select

from newsriver.store import schema
from newsriver.store.database import Database
from newsriver.web.auth.throttle import PRUNE_EVERY, LoginThrottle

START = 1_700_000_000.0


def _rows(database: Database) -> int:
    with database.read() as connection:
        count = select(func.count()).select_from(schema.sign_in_failures)
        return int(connection.scalar(count) or 0)


def test_two_throttles_share_one_quota(database: Database) -> None:
    now = [START]
    first, second = (
        LoginThrottle(database, per_name=3, per_address=100, clock=lambda: now[0]) for _ in range(2)
    )
    first.failed("Ann", "10.0.0.1")
    second.failed("ann", "10.0.0.2")
    assert first.retry_after("ann", "10.0.0.3") == 0
    second.failed("ANN", "10.0.0.3")
    # Three failures, two of them counted by the other throttle: both refuse now.
    for throttle in (first, second):
        assert throttle.retry_after("ann", "10.0.0.9") == 15 * 60
    now[0] += 60
    assert second.retry_after("ann", "10.0.0.9") == 14 * 60
    first.succeeded("ann")
    assert second.retry_after("ann", "10.0.0.9") == 0
    # The per-address counts stay: other names from those addresses are still counted.
    assert _rows(database) == 3


def test_failures_older_than_the_window_are_pruned(database: Database) -> None:
    now = [START]
    throttle = LoginThrottle(database, window_seconds=60, clock=lambda: now[0])
    for number in range(PRUNE_EVERY - 1):
        throttle.failed(f"name-{number}", "10.0.0.1")
    assert _rows(database) == 2 * (PRUNE_EVERY - 1)
    now[0] += 61
    # The next failure prunes the old rows of its own keys: its name's one and its
    # address's 99; the other names' stay until the PRUNE_EVERY-th failure prunes all.
    throttle.failed("name-0", "10.0.0.1")
    other_names = PRUNE_EVERY - 2
    assert _rows(database) == other_names + 2
    throttle.failed("late", "10.0.0.2")
    assert _rows(database) == 4
