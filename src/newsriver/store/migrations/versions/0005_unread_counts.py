"""What the reading sidebar shows, kept up to date by triggers: unread counts per
subscription (subscriptions.unread_count), and a change version on every row the
sidebar shows (subscriptions, feeds, categories, labels: `version`).

Counting unread entries was the sidebar's largest cost (8 ms of a page's 27 ms for
35,000 unread entries on SQLite, growing with them). The versions let a cached sidebar
be checked in one cheap query instead of being read again: the count, highest id and
sum of versions of a user's rows change whenever any row is added, removed or changed.
Triggers rather than Python code keep both, because every writer changes what the
sidebar shows: refresh, the web UI, three sync APIs, retention, unsubscribing, moving a
feed, deleting a user (cascades included).

- entry_states, insert / delete / update of read, user_id or feed_id: the unread rows
  leaving and entering are subtracted from and added to their (user, feed)
  subscription, whose version goes up. On PostgreSQL one statement-level trigger per
  event, with transition tables, applies a statement's changes grouped: a refresh
  inserting 5,000 states makes one UPDATE, not 5,000.
- subscriptions, insert or a change of user_id or feed_id: the count is recomputed from
  entry_states, so a subscription created after (or moved onto) existing state rows
  starts right whatever order a writer uses.
- A change of what the sidebar shows of a subscription (title, category, position), a
  feed (title, URLs, icon, error), a category (name, position) or a label (name, and
  the entries carrying it) raises that row's version.

SQLite drops a table's triggers when a batch migration rebuilds it: a later migration
that rebuilds one of these tables must create its triggers again.

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

_VERSIONED = ("subscriptions", "feeds", "categories", "labels")

_RECOUNT = """
UPDATE subscriptions SET unread_count = (
    SELECT count(*) FROM entry_states
    WHERE entry_states.user_id = subscriptions.user_id
      AND entry_states.feed_id = subscriptions.feed_id
      AND NOT entry_states.read
)"""

# The columns whose change the sidebar shows, per table.
_SHOWN = {
    "subscriptions": ("title", "category_id", "position"),
    "feeds": ("title", "url", "site_url", "icon_url", "last_error", "disabled_reason"),
    "categories": ("name", "position"),
    "labels": ("name",),
}


def _changed(table: str, distinct: str) -> str:
    return " OR ".join(f"OLD.{column} {distinct} NEW.{column}" for column in _SHOWN[table])


_SQLITE = [
    """CREATE TRIGGER tr_entry_states_unread_insert AFTER INSERT ON entry_states
    WHEN NOT NEW.read
    BEGIN
        UPDATE subscriptions SET unread_count = unread_count + 1, version = version + 1
        WHERE user_id = NEW.user_id AND feed_id = NEW.feed_id;
    END""",
    """CREATE TRIGGER tr_entry_states_unread_delete AFTER DELETE ON entry_states
    WHEN NOT OLD.read
    BEGIN
        UPDATE subscriptions SET unread_count = unread_count - 1, version = version + 1
        WHERE user_id = OLD.user_id AND feed_id = OLD.feed_id;
    END""",
    """CREATE TRIGGER tr_entry_states_unread_update
    AFTER UPDATE OF read, user_id, feed_id ON entry_states
    WHEN OLD.read IS NOT NEW.read OR OLD.user_id IS NOT NEW.user_id
        OR OLD.feed_id IS NOT NEW.feed_id
    BEGIN
        UPDATE subscriptions SET unread_count = unread_count - 1, version = version + 1
        WHERE NOT OLD.read AND user_id = OLD.user_id AND feed_id = OLD.feed_id;
        UPDATE subscriptions SET unread_count = unread_count + 1, version = version + 1
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
        UPDATE subscriptions SET version = version + 1, unread_count = (
            SELECT count(*) FROM entry_states
            WHERE user_id = NEW.user_id AND feed_id = NEW.feed_id AND NOT read
        ) WHERE id = NEW.id;
    END""",
    # Built from the constants above only.
    *(
        f"""CREATE TRIGGER tr_{table}_version
        AFTER UPDATE OF {", ".join(columns)} ON {table}
        WHEN {_changed(table, "IS NOT")}
        BEGIN
            UPDATE {table} SET version = version + 1 WHERE id = NEW.id;
        END"""  # noqa: S608
        for table, columns in _SHOWN.items()
    ),
    """CREATE TRIGGER tr_entry_labels_version_insert AFTER INSERT ON entry_labels
    BEGIN
        UPDATE labels SET version = version + 1 WHERE id = NEW.label_id;
    END""",
    """CREATE TRIGGER tr_entry_labels_version_delete AFTER DELETE ON entry_labels
    BEGIN
        UPDATE labels SET version = version + 1 WHERE id = OLD.label_id;
    END""",
]

# Each statement's unread rows, +1 entering and -1 leaving, summed per subscription.
_APPLY = """
    UPDATE subscriptions AS s
    SET unread_count = s.unread_count + d.delta, version = s.version + 1
    FROM (
        SELECT user_id, feed_id, sum(delta) AS delta FROM ({changes}) AS c
        GROUP BY user_id, feed_id
    ) AS d
    WHERE s.user_id = d.user_id AND s.feed_id = d.feed_id AND d.delta <> 0;
"""
_ENTERING = "SELECT user_id, feed_id, 1 AS delta FROM new_rows WHERE NOT read"
_LEAVING = "SELECT user_id, feed_id, -1 AS delta FROM old_rows WHERE NOT read"
_LABELLED = """
    UPDATE labels SET version = version + 1
    WHERE id IN (SELECT DISTINCT label_id FROM {rows});
"""

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
        UPDATE subscriptions SET version = version + 1, unread_count = (
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
    # One function raises the version of whichever table's row it is called for.
    """CREATE FUNCTION tr_row_version() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN NEW.version := OLD.version + 1; RETURN NEW; END $$""",
    *(
        f"""CREATE TRIGGER tr_{table}_version BEFORE UPDATE OF {", ".join(columns)}
        ON {table} FOR EACH ROW WHEN ({_changed(table, "IS DISTINCT FROM")})
        EXECUTE FUNCTION tr_row_version()"""
        for table, columns in _SHOWN.items()
    ),
    f"""CREATE FUNCTION tr_entry_labels_version_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {_LABELLED.format(rows="new_rows")} RETURN NULL; END $$""",
    f"""CREATE FUNCTION tr_entry_labels_version_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN {_LABELLED.format(rows="old_rows")} RETURN NULL; END $$""",
    """CREATE TRIGGER tr_entry_labels_version_insert AFTER INSERT ON entry_labels
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tr_entry_labels_version_insert()""",
    """CREATE TRIGGER tr_entry_labels_version_delete AFTER DELETE ON entry_labels
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION tr_entry_labels_version_delete()""",
]

# Trigger: its table; and the functions of PostgreSQL's triggers.
_TRIGGERS = {
    "tr_entry_states_unread_insert": "entry_states",
    "tr_entry_states_unread_delete": "entry_states",
    "tr_entry_states_unread_update": "entry_states",
    "tr_subscriptions_unread_recount": "subscriptions",
    "tr_subscriptions_unread_moved": "subscriptions",
    "tr_entry_labels_version_insert": "entry_labels",
    "tr_entry_labels_version_delete": "entry_labels",
    **{f"tr_{table}_version": table for table in _SHOWN},
}
_FUNCTIONS = (
    "tr_entry_states_unread_insert",
    "tr_entry_states_unread_delete",
    "tr_entry_states_unread_update",
    "tr_subscriptions_unread_recount",
    "tr_row_version",
    "tr_entry_labels_version_insert",
    "tr_entry_labels_version_delete",
)


def upgrade() -> None:
    op.add_column(
        "subscriptions",
        sa.Column("unread_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
    )
    for table in _VERSIONED:
        op.add_column(
            table, sa.Column("version", sa.Integer(), nullable=False, server_default=sa.text("0"))
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
        for name in _FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    # ALTER TABLE … DROP COLUMN on SQLite too (3.35 and later), not a batch rebuild:
    # rebuilding `feeds` drops it, and foreign keys would cascade that to every table
    # that references feeds.
    for table, column in [(table, "version") for table in _VERSIONED] + [
        ("subscriptions", "unread_count")
    ]:
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
