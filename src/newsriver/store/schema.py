"""The tables, as SQLAlchemy Core metadata shared by SQLite and PostgreSQL.

This is the schema the code is written against; the Alembic migrations under
`store/migrations/` produce it (a test compares the two). The search index is not here:
it is a dialect-specific object (an FTS5 table on SQLite, a tsvector column on
PostgreSQL) created by the migrations and used only by `store/search.py`.

Conventions: integer surrogate keys; times are stored as aware UTC (`UtcDateTime`);
per-user rows carry `user_id` so every query can be filtered by it; foreign keys cascade
so deleting a user or a feed leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.types import TypeDecorator

# Names for constraints, so migrations can refer to them on both dialects.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# SQLite's INTEGER PRIMARY KEY is a 64-bit rowid; PostgreSQL needs BIGINT for entry ids
# that clients (Google Reader item ids, Fever) treat as 64-bit.
Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zone type and would hand back naive values; PostgreSQL's
    `timestamptz` keeps the zone. Naive input is a bug and is refused, not guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; times must be aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def result_processor(
        self, dialect: Dialect, coltype: object
    ) -> Callable[[Any], datetime | None] | None:
        """On SQLite, one step from the stored text to an aware datetime: SQLAlchemy's
        own parse followed by `process_result_value` cost two Python calls a value, a
        tenth of a sync API answer of 1,000 entries (six timestamps each)."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_utc


def _sqlite_utc(value: str | datetime | None) -> datetime | None:
    """A timestamp as SQLAlchemy writes it on SQLite ("2024-05-06 12:00:00.000000", UTC
    by `process_bind_param`), read back aware."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _fk(
    name: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE"
) -> Column[Any]:
    """A foreign-key column; rows go with the row they point to unless `ondelete` says."""
    return Column(
        name,
        Id,
        ForeignKey(target, ondelete=ondelete),
        nullable=nullable,
    )


users = Table(
    "users",
    metadata,
    Column("id", Id, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    # Argon2id hashes (web.auth). The API password is separate from the login one.
    Column("password_hash", Text, nullable=False),
    Column("api_password_hash", Text),
    # Fever's protocol forces an md5 key; stored only when the user enables Fever.
    Column("fever_key", String(32), index=True),
    Column("is_admin", Boolean, nullable=False, server_default=false()),
    Column("disabled", Boolean, nullable=False, server_default=false()),
    # Bumped when the API password changes: API tokens carry it, so old ones die.
    Column("token_version", Integer, nullable=False, server_default=text("0")),
    # Per-user preferences (time zone, view, sort order…) as a JSON object.
    Column("settings", Text, nullable=False, server_default="{}"),
    Column("created_at", UtcDateTime, nullable=False),
)

# REST API keys (`X-Auth-Token`), created and revoked by their user; only a hash is kept.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True),
    _fk("user_id", "users.id"),
    Column("description", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_used_at", UtcDateTime),
)

# Instance-wide settings an admin changes at run time (self-registration, anonymous
# reading…), as opposed to deployment settings, which come from the environment.
instance_settings = Table(
    "instance_settings",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

categories = Table(
    "categories",
    metadata,
    Column("id", Id, primary_key=True),
    _fk("user_id", "users.id"),
    Column("name", String(200), nullable=False),
    Column("position", Integer, nullable=False, server_default=text("0")),
    # Bumped by triggers whenever the row changes as the reading sidebar shows it
    # (migration 0005): with the rows' count and highest id, a cheap stamp of the
    # sidebar that tells when a cached one is still right. Never written by Python code.
    Column("version", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("user_id", "name"),
)

# One row per URL however many users subscribe: a feed is fetched once.
feeds = Table(
    "feeds",
    metadata,
    Column("id", Id, primary_key=True),
    Column("url", Text, nullable=False, unique=True),
    Column("title", Text),
    Column("site_url", Text),
    Column("description", Text),
    Column("language", String(50)),
    Column("icon_url", Text),
    Column("logo_url", Text),
    Column("hub_url", Text),
    Column("self_url", Text),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("ttl_minutes", Integer),
    # Comma-separated: "0,1,2" and "Saturday,Sunday".
    Column("skip_hours", String(100), nullable=False, server_default=""),
    Column("skip_days", String(100), nullable=False, server_default=""),
    Column("posting_interval_s", Integer),
    Column("created_at", UtcDateTime, nullable=False),
    Column("last_fetched_at", UtcDateTime),
    Column("last_status", Integer),
    Column("last_error", Text),
    Column("error_count", Integer, nullable=False, server_default=text("0")),
    Column("last_new_entry_at", UtcDateTime),
    Column("next_check_at", UtcDateTime, nullable=False),
    Column("next_check_reason", Text, nullable=False, server_default=""),
    # A worker's claim on the feed until this time (PostgreSQL scale-out; see update/).
    Column("leased_until", UtcDateTime),
    # Set when the feed must not be fetched any more (410 Gone), with the reason.
    Column("disabled_reason", Text),
    # A permanent redirect seen on consecutive fetches; the URL moves once it is stable.
    Column("redirect_url", Text),
    Column("redirect_count", Integer, nullable=False, server_default=text("0")),
    # Bumped by triggers whenever the row changes as the reading sidebar shows it
    # (migration 0005): with the rows' count and highest id, a cheap stamp of the
    # sidebar that tells when a cached one is still right. Never written by Python code.
    Column("version", Integer, nullable=False, server_default=text("0")),
    Index("ix_feeds_due", "next_check_at"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Id, primary_key=True),
    _fk("user_id", "users.id"),
    _fk("feed_id", "feeds.id"),
    # None: the user's default category.
    _fk("category_id", "categories.id", nullable=True, ondelete="SET NULL"),
    # The user's own name for the feed; None shows the feed's title.
    Column("title", Text),
    Column("position", Integer, nullable=False, server_default=text("0")),
    # Per-feed settings. Refresh interval: the feed is checked at the smallest of its
    # subscribers' choices. Retention: a shared entry is kept while any subscriber wants it.
    Column("refresh_interval_s", Integer),
    Column("keep_max_age_days", Integer),
    Column("keep_max_count", Integer),
    Column("open_original", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
    # The user's unread entries of the feed, kept by triggers on entry_states and on
    # this table (migration 0005), whoever writes: never written by Python code.
    Column("unread_count", Integer, nullable=False, server_default=text("0")),
    # Bumped by triggers whenever the row changes as the reading sidebar shows it
    # (migration 0005): with the rows' count and highest id, a cheap stamp of the
    # sidebar that tells when a cached one is still right. Never written by Python code.
    Column("version", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("user_id", "feed_id"),
    Index("ix_subscriptions_feed_id", "feed_id"),
)

entries = Table(
    "entries",
    metadata,
    # Monotonic with insertion (AUTOINCREMENT on SQLite: never reused after a purge),
    # which Fever's since_id and Google Reader's item ids rely on.
    Column("id", Id, primary_key=True, autoincrement=True),
    _fk("feed_id", "feeds.id"),
    # The entry's identity within its feed (guid, else link, else a hash).
    Column("key", Text, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("title", Text),
    Column("link", Text),
    Column("author", Text),
    # JSON: [{"name", "email", "uri"}], categories ["…"], enclosures [{"url","type","length"}].
    Column("authors", Text, nullable=False, server_default="[]"),
    Column("summary", Text),
    Column("content", Text),
    Column("categories", Text, nullable=False, server_default="[]"),
    Column("enclosures", Text, nullable=False, server_default="[]"),
    Column("thumbnail", Text),
    Column("comments_url", Text),
    Column("published", UtcDateTime),
    Column("updated", UtcDateTime),
    # published, else first seen; what day separators and date filters use.
    Column("sort_at", UtcDateTime, nullable=False),
    Column("first_seen_at", UtcDateTime, nullable=False),
    Column("changed_at", UtcDateTime),
    UniqueConstraint("feed_id", "key"),
    # Listings by date (migration 0006): the whole stream walked in date order, and a
    # narrowed one sorted by dates read from an index rather than from the rows.
    Index("ix_entries_sort_at", "sort_at", "id"),
    Index("ix_entries_id_sort_at", "id", "sort_at"),
    # A feed's entries in id order (migration 0008): the refresh asks for the feed's
    # highest id and the ids above it, which PostgreSQL otherwise found by walking all
    # entries from the newest.
    Index("ix_entries_feed_id_id", "feed_id", "id"),
    sqlite_autoincrement=True,
)

# Entries whose text must be (re)indexed for search: filled in the transaction that
# stores or edits them, emptied by `search.index_pending`. A queue rather than a "highest
# indexed id" mark, so that an entry committed after one with a higher id is not missed.
search_queue = Table(
    "search_queue",
    metadata,
    Column("entry_id", Id, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
)

# Keys of purged entries, so a feed that still lists them does not bring them back unread.
entry_tombstones = Table(
    "entry_tombstones",
    metadata,
    _fk("feed_id", "feeds.id"),
    Column("key", Text, nullable=False),
    Column("purged_at", UtcDateTime, nullable=False),
    UniqueConstraint("feed_id", "key"),
)

# Per-user state, one row per (subscriber, entry), created when the entry arrives (or
# when the user subscribes). `feed_id` is repeated here so that unread counts per feed
# are an index-only count instead of a join.
entry_states = Table(
    "entry_states",
    metadata,
    Column("user_id", Id, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_id", Id, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Column("feed_id", Id, ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False),
    Column("read", Boolean, nullable=False, server_default=false()),
    Column("read_at", UtcDateTime),
    Column("starred", Boolean, nullable=False, server_default=false()),
    Column("starred_at", UtcDateTime),
    Index(
        "ix_entry_states_unread",
        "user_id",
        "feed_id",
        "entry_id",
        sqlite_where=text("NOT read"),
        postgresql_where=text("NOT read"),
    ),
    # The unread stream across all feeds, in entry order (migration 0002).
    Index(
        "ix_entry_states_unread_stream",
        "user_id",
        "entry_id",
        sqlite_where=text("NOT read"),
        postgresql_where=text("NOT read"),
    ),
    Index(
        "ix_entry_states_starred",
        "user_id",
        "entry_id",
        sqlite_where=text("starred"),
        postgresql_where=text("starred"),
    ),
    Index("ix_entry_states_entry_id", "entry_id"),
    Index("ix_entry_states_feed", "user_id", "feed_id", "entry_id"),
)

labels = Table(
    "labels",
    metadata,
    Column("id", Id, primary_key=True),
    _fk("user_id", "users.id"),
    Column("name", String(200), nullable=False),
    # Bumped by triggers whenever the row changes as the reading sidebar shows it
    # (migration 0005): with the rows' count and highest id, a cheap stamp of the
    # sidebar that tells when a cached one is still right. Never written by Python code.
    Column("version", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("user_id", "name"),
)

entry_labels = Table(
    "entry_labels",
    metadata,
    Column("label_id", Id, ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
    Column("entry_id", Id, ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_entry_labels_entry_id", "entry_id"),
)

saved_queries = Table(
    "saved_queries",
    metadata,
    Column("id", Id, primary_key=True),
    _fk("user_id", "users.id"),
    Column("name", String(200), nullable=False),
    # In the query language of `newsriver.query`.
    Column("query", Text, nullable=False),
    Column("position", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("user_id", "name"),
)

# Actions applied to a user's new entries that match a query (FreshRSS's filters).
filter_rules = Table(
    "filter_rules",
    metadata,
    Column("id", Id, primary_key=True),
    _fk("user_id", "users.id"),
    # None: all the user's feeds.
    _fk("feed_id", "feeds.id", nullable=True),
    Column("query", Text, nullable=False),
    # "mark_read", "star", or "label:<label id>".
    Column("action", String(100), nullable=False),
    Column("position", Integer, nullable=False, server_default=text("0")),
)

# Failed sign-ins, a row per counted key ("n:<name>" or "a:<address>") and failure, kept
# for the throttle's window: in the database so that every web process counts them all.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False),
    # Seconds since the epoch (time.time()), as the throttle's clock gives them.
    Column("at", Float, nullable=False),
    Index("ix_sign_in_failures_key_at", "key", "at"),
    sqlite_autoincrement=True,
)

fetch_log = Table(
    "fetch_log",
    metadata,
    Column("id", Id, primary_key=True),
    _fk("feed_id", "feeds.id"),
    Column("at", UtcDateTime, nullable=False),
    # "ok", "not_modified" or "error".
    Column("outcome", String(20), nullable=False),
    Column("status", Integer),
    Column("error", Text),
    Column("duration_ms", Integer, nullable=False),
    Column("new_entries", Integer, nullable=False, server_default=text("0")),
    Column("changed_entries", Integer, nullable=False, server_default=text("0")),
    Index("ix_fetch_log_feed_id_at", "feed_id", "at"),
    # Health counts (304 ratio) read from the index alone (migration 0004).
    Index("ix_fetch_log_feed_outcome", "feed_id", "outcome", "at"),
)

# The small image shown beside a feed's name (a favicon, or the feed's own icon), fetched
# by the worker and served by newsriver itself: readers' browsers never ask the
# publisher's site. A row without data records that none was found, and when.
feed_icons = Table(
    "feed_icons",
    metadata,
    Column("feed_id", Id, ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True),
    Column("content_type", String(50)),
    Column("data", LargeBinary),
    Column("source_url", Text),
    Column("checked_at", UtcDateTime, nullable=False),
)
