"""Push of a till's fiscal journal (sync.md §6.2-6.5): verify, store verbatim, project, anchor.

One batch is one transaction with the device row locked (``FOR UPDATE`` on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite), so concurrent deliveries of the same batch serialise and the
second one only finds duplicates. The chain is checked by `caisse_verif.checks.verify_records`,
the very code the till and the auditor run.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, select, update

from caisse_verif.checks import Anomaly, verify_records
from caisse_verif.errors import CoreGrammarError, KeyFormatError
from caisse_verif.es256 import jwk_thumbprint
from caisse_verif.record import Core, StoredRecord, iso_from_ts_token, parse_core
from sync import protocol
from sync.errors import ProtocolError
from sync.protocol import Ack, Flag, PushBatch, WireRecord
from sync.server import schema
from sync.server.auth import Device
from sync.server.bulk import insert_rows
from sync.server.context import ServerContext
from sync.server.stock import Movement, apply_movements

logger = logging.getLogger(__name__)

_MAX_ANOMALIES_SHOWN = 20
_JOURNAL_COLUMNS = (
    "device_id",
    "gseq",
    "kind",
    "kseq",
    "ts",
    "core",
    "sig",
    "body",
    "token_sha256",
    "received_at",
)
_SIGNATURE_BATCH = 128
"""Signatures handed to the workers at a time, so that they overlap the other checks."""


@dataclass
class _Seen:
    """What the verifier's body observer collected for the projections."""

    bodies: list[tuple[Core, dict[str, Any] | None]] = field(default_factory=list)

    def __call__(self, core: Core, body: dict[str, Any] | None) -> None:
        self.bodies.append((core, body))


def push(ctx: ServerContext, device: Device, raw: bytes) -> Ack:
    """Ingest one push batch of `device`.

    Raises:
        ProtocolError: ``bad_json``, ``bad_payload``, ``too_large``, ``unsupported_version``
            (nothing stored); ``gap`` (nothing stored); ``fork`` and ``chain`` (the batch is
            stored in quarantine, the device flagged); ``unknown_key``.
    """
    batch = PushBatch.from_json(protocol.loads(raw))
    refusal: ProtocolError | None = None
    flags: list[dict[str, Any]] = []
    business: list[Flag] = []
    with ctx.engine.begin() as conn:
        dev = conn.execute(
            select(schema.device)
            .where(schema.device.c.device_id == device.device_id)
            .with_for_update()
        ).one()
        acked, acked_hash = int(dev.acked_gseq), dev.acked_hash
        records = batch.records
        fork_at = _first_fork(conn, device.device_id, [r for r in records if r.gseq <= acked])
        duplicates = sum(1 for r in records if r.gseq <= acked)
        new = sorted((r for r in records if r.gseq > acked), key=lambda r: r.gseq)
        if fork_at is None and new:
            fork_at = _broken_link(new[0], acked, acked_hash)
        if fork_at is not None:
            refusal = _quarantine(ctx, conn, device, "fork", records, raw, {"gseq": fork_at})
            refusal.extra.update(gseq=fork_at, acked_gseq=acked, acked_hash=acked_hash)
        elif new and new[0].gseq != acked + 1:
            raise protocol.protocol_error("gap", acked_gseq=acked, acked_hash=acked_hash)
        elif new:
            prefix = _contiguous_prefix(new)
            refusal = _ingest(ctx, conn, device, dev, prefix, raw, acked, business)
        if refusal is None:
            flags = _clock_flag(ctx, conn, device, records) if new else []
            dev = conn.execute(
                select(schema.device).where(schema.device.c.device_id == device.device_id)
            ).one()
            if new and ctx.commit_delay_s > 0:
                # note: test hook (sync.md §5.1, F7): a window to SIGKILL the server between
                # the writes and the COMMIT
                time.sleep(ctx.commit_delay_s)
    if refusal is not None:
        raise refusal
    # note: the business flags of this batch are those just stored with its records (a
    # replayed batch has no new record, hence none), so no query after the commit
    flags.extend(flag.to_json() for flag in business)
    return _ack(ctx, device, dev, int(dev.acked_gseq) - acked, duplicates, flags)


def _first_fork(conn: Connection, device_id: str, old: Sequence[WireRecord]) -> int | None:
    if not old:
        return None
    j = schema.journal
    stored = dict(
        conn.execute(
            select(j.c.gseq, j.c.token_sha256).where(
                and_(j.c.device_id == device_id, j.c.gseq.in_([r.gseq for r in old]))
            )
        ).all()
    )
    for record in sorted(old, key=lambda r: r.gseq):
        if stored.get(record.gseq) != record.token_sha256:
            return record.gseq
    return None


def _broken_link(first: WireRecord, acked: int, acked_hash: str | None) -> int | None:
    """The first new record must chain on the acked head; else the till's history diverges."""
    if acked == 0 or first.gseq != acked + 1:
        return None
    try:
        core = parse_core(first.core)
    except CoreGrammarError:
        return None  # note: the verifier reports the grammar; no fork claim on garbage
    return None if core.prev == acked_hash else first.gseq


def _contiguous_prefix(new: list[WireRecord]) -> list[WireRecord]:
    prefix = [new[0]]
    for record in new[1:]:
        if record.gseq != prefix[-1].gseq + 1:
            break
        prefix.append(record)
    return prefix


def _ingest(
    ctx: ServerContext,
    conn: Connection,
    device: Device,
    dev: Any,
    prefix: list[WireRecord],
    raw: bytes,
    acked: int,
    business: list[Flag],
) -> ProtocolError | None:
    """Verify `prefix`, then store it and its projections; `business` receives the flags."""
    journal_jwk: dict[str, Any] | None = (
        json.loads(dev.journal_jwk) if dev.journal_jwk is not None else None
    )
    genesis = acked == 0
    if journal_jwk is None and not genesis:
        raise protocol.protocol_error("unknown_key")
    seen = _Seen()
    try:
        report = verify_records(
            (StoredRecord(r.core, r.sig, r.body, gseq_column=r.gseq) for r in prefix),
            check_signatures=None if journal_jwk is None else ctx.signatures.checker(journal_jwk),
            public_key_kid=dev.journal_kid,
            expect_genesis=genesis,
            signature_checker_for_jwk=ctx.signatures.checker,
            signature_batch_size=_SIGNATURE_BATCH,
            body_observer=seen,
        )
    except KeyFormatError as exc:  # pragma: no cover - the stored key was checked
        raise protocol.protocol_error("unknown_key", str(exc)) from exc
    anomalies = list(report.anomalies)
    till = dev.till_id
    if till is not None and report.till is not None and report.till != till:
        anomalies.append(
            Anomaly(
                prefix[0].gseq,
                "device.till",
                "Le journal est celui d'une autre caisse que celle enregistrée.",
                "The journal belongs to another till than the enrolled one.",
                till,
                report.till,
            )
        )
    if not report.signatures_checked and not anomalies:
        raise protocol.protocol_error("unknown_key")
    if anomalies:
        shown = [
            {"gseq": a.gseq, "check": a.check, "en": a.en} for a in anomalies[:_MAX_ANOMALIES_SHOWN]
        ]
        refusal = _quarantine(
            ctx, conn, device, "chain", prefix, raw, {"anomalies": shown, "count": len(anomalies)}
        )
        refusal.extra.update(gseq=anomalies[0].gseq, anomalies=shown)
        return refusal
    now = ctx.now_iso()
    insert_rows(
        conn,
        schema.journal,
        _JOURNAL_COLUMNS,
        (
            (
                device.device_id,
                r.gseq,
                core.kind,
                core.kseq,
                core.ts,
                r.core,
                r.sig,
                r.body,
                r.token_sha256,
                now,
            )
            for r, (core, _) in zip(prefix, seen.bodies, strict=True)
        ),
    )
    gt = _project(ctx, conn, device, seen.bodies, business)
    values: dict[str, Any] = {
        "acked_gseq": prefix[-1].gseq,
        "acked_hash": prefix[-1].token_sha256,
        "last_seen": now,
    }
    if gt is not None:
        values["gt"] = gt
    if genesis:
        values.update(_genesis_identity(dev, seen.bodies))
    conn.execute(
        update(schema.device).where(schema.device.c.device_id == device.device_id).values(values)
    )
    return None


def _genesis_identity(dev: Any, bodies: list[tuple[Core, dict[str, Any] | None]]) -> dict[str, Any]:
    core, body = bodies[0]
    values: dict[str, Any] = {}
    if dev.till_id is None:
        values["till_id"] = core.till
    detail = body.get("detail") if body else None
    if dev.journal_jwk is None and isinstance(detail, dict):
        jwk = detail.get("public_key_jwk")
        if isinstance(jwk, dict):
            values["journal_jwk"] = json.dumps(jwk)
            values["journal_kid"] = jwk_thumbprint(jwk)
    return values


def _project(
    ctx: ServerContext,
    conn: Connection,
    device: Device,
    bodies: list[tuple[Core, dict[str, Any] | None]],
    business: list[Flag],
) -> int | None:
    """Sales by day, stock movements and business flags (into `business`) from the bodies.

    Returns the last grand total seen.
    """
    daily: dict[str, list[int]] = {}
    movements: list[Movement] = []
    gt: int | None = None
    for core, body in bodies:
        if body is None or core.kind != "T":
            continue
        if isinstance(body.get("gt_after"), int):
            gt = body["gt_after"]
        day = body.get("business_date")
        if isinstance(day, str):
            entry = daily.setdefault(day, [0, 0])
            entry[0] += 1
            entry[1] += core.total_cents
        at = iso_from_ts_token(core.ts)
        for n, line in enumerate(body.get("lines") or [], start=1):
            if not isinstance(line, dict):
                continue
            sku, qty = line.get("sku"), line.get("qty_milli")
            if isinstance(sku, str) and isinstance(qty, int) and qty != 0:
                movements.append(
                    Movement(
                        f"{device.device_id}:{core.gseq}:{n}",
                        device.store_id,
                        sku,
                        -qty,
                        "sale",
                        at,
                        device.device_id,
                    )
                )
    sd = schema.sale_daily
    for day, (tickets, ttc) in sorted(daily.items()):
        stmt = ctx.insert(sd).values(
            store_id=device.store_id,
            business_date=day,
            device_id=device.device_id,
            tickets=tickets,
            ttc_cents=ttc,
        )
        conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[sd.c.store_id, sd.c.business_date, sd.c.device_id],
                set_={
                    "tickets": sd.c.tickets + stmt.excluded.tickets,
                    "ttc_cents": sd.c.ttc_cents + stmt.excluded.ttc_cents,
                },
            )
        )
    apply_movements(ctx, conn, movements, idempotent=False)
    business.extend(_flag_business(ctx, conn, device, bodies, movements))
    return gt


def _flag_business(
    ctx: ServerContext,
    conn: Connection,
    device: Device,
    bodies: list[tuple[Core, dict[str, Any] | None]],
    movements: list[Movement],
) -> list[Flag]:
    """Accept and flag (sync.md §6.3): unknown skus and records dated in a closed store day.

    The flags are stored for the review queue and returned for the answer.
    """
    flags: list[Flag] = []
    r = schema.ref_item
    skus = sorted({m.sku for m in movements})
    catalog_used = conn.execute(select(r.c.item_id).where(r.c.scope == "catalog").limit(1)).first()
    if skus and catalog_used is not None:
        known = set(
            conn.execute(
                select(r.c.item_id).where(
                    and_(r.c.scope == "catalog", r.c.item_id.in_(skus), r.c.deleted.is_(False))
                )
            ).scalars()
        )
        for m in movements:
            if m.sku not in known:
                gseq = int(m.movement_id.split(":")[1])
                flags.append(
                    Flag(
                        gseq,
                        "unknown_sku",
                        f"Article {m.sku} inconnu du catalogue central.",
                        f"Item {m.sku} is not in the central catalogue.",
                    )
                )
    days = {b.get("business_date") for _, b in bodies if b is not None}
    closed = set(
        conn.execute(
            select(schema.store_closure.c.business_date).where(
                and_(
                    schema.store_closure.c.store_id == device.store_id,
                    schema.store_closure.c.business_date.in_(
                        [d for d in days if isinstance(d, str)]
                    ),
                )
            )
        ).scalars()
    )
    for core, body in bodies:
        if body is not None and body.get("business_date") in closed:
            flags.append(
                Flag(
                    core.gseq,
                    "store_closed",
                    f"Enregistrement daté d'une journée déjà clôturée pour le magasin "
                    f"({body['business_date']}).",
                    f"Record dated in a day already closed for the store "
                    f"({body['business_date']}).",
                )
            )
    flags.extend(_user_flags(conn, device, bodies))
    _store_flags(ctx, conn, device.device_id, flags)
    return flags


def _user_flags(
    conn: Connection, device: Device, bodies: list[tuple[Core, dict[str, Any] | None]]
) -> list[Flag]:
    """Sales by a user the server revoked (or never knew) are accepted and flagged."""
    operators: dict[int, str] = {}
    for core, body in bodies:
        operator = body.get("operator") if body is not None and core.kind in "TFP" else None
        if isinstance(operator, dict) and isinstance(operator.get("id"), str):
            operators[core.gseq] = operator["id"]
    if not operators:
        return []
    r = schema.ref_item
    known = dict(
        conn.execute(
            select(r.c.item_id, r.c.deleted).where(
                and_(
                    r.c.scope == f"users:{device.store_id}",
                    r.c.item_id.in_(sorted(set(operators.values()))),
                )
            )
        ).all()
    )
    managed = (
        known
        or conn.execute(
            select(r.c.item_id).where(r.c.scope == f"users:{device.store_id}").limit(1)
        ).first()
    )
    if not managed:
        return []  # note: this store's users are not managed centrally
    flags: list[Flag] = []
    for gseq, user in sorted(operators.items()):
        if user not in known:
            flags.append(
                Flag(
                    gseq,
                    "unknown_user",
                    f"Opérateur {user} inconnu du serveur.",
                    f"Operator {user} is unknown to the server.",
                )
            )
        elif known[user]:
            flags.append(
                Flag(
                    gseq,
                    "revoked_user",
                    f"Opérateur {user} révoqué sur le serveur.",
                    f"Operator {user} was revoked on the server.",
                )
            )
    return flags


def _quarantine(
    ctx: ServerContext,
    conn: Connection,
    device: Device,
    reason: str,
    records: Sequence[WireRecord],
    raw: bytes,
    detail: dict[str, Any],
) -> ProtocolError:
    """Keep the whole refused batch, flag the device and raise an alert (never drop a sale)."""
    gseqs = [r.gseq for r in records]
    now = ctx.now_iso()
    conn.execute(
        schema.quarantine.insert().values(
            device_id=device.device_id,
            reason=reason,
            first_gseq=min(gseqs),
            last_gseq=max(gseqs),
            detail=json.dumps(detail),
            payload=raw,
            received_at=now,
        )
    )
    conn.execute(
        update(schema.device)
        .where(schema.device.c.device_id == device.device_id)
        .where(schema.device.c.status != "revoked")
        .values(status="forked" if reason == "fork" else "defect")
    )
    conn.execute(
        schema.alert.insert().values(
            kind=reason,
            store_id=device.store_id,
            device_id=device.device_id,
            sku=None,
            detail=json.dumps(detail),
            created_at=now,
        )
    )
    logger.warning("device %s: batch quarantined (%s)", device.device_id, reason)
    return protocol.protocol_error(reason)


def _clock_flag(
    ctx: ServerContext, conn: Connection, device: Device, records: Sequence[WireRecord]
) -> list[dict[str, Any]]:
    if abs(device.skew_s) <= ctx.skew_flag_s:
        return []
    flag = Flag(
        records[0].gseq,
        "clock_skew",
        f"L'horloge de la caisse est décalée de {device.skew_s} s.",
        f"The till's clock is off by {device.skew_s} s.",
    )
    _store_flags(ctx, conn, device.device_id, [flag])
    return [flag.to_json()]


def _store_flags(
    ctx: ServerContext, conn: Connection, device_id: str, flags: Sequence[Flag]
) -> None:
    if flags:
        conn.execute(
            schema.flag.insert(),
            [
                {
                    "device_id": device_id,
                    "gseq": fl.gseq,
                    "code": fl.code,
                    "detail": json.dumps({"fr": fl.fr, "en": fl.en}),
                    "created_at": ctx.now_iso(),
                }
                for fl in flags
            ],
        )


def _ack(
    ctx: ServerContext,
    device: Device,
    dev: Any,
    accepted: int,
    duplicates: int,
    flags: list[dict[str, Any]],
) -> Ack:
    now = ctx.now_iso()
    anchor = None
    if dev.acked_hash is not None:
        anchor = protocol.sign_object(
            ctx.key,
            protocol.anchor_payload(
                device.device_id,
                dev.till_id or "",
                int(dev.acked_gseq),
                dev.acked_hash,
                None if dev.gt is None else int(dev.gt),
                now,
            ),
        )
    return Ack(int(dev.acked_gseq), dev.acked_hash, accepted, duplicates, now, flags, anchor)
