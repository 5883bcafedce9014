"""Initial server schema.

Revision ID: s0001
Revises:
Create Date: 2026-11-26 11:28:47.301766
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "s0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "counter",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "customer",
        sa.Column("customer_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "device",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("till_id", sa.String(length=64), nullable=True),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("journal_jwk", sa.Text(), nullable=True),
        sa.Column("journal_kid", sa.String(length=43), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("acked_gseq", sa.BigInteger(), nullable=False),
        sa.Column("acked_hash", sa.String(length=43), nullable=True),
        sa.Column("gt", sa.BigInteger(), nullable=True),
        sa.Column("enrolled_at", sa.String(length=32), nullable=False),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.Column("last_seen", sa.String(length=32), nullable=True),
        sa.Column("hw_info", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("device_id"),
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_store_id"), ["store_id"], unique=False)

    op.create_table(
        "enroll_code",
        sa.Column("code_sha256", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("till_id", sa.String(length=64), nullable=True),
        sa.Column("expires_unix", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("used_at", sa.String(length=32), nullable=True),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("code_sha256"),
    )
    op.create_table(
        "flag",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("gseq", sa.BigInteger(), nullable=True),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_flag_device_id"), ["device_id"], unique=False)

    op.create_table(
        "journal",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("gseq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=1), nullable=False),
        sa.Column("kseq", sa.BigInteger(), nullable=False),
        sa.Column("ts", sa.String(length=16), nullable=False),
        sa.Column("core", sa.Text(), nullable=False),
        sa.Column("sig", sa.String(length=86), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("token_sha256", sa.String(length=43), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "gseq"),
    )
    op.create_table(
        "ops_event",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("first_gseq", sa.BigInteger(), nullable=True),
        sa.Column("last_gseq", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarantine_device_id"), ["device_id"], unique=False)

    op.create_table(
        "ref_item",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("scope", "item_id"),
    )
    with op.batch_alter_table("ref_item", schema=None) as batch_op:
        batch_op.create_index("ix_ref_item_scope_version", ["scope", "version"], unique=False)

    op.create_table(
        "request_nonce",
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("created_unix", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("device_id", "nonce"),
    )
    with op.batch_alter_table("request_nonce", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_request_nonce_created_unix"), ["created_unix"], unique=False
        )

    op.create_table(
        "sale_daily",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("tickets", sa.BigInteger(), nullable=False),
        sa.Column("ttc_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "business_date", "device_id"),
    )
    op.create_table(
        "scope_state",
        sa.Column("scope", sa.String(length=80), nullable=False),
        sa.Column("min_version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.create_table(
        "server_key",
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_table(
        "stock_count",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("counted_milli", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    with op.batch_alter_table("stock_count", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_count_store_sku_at", ["store_id", "sku", "at"], unique=False
        )

    op.create_table(
        "stock_level",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty_milli", sa.BigInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "sku"),
    )
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_level_version"), ["version"], unique=False)

    op.create_table(
        "stock_movement",
        sa.Column("movement_id", sa.String(length=128), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("qty_milli", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("at", sa.String(length=32), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("movement_id"),
    )
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_movement_store_sku_at", ["store_id", "sku", "at"], unique=False
        )

    op.create_table(
        "store_closure",
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("business_date", sa.String(length=10), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("kid", sa.String(length=43), nullable=False),
        sa.Column("sig", sa.String(length=86), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "business_date"),
    )


def downgrade() -> None:

    op.drop_table("store_closure")
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_movement_store_sku_at")

    op.drop_table("stock_movement")
    with op.batch_alter_table("stock_level", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_level_version"))

    op.drop_table("stock_level")
    with op.batch_alter_table("stock_count", schema=None) as batch_op:
        batch_op.drop_index("ix_stock_count_store_sku_at")

    op.drop_table("stock_count")
    op.drop_table("server_key")
    op.drop_table("scope_state")
    op.drop_table("sale_daily")
    with op.batch_alter_table("request_nonce", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_nonce_created_unix"))

    op.drop_table("request_nonce")
    with op.batch_alter_table("ref_item", schema=None) as batch_op:
        batch_op.drop_index("ix_ref_item_scope_version")

    op.drop_table("ref_item")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_device_id"))

    op.drop_table("quarantine")
    op.drop_table("ops_event")
    op.drop_table("journal")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_flag_device_id"))

    op.drop_table("flag")
    op.drop_table("enroll_code")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_store_id"))

    op.drop_table("device")
    op.drop_table("customer")
    op.drop_table("counter")
    op.drop_table("alert")
