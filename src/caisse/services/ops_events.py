"""Events of the second, non-fiscal sync stream (sync.md §6.1), as the services queue them.

Stock entered by hand, goods receipts, inventory counts and customer records are not fiscal
records (nf525.md lists no stock event): they never enter the signed journal. Each change
queues one event in the outbox, in the transaction of the change itself, so that a change
is pushed exactly when it is committed; the server stores each `event_id` once.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from caisse.services.ports import OpsEventRecord, UnitOfWork

STOCK_ADJUST = "stock.adjust"
STOCK_RECEIPT = "stock.receipt"
STOCK_COUNT = "stock.count"
CUSTOMER_UPSERT = "customer.upsert"


def uuid7(now: datetime) -> str:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits.

    Time-ordered, so that ids created at a till sort roughly by creation (index-friendly);
    the outbox's own `seq` gives the exact order.
    """
    millis = int(now.timestamp() * 1000) & ((1 << 48) - 1)
    raw = bytearray(millis.to_bytes(6, "big") + secrets.token_bytes(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)  # version 7
    raw[8] = 0x80 | (raw[8] & 0x3F)  # variant 10
    return str(uuid.UUID(bytes=bytes(raw)))


def iso_millis(now: datetime) -> str:
    """The event time on the wire: ISO 8601 UTC to the millisecond."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def iso_seconds(now: datetime) -> str:
    """A time as the till's projections keep it: ISO 8601 UTC to the second."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def queue(
    uow: UnitOfWork,
    kind: str,
    now: datetime,
    payload: Mapping[str, Any],
    *,
    sku: str | None = None,
    qty_milli: int | None = None,
    event_id: str | None = None,
) -> OpsEventRecord:
    """Queue one event in the open unit of work; returns it."""
    event = OpsEventRecord(
        event_id or uuid7(now), kind, iso_millis(now), dict(payload), sku, qty_milli
    )
    uow.ops.add(event)
    return event
