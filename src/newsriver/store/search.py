"""The full-text index of entries, the one place where SQLite and PostgreSQL differ most.

SQLite: an FTS5 table `entry_search(title, body)` whose rowid is the entry id (rows go
with their entry through a trigger). PostgreSQL: a table `entry_search(entry_id,
document)` with a weighted tsvector under a GIN index. Both are created by migration
0001. Queries against the index come with the query language (`newsriver.query`); for
now `search_clause` matches plain words and quoted phrases. New and edited entries are
queued when stored and indexed in batches afterwards (`index_pending`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape

from sqlalchemy import (
    ColumnElement,
    Connection,
    bindparam,
    column,
    delete,
    insert,
    select,
    table,
    text,
)

from newsriver.store import schema

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


def index_pending(connection: Connection, *, limit: int = 2000) -> int:
    """(Re)index up to `limit` queued entries; returns how many. Call inside
    `Database.write()`, in a loop until it returns 0 (`newsriver refresh`, the worker).

    Entries are queued (`schema.search_queue`) in the transaction that stores or edits
    them and indexed afterwards, in batches, rather than inside the refresh: tokenising
    costs about as much as parsing, and a search that lags a refresh by seconds costs
    nobody anything.
    """
    e, queue = schema.entries, schema.search_queue
    rows = connection.execute(
        select(e.c.id, e.c.title, e.c.content, e.c.summary)
        .join(queue, queue.c.entry_id == e.c.id)
        .order_by(queue.c.entry_id)
        .limit(limit)
    ).all()
    if not rows:
        return 0
    ids = [row.id for row in rows]
    sqlite = connection.dialect.name == "sqlite"
    # An edited entry is indexed already: its old text goes first.
    key = "rowid" if sqlite else "entry_id"
    connection.execute(
        # `key` is one of two constant column names, never input.
        text(f"DELETE FROM entry_search WHERE {key} IN :ids").bindparams(  # noqa: S608
            bindparam("ids", expanding=True)
        ),
        {"ids": ids},
    )
    items = [(row.id, row.title or "", text_of(row.content or row.summary)) for row in rows]
    if sqlite:
        connection.execute(
            _SQLITE_INSERT, [{"id": i, "title": title, "body": body} for i, title, body in items]
        )
    else:
        _, titles, bodies = zip(*items, strict=True)
        connection.execute(
            _POSTGRES_INSERT, {"ids": ids, "titles": list(titles), "bodies": list(bodies)}
        )
    connection.execute(delete(queue).where(queue.c.entry_id.in_(ids)))
    return len(rows)


def queue_for_indexing(connection: Connection, entry_ids: Sequence[int]) -> None:
    """Queue entries whose text changed; those already queued stay queued once."""
    queue = schema.search_queue
    connection.execute(
        insert(queue).from_select(
            ["entry_id"],
            select(schema.entries.c.id).where(
                schema.entries.c.id.in_(entry_ids),
                schema.entries.c.id.not_in(select(queue.c.entry_id)),
            ),
        )
    )


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
