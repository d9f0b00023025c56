"""The full-text index of entries, the one place where SQLite and PostgreSQL differ most.

SQLite: an FTS5 table `entry_search(title, body)` whose rowid is the entry id (rows go
with their entry through a trigger). PostgreSQL: a table `entry_search(entry_id,
document)` with a weighted tsvector under a GIN index. Both are created by migration
0001. Queries against the index come with the query language (`newsriver.query`); for
now `search_clause` matches plain words and quoted phrases. New and edited entries are
queued when stored and indexed in batches: on SQLite by the refresh's writer in the
same transaction (`index_written`), on PostgreSQL afterwards (`index_pending`).

Where indexing time goes (35,404 entries of 2-6 KB of HTML, 2 cores): tokenising, on
both. PostgreSQL's parser (`to_tsvector`) reads 8-13 MB/s, three quarters of the time;
no cheaper route gave the same tokens with the positions phrases need (tokenising in
Python and sending tsvector literals was slower, so was stripping tags in SQL with
`regexp_replace`). So the rest is kept small: tags are stripped in Python (the parser
took a third less time on the text than on the HTML), white space is not collapsed
(it cost half of `text_of`, and tokenisers skip it), and the text is sent as binary
arrays. What is left to gain on PostgreSQL is the second core: indexers may run at
once, and two took 13 s where one took 21 s.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from sqlalchemy import (
    ColumnElement,
    Connection,
    column,
    delete,
    func,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from newsriver.store import schema
from newsriver.store.records import FeedUpdate
from newsriver.store.search_text import text_of

# Entries indexed per call (one transaction, about 0.2 s of SQLite's write lock).
# Larger batches indexed no faster once FTS5 merges 16 segments at a time (migration
# 0001), nor on PostgreSQL.
BATCH = 2000

log = logging.getLogger(__name__)

_e, _queue = schema.entries, schema.search_queue
# An empty content element falls back to the summary, as `text_of(content or summary)`.
_HTML = func.coalesce(func.nullif(_e.c.content, ""), _e.c.summary)

_SQLITE_DELETE_OLD = text(
    "DELETE FROM entry_search WHERE rowid IN "
    "(SELECT entry_id FROM search_queue WHERE entry_id <= :last)"
)
# Driver-level (rows as tuples): both SQLite paths insert thousands of rows at a time.
_SQLITE_INSERT = "INSERT INTO entry_search (rowid, title, body) VALUES (?, ?, ?)"
# Claims a batch: SKIP LOCKED lets several workers index at once without taking the
# same entries (the second insert of one entry would fail on the primary key).
_POSTGRES_CLAIM = text(
    "WITH batch AS (DELETE FROM search_queue WHERE entry_id IN ("
    "SELECT entry_id FROM search_queue ORDER BY entry_id LIMIT :limit FOR UPDATE SKIP LOCKED"
    ") RETURNING entry_id) "
    "SELECT entries.id, entries.title, COALESCE(NULLIF(entries.content, ''), entries.summary) "
    "FROM entries JOIN batch ON batch.entry_id = entries.id"
)
# A driver-level statement for binary parameters (`%(name)b`): text arrays in psycopg's
# text format cost 2 s per 100 MB to quote and parse, binary ones 0.5 s. An edited entry
# is indexed already: ON CONFLICT replaces its document.
_POSTGRES_INSERT = (
    "INSERT INTO entry_search (entry_id, document) SELECT item.id, "
    "setweight(to_tsvector('simple', item.title), 'A') || to_tsvector('simple', item.body) "
    "FROM unnest(%(ids)b::bigint[], %(titles)b::text[], %(bodies)b::text[]) "
    "AS item (id, title, body) "
    "ON CONFLICT (entry_id) DO UPDATE SET document = excluded.document"
)


def index_pending(connection: Connection, *, limit: int = BATCH) -> int:
    """(Re)index up to `limit` queued entries; returns how many. Call inside
    `Database.write()`, in a loop until it returns 0 (`newsriver refresh`, the worker).
    On PostgreSQL several connections may do so at once; each takes other entries.

    Entries are queued (`schema.search_queue`) in the transaction that stores or edits
    them. On PostgreSQL they are indexed afterwards, in batches, rather than inside the
    refresh: `to_tsvector` costs more than parsing, and a search that lags a refresh by
    seconds costs nobody anything. On SQLite the refresh's writer indexes them as it
    stores them (`index_written`), and this only catches up with what that left
    queued.
    """
    if connection.dialect.name == "sqlite":
        return _index_sqlite(connection, limit)
    return _index_postgresql(connection, limit)


def index_written(connection: Connection, written: Sequence[tuple[FeedUpdate, list[int]]]) -> int:
    """On SQLite, index the entries these updates just wrote (each update with the ids
    `updates.apply_updates` returned for it), in the caller's write transaction; returns
    how many. Does nothing on PostgreSQL, whose `to_tsvector` (8-13 MB/s) would hold up
    the writer: there the queue is left to `index_pending` after the refresh.

    The text comes with the update (`EntryWrite.search_text`, computed in the parse
    worker), so nothing is read back. A failure rolls back the indexing alone (a
    savepoint) and is logged: the entries stay queued for `index_pending`, and the
    caller's writes still commit.
    """
    if connection.dialect.name != "sqlite":
        return 0
    rows: list[tuple[int, str, str]] = []
    edited: list[tuple[int]] = []
    for update, new_ids in written:
        rows += [
            (entry_id, write.title or "", write.search_text)
            for entry_id, write in zip(new_ids, update.new_entries, strict=True)
        ]
        for write in update.changed_entries:
            if write.entry_id is not None:
                rows.append((write.entry_id, write.title or "", write.search_text))
                edited.append((write.entry_id,))
    if not rows:
        return 0
    try:
        with connection.begin_nested():
            if edited:
                # An edited entry is indexed already: its old text goes first.
                connection.exec_driver_sql("DELETE FROM entry_search WHERE rowid = ?", edited)
            connection.exec_driver_sql(_SQLITE_INSERT, rows)
            connection.exec_driver_sql(
                "DELETE FROM search_queue WHERE entry_id = ?", [(row[0],) for row in rows]
            )
    except DBAPIError:
        log.warning("indexing for search failed; the entries stay queued", exc_info=True)
        return 0
    return len(rows)


def _index_sqlite(connection: Connection, limit: int) -> int:
    rows = connection.execute(
        select(_e.c.id, _e.c.title, _HTML)
        .join(_queue, _queue.c.entry_id == _e.c.id)
        .order_by(_queue.c.entry_id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    # The batch is the queue's first ids, so it is everything queued up to the last one
    # (this transaction is the only writer).
    last = {"last": rows[-1][0]}
    # An edited entry is indexed already: its old text goes first.
    connection.execute(_SQLITE_DELETE_OLD, last)
    connection.exec_driver_sql(
        _SQLITE_INSERT, [(entry_id, title or "", text_of(html)) for entry_id, title, html in rows]
    )
    connection.execute(delete(_queue).where(_queue.c.entry_id <= last["last"]))
    return len(rows)


def _index_postgresql(connection: Connection, limit: int) -> int:
    rows = connection.execute(_POSTGRES_CLAIM, {"limit": limit}).all()
    if not rows:
        return 0
    connection.exec_driver_sql(
        _POSTGRES_INSERT,
        {
            "ids": [row[0] for row in rows],
            "titles": [row[1] or "" for row in rows],
            "bodies": [text_of(row[2]) for row in rows],
        },
    )
    return len(rows)


def queue_for_indexing(connection: Connection, entry_ids: Sequence[int]) -> None:
    """Queue entries whose text changed; those already queued stay queued once.

    ON CONFLICT rather than a NOT IN check: on PostgreSQL an indexer may hold a queued
    row it is about to delete; the insert then waits for it and queues the edit again,
    where NOT IN would still see the row and drop the edit from the index for good.
    """
    dialect_insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    statement = dialect_insert(schema.search_queue).from_select(
        ["entry_id"], select(schema.entries.c.id).where(schema.entries.c.id.in_(entry_ids))
    )
    connection.execute(statement.on_conflict_do_nothing())


_TERM = re.compile(r'"([^"]*)"|(\S+)')


def search_clause(
    connection: Connection, entry_id: ColumnElement[int], words: str
) -> ColumnElement[bool]:
    """A condition on `entry_id`: the entry's title or text contains every word/phrase.

    Words are matched as whole tokens (case and accents folded); a quoted phrase as consecutive
    tokens. Operators are not interpreted here (that is the query language's job):
    every term is quoted, so user input can never become FTS or tsquery syntax.
    """
    terms = [phrase or word for phrase, word in _TERM.findall(words)]
    terms = [term for term in (t.strip() for t in terms) if term]
    if not terms:
        return text("1 = 1")  # type: ignore[return-value]
    if connection.dialect.name == "sqlite":
        fts = table("entry_search", column("rowid"))
        match = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
        return entry_id.in_(
            select(fts.c.rowid).where(text("entry_search MATCH :match").bindparams(match=match))
        )
    pg = table("entry_search", column("entry_id"), column("document"))
    condition = None
    for index, term in enumerate(terms):
        name = f"term_{index}"
        clause = text(f"entry_search.document @@ phraseto_tsquery('simple', :{name})").bindparams(
            **{name: term}
        )
        condition = clause if condition is None else condition & clause
    return entry_id.in_(select(pg.c.entry_id).where(condition))  # type: ignore[arg-type]
