"""Opening the database: the engine, SQLite's pragmas, and migrations.

SQLite is tuned for one writer and many readers: WAL (readers never wait for the
writer), foreign keys on, `synchronous=NORMAL` (durable at each checkpoint; a crash
loses at most the last transactions, never corrupts), and write transactions that take
the write lock up front (`BEGIN IMMEDIATE`) so two writers queue instead of deadlocking
on a lock upgrade. PostgreSQL needs none of this.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from newsriver.errors import StoreError
from newsriver.store.checkpoints import Checkpointer

Dialect = Literal["sqlite", "postgresql"]

_MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration's revision (a test checks it against Alembic's head). Comparing
# it with the database's lets a command that finds the schema current skip importing
# Alembic, a quarter of a second of every start-up.
SCHEMA_REVISION = "0008"
# Serialises `upgrade` between processes on PostgreSQL (any constant; "newsriver" in hex).
_MIGRATION_LOCK_KEY = 0x6E657773726976


class Database:
    """An open database. Hands out connections; knows nothing of the tables' meaning."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        name = engine.dialect.name
        if name not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported database {name!r}: use SQLite or PostgreSQL")
        self.dialect: Dialect = "sqlite" if name == "sqlite" else "postgresql"
        # SQLite allows one writer; queueing here costs less than SQLITE_BUSY retries.
        self._write_lock = threading.Lock() if self.dialect == "sqlite" else None
        self._checkpointer: Checkpointer | None = None
        self._checkpointer_lock = threading.Lock()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading; its implicit transaction is rolled back at the end."""
        with self._connect() as connection:
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed when the block ends cleanly."""
        if self._write_lock is None:
            with self._connect() as connection, connection.begin():
                yield connection
            return
        with (
            self._write_lock,
            self._connect() as connection,
            connection.execution_options(newsriver_write=True).begin(),
        ):
            yield connection
        self._after_commit()

    def _after_commit(self) -> None:
        """Have the WAL checkpointed soon, off this thread (see `checkpoints`)."""
        path = self.engine.url.database
        if not path or path == ":memory:":
            return
        with self._checkpointer_lock:
            if self._checkpointer is None:
                self._checkpointer = Checkpointer(
                    lambda: sqlite3.connect(path, isolation_level=None, check_same_thread=False)
                )
            self._checkpointer.wrote()

    def _connect(self) -> Connection:
        """A pooled connection; failing to get one is a StoreError, other errors are not."""
        try:
            return self.engine.connect()
        except DBAPIError as e:
            reason = str(e.orig).strip().splitlines()[0] if e.orig else str(e)
            raise StoreError(f"cannot reach the database: {reason}") from e

    def size_bytes(self) -> int:
        """The database's size on disk (SQLite: the file and its WAL)."""
        with self.read() as connection:
            if self.dialect == "postgresql":
                return int(connection.scalar(text("SELECT pg_database_size(current_database())")))
            database = self.engine.url.database
        if not database or database == ":memory:":
            return 0
        path = Path(database)
        return sum(
            candidate.stat().st_size
            for candidate in (path, Path(f"{database}-wal"))
            if candidate.exists()
        )

    def close(self) -> None:
        with self._checkpointer_lock:
            if self._checkpointer is not None:
                self._checkpointer.close()
                self._checkpointer = None
        self.engine.dispose()


def normalise_url(url: str) -> str:
    """Accept `postgres://` and `postgresql://` as PostgreSQL through psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def open_database(url: str, *, upgrade: bool = True) -> Database:
    """Connect to `url` (an SQLAlchemy URL), creating the SQLite file's directory.

    With `upgrade`, pending migrations are applied first, as at every start-up. Raises
    StoreError with one line (unreachable server, bad URL, unwritable file).
    """
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as e:
        raise StoreError(f"invalid database URL: {e}") from None
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create the data directory: {e}") from None
        # Autocommit at the driver level: transactions are begun by the listener below.
        options["connect_args"] = {"timeout": 30, "isolation_level": None}
    else:
        options["pool_pre_ping"] = True
        options["connect_args"] = {"connect_timeout": 10}
    try:
        engine = create_engine(url, **options)
    except (ArgumentError, NoSuchModuleError, ImportError) as e:
        raise StoreError(f"cannot use database URL: {e}") from None
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    database = Database(engine)
    try:
        with database.read() as connection:
            connection.execute(text("SELECT 1"))
        if upgrade:
            upgrade_schema(database)
    except BaseException:
        database.close()
        raise
    return database


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # Entries are a few KB each: 16 KiB pages keep most of them off overflow chains,
        # which made bulk inserts twice as fast as 4 KiB pages here. Only takes effect
        # when the file is created.
        cursor.execute("PRAGMA page_size = 16384")
        for pragma in (
            "journal_mode = WAL",
            "synchronous = NORMAL",
            "foreign_keys = ON",
            "busy_timeout = 30000",
            # 16 MiB per connection: the OS page cache holds the rest, and a refresh has
            # several reader connections (one per thread) besides the writer.
            "cache_size = -16384",
            "temp_store = MEMORY",
            # The Checkpointer thread checkpoints after writes; SQLite's own checkpoint,
            # inside a commit, only if the log outgrows it (128 MiB instead of 16).
            "wal_autocheckpoint = 8192",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write = connection.get_execution_options().get("newsriver_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def upgrade_schema(database: Database) -> None:
    """Apply pending Alembic migrations; several processes may call this at once."""
    if _current_revision(database) == SCHEMA_REVISION:
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with database.write() as connection:
        if database.dialect == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def head_revision() -> str | None:
    """Alembic's own idea of the newest migration (for the test of SCHEMA_REVISION)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _current_revision(database: Database) -> str | None:
    """The database's migration revision; None for a new database."""
    with database.read() as connection:
        try:
            revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            # No such table: a database no migration has touched yet.
            return None
    return None if revision is None else str(revision)
