"""Unread counts kept per subscription: subscriptions.unread_count, maintained by
triggers, so that the sidebar, the tab title and the APIs read a user's counts from
their subscriptions instead of counting unread entries on every page.

Counting was the sidebar's largest cost (8 ms of a page's 27 ms for 35,000 unread
entries on SQLite, growing with the unread entries). Triggers rather than Python code
keep the counts, because every writer changes read state: refresh, the web UI, three
sync APIs, retention, unsubscribing, moving a feed, deleting a user (cascades too).

- entry_states, insert / delete / update of read, user_id or feed_id: the unread rows
  leaving and entering are subtracted from and added to their (user, feed)
  subscription. On PostgreSQL one statement-level trigger per event, with transition
  tables, applies each statement's changes grouped: a refresh inserting 5,000 states
  makes one UPDATE, not 5,000.
- subscriptions, insert or a change of user_id or feed_id: the count is recomputed from
  entry_states, so a subscription created after (or moved onto) existing state rows
  starts right whatever order a writer uses.

SQLite drops a table's triggers when a batch migration rebuilds it: a later migration
that rebuilds `subscriptions` or `entry_states` must create these again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 17:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RECOUNT = """
UPDATE subscriptions SET unread_count = (
    SELECT count(*) FROM entry_states
    WHERE entry_states.user_id = subscriptions.user_id
      AND entry_states.feed_id = subscriptions.feed_id
      AND NOT entry_states.read
)"""

_SQLITE = [
    """CREATE TRIGGER tr_entry_states_unread_insert AFTER INSERT ON entry_states
    WHEN NOT NEW.read
    BEGIN
        UPDATE subscriptions SET unread_count = unread_count + 1
        WHERE user_id = NEW.user_id AND feed_id = NEW.feed_id;
    END""",
    """CREATE TRIGGER tr_entry_states_unread_delete AFTER DELETE ON entry_states
    WHEN NOT OLD.read
    BEGIN
        UPDATE subscriptions SET unread_count = unread_count - 1
        WHERE user_id = OLD.user_id AND feed_id = OLD.feed_id;
    END""",
    """CREATE TRIGGER tr_entry_states_unread_update
    AFTER UPDATE OF read, user_id, feed_id ON entry_states
    WHEN OLD.read IS NOT NEW.read OR OLD.user_id IS NOT NEW.user_id
        OR OLD.feed_id IS NOT NEW.feed_id
    BEGIN
        UPDATE subscriptions SET unread_count = unread_count - 1
        WHERE NOT OLD.read AND user_id = OLD.user_id AND feed_id = OLD.feed_id;
        UPDATE subscriptions SET unread_count = unread_count + 1
        WHERE NOT NEW.read AND user_id = NEW.user_id AND feed_id = NEW.feed_id;
    END""",
    """CREATE TRIGGER tr_subscriptions_unread_recount
    AFTER INSERT ON subscriptions
    BEGIN
        UPDATE subscriptions SET unread_count = (
            SELECT count(*) FROM entry_states
            WHERE user_id = NEW.user_id AND feed_id = NEW.feed_id AND NOT read
        ) WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER tr_subscriptions_unread_moved
    AFTER UPDATE OF user_id, feed_id ON subscriptions
    WHEN OLD.user_id IS NOT NEW.user_id OR OLD.feed_id IS NOT NEW.feed_id
    BEGIN
        UPDATE subscriptions SET unread_count = (
            SELECT count(*) FROM entry_states
            WHERE user_id = NEW.user_id AND feed_id = NEW.feed_id AND NOT read
        ) WHERE id = NEW.id;
    END""",
]

# Each statement's unread rows, +1 entering and -1 leaving, summed per subscription.
_APPLY = """
    UPDATE subscriptions AS s SET unread_count = s.unread_count + d.delta
    FROM (
        SELECT user_id, feed_id, sum(delta) AS delta FROM ({changes}) AS c
        GROUP BY user_id, feed_id
    ) AS d
    WHERE s.user_id = d.user_id AND s.feed_id = d.feed_id AND d.delta <> 0;
"""
_ENTERING = "SELECT user_id, feed_id, 1 AS delta FROM new_rows WHERE NOT read"
_LEAVING = "SELECT user_id, feed_id, -1 AS delta FROM old_rows WHERE NOT read"

_POSTGRESQL = [
    f"""CREATE FUNCTION tr_entry_states_unread_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {_APPLY.format(changes=_ENTERING)} RETURN NULL; END $$""",
    f"""CREATE FUNCTION tr_entry_states_unread_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {_APPLY.format(changes=_LEAVING)} RETURN NULL; END $$""",
    f"""CREATE FUNCTION tr_entry_states_unread_update() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
    {_APPLY.format(changes=_ENTERING + " UNION ALL " + _LEAVING)} RETURN NULL; END $$""",
    """CREATE TRIGGER tr_entry_states_unread_insert AFTER INSERT ON entry_states
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tr_entry_states_unread_insert()""",
    """CREATE TRIGGER tr_entry_states_unread_delete AFTER DELETE ON entry_states
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tr_entry_states_unread_delete()""",
    """CREATE TRIGGER tr_entry_states_unread_update AFTER UPDATE ON entry_states
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tr_entry_states_unread_update()""",
    """CREATE FUNCTION tr_subscriptions_unread_recount() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN
        UPDATE subscriptions SET unread_count = (
            SELECT count(*) FROM entry_states
            WHERE user_id = NEW.user_id AND feed_id = NEW.feed_id AND NOT read
        ) WHERE id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER tr_subscriptions_unread_recount AFTER INSERT ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION tr_subscriptions_unread_recount()""",
    """CREATE TRIGGER tr_subscriptions_unread_moved AFTER UPDATE OF user_id, feed_id
    ON subscriptions FOR EACH ROW
    WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.feed_id IS DISTINCT FROM NEW.feed_id)
    EXECUTE FUNCTION tr_subscriptions_unread_recount()""",
]

_TRIGGERS = {
    "tr_entry_states_unread_insert": "entry_states",
    "tr_entry_states_unread_delete": "entry_states",
    "tr_entry_states_unread_update": "entry_states",
    "tr_subscriptions_unread_recount": "subscriptions",
    "tr_subscriptions_unread_moved": "subscriptions",
}


def upgrade() -> None:
    op.add_column(
        "subscriptions",
        sa.Column("unread_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    op.execute(_RECOUNT)
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRESQL if postgresql else _SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name, table in _TRIGGERS.items():
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        for name in dict.fromkeys(_TRIGGERS):
            if name != "tr_subscriptions_unread_moved":
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("unread_count")
