"""Appends one signed, chained record inside the caller's transaction (nf525.md §6.8)."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from caisse.services.errors import ClockWentBackwards, NotInitialised, SignerUnavailable
from caisse.services.ports import Clock, JournalEntry, Signer, TillIdentity, UnitOfWork
from caisse_verif.canonical import canonical_json, nfc
from caisse_verif.errors import CanonicalError
from caisse_verif.record import (
    Core,
    body_hash,
    format_core,
    genesis_prev,
    token_hash,
    ts_token,
)

logger = logging.getLogger(__name__)

CORE_VERSION = "FR1"


@dataclass(frozen=True, slots=True)
class SoftwareInfo:
    """What every body says about the software that wrote it (nf525.md R2, R34)."""

    name: str
    version: str
    build_sha256: str
    cert_ref: str

    def as_body(self) -> dict[str, str]:
        return {"name": self.name, "version": self.version, "build_sha256": self.build_sha256}


@dataclass(frozen=True, slots=True)
class AppendContext:
    """What a body builder may rely on: the record's place in the chain and its time."""

    till: TillIdentity
    gseq: int
    kind: str
    kseq: int
    now: datetime
    gt_before: int
    gt_abs_before: int
    tz: ZoneInfo

    @property
    def ts_utc(self) -> str:
        # note: an f-string, at a fifth of strftime's cost on the sale path (`now` is UTC)
        t = self.now
        return f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}Z"

    @property
    def local(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def business_date(self) -> str:
        return self.local.date().isoformat()

    @property
    def number(self) -> str:
        """The customer-facing number, e.g. TILL01-T-000123 (nf525.md §6.4)."""
        return f"{self.till.till_id}-{self.kind}-{self.kseq:06d}"


@dataclass(frozen=True, slots=True)
class Draft:
    """A body and the core fields that summarise it."""

    body: Mapping[str, Any]
    total_cents: int = 0
    vat: tuple[tuple[int, int], ...] = ()
    ref: int | None = None
    gt_delta: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)


def nfc_tree(value: Any) -> Any:
    """The same tree with every string in Unicode NFC (canonical bodies refuse other forms).

    note: labels typed on a Mac or imported from a CSV may arrive decomposed (NFD); the body
    must hold the composed form so that every verifier re-canonicalises to the same bytes.
    """
    if isinstance(value, str):
        return value if unicodedata.is_normalized("NFC", value) else nfc(value)
    if isinstance(value, Mapping):
        return {nfc_tree(k): nfc_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nfc_tree(v) for v in value]
    return value


def _now_utc(clock: Clock) -> datetime:
    now = clock.now().astimezone(UTC)
    return now.replace(microsecond=0)


def append_record(
    uow: UnitOfWork,
    signer: Signer,
    clock: Clock,
    tz: ZoneInfo,
    kind: str,
    build: Callable[[AppendContext], Draft],
    *,
    clamp_clock: bool = False,
) -> tuple[JournalEntry, Draft]:
    """Read the head, build the body and core, sign, insert and move the head.

    Must run inside an open unit of work (BEGIN IMMEDIATE); the caller commits.

    Args:
        uow: the open unit of work.
        signer: the till key.
        clock: the time source.
        tz: the shop's time zone (business dates are local).
        kind: the record kind (T, X, D, J...).
        build: builds the body from the record's context.
        clamp_clock: never refuse a time earlier than the head; use the head's time instead
            (only for the JET 180 record that reports the clock anomaly itself).

    Raises:
        NotInitialised: no till identity.
        ClockWentBackwards: the clock is earlier than the last record.
        SignerUnavailable: the key failed; nothing must be committed (fail closed).
    """
    till = uow.till.get()
    if till is None:
        raise NotInitialised
    head = uow.journal.head()
    now = _now_utc(clock)
    ts = ts_token(now)
    if head is not None and ts < head.ts:
        if not clamp_clock:
            raise ClockWentBackwards(head.ts, ts)
        now = datetime.strptime(head.ts, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
        ts = head.ts
    gseq = 1 if head is None else head.gseq + 1
    prev = genesis_prev(till.till_id, till.kid) if head is None else head.token_sha256
    kseq = uow.journal.last_kseq(kind) + 1
    gt = 0 if head is None else head.gt
    gt_abs = 0 if head is None else head.gt_abs
    ctx = AppendContext(till, gseq, kind, kseq, now, gt, gt_abs, tz)
    draft = build(ctx)
    try:
        body = canonical_json(draft.body)
    except CanonicalError:
        # note: most often a decomposed (NFD) label; any other defect raises again below.
        body = canonical_json(nfc_tree(draft.body))
    core = format_core(
        Core(
            version=CORE_VERSION,
            till=till.till_id,
            gseq=gseq,
            kind=kind,
            kseq=kseq,
            ts=ts,
            vat=draft.vat,
            total_cents=draft.total_cents,
            ref=draft.ref,
            body_hash=body_hash(body),
            prev=prev,
        )
    )
    try:
        sig = signer.sign(core.encode("ascii"))
    except SignerUnavailable:
        raise
    except Exception as exc:
        logger.exception("signer failed on gseq %s", gseq)
        raise SignerUnavailable("erreur de signature", "signature error") from exc
    entry = JournalEntry(
        gseq=gseq,
        kind=kind,
        kseq=kseq,
        ts=ts,
        core=core,
        sig=sig,
        body=body,
        token_sha256=token_hash(core, sig),
    )
    uow.journal.append(entry, gt=gt + draft.gt_delta, gt_abs=gt_abs + abs(draft.gt_delta))
    return entry, draft
