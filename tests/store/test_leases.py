"""The storage contract, scheduling: due feeds are leased to one worker at a time (on
SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from newsriver.store.database import Database
from newsriver.store.updates import apply_update, claim_due_feeds, feeds_for_update
from tests.store import (
    DAY,
    NOW,
    add_feed,
    add_user,
    plain_update,
)

LEASE = timedelta(minutes=10)


def test_claimed_feeds_are_leased_until_the_lease_expires(database: Database) -> None:
    alice = add_user(database, "alice")
    due = [add_feed(database, f"https://example.org/due-{n}.xml", alice) for n in range(3)]
    add_feed(database, "https://example.org/nobody-reads.xml")
    gone = add_feed(database, "https://example.org/gone.xml", alice)
    later = add_feed(database, "https://example.org/later.xml", alice)
    with database.write() as connection:
        apply_update(
            connection,
            plain_update(gone, at=NOW, next_at=NOW + DAY, disable_reason="410 gone"),
        )
        apply_update(connection, plain_update(later, at=NOW, next_at=NOW + DAY))
    now = NOW + timedelta(minutes=1)

    with database.write() as connection:
        first = claim_due_feeds(connection, now=now, limit=2, lease=LEASE)
    with database.write() as connection:
        second = claim_due_feeds(connection, now=now, limit=10, lease=LEASE)
    with database.write() as connection:
        third = claim_due_feeds(connection, now=now + LEASE / 2, limit=10, lease=LEASE)

    assert len(first) == 2
    assert {feed.id for feed in first} | {feed.id for feed in second} == set(due)
    assert not {feed.id for feed in first} & {feed.id for feed in second}
    assert third == []
    # Writing a feed's update back ends its lease; the others' leases expire.
    with database.write() as connection:
        apply_update(connection, plain_update(first[0].id, at=now, next_at=now + DAY))
    expired = now + LEASE + timedelta(seconds=1)
    with database.write() as connection:
        reclaimed = claim_due_feeds(connection, now=expired, limit=10, lease=LEASE)
    assert {feed.id for feed in reclaimed} == set(due) - {first[0].id}
    with database.read() as connection:
        listed = feeds_for_update(connection, due_before=None)
    assert {feed.id for feed in listed} == {*due, later}


def test_concurrent_claims_never_share_a_feed(database: Database) -> None:
    alice = add_user(database, "alice")
    due = {add_feed(database, f"https://example.org/c-{n}.xml", alice) for n in range(6)}
    now = NOW + timedelta(minutes=1)
    claimed: dict[str, set[int]] = {}
    first_holds_its_claim = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with database.write() as connection:
                feeds = claim_due_feeds(connection, now=now, limit=3, lease=LEASE)
                claimed["first"] = {feed.id for feed in feeds}
                first_holds_its_claim.set()
                # Still in the transaction while the second worker claims (PostgreSQL:
                # the rows are locked; SQLite: the second waits for the write lock).
                time.sleep(0.3)
        except BaseException as e:
            errors.append(e)
            first_holds_its_claim.set()

    def second() -> None:
        try:
            first_holds_its_claim.wait(5)
            with database.write() as connection:
                feeds = claim_due_feeds(connection, now=now, limit=10, lease=LEASE)
                claimed["second"] = {feed.id for feed in feeds}
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert len(claimed["first"]) == 3
    assert not claimed["first"] & claimed["second"]
    assert claimed["first"] | claimed["second"] == due
