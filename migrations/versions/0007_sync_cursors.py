"""Sync state of the till: enrolment, acknowledged hash, pull cursors and server stock levels.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 11:45:00.000000

- `sync_state` (one row) gains what the sync agent must remember across restarts: the device
  id, store and server the till is enrolled with, the server's public key (it verifies anchors
  and rights snapshots), the hash at `acked_gseq` (checked against the server's at every
  handshake), the link status (`active`, or why pushing stopped: `forked`, `cloned`,
  `defect`, `revoked`) and the last contact.
- `sync_cursors`: one pull cursor per scope (sync.md §6.4), written in the same transaction as
  the page it follows.
- `server_stock`: the stock levels pulled from the server (its projection); the till shows
  them plus its own unacknowledged movements (sync.md §3.5).

Mirrors `caisse.storage.schema`; `alembic check` must report no difference.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATE_COLUMNS = (
    ("acked_hash", sa.String(length=43)),
    ("device_id", sa.String(length=64)),
    ("store_id", sa.String(length=64)),
    ("server_url", sa.Text()),
    ("server_jwk", sa.Text()),
    ("status", sa.String(length=16)),
    ("last_contact", sa.String(length=32)),
    ("last_error", sa.Text()),
)


def upgrade() -> None:
    # note: plain ADD COLUMN (nullable, no default) works on SQLite without a table copy.
    for name, type_ in _STATE_COLUMNS:
        op.add_column("sync_state", sa.Column(name, type_, nullable=True))
    op.create_table(
        "sync_cursors",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "server_stock",
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty_milli", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sku", name=op.f("pk_server_stock")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("server_stock")
    op.drop_table("sync_cursors")
    with op.batch_alter_table("sync_state") as batch_op:
        for name, _ in reversed(_STATE_COLUMNS):
            batch_op.drop_column(name)
