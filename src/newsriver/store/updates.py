"""The update pipeline's side of the store: which feeds are due, what is known of them,
and applying a `FeedUpdate`.

`apply_updates` is the hot path of a refresh (tens of thousands of entries on a cold
start), so it works in sets: per feed, one executemany INSERT of the new entries and one
INSERT … SELECT each for every subscriber's unread state and for the search queue; per
batch of feeds, one statement each for the feed rows and the fetch history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.sql.elements import BindParameter

from newsriver.store import schema
from newsriver.store.records import EntryWrite, FeedForUpdate, FeedUpdate, KnownEntry
from newsriver.store.search import queue_for_indexing

_f = schema.feeds

_interval_override = (
    select(func.min(schema.subscriptions.c.refresh_interval_s))
    .where(schema.subscriptions.c.feed_id == _f.c.id)
    .scalar_subquery()
)

_FEED_FOR_UPDATE = select(
    _f.c.id,
    _f.c.url,
    _f.c.etag,
    _f.c.last_modified,
    _f.c.error_count,
    _f.c.last_fetched_at,
    _f.c.last_new_entry_at,
    _f.c.ttl_minutes,
    _f.c.skip_hours,
    _f.c.skip_days,
    _interval_override.label("interval_override_s"),
    _f.c.posting_interval_s,
    _f.c.redirect_url,
    _f.c.redirect_count,
)

# Only feeds someone reads are fetched; a feed without subscribers is left alone.
_HAS_SUBSCRIBERS = (
    select(schema.subscriptions.c.id).where(schema.subscriptions.c.feed_id == _f.c.id).exists()
)


def _feed_for_update(row: object) -> FeedForUpdate:
    mapping = row._mapping  # type: ignore[attr-defined]
    return FeedForUpdate(
        id=mapping["id"],
        url=mapping["url"],
        etag=mapping["etag"],
        last_modified=mapping["last_modified"],
        error_count=mapping["error_count"],
        last_fetched_at=mapping["last_fetched_at"],
        last_new_entry_at=mapping["last_new_entry_at"],
        ttl_minutes=mapping["ttl_minutes"],
        skip_hours=frozenset(int(h) for h in mapping["skip_hours"].split(",") if h),
        skip_days=frozenset(d for d in mapping["skip_days"].split(",") if d),
        interval_override_s=mapping["interval_override_s"],
        posting_interval_s=mapping["posting_interval_s"],
        redirect_url=mapping["redirect_url"],
        redirect_count=mapping["redirect_count"],
    )


def feeds_for_update(
    connection: Connection,
    *,
    due_before: datetime | None,
    feed_ids: Sequence[int] | None = None,
    user_id: int | None = None,
) -> list[FeedForUpdate]:
    """Enabled feeds with subscribers: those due by `due_before` (None: all of them),
    optionally only `feed_ids` or one user's. Most overdue first. Does not lease them."""
    query = _FEED_FOR_UPDATE.where(_f.c.disabled_reason.is_(None), _HAS_SUBSCRIBERS)
    if due_before is not None:
        query = query.where(_f.c.next_check_at <= due_before)
    if feed_ids is not None:
        query = query.where(_f.c.id.in_(feed_ids))
    if user_id is not None:
        query = query.where(
            _f.c.id.in_(
                select(schema.subscriptions.c.feed_id).where(
                    schema.subscriptions.c.user_id == user_id
                )
            )
        )
    rows = connection.execute(query.order_by(_f.c.next_check_at, _f.c.id))
    return [_feed_for_update(row) for row in rows]


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Feeds a worker may take: enabled, read by someone, not leased by another worker."""
    return (
        _f.c.disabled_reason.is_(None),
        _HAS_SUBSCRIBERS,
        or_(_f.c.leased_until.is_(None), _f.c.leased_until < now),
    )


def next_claimable_at(connection: Connection, *, now: datetime) -> datetime | None:
    """When the next feed `claim_due_feeds` could return falls due (None: no such feed).

    Feeds leased by another worker are left out: they come back only if that worker
    dies, which the caller's polling interval covers."""
    soonest: datetime | None = connection.scalar(
        select(func.min(_f.c.next_check_at)).where(*_claimable(now))
    )
    return soonest


def claim_due_feeds(
    connection: Connection, *, now: datetime, limit: int, lease: timedelta
) -> list[FeedForUpdate]:
    """Lease up to `limit` due feeds to the calling worker until `now + lease`.

    Several workers (processes, machines) may call this at once: on PostgreSQL the
    rows are locked with SKIP LOCKED, so each feed goes to one worker; on SQLite the
    write transaction already serialises callers. A worker that dies lets its lease
    expire and the feed becomes due again. Call inside `Database.write()`.
    """
    query = (
        select(_f.c.id)
        .where(_f.c.next_check_at <= now, *_claimable(now))
        .order_by(_f.c.next_check_at)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(connection.scalars(query))
    if not ids:
        return []
    connection.execute(update(_f).where(_f.c.id.in_(ids)).values(leased_until=now + lease))
    return [
        _feed_for_update(row)
        for row in connection.execute(_FEED_FOR_UPDATE.where(_f.c.id.in_(ids)))
    ]


def known_entries(
    connection: Connection, feed_ids: Iterable[int]
) -> dict[int, dict[str, KnownEntry]]:
    """Every stored entry key of each feed with its content hash, tombstones included."""
    ids = list(feed_ids)
    known: dict[int, dict[str, KnownEntry]] = {feed_id: {} for feed_id in ids}
    if not ids:
        return known
    e, t = schema.entries, schema.entry_tombstones
    rows = connection.execute(
        select(e.c.feed_id, e.c.key, e.c.id, e.c.content_hash).where(e.c.feed_id.in_(ids))
    )
    for feed_id, key, entry_id, content_hash in rows:
        known[feed_id][key] = KnownEntry(entry_id=entry_id, content_hash=content_hash)
    for feed_id, key in connection.execute(
        select(t.c.feed_id, t.c.key).where(t.c.feed_id.in_(ids))
    ):
        known[feed_id].setdefault(key, KnownEntry(entry_id=None, content_hash=""))
    return known


def apply_update(connection: Connection, feed_update: FeedUpdate) -> list[int]:
    """Write one fetch's outcome: entries, subscribers' unread state, the feed, history.

    Call inside `Database.write()`; everything commits or nothing does. Returns the ids
    of the inserted entries, oldest first. Changed entries keep their id and every
    user's read/starred state.
    """
    return apply_updates(connection, [feed_update])[0]


def apply_updates(connection: Connection, feed_updates: Sequence[FeedUpdate]) -> list[list[int]]:
    """`apply_update` for several fetches in the caller's transaction; returns the new
    entry ids of each, in order.

    The feed rows and the fetch history are written with one statement each for all of
    them (an executemany): per feed, they were two round trips of a refresh where most
    feeds answer 304 and nothing else is written.
    """
    if not feed_updates:
        return []
    new_ids: list[list[int]] = []
    for feed_update in feed_updates:
        now = feed_update.fetch.at
        new_ids.append(
            _insert_entries(connection, feed_update.feed_id, feed_update.new_entries, now)
        )
        _update_entries(connection, feed_update.changed_entries, now)
    connection.execute(
        _RECORD_FETCH,
        [
            _fetch_parameters(feed_update, had_new=bool(ids))
            for feed_update, ids in zip(feed_updates, new_ids, strict=True)
        ],
    )
    for feed_update in feed_updates:
        _record_metadata_and_move(connection, feed_update)
    connection.execute(_LOG_FETCH, [_log_parameters(feed_update) for feed_update in feed_updates])
    return new_ids


def _log_parameters(feed_update: FeedUpdate) -> dict[str, object]:
    fetch = feed_update.fetch
    return {
        "feed_id": feed_update.feed_id,
        "at": fetch.at,
        "outcome": fetch.outcome,
        "status": fetch.status,
        "error": fetch.error,
        "duration_ms": fetch.duration_ms,
        "new_entries": fetch.new_entries,
        "changed_entries": fetch.changed_entries,
    }


def _entry_values(write: EntryWrite) -> dict[str, object]:
    """The columns an entry's publisher controls, for an UPDATE of an edited entry."""
    return dict(zip(_ENTRY_COLUMNS[:_WRITTEN], write[:_WRITTEN], strict=True))


def _entry_row(
    write: EntryWrite, moment: Callable[[datetime | None], object]
) -> tuple[object, ...]:
    """An entry as a row of `_ENTRY_COLUMNS` (without the last two), times via `moment`."""
    plain = write[:_FIRST_TIME]
    return (*plain, moment(write.published), moment(write.updated), moment(write.sort_at))


def _same(moment: datetime | None) -> datetime | None:
    return moment


# The hot INSERT, written for the driver directly: Core's per-row parameter processing
# cost more than SQLite's own work on a cold refresh.
_ENTRY_COLUMNS = (
    "key", "content_hash", "title", "link", "author", "authors", "summary", "content",
    "categories", "enclosures", "thumbnail", "comments_url", "published", "updated", "sort_at",
    "feed_id", "first_seen_at",
)  # fmt: skip
# The columns an EntryWrite holds, its first fields; the last two come from the update.
_WRITTEN = len(_ENTRY_COLUMNS) - 2
# Where its times start (published, updated, sort_at), which the driver may need converted.
_FIRST_TIME = _ENTRY_COLUMNS.index("published")


def _insert_sql(dialect: str) -> str:
    marker = "?" if dialect == "sqlite" else "%s"
    # Built from the constant column list above, never from input.
    return (
        f"INSERT INTO entries ({', '.join(_ENTRY_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(marker for _ in _ENTRY_COLUMNS)})"
    )


def _sqlite_datetime(moment: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite DateTime stores (and parses back), in UTC."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _insert_entries(
    connection: Connection, feed_id: int, writes: Sequence[EntryWrite], now: datetime
) -> list[int]:
    if not writes:
        return []
    sqlite = connection.dialect.name == "sqlite"
    moment = _sqlite_datetime if sqlite else _same
    tail = (feed_id, moment(now))
    rows = [_entry_row(write, moment) + tail for write in writes]
    # Ids come back through a SELECT rather than INSERT … RETURNING: a plain executemany
    # is several times faster, and the feed's rows with an id above its previous
    # maximum are exactly these (ids only grow, and one feed has one writer at a time).
    if not sqlite:
        # Held to commit: entries become visible in id order, which clients that sync
        # with "entries after id N" (Fever, Google Reader, the search queue's readers)
        # rely on. Two PostgreSQL workers would otherwise commit ids out of order.
        connection.execute(_ENTRY_ORDER_LOCK)
    before = connection.scalar(_MAX_ENTRY_ID, {"feed_id": feed_id})
    connection.exec_driver_sql(_insert_sql(connection.dialect.name), rows)
    ids = list(connection.scalars(_ENTRY_IDS_ABOVE, {"feed_id": feed_id, "above": before}))
    assert len(ids) == len(writes), "entry ids of one feed must be its rows above the old maximum"
    parameters = {"feed_id": feed_id, "first": ids[0]}
    connection.execute(_UNREAD_FOR_SUBSCRIBERS, parameters)
    connection.execute(_QUEUE_FOR_INDEXING, parameters)
    return ids


# Statements of the hot path, built once (building them per feed cost more than running them).
_e, _s, _st = schema.entries, schema.subscriptions, schema.entry_states
_MAX_ENTRY_ID = select(func.coalesce(func.max(_e.c.id), 0)).where(
    _e.c.feed_id == bindparam("feed_id")
)
_ENTRY_IDS_ABOVE = (
    select(_e.c.id)
    .where(_e.c.feed_id == bindparam("feed_id"), _e.c.id > bindparam("above"))
    .order_by(_e.c.id)
)
# Every subscriber gets the new entries unread.
_UNREAD_FOR_SUBSCRIBERS = insert(_st).from_select(
    ["user_id", "entry_id", "feed_id"],
    select(_s.c.user_id, _e.c.id, _e.c.feed_id)
    .join(_s, _s.c.feed_id == _e.c.feed_id)
    .where(_e.c.feed_id == bindparam("feed_id"), _e.c.id >= bindparam("first")),
)
_QUEUE_FOR_INDEXING = insert(schema.search_queue).from_select(
    ["entry_id"],
    select(_e.c.id).where(_e.c.feed_id == bindparam("feed_id"), _e.c.id >= bindparam("first")),
)
# Any constant: "entries" in ASCII, read as a number.
_ENTRY_ORDER_LOCK = text("SELECT pg_advisory_xact_lock(28550419062547827)")
_LOG_FETCH = insert(schema.fetch_log)


def _update_entries(connection: Connection, writes: Sequence[EntryWrite], now: datetime) -> None:
    if not writes:
        return
    e = schema.entries
    rows = []
    for write in writes:
        assert write.entry_id is not None, "a changed entry must name the row it changes"
        values = _entry_values(write)
        # The stream position and identity stay: an edit must not resurface an old entry.
        del values["key"], values["sort_at"]
        rows.append({**values, "b_id": write.entry_id, "changed_at": now})
    # executemany: the SET clause comes from the keys of the rows.
    connection.execute(update(e).where(e.c.id == bindparam("b_id")), rows)
    queue_for_indexing(connection, [write.entry_id for write in writes if write.entry_id])


def _bound(name: str, column: str) -> BindParameter[object]:
    return bindparam(name, type_=_f.c[column].type)


# Built once: the same statement for every fetch outcome, with CASE/COALESCE choosing
# between the new value and the stored one (a 304 keeps the metadata, an error keeps the
# validators), so that no statement is compiled per feed.
_RECORD_FETCH = (
    update(_f)
    .where(_f.c.id == bindparam("b_feed_id"))
    .values(
        last_fetched_at=_bound("b_at", "last_fetched_at"),
        last_status=_bound("b_status", "last_status"),
        last_error=_bound("b_error", "last_error"),
        error_count=_bound("b_errors", "error_count"),
        next_check_at=_bound("b_next_at", "next_check_at"),
        next_check_reason=_bound("b_reason", "next_check_reason"),
        leased_until=None,
        redirect_url=_bound("b_redirect_url", "redirect_url"),
        redirect_count=_bound("b_redirect_count", "redirect_count"),
        last_new_entry_at=case(
            (bindparam("b_had_new", type_=Boolean()), _bound("b_at2", "last_new_entry_at")),
            else_=_f.c.last_new_entry_at,
        ),
        posting_interval_s=func.coalesce(
            _bound("b_interval", "posting_interval_s"), _f.c.posting_interval_s
        ),
        etag=case(
            (bindparam("b_validators", type_=Boolean()), _bound("b_etag", "etag")),
            else_=_f.c.etag,
        ),
        last_modified=case(
            (bindparam("b_validators2", type_=Boolean()), _bound("b_lm", "last_modified")),
            else_=_f.c.last_modified,
        ),
        disabled_reason=func.coalesce(_bound("b_disable", "disabled_reason"), _f.c.disabled_reason),
    )
)
_METADATA_COLUMNS = (
    "title", "site_url", "description", "language", "icon_url", "logo_url", "hub_url",
    "self_url", "ttl_minutes", "skip_hours", "skip_days",
)  # fmt: skip
_RECORD_METADATA = (
    update(_f)
    .where(_f.c.id == bindparam("b_feed_id"))
    .values({name: _bound(f"b_{name}", name) for name in _METADATA_COLUMNS})
)


def _fetch_parameters(feed_update: FeedUpdate, *, had_new: bool) -> dict[str, object]:
    """The parameters of `_RECORD_FETCH` for one fetch."""
    fetch = feed_update.fetch
    return {
        "b_feed_id": feed_update.feed_id,
        "b_at": fetch.at,
        "b_at2": fetch.at,
        "b_status": fetch.status,
        "b_error": fetch.error,
        "b_errors": feed_update.error_count,
        "b_next_at": feed_update.next_check.at,
        "b_reason": feed_update.next_check.reason,
        "b_redirect_url": feed_update.redirect_url,
        "b_redirect_count": feed_update.redirect_count,
        "b_had_new": had_new,
        "b_interval": feed_update.posting_interval_s,
        "b_validators": feed_update.validators_changed,
        "b_validators2": feed_update.validators_changed,
        "b_etag": feed_update.etag,
        "b_lm": feed_update.last_modified,
        "b_disable": feed_update.disable_reason,
    }


def _record_metadata_and_move(connection: Connection, feed_update: FeedUpdate) -> None:
    """What a successful fetch says of the feed, and a permanent move once it is stable."""
    metadata = feed_update.metadata
    if metadata is not None:
        values = {
            "title": metadata.title,
            "site_url": metadata.site_url,
            "description": metadata.description,
            "language": metadata.language,
            "icon_url": metadata.icon_url,
            "logo_url": metadata.logo_url,
            "hub_url": metadata.hub_url,
            "self_url": metadata.self_url,
            "ttl_minutes": metadata.ttl_minutes,
            "skip_hours": ",".join(str(h) for h in sorted(metadata.skip_hours)),
            "skip_days": ",".join(sorted(metadata.skip_days)),
        }
        connection.execute(
            _RECORD_METADATA,
            {"b_feed_id": feed_update.feed_id, **{f"b_{k}": v for k, v in values.items()}},
        )
    if feed_update.move_to_url is not None and not _url_taken(connection, feed_update.move_to_url):
        connection.execute(
            update(_f)
            .where(_f.c.id == feed_update.feed_id)
            .values(url=feed_update.move_to_url, redirect_url=None, redirect_count=0)
        )


def _url_taken(connection: Connection, url: str) -> bool:
    """Whether another feed row already has `url` (then the two stay apart for now)."""
    return connection.scalar(select(func.count()).where(_f.c.url == url)) != 0
