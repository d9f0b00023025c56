"""Failed sign-ins, as the login throttle counts them (`web.auth.throttle`): a row per
counted key and failure, in the database so that every web process sees them all."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, delete, exists, insert, select

from newsriver.store import schema

_t = schema.sign_in_failures


def recent_failures(connection: Connection, key: str, *, since: float, limit: int) -> list[float]:
    """The times of the newest `limit` failures of `key` after `since`, newest first."""
    query = (
        select(_t.c.at)
        .where(_t.c.key == key, _t.c.at > since)
        .order_by(_t.c.at.desc())
        .limit(limit)
    )
    return [float(at) for at in connection.scalars(query)]


def record_failure(connection: Connection, keys: Sequence[str], *, at: float) -> None:
    connection.execute(insert(_t), [{"key": key, "at": at} for key in keys])


def has_failures(connection: Connection, key: str) -> bool:
    return connection.scalar(select(exists().where(_t.c.key == key))) is True


def clear_failures(connection: Connection, key: str) -> None:
    connection.execute(delete(_t).where(_t.c.key == key))


def forget_failures(connection: Connection, *, before: float, keys: Sequence[str] = ()) -> None:
    """Delete the failures at or before `before`: of `keys` only, or of every key."""
    condition = _t.c.at <= before
    if keys:
        condition = condition & _t.c.key.in_(keys)
    connection.execute(delete(_t).where(condition))
