"""The storage contract, accounts: administration (disable, delete, the last admin), the
user's own account (password, API password, REST API keys), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Table, func, insert, select

from newsriver.errors import ConflictError, NotFoundError
from newsriver.service import accounts as service
from newsriver.store import accounts, schema
from newsriver.store.database import Database
from tests.store import NOW, add_feed, add_user, dated_items, ids_of, mark, refresh


def add_admin(database: Database, name: str) -> int:
    with database.write() as connection:
        return accounts.add_user(
            connection, name, password_hash=f"hash-of-{name}", is_admin=True, now=NOW
        ).id


def user_of(database: Database, user_id: int) -> accounts.User | None:
    with database.read() as connection:
        return accounts.find_user_by_id(connection, user_id)


def credentials_of(database: Database, user_id: int) -> accounts.Credentials:
    with database.read() as connection:
        found = accounts.credentials_by_id(connection, user_id)
    assert found is not None
    return found


def rows_of(database: Database, table: Table, user_id: int) -> int:
    with database.read() as connection:
        return int(
            connection.scalar(
                select(func.count()).select_from(table).where(table.c.user_id == user_id)
            )
            or 0
        )


def test_a_name_taken_in_another_letter_case_is_refused(database: Database) -> None:
    add_user(database, "Ærø")
    for lookalike in ("æRØ", "ÆRØ", "ærø"):
        with database.write() as connection, pytest.raises(ConflictError, match="already exists"):
            accounts.add_user(connection, lookalike, password_hash="x", is_admin=False, now=NOW)
    add_user(database, "Ærø2")
    with database.read() as connection:
        assert sorted(connection.scalars(select(schema.users.c.name))) == ["Ærø", "Ærø2"]


def test_users_are_found_by_id_and_an_unknown_id_is_not_found(database: Database) -> None:
    alice = add_user(database, "alice")
    with database.read() as connection:
        user = accounts.get_user_by_id(connection, alice)
        assert user == accounts.get_user(connection, "alice")
        assert accounts.find_user_by_id(connection, alice + 1000) is None
        assert accounts.credentials_by_id(connection, alice + 1000) is None
        with pytest.raises(NotFoundError):
            accounts.get_user_by_id(connection, alice + 1000)
    assert service.get_user_by_id(database, alice).name == "alice"
    with pytest.raises(NotFoundError):
        service.get_user_by_id(database, alice + 1000)


def test_changing_a_password_changes_only_that_users_hash(database: Database) -> None:
    alice = add_admin(database, "alice")
    bob = add_admin(database, "bob")
    service.change_password(database, alice, password_hash="new-hash")
    assert credentials_of(database, alice).password_hash == "new-hash"
    assert credentials_of(database, bob).password_hash == "hash-of-bob"
    assert service.credentials_of(database, alice).password_hash == "new-hash"
    with pytest.raises(NotFoundError):
        service.change_password(database, bob + 1000, password_hash="x")
    with pytest.raises(NotFoundError):
        service.credentials_of(database, bob + 1000)


def test_the_last_active_admin_can_be_neither_disabled_demoted_nor_deleted(
    database: Database,
) -> None:
    alice = add_admin(database, "alice")
    bob = add_admin(database, "bob")
    carol = add_user(database, "carol")
    assert service.count_active_admins(database) == 2

    disabled = service.set_disabled(database, bob, disabled=True, acting_user_id=alice)
    assert disabled.disabled
    assert disabled == user_of(database, bob)
    assert service.count_active_admins(database) == 1
    # A disabled admin does not count: alice is now the last one.
    actions: list[Callable[[], object]] = [
        lambda: service.set_disabled(database, alice, disabled=True, acting_user_id=carol),
        lambda: service.set_admin(database, alice, is_admin=False, acting_user_id=carol),
        lambda: service.delete_user(database, alice, acting_user_id=carol),
    ]
    for action in actions:
        with pytest.raises(ConflictError, match="last active administrator"):
            action()
    after = user_of(database, alice)
    assert after == accounts.User(alice, "alice", is_admin=True, disabled=False, created_at=NOW)

    # Ordinary users come and go whatever the admins' state.
    service.set_disabled(database, carol, disabled=True, acting_user_id=alice)
    service.set_disabled(database, carol, disabled=False, acting_user_id=alice)
    assert user_of(database, carol) == accounts.User(
        carol, "carol", is_admin=False, disabled=False, created_at=NOW
    )

    # Once bob is back, alice may go.
    service.set_disabled(database, bob, disabled=False, acting_user_id=alice)
    demoted = service.set_admin(database, alice, is_admin=False, acting_user_id=bob)
    assert not demoted.is_admin
    assert demoted == user_of(database, alice)
    promoted = service.set_admin(database, carol, is_admin=True, acting_user_id=bob)
    assert promoted.is_admin
    assert service.delete_user(database, bob, acting_user_id=carol).name == "bob"
    assert user_of(database, bob) is None
    assert service.count_active_admins(database) == 1


def test_admins_cannot_disable_demote_or_delete_themselves(database: Database) -> None:
    alice = add_admin(database, "alice")
    add_admin(database, "bob")
    actions: list[Callable[[], object]] = [
        lambda: service.set_disabled(database, alice, disabled=True, acting_user_id=alice),
        lambda: service.set_admin(database, alice, is_admin=False, acting_user_id=alice),
        lambda: service.delete_user(database, alice, acting_user_id=alice),
    ]
    for action in actions:
        with pytest.raises(ConflictError, match="your own account"):
            action()
    assert user_of(database, alice) == accounts.User(alice, "alice", True, False, NOW)


def test_unknown_users_are_not_found_by_admin_actions(database: Database) -> None:
    alice = add_admin(database, "alice")
    missing = alice + 1000
    actions: list[Callable[[], object]] = [
        lambda: service.set_disabled(database, missing, disabled=True, acting_user_id=alice),
        lambda: service.set_disabled(database, missing, disabled=False, acting_user_id=alice),
        lambda: service.set_admin(database, missing, is_admin=True, acting_user_id=alice),
        lambda: service.set_admin(database, missing, is_admin=False, acting_user_id=alice),
        lambda: service.delete_user(database, missing, acting_user_id=alice),
    ]
    for action in actions:
        with pytest.raises(NotFoundError):
            action()


def test_two_admins_disabling_each_other_at_once_leave_one_active(database: Database) -> None:
    """The second transaction must see the first's change (a row lock on PostgreSQL, the
    single writer on SQLite), not the state it started from."""
    alice = add_admin(database, "alice")
    bob = add_admin(database, "bob")
    first_disabled = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def alice_disables_bob() -> None:
        try:
            with database.write() as connection:
                accounts.set_disabled(connection, bob, disabled=True)
                first_disabled.set()
                release.wait(0.5)  # the other transaction starts meanwhile, and must wait
        except BaseException as e:
            errors.append(e)
            first_disabled.set()

    thread = threading.Thread(target=alice_disables_bob)
    thread.start()
    try:
        assert first_disabled.wait(5)
        with pytest.raises(ConflictError, match="last active administrator"):
            service.set_disabled(database, alice, disabled=True, acting_user_id=bob)
    finally:
        release.set()
        thread.join(10)
    assert errors == []
    assert service.count_active_admins(database) == 1
    after = user_of(database, alice)
    assert after is not None
    assert not after.disabled


def test_deleting_a_user_removes_all_theirs_and_nothing_of_others(database: Database) -> None:
    admin = add_admin(database, "admin")
    alice = add_user(database, "alice")
    bob = add_user(database, "bob")
    shared = add_feed(database, "https://example.org/shared.xml", alice, bob, category="News")
    own = add_feed(database, "https://example.org/alice.xml", alice)
    refresh(database, shared, dated_items("s", 3))
    refresh(database, own, dated_items("a", 2))
    shared_ids = ids_of(database, bob)
    mark(database, alice, ids_of(database, alice), starred=True)
    mark(database, bob, shared_ids[:1], read=True)
    with database.write() as connection:
        for user_id in (alice, bob):
            label_id = connection.scalar(
                insert(schema.labels)
                .values(user_id=user_id, name="keep")
                .returning(schema.labels.c.id)
            )
            connection.execute(
                insert(schema.entry_labels).values(label_id=label_id, entry_id=shared_ids[0])
            )
            connection.execute(
                insert(schema.saved_queries).values(user_id=user_id, name="q", query="is:unread")
            )
            connection.execute(
                insert(schema.filter_rules).values(
                    user_id=user_id, query="intitle:x", action="mark_read"
                )
            )
            accounts.create_api_key(connection, user_id, "phone", now=NOW)

    deleted = service.delete_user(database, alice, acting_user_id=admin)
    assert deleted.name == "alice"

    per_user = (
        schema.subscriptions,
        schema.categories,
        schema.entry_states,
        schema.labels,
        schema.saved_queries,
        schema.filter_rules,
        schema.api_keys,
    )
    for table in per_user:
        assert rows_of(database, table, alice) == 0, table.name
        assert rows_of(database, table, bob) > 0, table.name
    with database.read() as connection:
        assert connection.scalar(select(func.count()).select_from(schema.entry_labels)) == 1
        # Shared feeds and their entries stay; bob's state on them is untouched.
        assert connection.scalar(select(func.count()).select_from(schema.feeds)) == 2
    assert ids_of(database, bob) == shared_ids
    assert ids_of(database, bob, unread_only=True) == shared_ids[1:]
    with pytest.raises(NotFoundError):
        service.delete_user(database, alice, acting_user_id=admin)


def test_users_are_listed_in_name_order_one_page_at_a_time(database: Database) -> None:
    names = [f"user{number:02}" for number in range(7)]
    for name in reversed(names):
        add_user(database, name)
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = service.users_page(database, after=after, limit=3)
        pages += 1
        assert len(page.users) <= 3
        seen.extend(user.name for user in page.users)
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == names
    assert pages == 3
    exact = service.users_page(database, after="user03", limit=3)
    assert [user.name for user in exact.users] == ["user04", "user05", "user06"]
    assert exact.next_after is None
    for bad in (0, service.MAX_USERS_PAGE + 1):
        with pytest.raises(ValueError, match="a page holds"):
            service.users_page(database, limit=bad)


def test_api_password_is_set_and_cleared_with_the_fever_key_and_tokens(
    database: Database,
) -> None:
    alice = add_user(database, "alice")
    bob = add_user(database, "bob")
    before = credentials_of(database, alice)
    assert not service.account_overview(database, alice).has_api_password

    service.set_api_password_by_id(
        database, alice, api_password_hash="api-hash", fever_key="0" * 32
    )
    with database.read() as connection:
        fever_key = connection.scalar(
            select(schema.users.c.fever_key).where(schema.users.c.id == alice)
        )
    assert fever_key == "0" * 32
    after_set = credentials_of(database, alice)
    assert after_set.api_password_hash == "api-hash"
    assert after_set.token_version == before.token_version + 1
    assert after_set.password_hash == before.password_hash
    assert service.account_overview(database, alice).has_api_password

    # A new API password without a new Fever key must not leave the old key working.
    service.set_api_password_by_id(database, alice, api_password_hash="api-hash-2")
    service.clear_api_password(database, bob)
    with database.read() as connection:
        rows = connection.execute(select(schema.users.c.name, schema.users.c.fever_key))
        keys = {row.name: row.fever_key for row in rows}
    assert keys == {"alice": None, "bob": None}

    service.clear_api_password(database, alice)
    cleared = credentials_of(database, alice)
    assert cleared.api_password_hash is None
    assert cleared.token_version == before.token_version + 3
    assert not service.account_overview(database, alice).has_api_password
    actions: list[Callable[[], object]] = [
        lambda: service.set_api_password_by_id(database, bob + 1000, api_password_hash="x"),
        lambda: service.clear_api_password(database, bob + 1000),
        lambda: service.account_overview(database, bob + 1000),
    ]
    for action in actions:
        with pytest.raises(NotFoundError):
            action()


def test_api_keys_store_only_a_hash_and_belong_to_their_user(database: Database) -> None:
    alice = add_user(database, "alice")
    bob = add_user(database, "bob")
    first = service.create_api_key(database, alice, "  my   phone ")
    second = service.create_api_key(database, alice, "laptop")
    bobs = service.create_api_key(database, bob, "bob's tablet")
    assert first.key.description == "my phone"
    assert len({first.token, second.token, bobs.token}) == 3
    assert len(first.token) >= 43  # 32 random bytes, base64url

    with database.read() as connection:
        stored = list(connection.execute(select(schema.api_keys)).mappings())
    assert all(first.token not in str(value) for row in stored for value in row.values())
    assert {row["token_hash"] for row in stored} == {
        accounts.api_token_hash(new.token) for new in (first, second, bobs)
    }

    assert service.list_api_keys(database, alice) == [first.key, second.key]
    assert service.account_overview(database, alice).api_keys == (first.key, second.key)
    assert service.list_api_keys(database, bob) == [bobs.key]

    # Another user's key behaves as one that does not exist.
    with pytest.raises(NotFoundError):
        service.revoke_api_key(database, alice, bobs.key.id)
    assert service.list_api_keys(database, bob) == [bobs.key]
    service.revoke_api_key(database, alice, first.key.id)
    assert service.list_api_keys(database, alice) == [second.key]
    with pytest.raises(NotFoundError):
        service.revoke_api_key(database, alice, first.key.id)
    assert service.authenticate_api_token(database, first.token) is None

    for bad in ("", "   ", "x" * (service.MAX_API_KEY_DESCRIPTION + 1)):
        with pytest.raises(ValueError, match="describe the key"):
            service.create_api_key(database, alice, bad)
    with pytest.raises(NotFoundError):
        service.create_api_key(database, bob + 1000, "ghost")


def test_an_api_token_names_its_active_user_and_records_its_use(database: Database) -> None:
    admin = add_admin(database, "admin")
    alice = add_user(database, "alice")
    new = service.create_api_key(database, alice, "reader app")
    assert new.key.last_used_at is None

    user = service.authenticate_api_token(database, new.token)
    assert user is not None
    assert user.id == alice
    (key,) = service.list_api_keys(database, alice)
    assert key.last_used_at is not None
    # A second use within the interval does not write again.
    service.authenticate_api_token(database, new.token)
    assert service.list_api_keys(database, alice) == [key]

    with database.write() as connection:
        accounts.touch_api_key(connection, key.id, now=NOW - timedelta(days=1))
    service.authenticate_api_token(database, new.token)
    (touched,) = service.list_api_keys(database, alice)
    assert touched.last_used_at is not None
    assert touched.last_used_at > NOW

    assert service.authenticate_api_token(database, new.token + "x") is None
    assert service.authenticate_api_token(database, "") is None
    service.set_disabled(database, alice, disabled=True, acting_user_id=admin)
    assert service.authenticate_api_token(database, new.token) is None
    with database.read() as connection:
        owner = accounts.find_api_key(connection, accounts.api_token_hash(new.token))
    assert owner is not None
    assert owner.user.disabled
    assert owner.key.id == key.id
