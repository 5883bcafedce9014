"""Test helpers: write FR1 journals with arithmetic of their own, independent from the verifier.

Body bytes come from the PyPI `rfc8785` package, cores from plain f-strings, rounding from
`decimal` (ROUND_HALF_UP is half away from zero), so that a bug in the verifier's own helpers is
not mirrored here. Only `es256.sign` is shared, and TV-1 pins it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric import ec

from caisse_verif import es256
from caisse_verif.checks import Anchor, Report, verify_records
from caisse_verif.record import StoredRecord

RFC6979_P256_D = int("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721", 16)


def rfc6979_key() -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(RFC6979_P256_D, ec.SECP256R1())


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def sha(data: bytes) -> str:
    return b64(hashlib.sha256(data).digest())


def rha(numerator: int, denominator: int) -> int:
    with localcontext() as ctx:
        ctx.prec = 60
        value = Decimal(numerator) / Decimal(denominator)
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Line:
    label: str
    qty_milli: int
    unit_ttc_cents: int
    vat_bp: int
    discount_cents: int = 0
    sku: str | None = None


Mutate = Callable[[dict[str, Any]], None]


class JournalBuilder:
    """Appends signed records to an in-memory journal, the way a till would."""

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey | None = None,
        till: str = "TILL01",
        start: datetime | None = None,
    ) -> None:
        self.key = key or es256.generate_private_key()
        self.till = till
        self.jwk = es256.public_jwk(self.key.public_key())
        self.kid = sha(json.dumps(self.jwk, sort_keys=True, separators=(",", ":")).encode())
        self.records: list[StoredRecord] = []
        self.clock = start or datetime(2026, 3, 15, 8, 0, tzinfo=UTC)
        self.prev = sha(f"FR1|GENESIS|{till}|{self.kid}".encode())
        self.kseq: dict[str, int] = {}
        self.gt = 0
        self.gt_abs = 0
        self.hashes: dict[int, str] = {}
        self.numbers: dict[int, str] = {}
        self.copies: dict[int, int] = {}

    @property
    def gseq(self) -> int:
        return len(self.records)

    def next_ts(self, ts: datetime | None) -> datetime:
        if ts is None:
            self.clock += timedelta(minutes=1)
            return self.clock
        return ts

    def append(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        ts: datetime,
        vat: Sequence[tuple[int, int]] = (),
        total: int = 0,
        ref: int | None = None,
        mutate: Mutate | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> StoredRecord:
        gseq = self.gseq + 1
        kseq = self.kseq.get(kind, 0) + 1
        if mutate is not None:
            mutate(body)
        data = rfc8785.dumps(body)
        vat_token = "|".join(f"{r}:{t}" for r, t in vat) or "-"
        core = (
            f"FR1,{self.till},{gseq},{kind},{kseq},{ts:%Y%m%d%H%M%S}Z,{vat_token},{total},"
            f"{'-' if ref is None else ref},{sha(data)},{self.prev}"
        )
        sig = es256.sign(key or self.key, core.encode())
        record = StoredRecord(core=core, sig=sig, body=data, gseq_column=gseq)
        self.records.append(record)
        self.kseq[kind] = kseq
        self.prev = sha(f"{core},{sig}".encode())
        self.hashes[gseq] = self.prev
        self.numbers[gseq] = f"{self.till}-{kind}-{kseq:06d}"
        return record

    # ----------------------------------------------------------------- kinds of records

    def genesis(self, previous: dict[str, Any] | None = None) -> StoredRecord:
        detail: dict[str, Any] = {
            "kid": self.kid,
            "public_key_jwk": self.jwk,
            "reason": "activation",
        }
        if previous is not None:
            detail["previous"] = previous
            self.gt = previous.get("gt_after", 0)
            self.gt_abs = previous.get("gt_abs_after", 0)
        return self.event(30, "Activation de la caisse", detail)

    def event(
        self,
        code: int,
        label: str,
        detail: dict[str, Any] | None = None,
        *,
        related: int | None = None,
        ts: datetime | None = None,
        mutate: Mutate | None = None,
    ) -> StoredRecord:
        body = {
            "code": code,
            "label": label,
            "detail": detail or {},
            "operator": {"id": "u1", "name": "Alice"},
            "related_gseq": related,
        }
        return self.append("J", body, ts=self.next_ts(ts), mutate=mutate)

    def ticket(
        self,
        lines: Iterable[Line],
        *,
        kind: str = "T",
        op: str = "SALE",
        refers_to: int | None = None,
        payments: list[tuple[str, int]] | None = None,
        change: int = 0,
        ts: datetime | None = None,
        with_ht: bool = True,
        mutate: Mutate | None = None,
        key: ec.EllipticCurvePrivateKey | None = None,
    ) -> StoredRecord:
        moment = self.next_ts(ts)
        kseq = self.kseq.get(kind, 0) + 1
        body_lines: list[dict[str, Any]] = []
        by_rate: dict[int, list[dict[str, Any]]] = {}
        for n, line in enumerate(lines, start=1):
            ttc = rha(line.qty_milli * line.unit_ttc_cents, 1000) - line.discount_cents
            entry: dict[str, Any] = {
                "n": n,
                "label": line.label,
                "qty_milli": line.qty_milli,
                "unit_ttc_cents": line.unit_ttc_cents,
                "vat_bp": line.vat_bp,
                "line_ttc_cents": ttc,
            }
            if line.discount_cents:
                entry["discount_cents"] = line.discount_cents
            if line.sku is not None:
                entry["sku"] = line.sku
            body_lines.append(entry)
            by_rate.setdefault(line.vat_bp, []).append(entry)
        vat_entries = []
        for rate in sorted(by_rate):
            ttc = sum(e["line_ttc_cents"] for e in by_rate[rate])
            ht = rha(ttc * 10000, 10000 + rate)
            if with_ht:
                # the last line of a rate absorbs the rounding, so the lines add up to ht
                shares = [rha(e["line_ttc_cents"] * 10000, 10000 + rate) for e in by_rate[rate]]
                shares[-1] += ht - sum(shares)
                for e, share in zip(by_rate[rate], shares, strict=True):
                    e["line_ht_cents"] = share
            vat_entries.append({"rate_bp": rate, "ht": ht, "tva": ttc - ht, "ttc": ttc})
        total = sum(e["line_ttc_cents"] for e in body_lines)
        if payments is None:
            payments = [("CASH", total + change)]
        training = kind == "X"
        gt_before = self.gt
        if training:
            gt_after, gt_abs_after = self.gt, self.gt_abs
        else:
            gt_after, gt_abs_after = self.gt + total, self.gt_abs + abs(total)
        body: dict[str, Any] = {
            "op": op,
            "ticket_no": f"{self.till}-{kind}-{kseq:06d}",
            "ts_utc": f"{moment:%Y-%m-%dT%H:%M:%S}Z",
            "ts_local": f"{moment + timedelta(hours=1):%Y-%m-%dT%H:%M:%S}+01:00",
            "business_date": f"{moment:%Y-%m-%d}",
            "till": self.till,
            "company": {"siren": "123456789", "siret": "12345678900012", "name": "Boulangerie"},
            "operator": {"id": "u1", "name": "Alice"},
            "lines": body_lines,
            "vat": vat_entries,
            "total_ht_cents": sum(v["ht"] for v in vat_entries),
            "total_ttc_cents": total,
            "payments": [{"method": m, "amount_cents": a} for m, a in payments],
            "change_cents": change,
            "gt_before": gt_before,
            "gt_after": gt_after,
            "gt_abs_after": gt_abs_after,
            "software": {"name": "caisse", "version": "0.1.0"},
        }
        if training:
            body["training"] = True
            body["manager_id"] = "m1"
        if refers_to is not None:
            body["refers_to"] = {
                "gseq": refers_to,
                "number": self.numbers[refers_to],
                "token_hash": self.hashes[refers_to],
            }
        record = self.append(
            kind,
            body,
            ts=moment,
            vat=[(v["rate_bp"], v["ttc"]) for v in vat_entries],
            total=total,
            ref=refers_to,
            mutate=mutate,
            key=key,
        )
        if not training:
            self.gt, self.gt_abs = gt_after, gt_abs_after
        return record

    def sale(self, *lines: Line, **kwargs: Any) -> StoredRecord:
        return self.ticket(lines or (Line("Baguette", 2000, 105, 550),), **kwargs)

    def refund(self, of_gseq: int, *lines: Line, **kwargs: Any) -> StoredRecord:
        negative = [replace(x, qty_milli=-x.qty_milli) for x in lines]
        return self.ticket(negative, op="REFUND", refers_to=of_gseq, **kwargs)

    def copy(
        self,
        of_gseq: int,
        *,
        copy_no: int | None = None,
        ts: datetime | None = None,
        mutate: Mutate | None = None,
    ) -> StoredRecord:
        moment = self.next_ts(ts)
        number = copy_no if copy_no is not None else self.copies.get(of_gseq, 0) + 1
        self.copies[of_gseq] = number
        body = {
            "original": {
                "gseq": of_gseq,
                "number": self.numbers[of_gseq],
                "token_hash": self.hashes[of_gseq],
            },
            "copy_no": number,
            "reason": "client",
            "operator": {"id": "u1", "name": "Alice"},
            "channel": "paper",
            "ts_utc": f"{moment:%Y-%m-%dT%H:%M:%S}Z",
            "till": self.till,
        }
        return self.append("D", body, ts=moment, ref=of_gseq, mutate=mutate)

    def anchor(self) -> Anchor:
        return Anchor(self.gseq, self.prev, self.till)

    def verify(self, records: Sequence[StoredRecord] | None = None, **kwargs: Any) -> Report:
        kwargs.setdefault("public_key_kid", self.kid)
        kwargs.setdefault("check_signatures", es256.make_batch_checker(self.jwk, workers=0))
        return verify_records(self.records if records is None else records, **kwargs)


def standard_journal(key: ec.EllipticCurvePrivateKey | None = None) -> JournalBuilder:
    """Genesis, two sales, a refund, a training ticket, a copy, a JET event and a third sale."""
    j = JournalBuilder(key)
    j.genesis()  # 1
    j.sale(Line("Baguette", 2000, 105, 550), Line("Vin rouge", 1000, 1200, 2000))  # 2
    j.sale(  # 3
        Line("Croissant", 3000, 95, 550, discount_cents=15, sku="CRO"),
        Line("Café", 1000, 130, 1000),
        payments=[("CARD", 200), ("CASH", 235)],
        change=35,
    )
    j.refund(2, Line("Baguette", 1000, 105, 550))  # 4
    j.ticket([Line("Tarte", 1000, 2450, 550)], kind="X")  # 5
    j.copy(3)  # 6
    j.event(40, "Connexion opérateur", {"operator_id": "u1"})  # 7
    j.sale(Line("Pain de mie", 1500, 333, 550))  # 8
    return j


def with_body(
    record: StoredRecord, body: bytes, key: ec.EllipticCurvePrivateKey | None
) -> StoredRecord:
    """Replace the body; with a key, also fix the core's body hash and re-sign."""
    if key is None:
        return replace(record, body=body)
    fields = record.core.split(",")
    fields[9] = sha(body)
    core = ",".join(fields)
    return replace(record, core=core, sig=es256.sign(key, core.encode()), body=body)


def edit_core(
    record: StoredRecord, key: ec.EllipticCurvePrivateKey, **changes: str
) -> StoredRecord:
    """Change core fields by name and re-sign with `key`."""
    names = ["v", "till", "gseq", "kind", "kseq", "ts", "vat", "total", "ref", "body_hash", "prev"]
    fields = record.core.split(",")
    for name, value in changes.items():
        fields[names.index(name)] = value
    core = ",".join(fields)
    return replace(record, core=core, sig=es256.sign(key, core.encode()))


def edit_body(
    record: StoredRecord, key: ec.EllipticCurvePrivateKey, mutate: Mutate
) -> StoredRecord:
    """Change body fields, re-canonicalise, fix the core's body hash and re-sign."""
    body = json.loads(record.body)
    mutate(body)
    return with_body(record, rfc8785.dumps(body), key)


# ----------------------------------------------------------------------------- files

JOURNAL_DDL = """
CREATE TABLE journal(gseq INTEGER PRIMARY KEY, kind TEXT, kseq INTEGER, ts TEXT, core TEXT,
                     sig TEXT, body BLOB, token_sha256 TEXT);
"""
PROJECTION_DDL = """
CREATE TABLE sales(gseq INTEGER PRIMARY KEY, kind TEXT, ticket_no TEXT, op TEXT, ts_utc TEXT,
                   business_date TEXT, operator_id TEXT, total_ttc_cents INTEGER,
                   total_ht_cents INTEGER, refers_gseq INTEGER, training INTEGER);
CREATE TABLE sale_lines(sale_gseq INTEGER, n INTEGER, sku TEXT, label TEXT, qty_milli INTEGER,
                        unit_ttc_cents INTEGER, vat_bp INTEGER, line_ttc_cents INTEGER,
                        line_ht_cents INTEGER, discount_cents INTEGER,
                        PRIMARY KEY(sale_gseq, n));
CREATE TABLE sale_payments(sale_gseq INTEGER, n INTEGER, method TEXT, amount_cents INTEGER,
                           PRIMARY KEY(sale_gseq, n));
"""


def write_sqlite(path: Path, records: Sequence[StoredRecord], *, projections: bool = True) -> None:
    """Write a till database the way the till's storage does (journal plus projections)."""
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(JOURNAL_DDL + (PROJECTION_DDL if projections else ""))
        for rec in records:
            f = rec.core.split(",")
            gseq, kind, kseq, ts = int(f[2]), f[3], int(f[4]), f[5]
            conn.execute(
                "INSERT INTO journal VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    gseq,
                    kind,
                    kseq,
                    ts,
                    rec.core,
                    rec.sig,
                    rec.body,
                    sha(f"{rec.core},{rec.sig}".encode()),
                ),
            )
            if not projections or kind not in "TX":
                continue
            body = json.loads(rec.body)
            conn.execute(
                "INSERT INTO sales VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    gseq,
                    kind,
                    f"{f[1]}-{kind}-{kseq:06d}",
                    body["op"],
                    body["ts_utc"],
                    body["business_date"],
                    body["operator"]["id"],
                    body["total_ttc_cents"],
                    body.get("total_ht_cents"),
                    body.get("refers_to", {}).get("gseq"),
                    1 if kind == "X" else 0,
                ),
            )
            for line in body["lines"]:
                conn.execute(
                    "INSERT INTO sale_lines VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        gseq,
                        line["n"],
                        line.get("sku"),
                        line["label"],
                        line["qty_milli"],
                        line["unit_ttc_cents"],
                        line["vat_bp"],
                        line["line_ttc_cents"],
                        line.get("line_ht_cents"),
                        line.get("discount_cents", 0),
                    ),
                )
            for n, payment in enumerate(body["payments"], start=1):
                conn.execute(
                    "INSERT INTO sale_payments VALUES (?, ?, ?, ?)",
                    (gseq, n, payment["method"], payment["amount_cents"]),
                )
    conn.close()


def write_jsonl(path: Path, records: Sequence[StoredRecord]) -> None:
    """Write an archive-style journal.jsonl export."""
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for rec in records:
            line = {"core": rec.core, "sig": rec.sig, "body": rec.body.decode("utf-8")}
            out.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")


def write_anchor(path: Path, anchor: Anchor) -> None:
    with path.open("w", encoding="utf-8") as out:
        json.dump(
            {"till": anchor.till, "gseq": anchor.gseq, "token_sha256": anchor.token_hash}, out
        )
