"""Alembic's entry point, run only through `newsriver.store.database.upgrade`.

The connection is always handed in by the caller (`config.attributes["connection"]`):
there is no alembic.ini and no URL in configuration files, so migrations run against
exactly the database newsriver was pointed at.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from newsriver.store.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through `newsriver db upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables when a migration must.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
