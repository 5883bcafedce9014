"""The till's second sync stream (non-fiscal events) and its customer file.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 16:00:00.000000

- `ops_outbox`: operational events that are not fiscal (stock entered by hand, goods
  receipts, inventory counts, customer records), idempotent by `event_id` (UUIDv7, sync.md
  §6.1). Written in the transaction of the change they describe; the sync agent pushes those
  whose `sent_at` is NULL in `seq` order and stamps them only on the server's answer.
  `sku`/`qty_milli` carry the event's effect on the till's stock (NULL for a customer).
- `customers`: the customer file kept at the till (name, e-mail, phone, notes, marketing
  consent). Personal data stay out of the signed journal so that they can be erased (GDPR).

Mirrors `caisse.storage.schema`; `alembic check` must report no difference.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ops_outbox",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("qty_milli", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_ops_outbox")),
        sa.UniqueConstraint("seq", name=op.f("uq_ops_outbox_seq")),
    )
    op.create_index(
        "ix_ops_outbox_pending",
        "ops_outbox",
        ["seq"],
        unique=False,
        sqlite_where=sa.text("sent_at IS NULL"),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("marketing_optin", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_index("ix_customers_name", "customers", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_customers_name", table_name="customers")
    op.drop_table("customers")
    op.drop_index("ix_ops_outbox_pending", table_name="ops_outbox")
    op.drop_table("ops_outbox")
