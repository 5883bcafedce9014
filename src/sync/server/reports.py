"""Server projections and checks: sales, stock, store closures, statistics, re-verification.

Sales by store and day, stock levels, consolidated store closures signed by the server key,
per-device statistics and the re-verification of whole chains from the genesis.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select

from caisse_verif.canonical import parse_canonical
from caisse_verif.checks import Report, verify_records
from caisse_verif.errors import CanonicalError
from caisse_verif.es256 import ParallelSignatureChecker
from caisse_verif.record import StoredRecord
from sync import protocol
from sync.errors import SyncError
from sync.protocol import SignedObject
from sync.server import schema
from sync.server.context import ServerContext


class StoreDayNotClosable(SyncError):
    """A till of the store sold on that day and has not pushed its Z yet."""


def sales_by_day(ctx: ServerContext, store_id: str | None = None) -> list[dict[str, Any]]:
    """Tickets and TTC per store and business day, summed over the tills."""
    sd = schema.sale_daily
    stmt = (
        select(
            sd.c.store_id,
            sd.c.business_date,
            func.sum(sd.c.tickets),
            func.sum(sd.c.ttc_cents),
            func.count(sd.c.device_id),
        )
        .group_by(sd.c.store_id, sd.c.business_date)
        .order_by(sd.c.store_id, sd.c.business_date)
    )
    if store_id is not None:
        stmt = stmt.where(sd.c.store_id == store_id)
    with ctx.engine.connect() as conn:
        return [
            {
                "store_id": store,
                "business_date": day,
                "tickets": int(tickets),
                "ttc_cents": int(ttc),
                "tills": int(tills),
            }
            for store, day, tickets, ttc, tills in conn.execute(stmt)
        ]


def stock_levels(ctx: ServerContext, store_id: str) -> dict[str, int]:
    """The stock projection of a store: sku → quantity in thousandths (may be negative)."""
    level = schema.stock_level
    with ctx.engine.connect() as conn:
        return {
            sku: int(qty)
            for sku, qty in conn.execute(
                select(level.c.sku, level.c.qty_milli).where(level.c.store_id == store_id)
            )
        }


def stock_from_movements(ctx: ServerContext, store_id: str) -> dict[str, int]:
    """SUM(movements) per sku, computed afresh (what the projection must equal)."""
    m = schema.stock_movement
    with ctx.engine.connect() as conn:
        return {
            sku: int(qty)
            for sku, qty in conn.execute(
                select(m.c.sku, func.sum(m.c.qty_milli))
                .where(m.c.store_id == store_id)
                .group_by(m.c.sku)
            )
        }


def consolidate_store_day(ctx: ServerContext, store_id: str, business_date: str) -> SignedObject:
    """Sign the store's closure of a business day, listing every till's Z (nf525.md §6.9).

    Idempotent: a day already consolidated returns the stored statement.

    Raises:
        StoreDayNotClosable: a till sold that day and its Z has not been received yet (the
            watermark of sync.md §3.4), or no till closed the day.
    """
    sc, j, d, sd = schema.store_closure, schema.journal, schema.device, schema.sale_daily
    with ctx.engine.begin() as conn:
        done = conn.execute(
            select(sc.c.payload, sc.c.kid, sc.c.sig).where(
                and_(sc.c.store_id == store_id, sc.c.business_date == business_date)
            )
        ).first()
        if done is not None:
            return SignedObject(json.loads(done.payload), done.kid, done.sig)
        zs: list[dict[str, Any]] = []
        for device_id, till_id, gseq, core, body, token in conn.execute(
            select(d.c.device_id, d.c.till_id, j.c.gseq, j.c.core, j.c.body, j.c.token_sha256)
            .join(j, j.c.device_id == d.c.device_id)
            .where(and_(d.c.store_id == store_id, j.c.kind == "Z"))
            .order_by(d.c.device_id, j.c.gseq)
        ):
            parsed = _body(body)
            period = parsed.get("period") if parsed else None
            if isinstance(period, dict) and period.get("business_date") == business_date:
                zs.append(
                    {
                        "device_id": device_id,
                        "till": till_id,
                        "gseq": int(gseq),
                        "token_sha256": token,
                        "total_cents": int(core.split(",")[7]),
                    }
                )
        sold = set(
            conn.execute(
                select(sd.c.device_id).where(
                    and_(sd.c.store_id == store_id, sd.c.business_date == business_date)
                )
            ).scalars()
        )
        missing = sorted(sold - {z["device_id"] for z in zs})
        if missing or not zs:
            raise StoreDayNotClosable(
                f"Clôture du magasin {store_id} impossible pour le {business_date} : "
                f"Z manquant ({', '.join(missing) or 'aucune caisse'}).",
                f"Store {store_id} cannot be closed for {business_date}: Z missing "
                f"({', '.join(missing) or 'no till'}).",
            )
        payload = {
            "type": "store_closure",
            "store": store_id,
            "business_date": business_date,
            "tills": zs,
            "total_cents": sum(z["total_cents"] for z in zs),
            "server_time": ctx.now_iso(),
        }
        signed = protocol.sign_object(ctx.key, payload)
        conn.execute(
            sc.insert().values(
                store_id=store_id,
                business_date=business_date,
                payload=json.dumps(payload),
                kid=signed.kid,
                sig=signed.sig,
                created_at=ctx.now_iso(),
            )
        )
    return signed


def _body(raw: bytes) -> dict[str, Any] | None:
    try:
        value = parse_canonical(raw)
    except CanonicalError:
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class DeviceVerification:
    """A device's whole stored chain re-verified from the genesis."""

    device_id: str
    report: Report


def _stored(ctx: ServerContext, device_id: str, fetch: int = 2000) -> Iterator[StoredRecord]:
    j = schema.journal
    last = 0
    while True:
        with ctx.engine.connect() as conn:
            rows = conn.execute(
                select(j.c.gseq, j.c.core, j.c.sig, j.c.body)
                .where(and_(j.c.device_id == device_id, j.c.gseq > last))
                .order_by(j.c.gseq)
                .limit(fetch)
            ).all()
        if not rows:
            return
        for gseq, core, sig, body in rows:
            yield StoredRecord(core, sig, bytes(body), gseq_column=int(gseq))
        last = int(rows[-1][0])


def verify_device(ctx: ServerContext, device_id: str) -> DeviceVerification:
    """Re-run the till's verifier over everything stored for `device_id`, streaming."""
    with ctx.engine.connect() as conn:
        kid = conn.execute(
            select(schema.device.c.journal_kid).where(schema.device.c.device_id == device_id)
        ).scalar()
    report = verify_records(
        _stored(ctx, device_id),
        check_signatures=None,
        public_key_kid=kid,
        signature_checker_for_jwk=lambda jwk: ParallelSignatureChecker([jwk], workers=0),
    )
    return DeviceVerification(device_id, report)


def stats(ctx: ServerContext) -> dict[str, Any]:
    """Per device: cursor, records, forks, quarantined batches, flags; per store: stock lines."""
    d, j, q, f = schema.device, schema.journal, schema.quarantine, schema.flag
    level, alert = schema.stock_level, schema.alert
    with ctx.engine.connect() as conn:
        records: dict[str, int] = dict(
            conn.execute(select(j.c.device_id, func.count()).group_by(j.c.device_id)).all()
        )
        forks: dict[str, int] = dict(
            conn.execute(
                select(q.c.device_id, func.count())
                .where(q.c.reason == "fork")
                .group_by(q.c.device_id)
            ).all()
        )
        quarantined: dict[str, int] = dict(
            conn.execute(select(q.c.device_id, func.count()).group_by(q.c.device_id)).all()
        )
        flags: dict[str, int] = dict(
            conn.execute(select(f.c.device_id, func.count()).group_by(f.c.device_id)).all()
        )
        devices = [
            {
                "device_id": row.device_id,
                "store_id": row.store_id,
                "till_id": row.till_id,
                "status": row.status,
                "acked_gseq": int(row.acked_gseq),
                "acked_hash": row.acked_hash,
                "records": int(records.get(row.device_id, 0)),
                "forks": int(forks.get(row.device_id, 0)),
                "quarantined_batches": int(quarantined.get(row.device_id, 0)),
                "flags": int(flags.get(row.device_id, 0)),
                "last_seen": row.last_seen,
            }
            for row in conn.execute(select(d).order_by(d.c.device_id))
        ]
        stores = [
            {
                "store_id": store,
                "stock_levels": int(count),
                "negative_levels": int(negative or 0),
            }
            for store, count, negative in conn.execute(
                select(
                    level.c.store_id,
                    func.count(),
                    func.sum(case((level.c.qty_milli < 0, 1), else_=0)),
                ).group_by(level.c.store_id)
            )
        ]
        alerts = int(conn.execute(select(func.count()).select_from(alert)).scalar_one())
    return {"devices": devices, "stores": stores, "alerts": alerts}
