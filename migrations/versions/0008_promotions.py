"""Promotions pulled from the central server.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 15:00:00.000000

- `promotions`: the items of the server's `promotions:{store}` scope as last pulled, one row
  per promotion id; a tombstone deletes the row. Each page is written in the transaction that
  moves its cursor in `sync_cursors` (sync.md §6.4). `valid_from` / `valid_until` are UTC
  instants in a fixed-width text form (text order is time order), `data` the whole payload.
  Nothing applies them to a sale yet: the promotion engine is a later piece of work.

Mirrors `caisse.storage.schema`; `alembic check` must report no difference.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.String(length=20), nullable=True),
        sa.Column("valid_until", sa.String(length=20), nullable=True),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("promotions")
