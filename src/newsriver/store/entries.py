"""A user's entries: listing with keyset pagination, read/starred state, mark-all-read.

Streams are ordered by entry id, which grows with insertion (FreshRSS orders its main
stream the same way): pagination is `id < cursor` on an index, never OFFSET, and a page
stays stable while new entries arrive.

Which index serves which stream (measured with EXPLAIN QUERY PLAN on SQLite, 1,000,000
entries of one user, 1,000 feeds):

- everything: the primary key (user_id, entry_id);
- unread: `ix_entry_states_unread_stream` (user_id, entry_id) WHERE NOT read. Without it
  a reader who had read all but a few old entries waited 410 ms for a page;
- a feed: `ix_entry_states_feed`, or `ix_entry_states_unread` when unread;
- a category: the newest page of each of its feeds on the same indexes, merged (a
  UNION ALL of one small range per feed): 0.1-2 ms, where filtering the primary key
  by feed took 30 ms (265 ms unread) for a category of rarely-posting feeds;
- a label: the label's own primary key (label_id, entry_id), joined to the state;
- starred: `ix_entry_states_starred`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Integer,
    Select,
    TextualSelect,
    cast,
    column,
    exists,
    func,
    not_,
    or_,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB

from newsriver.store import schema
from newsriver.store.search import search_clause

_e, _st, _s = schema.entries, schema.entry_states, schema.subscriptions
_el, _lb = schema.entry_labels, schema.labels

# The partial indexes' predicates, written exactly as their WHERE clauses. SQLAlchemy
# writes `~entry_states.c.read` as `read = 0` on SQLite (which has no boolean type), and
# SQLite's planner does not see that `read = 0` implies `NOT read`: no query would use
# the indexes `ix_entry_states_unread`, `ix_entry_states_unread_stream` and
# `ix_entry_states_starred` (counts took 1.7 s instead of 9 ms on 1,000,000 entries).
UNREAD = type_coerce(not_(type_coerce(_st.c.read, Integer)), Boolean)
STARRED = type_coerce(text("entry_states.starred"), Boolean)

# Above this many feeds a category is read by filtering the user's whole stream: SQLite
# allows 500 terms in a compound SELECT, and a category that large is dense anyway.
MAX_MERGED_FEEDS = 200
# The most entries one page may hold, and one state change may name.
MAX_PAGE = 1000
# The most entry ids one listing of ids alone may return (Google Reader's
# `stream/items/ids` asks for up to 10,000 at a time).
MAX_IDS = 10_000


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """Which of a user's entries to list. Every filter narrows; none widens."""

    feed_id: int | None = None
    category_id: int | None = None
    # Only entries carrying this label (of this user's: another's selects nothing).
    label_id: int | None = None
    unread_only: bool = False
    # Only entries the user has read (Google Reader's `state/read` stream).
    read_only: bool = False
    starred_only: bool = False
    # Plain words and "quoted phrases", all required.
    search: str | None = None
    # Only these entries (the sync APIs fetch items by id); None: no such filter.
    entry_ids: tuple[int, ...] | None = None
    # Only ids strictly above / below these, whatever the order (Fever's `since_id` and
    # `max_id`, Miniflux's `after_entry_id` and `before_entry_id`).
    id_above: int | None = None
    id_below: int | None = None
    # Only entries dated (`sort_at`: published, else first seen) at or after `since`
    # and before `until`.
    since: datetime | None = None
    until: datetime | None = None
    # Only entries first seen (fetched) at or after `seen_since` and before `seen_until`:
    # Google Reader's `ot`/`nt`, which clients set to their last sync, when an entry
    # dated last week but fetched a minute ago is still news to them.
    seen_since: datetime | None = None
    seen_until: datetime | None = None
    # Leave out the user's starred entries (Google Reader's `xt` of the starred state).
    unstarred_only: bool = False
    # Only entries that changed for the user (first seen, edited, read or starred: the
    # latest of these, Miniflux's `changed_at`) strictly after / before these.
    changed_after: datetime | None = None
    changed_before: datetime | None = None
    # Only entries whose feed gave them every one of these categories (exactly).
    tags: tuple[str, ...] = ()
    # Leave out the entries of these feeds, and those carrying any of these labels
    # (Google Reader's `xt` of a feed, category or label).
    excluded_feed_ids: tuple[int, ...] = ()
    excluded_label_ids: tuple[int, ...] = ()
    order: Literal["newest", "oldest"] = "newest"
    # Keyset cursor: the id of the last entry of the previous page.
    after_id: int | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class EntryRow:
    """An entry as a stream shows it. The feed's name and icon come from the caller's
    list of subscriptions, which every page has already."""

    id: int
    feed_id: int
    title: str | None
    link: str | None
    author: str | None
    # Sanitised HTML (feeds/sanitize.py), safe to insert into a page as it is.
    summary: str | None
    content: str | None
    published: datetime | None
    # The published time, else when first seen: what day separators group by.
    sort_at: datetime
    read: bool
    starred: bool


def _select(user_id: int) -> Select[tuple[object, ...]]:
    return (
        select(
            _e.c.id,
            _e.c.feed_id,
            _e.c.title,
            _e.c.link,
            _e.c.author,
            _e.c.summary,
            _e.c.content,
            _e.c.published,
            _e.c.sort_at,
            _st.c.read,
            _st.c.starred,
        )
        .select_from(_st.join(_e, _e.c.id == _st.c.entry_id))
        .where(_st.c.user_id == user_id)
    )


def _category_feeds(user_id: int, category_id: int) -> Select[int]:
    return select(_s.c.feed_id).where(_s.c.user_id == user_id, _s.c.category_id == category_id)


def _label_entries(user_id: int, label_id: int) -> Select[int]:
    """The entries carrying the label, if the label is the user's (labels have no user
    column of their own on `entry_labels`, so the owner is checked through `labels`)."""
    return select(_el.c.entry_id).where(
        _el.c.label_id == label_id,
        exists().where(_lb.c.id == label_id, _lb.c.user_id == user_id),
    )


def _conditions(
    connection: Connection, user_id: int, query: EntryQuery
) -> list[ColumnElement[bool]]:
    """The filters of `query` on `entry_states`, except the cursor and the order."""
    conditions: list[ColumnElement[bool]] = [_st.c.user_id == user_id]
    if query.feed_id is not None:
        conditions.append(_st.c.feed_id == query.feed_id)
    if query.category_id is not None:
        conditions.append(_st.c.feed_id.in_(_category_feeds(user_id, query.category_id)))
    if query.label_id is not None:
        conditions.append(_st.c.entry_id.in_(_label_entries(user_id, query.label_id)))
    if query.unread_only:
        conditions.append(UNREAD)
    if query.read_only:
        conditions.append(_st.c.read.is_(True))
    if query.starred_only:
        conditions.append(STARRED)
    if query.search:
        conditions.append(search_clause(connection, _st.c.entry_id, query.search))
    if query.entry_ids is not None:
        conditions.append(_st.c.entry_id.in_(query.entry_ids))
    if query.id_above is not None:
        conditions.append(_st.c.entry_id > query.id_above)
    if query.id_below is not None:
        conditions.append(_st.c.entry_id < query.id_below)
    if query.unstarred_only:
        conditions.append(not_(STARRED))
    if query.since is not None or query.until is not None:
        conditions.append(_dated("sort_at", query.since, query.until))
    if query.seen_since is not None or query.seen_until is not None:
        conditions.append(_dated("first_seen_at", query.seen_since, query.seen_until))
    if query.changed_after is not None or query.changed_before is not None:
        conditions.append(_changed(query.changed_after, query.changed_before))
    if query.tags:
        conditions.append(_tagged(connection.dialect.name, query.tags))
    if query.excluded_feed_ids:
        conditions.append(_st.c.feed_id.not_in(query.excluded_feed_ids))
    if query.excluded_label_ids:
        labelled = select(_el.c.entry_id).where(_el.c.label_id.in_(query.excluded_label_ids))
        conditions.append(_st.c.entry_id.not_in(labelled))
    return conditions


def _changed(after: datetime | None, before: datetime | None) -> ColumnElement[bool]:
    """Whether the latest of the entry's first-seen, updated, read and starred times is
    after `after` and before `before` (strictly): any of them after, all of them before.
    The REST API shows that latest time as `changed_at` (`api/rest/convert.py`)."""
    entry = _e.alias("changed")
    moments = (entry.c.first_seen_at, entry.c.updated, _st.c.read_at, _st.c.starred_at)
    changed: list[ColumnElement[bool]] = [entry.c.id == _st.c.entry_id]
    if after is not None:
        changed.append(or_(*(moment > after for moment in moments)))
    if before is not None:
        changed.extend(or_(moment.is_(None), moment < before) for moment in moments)
    return exists().where(*changed)


def _tagged(dialect: str, tags: Sequence[str]) -> ColumnElement[bool]:
    """Whether the entry's categories (a JSON list of strings) hold every one of `tags`."""
    entry = _e.alias("tagged")
    tagged: list[ColumnElement[bool]] = [entry.c.id == _st.c.entry_id]
    for tag in tags:
        if dialect == "sqlite":
            item = func.json_each(entry.c.categories).table_valued("value")
            tagged.append(exists().select_from(item).where(item.c.value == tag))
        else:
            contained = cast(entry.c.categories, JSONB).contains(func.jsonb_build_array(tag))
            tagged.append(contained)
    return exists().where(*tagged)


def _dated(
    column: Literal["sort_at", "first_seen_at"], since: datetime | None, until: datetime | None
) -> ColumnElement[bool]:
    """Whether the state's entry has `column` in [since, until). Correlated, so each
    candidate costs one primary-key probe of `entries` (neither time has an index); on
    an alias, as listings join `entries` already and would correlate it away."""
    entry = _e.alias("dated")
    dated: list[ColumnElement[bool]] = [entry.c.id == _st.c.entry_id]
    if since is not None:
        dated.append(entry.c[column] >= since)
    if until is not None:
        dated.append(entry.c[column] < until)
    return exists().where(*dated)


def _plain(query: EntryQuery) -> bool:
    """Whether only the stream, unread and cursor filters are set: the shapes the
    category and label plans below are written for."""
    return not (
        query.search
        or query.read_only
        or query.entry_ids is not None
        or query.id_above is not None
        or query.id_below is not None
        or query.since is not None
        or query.until is not None
        or query.seen_since is not None
        or query.seen_until is not None
        or query.unstarred_only
        or query.changed_after is not None
        or query.changed_before is not None
        or bool(query.tags)
        or bool(query.excluded_feed_ids)
        or bool(query.excluded_label_ids)
    )


def list_entries(connection: Connection, user_id: int, query: EntryQuery) -> list[EntryRow]:
    """One page of the user's entries matching `query`. Does not mark them read."""
    newest = query.order == "newest"
    after: list[ColumnElement[bool]] = []
    if query.after_id is not None:
        after.append(_st.c.entry_id < query.after_id if newest else _st.c.entry_id > query.after_id)
    statement: Select[tuple[object, ...]] | None = None
    parameters: dict[str, object] = {}
    order = _st.c.entry_id
    if (
        query.category_id is not None
        and not (query.label_id or query.starred_only)
        and _plain(query)
    ):
        merged = _merged_category(connection, user_id, query)
        if merged is not None:
            members, parameters = merged
            statement = _select(user_id).where(_st.c.entry_id.in_(members), *after)
    elif query.label_id is not None and query.category_id is None and not query.search:
        # `_labelled` applies the other filters itself.
        statement, order = _labelled(connection, user_id, query, after), _el.c.entry_id
    if statement is None:
        statement = _select(user_id).where(*_conditions(connection, user_id, query), *after)
    statement = statement.order_by(order.desc() if newest else order).limit(_limit(query))
    return [EntryRow(**row._mapping) for row in connection.execute(statement, parameters)]


def _limit(query: EntryQuery) -> int:
    return max(1, min(query.limit, MAX_PAGE))


def list_entry_ids(connection: Connection, user_id: int, query: EntryQuery) -> list[int]:
    """The ids alone of the user's entries matching `query`, in its order, after its
    cursor, at most `query.limit` of them (capped at MAX_IDS): what sync clients ask
    for before fetching the entries they lack."""
    statement = sync_listing(connection, user_id, query, select(_st.c.entry_id))
    return [int(entry_id) for entry_id in connection.scalars(statement)]


def list_entry_ids_by_date(
    connection: Connection, user_id: int, query: EntryQuery, *, offset: int = 0
) -> list[int]:
    """The ids of the user's entries matching `query`, ordered by date (`sort_at`, then
    id), newest or oldest first as `query.order` says, after skipping `offset` of them,
    at most `query.limit` (capped at MAX_PAGE). `query.after_id` is not used: this is
    Miniflux's listing by `published_at`, which clients page with an offset.

    Two shapes (migration 0006). The whole stream walks `ix_entries_sort_at` in date
    order and keeps the entries that are the user's (an EXISTS per entry, so that the
    walk is the plan's only loop: joined, SQLite's planner would sort all the user's
    entries instead). A stream narrowed by feed, category, label, state or search takes
    its candidates first and sorts them.
    """
    newest = query.order == "newest"
    order = (_e.c.sort_at.desc(), _e.c.id.desc()) if newest else (_e.c.sort_at, _e.c.id)
    conditions = _conditions(connection, user_id, query)
    if _whole_stream(query):
        statement = select(_e.c.id).where(
            exists().where(_st.c.entry_id == _e.c.id, *conditions).correlate(_e)
        )
    else:
        statement = (
            select(_st.c.entry_id)
            .select_from(_st.join(_e, _e.c.id == _st.c.entry_id))
            .where(*conditions)
        )
    statement = statement.order_by(*order).offset(offset).limit(_limit(query))
    return [int(entry_id) for entry_id in connection.scalars(statement)]


def _whole_stream(query: EntryQuery) -> bool:
    """Whether `query` keeps most of a user's entries, as far as can be told without
    counting: nothing narrows it but id bounds and dates."""
    return not (
        query.feed_id is not None
        or query.category_id is not None
        or query.label_id is not None
        or query.unread_only
        or query.read_only
        or query.starred_only
        or query.search
        or query.entry_ids is not None
        or query.tags
    )


def sync_listing(
    connection: Connection, user_id: int, query: EntryQuery, columns: Select[Any]
) -> Select[Any]:
    """`columns` of the user's states (joined to their entries by the caller if it
    needs them) that `query` selects, in its order, after its cursor, up to its limit
    (capped at MAX_IDS)."""
    newest = query.order == "newest"
    conditions = _conditions(connection, user_id, query)
    if query.after_id is not None:
        conditions.append(
            _st.c.entry_id < query.after_id if newest else _st.c.entry_id > query.after_id
        )
    order = _st.c.entry_id.desc() if newest else _st.c.entry_id
    limit = max(1, min(query.limit, MAX_IDS))
    return columns.where(*conditions).order_by(order).limit(limit)


def _labelled(
    connection: Connection, user_id: int, query: EntryQuery, after: list[ColumnElement[bool]]
) -> Select[tuple[object, ...]]:
    """A label's entries, driven by the label's (label_id, entry_id) key in entry
    order rather than by the user's whole stream tested for membership."""
    assert query.label_id is not None
    rest = replace(query, label_id=None)
    return (
        _select(user_id)
        .join(_el, (_el.c.entry_id == _st.c.entry_id) & (_el.c.label_id == query.label_id))
        .where(
            exists().where(_lb.c.id == query.label_id, _lb.c.user_id == user_id),
            *_conditions(connection, user_id, rest),
            *after,
        )
    )


def _merged_category(
    connection: Connection, user_id: int, query: EntryQuery
) -> tuple[TextualSelect, dict[str, object]] | None:
    """The ids of the first entries of each of a category's feeds (which hold the
    page's entries), with the statement's parameters; None when the category is
    better read by filtering the stream (very many feeds)."""
    assert query.category_id is not None
    feed_ids = list(connection.scalars(_category_feeds(user_id, query.category_id)))
    if query.feed_id is not None:
        feed_ids = [feed_id for feed_id in feed_ids if feed_id == query.feed_id]
    if len(feed_ids) > MAX_MERGED_FEEDS:
        return None
    if not feed_ids:
        # The category is not the user's, or has no feed: a member that finds nothing.
        feed_ids = [0]
    statement = _feed_pages(
        len(feed_ids),
        unread=query.unread_only,
        newest=query.order == "newest",
        after=query.after_id is not None,
    )
    parameters: dict[str, object] = {f"m_feed_{index}": feed for index, feed in enumerate(feed_ids)}
    parameters.update(m_user_id=user_id, m_after_id=query.after_id, m_limit=_limit(query))
    return statement, parameters


@lru_cache(maxsize=256)
def _feed_pages(feeds: int, *, unread: bool, newest: bool, after: bool) -> TextualSelect:
    """`feeds` per-feed pages in one UNION ALL, each a range of `ix_entry_states_feed`
    (or of `ix_entry_states_unread`, whose predicate `NOT read` is spelled out so that
    SQLite uses it). Written as text and kept per shape: building it with Core's
    constructs cost 1 ms per feed, more than running it."""
    direction, compare = ("DESC", "<") if newest else ("ASC", ">")
    condition = "user_id = :m_user_id AND feed_id = :m_feed_{index}"
    if unread:
        condition += " AND NOT read"
    if after:
        condition += f" AND entry_id {compare} :m_after_id"
    # A subquery per feed: SQLite takes no LIMIT on a compound SELECT's members. Built
    # from the constants above and numbers, never from input (which is bound).
    member = (
        "SELECT entry_id FROM (SELECT entry_id FROM entry_states WHERE "  # noqa: S608
        + condition
        + f" ORDER BY entry_id {direction} LIMIT :m_limit) AS m_{{index}}"
    )
    union = " UNION ALL ".join(member.format(index=index) for index in range(feeds))
    return text(union).columns(column("entry_id", Integer))


def set_read(
    connection: Connection, user_id: int, entry_ids: Sequence[int], *, read: bool, now: datetime
) -> int:
    """Mark the user's entries read or unread; ids not theirs are ignored. Returns the
    number of entries whose state changed."""
    return connection.execute(
        update(_st)
        .where(_st.c.user_id == user_id, _st.c.entry_id.in_(entry_ids), _st.c.read != read)
        .values(read=read, read_at=now if read else None)
    ).rowcount


def set_starred(
    connection: Connection, user_id: int, entry_ids: Sequence[int], *, starred: bool, now: datetime
) -> int:
    """Star or unstar the user's entries; ids not theirs are ignored."""
    return connection.execute(
        update(_st)
        .where(_st.c.user_id == user_id, _st.c.entry_id.in_(entry_ids), _st.c.starred != starred)
        .values(starred=starred, starred_at=now if starred else None)
    ).rowcount


def mark_all_read(
    connection: Connection,
    user_id: int,
    query: EntryQuery,
    *,
    up_to_id: int,
    before: datetime | None = None,
    now: datetime,
) -> int:
    """Mark read the user's unread entries that `query` selects (its order, cursor and
    limit are ignored) with an id up to `up_to_id`, and, with `before`, dated
    (`sort_at`) before it. Returns how many changed.

    `up_to_id` is the newest entry the reader's page knew of: entries that arrived after
    the page was loaded stay unread, as the reader has not seen them.
    """
    conditions = _conditions(connection, user_id, query)
    conditions += [UNREAD, _st.c.entry_id <= up_to_id]
    if before is not None:
        # Correlated, so each unread entry costs one primary-key probe; `sort_at` has no
        # index, and an IN list of every old entry would read the whole table.
        conditions.append(exists().where(_e.c.id == _st.c.entry_id, _e.c.sort_at < before))
    return connection.execute(
        update(_st).where(*conditions).values(read=True, read_at=now)
    ).rowcount


def newest_entry_id(connection: Connection, user_id: int) -> int | None:
    """The highest entry id the user has (read or not): the mark a page remembers, to
    tell later whether entries arrived since. One probe of the primary key."""
    newest = connection.scalar(select(func.max(_st.c.entry_id)).where(_st.c.user_id == user_id))
    return None if newest is None else int(newest)


def unread_count_above(connection: Connection, user_id: int, entry_id: int) -> int:
    """How many of the user's unread entries have an id above `entry_id` (arrived after
    a page that knew of entries up to it)."""
    count = connection.scalar(
        select(func.count()).where(_st.c.user_id == user_id, UNREAD, _st.c.entry_id > entry_id)
    )
    return int(count or 0)


@dataclass(frozen=True, slots=True)
class EntryDetails:
    """An entry with everything a sync client shows or stores: its enclosures, tags,
    when it was first seen (Google Reader's crawl time, Fever's `created_on_time`)."""

    id: int
    feed_id: int
    title: str | None
    link: str | None
    author: str | None
    # Sanitised HTML, as in EntryRow.
    summary: str | None
    content: str | None
    published: datetime | None
    updated: datetime | None
    sort_at: datetime
    first_seen_at: datetime
    # [{"url", "type", "length"}], as stored.
    enclosures: tuple[dict[str, object], ...]
    categories: tuple[str, ...]
    thumbnail: str | None
    comments_url: str | None
    read: bool
    starred: bool
    read_at: datetime | None
    starred_at: datetime | None


def count_entries(connection: Connection, user_id: int, query: EntryQuery) -> int:
    """How many of the user's entries `query` selects, ignoring its cursor and limit
    (Miniflux's `total`). A count over the filters' index range: cheap for unread or
    starred, proportional to everything the user has for the main stream."""
    statement = select(func.count()).where(*_conditions(connection, user_id, query))
    return int(connection.scalar(statement) or 0)


def list_entry_details(
    connection: Connection, user_id: int, query: EntryQuery
) -> list[EntryDetails]:
    """The entries of `list_entry_ids(query)`, in its order, with every detail (so at
    most MAX_IDS at once; the sync APIs cap their pages lower). One query: reading the
    ids first and then the entries by a list of 1,000 ids cost a third more."""
    columns = select(
        _e.c.id,
        _e.c.feed_id,
        _e.c.title,
        _e.c.link,
        _e.c.author,
        _e.c.summary,
        _e.c.content,
        _e.c.published,
        _e.c.updated,
        _e.c.sort_at,
        _e.c.first_seen_at,
        _e.c.enclosures,
        _e.c.categories,
        _e.c.thumbnail,
        _e.c.comments_url,
        _st.c.read,
        _st.c.starred,
        _st.c.read_at,
        _st.c.starred_at,
    ).select_from(_st.join(_e, _e.c.id == _st.c.entry_id))
    statement = sync_listing(connection, user_id, query, columns)
    return [_details(tuple(row)) for row in connection.execute(statement).all()]


def _details(row: tuple[Any, ...]) -> EntryDetails:
    """A row of `list_entry_details`'s columns, in their order (by position: building
    a mapping per row cost more than the query for 1,000 rows)."""
    (
        entry_id,
        feed_id,
        title,
        link,
        author,
        summary,
        content,
        published,
        updated,
        sort_at,
        first_seen_at,
        enclosures,
        tags,
        thumbnail,
        comments_url,
        read,
        starred,
        read_at,
        starred_at,
    ) = row
    return EntryDetails(
        id=entry_id,
        feed_id=feed_id,
        title=title,
        link=link,
        author=author,
        summary=summary,
        content=content,
        published=published,
        updated=updated,
        sort_at=sort_at,
        first_seen_at=first_seen_at,
        enclosures=tuple(item for item in json_list(enclosures) if isinstance(item, dict)),
        categories=tuple(str(tag) for tag in json_list(tags)),
        thumbnail=thumbnail,
        comments_url=comments_url,
        read=read,
        starred=starred,
        read_at=read_at,
        starred_at=starred_at,
    )


def json_list(stored: str | None) -> list[Any]:
    """A JSON list column's value; an empty list for anything else (never raises on a
    row written by an older version)."""
    if not stored or stored == "[]":  # most entries: no tags, no enclosures
        return []
    try:
        value = json.loads(stored)
    except ValueError:
        return []
    return value if isinstance(value, list) else []
