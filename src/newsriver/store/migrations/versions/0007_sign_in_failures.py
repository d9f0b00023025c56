"""Failed sign-ins counted in the database (`sign_in_failures`), not in each process.

`serve --workers N` runs N web processes; with the counts in memory, each allowed its
own quota of guesses, N times the intended rate. A row per counted key and failure,
read by (key, time) for the throttle's window.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 20:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sign_in_failures",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("key", sa.String(400), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_failures")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_sign_in_failures_key_at", "sign_in_failures", ["key", "at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_key_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
