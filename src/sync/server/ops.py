"""The second, non-fiscal stream: stock by hand, receipts, inventory counts, customers.

Idempotent by event id: an event already stored is counted as a duplicate and changes nothing.
Customers never enter the signed journal, so that they can be erased on request (GDPR).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from sync import protocol
from sync.protocol import OpsAck, OpsBatch, OpsEvent
from sync.server import schema
from sync.server.auth import Device
from sync.server.context import ServerContext
from sync.server.stock import Movement, apply_movements, update_levels


def _second(at: str) -> str:
    """Normalise an event time to the movements' ``YYYY-MM-DDTHH:MM:SSZ`` (UTC, seconds)."""
    return protocol.parse_utc_iso(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def push_ops(ctx: ServerContext, device: Device, raw: bytes) -> OpsAck:
    """Store a batch of operational events and apply their effects, in one transaction.

    Raises:
        ProtocolError: ``bad_json``, ``bad_payload``, ``too_large``, ``unsupported_version``.
    """
    batch = OpsBatch.from_json(protocol.loads(raw))
    unique: dict[str, OpsEvent] = {}
    for event in batch.events:
        unique.setdefault(event.event_id, event)
    accepted = 0
    with ctx.engine.begin() as conn:
        known = set(
            conn.execute(
                select(schema.ops_event.c.event_id).where(
                    schema.ops_event.c.event_id.in_(list(unique))
                )
            ).scalars()
        )
        fresh = [e for e in unique.values() if e.event_id not in known]
        if fresh:
            now = ctx.now_iso()
            conn.execute(
                schema.ops_event.insert(),
                [
                    {
                        "event_id": e.event_id,
                        "device_id": device.device_id,
                        "type": e.type,
                        "at": e.at,
                        "data": json.dumps(e.data, ensure_ascii=False),
                        "received_at": now,
                    }
                    for e in fresh
                ],
            )
            _apply(ctx, conn, device, fresh)
            accepted = len(fresh)
    return OpsAck(accepted, len(batch.events) - accepted, ctx.now_iso())


def _apply(ctx: ServerContext, conn: Any, device: Device, events: list[OpsEvent]) -> None:
    movements = [
        Movement(
            f"ops:{e.event_id}",
            device.store_id,
            str(e.data["sku"]),
            int(e.data["qty_milli"]),
            "adjust" if e.type == "stock.adjust" else "receipt",
            _second(e.at),
            device.device_id,
        )
        for e in events
        if e.type in ("stock.adjust", "stock.receipt")
    ]
    apply_movements(ctx, conn, movements, idempotent=True)
    counts = [e for e in events if e.type == "stock.count"]
    if counts:
        conn.execute(
            schema.stock_count.insert(),
            [
                {
                    "event_id": e.event_id,
                    "store_id": device.store_id,
                    "sku": str(e.data["sku"]),
                    "counted_milli": int(e.data["counted_milli"]),
                    "at": _second(e.at),
                }
                for e in counts
            ],
        )
        keys = {(device.store_id, str(e.data["sku"])) for e in counts}
        update_levels(ctx, conn, {}, {}, recount=keys)
    for e in events:
        if e.type == "customer.upsert":
            _upsert_customer(ctx, conn, device, e)


def _upsert_customer(ctx: ServerContext, conn: Any, device: Device, event: OpsEvent) -> None:
    """Field-level last-writer-wins by event time (sync.md §6.1)."""
    c = schema.customer
    customer_id = str(event.data["customer_id"])
    row = conn.execute(select(c.c.fields).where(c.c.customer_id == customer_id)).first()
    fields: dict[str, Any] = json.loads(row.fields) if row is not None else {}
    at = _second(event.at)
    for name, value in dict(event.data["fields"]).items():
        current = fields.get(name)
        if not isinstance(current, dict) or str(current.get("at", "")) <= at:
            fields[name] = {"value": value, "at": at}
    stmt = ctx.insert(c).values(
        customer_id=customer_id,
        store_id=device.store_id,
        fields=json.dumps(fields, ensure_ascii=False),
        updated_at=ctx.now_iso(),
    )
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[c.c.customer_id],
            set_={"fields": stmt.excluded.fields, "updated_at": stmt.excluded.updated_at},
        )
    )
