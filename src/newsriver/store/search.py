"""The full-text index of entries, the one place where SQLite and PostgreSQL differ most.

SQLite: an FTS5 table `entry_search(title, body)` whose rowid is the entry id (rows go
with their entry through a trigger). PostgreSQL: a table `entry_search(entry_id,
document)` with a weighted tsvector under a GIN index. Both are created by migration
0001. Queries against the index come with the query language (`newsriver.query`); for
now `search_clause` matches plain words and quoted phrases. New entries are indexed in
batches after they are stored (`index_pending`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html import unescape

from sqlalchemy import ColumnElement, Connection, column, select, table, text

from newsriver.store import schema
from newsriver.store.records import EntryWrite

# The highest entry id whose text is in the index (instance_settings key).
_WATERMARK = "search.indexed_through"
# Index this much text per entry at most: the start of an article is what people search.
MAX_TEXT_CHARS = 20_000
# Linear on any input (no nested quantifiers). A `>` inside an attribute value leaks a
# few characters of the attribute into the index text, which only costs a spurious match.
_TAG = re.compile(r"<[^<>]*>")

_SQLITE_INSERT = text("INSERT INTO entry_search (rowid, title, body) VALUES (:id, :title, :body)")
_POSTGRES_INSERT = text(
    "INSERT INTO entry_search (entry_id, document) SELECT item.id, "
    "setweight(to_tsvector('simple', item.title), 'A') || to_tsvector('simple', item.body) "
    "FROM unnest(CAST(:ids AS BIGINT[]), CAST(:titles AS TEXT[]), CAST(:bodies AS TEXT[])) "
    "AS item (id, title, body)"
)


def text_of(html: str | None) -> str:
    """The words of sanitised HTML, for the index. Not for display: markup is dropped
    with a regular expression, which is good enough on the sanitiser's well-formed
    output and several times cheaper than parsing it again."""
    if not html:
        return ""
    return " ".join(unescape(_TAG.sub(" ", html[: MAX_TEXT_CHARS * 4])).split())[:MAX_TEXT_CHARS]


def _add(connection: Connection, rows: Sequence[tuple[int, str, str]]) -> None:
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(
            _SQLITE_INSERT, [{"id": i, "title": title, "body": body} for i, title, body in rows]
        )
    else:
        ids, titles, bodies = zip(*rows, strict=True)
        connection.execute(
            _POSTGRES_INSERT, {"ids": list(ids), "titles": list(titles), "bodies": list(bodies)}
        )


def _watermark(connection: Connection) -> int:
    value = connection.scalar(
        select(schema.instance_settings.c.value).where(schema.instance_settings.c.key == _WATERMARK)
    )
    return int(value) if value is not None else 0


def index_pending(connection: Connection, *, limit: int = 2000) -> int:
    """Index up to `limit` entries not yet in the search index; returns how many.

    New entries are indexed after they are stored, in batches, rather than inside the
    refresh's transactions: tokenising is the costliest part of storing an entry (about
    as much as parsing it), and a search that lags a refresh by seconds costs nobody
    anything. Callers loop until it returns 0 (`newsriver refresh`, the worker). Call
    inside `Database.write()`.
    """
    e = schema.entries
    start = _watermark(connection)
    rows = connection.execute(
        select(e.c.id, e.c.title, e.c.content, e.c.summary)
        .where(e.c.id > start)
        .order_by(e.c.id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    _add(
        connection, [(row.id, row.title or "", text_of(row.content or row.summary)) for row in rows]
    )
    _set_watermark(connection, rows[-1].id, insert=start == 0)
    return len(rows)


def _set_watermark(connection: Connection, entry_id: int, *, insert: bool) -> None:
    table = schema.instance_settings
    if insert and connection.scalar(select(table.c.key).where(table.c.key == _WATERMARK)) is None:
        connection.execute(table.insert().values(key=_WATERMARK, value=str(entry_id)))
    else:
        connection.execute(
            table.update().where(table.c.key == _WATERMARK).values(value=str(entry_id))
        )


def reindex_entries(connection: Connection, writes: Iterable[tuple[int, EntryWrite]]) -> None:
    """Replace the indexed text of entries a publisher edited (those already indexed;
    the others get their new text when `index_pending` reaches them)."""
    watermark = _watermark(connection)
    rows = [
        (entry_id, write.entry.title or "", text_of(write.entry.content or write.entry.summary))
        for entry_id, write in writes
        if entry_id <= watermark
    ]
    if not rows:
        return
    key = "rowid" if connection.dialect.name == "sqlite" else "entry_id"
    connection.execute(
        # `key` is one of two constant column names, never input.
        text(f"DELETE FROM entry_search WHERE {key} = :id"),  # noqa: S608
        [{"id": row[0]} for row in rows],
    )
    _add(connection, rows)


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
