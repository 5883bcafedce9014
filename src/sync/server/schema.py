"""The central server's tables (SQLAlchemy Core), portable between PostgreSQL and SQLite.

Its migrations live in ``sync/server/migrations`` (a separate alembic script location from the
till's). Times are stored twice where they are compared: an ISO UTC string for people and Unix
seconds for arithmetic, so that no query depends on a dialect's date functions.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

_ID = 64
_ISO = 32

server_key = Table(
    "server_key",
    metadata,
    Column("kid", String(43), primary_key=True),
    Column("private_pem", Text, nullable=False),
    Column("created_at", String(_ISO), nullable=False),
)
"""The ES256 key that signs anchors, rights snapshots and store closures (first row wins)."""

counter = Table(
    "counter",
    metadata,
    Column("name", String(_ID), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
"""Named counters; ``version`` numbers every reference-data change under a row lock."""

enroll_code = Table(
    "enroll_code",
    metadata,
    Column("code_sha256", String(64), primary_key=True),
    Column("store_id", String(_ID), nullable=False),
    Column("till_id", String(_ID)),
    Column("expires_unix", BigInteger, nullable=False),
    Column("created_at", String(_ISO), nullable=False),
    Column("used_at", String(_ISO)),
    Column("device_id", String(_ID)),
)
"""One-time enrolment codes, stored hashed; a code is burnt with the device it creates."""

device = Table(
    "device",
    metadata,
    Column("device_id", String(_ID), primary_key=True),
    Column("store_id", String(_ID), nullable=False, index=True),
    Column("till_id", String(_ID)),
    Column("public_jwk", Text, nullable=False),
    Column("journal_jwk", Text),
    Column("journal_kid", String(43)),
    Column("status", String(16), nullable=False),
    Column("acked_gseq", BigInteger, nullable=False),
    Column("acked_hash", String(43)),
    Column("gt", BigInteger),
    Column("enrolled_at", String(_ISO), nullable=False),
    Column("revoked_at", String(_ISO)),
    Column("last_seen", String(_ISO)),
    Column("hw_info", Text, nullable=False),
)
"""Enrolled tills: transport key, journal key, status and the server-owned push cursor."""

request_nonce = Table(
    "request_nonce",
    metadata,
    Column("device_id", String(_ID), primary_key=True),
    Column("nonce", String(64), primary_key=True),
    Column("created_unix", BigInteger, nullable=False, index=True),
)
"""Nonces of signed requests seen within the replay window (shared by server processes)."""

journal = Table(
    "journal",
    metadata,
    Column("device_id", String(_ID), primary_key=True),
    Column("gseq", BigInteger, primary_key=True, autoincrement=False),
    Column("kind", String(1), nullable=False),
    Column("kseq", BigInteger, nullable=False),
    Column("ts", String(16), nullable=False),
    Column("core", Text, nullable=False),
    Column("sig", String(86), nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("token_sha256", String(43), nullable=False),
    Column("received_at", String(_ISO), nullable=False),
)
"""Every till's fiscal journal, verbatim (nf525.md §6.9), keyed by (device, gseq)."""

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(_ID), nullable=False, index=True),
    Column("reason", String(16), nullable=False),
    Column("first_gseq", BigInteger),
    Column("last_gseq", BigInteger),
    Column("detail", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("received_at", String(_ISO), nullable=False),
)
"""Batches refused as a fork or a chain defect, kept whole (the exact request body)."""

flag = Table(
    "flag",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", String(_ID), nullable=False, index=True),
    Column("gseq", BigInteger),
    Column("code", String(32), nullable=False),
    Column("detail", Text, nullable=False),
    Column("created_at", String(_ISO), nullable=False),
)
"""Business problems in accepted facts (unknown sku, closed day, clock skew): a review queue."""

alert = Table(
    "alert",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("store_id", String(_ID)),
    Column("device_id", String(_ID)),
    Column("sku", String(_ID)),
    Column("detail", Text, nullable=False),
    Column("created_at", String(_ISO), nullable=False),
)
"""Alerts for the back office: negative stock, forks, chain defects."""

sale_daily = Table(
    "sale_daily",
    metadata,
    Column("store_id", String(_ID), primary_key=True),
    Column("business_date", String(10), primary_key=True),
    Column("device_id", String(_ID), primary_key=True),
    Column("tickets", BigInteger, nullable=False),
    Column("ttc_cents", BigInteger, nullable=False),
)
"""Sales by store, day and till (summed per store by the report; one row per till avoids
contention between tills pushing at once)."""

stock_movement = Table(
    "stock_movement",
    metadata,
    Column("movement_id", String(128), primary_key=True),
    Column("store_id", String(_ID), nullable=False),
    Column("sku", String(_ID), nullable=False),
    Column("qty_milli", BigInteger, nullable=False),
    Column("source", String(16), nullable=False),
    Column("at", String(_ISO), nullable=False),
    Column("device_id", String(_ID)),
    Index("ix_stock_movement_store_sku_at", "store_id", "sku", "at"),
)
"""Every stock movement: sale lines (``device:gseq:line``), hand entries, count adjustments."""

stock_level = Table(
    "stock_level",
    metadata,
    Column("store_id", String(_ID), primary_key=True),
    Column("sku", String(_ID), primary_key=True),
    Column("qty_milli", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False, index=True),
)
"""Projection: SUM(movements) per (store, sku), negative allowed, versioned for the pull."""

stock_count = Table(
    "stock_count",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("store_id", String(_ID), nullable=False),
    Column("sku", String(_ID), nullable=False),
    Column("counted_milli", BigInteger, nullable=False),
    Column("at", String(_ISO), nullable=False),
    Index("ix_stock_count_store_sku_at", "store_id", "sku", "at"),
)
"""Inventory counts as "counted X at T"; their adjustment movements are recomputed on late sales."""

ops_event = Table(
    "ops_event",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("device_id", String(_ID), nullable=False),
    Column("type", String(32), nullable=False),
    Column("at", String(_ISO), nullable=False),
    Column("data", Text, nullable=False),
    Column("received_at", String(_ISO), nullable=False),
)
"""The non-fiscal event stream, idempotent by event id."""

customer = Table(
    "customer",
    metadata,
    Column("customer_id", String(_ID), primary_key=True),
    Column("store_id", String(_ID), nullable=False),
    Column("fields", Text, nullable=False),
    Column("updated_at", String(_ISO), nullable=False),
)
"""Customers (personal data: outside the fiscal journal, erasable)."""

ref_item = Table(
    "ref_item",
    metadata,
    Column("scope", String(80), primary_key=True),
    Column("item_id", String(_ID), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("deleted", Boolean, nullable=False),
    Column("data", Text),
    Index("ix_ref_item_scope_version", "scope", "version"),
)
"""Reference data by scope (catalogue, prices, promotions, users); deletions are tombstones."""

scope_state = Table(
    "scope_state",
    metadata,
    Column("scope", String(80), primary_key=True),
    Column("min_version", BigInteger, nullable=False),
)
"""Retention: tombstones older than ``min_version`` were compacted (older cursors get reset)."""

store_closure = Table(
    "store_closure",
    metadata,
    Column("store_id", String(_ID), primary_key=True),
    Column("business_date", String(10), primary_key=True),
    Column("payload", Text, nullable=False),
    Column("kid", String(43), nullable=False),
    Column("sig", String(86), nullable=False),
    Column("created_at", String(_ISO), nullable=False),
)
"""Consolidated store closures signed by the server key, listing the tills' Z hashes."""
