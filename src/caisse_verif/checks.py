"""The journal checks: one streaming pass over FR1 records that reports every anomaly it finds.

Pure: standard library only, no cryptography. Signature checking is injected as a callable that
takes a batch of ``(core, sig)`` pairs and returns one boolean per pair; `caisse_verif.es256`
provides one. When that checker is also a `RecordChecker` (es256's is), whole records go to it in
batches, a few ahead of the checks here, and it also checks that a share of the bodies are
canonical, in worker processes: everything else stays here, in record order. Memory is bounded:
bodies are dropped after their record is checked, records are checked in batches, and the only
per-record state is a 42-byte slot (kind, op, kseq and
token hash) used to resolve references to earlier records.

Check ids (stable: tests, the JSON report and the auditor's manual use them):

==================  ==========================================================================
``core.grammar``    the core does not parse (nf525.md §6.3 grammar)
``core.till``       the core's till differs from the first record's
``row.gseq``        the row's gseq column differs from the core's gseq
``row.column``      another index column of the row (kind, kseq, ts, token_sha256) differs
                    from the core
``body.canonical``  the body bytes are not canonical JSON (or not a JSON object)
``body.hash``       SHA-256 of the body differs from the core's body-hash token
``body.core``       a body field disagrees with the core: ``ts_utc``, ``till``,
                    ``total_ttc_cents``, ``vat``, ``refers_to.gseq`` / ``original.gseq`` versus
                    ``ref``, ``ticket_no`` versus ``kseq``, ``op``, the ``training`` flag
``sig.invalid``     the ES256 signature of the core does not verify
``chain.prev``      ``prev`` is not the token hash of the previous record (or the genesis prev)
``chain.gseq``      ``gseq`` is not the previous one + 1 (the first is 1 for a whole journal)
``chain.kseq``      ``kseq`` is not the previous one of that kind + 1 (the first is 1)
``time.decreasing`` the timestamp is earlier than the previous record's
``gt.recurrence``   ``gt_before`` / ``gt_after`` / ``gt_abs_after`` break the grand-total
                    recurrence (T and F), or move on a training ticket (X)
``lines.sum``       a line's TTC is not qty × unit − discounts, or the lines do not add up to
                    the total
``vat.sum``         a VAT entry disagrees with its lines, or its HT/TVA split is wrong, or the
                    HT entries do not add up to ``total_ht_cents``
``payments.sum``    payments minus change differ from the total
``ref.missing``     a refund, cancellation or copy does not point to an earlier record
``ref.mismatch``    the referenced record has the wrong kind or op, token hash or number
``copy.order``      a copy number is not the previous copy number of that original + 1
``jet.format``      a JET (J) body lacks ``code``, ``label``, ``detail`` or ``related_gseq``
``genesis.key``     the genesis (JET 30) key is unusable, or its thumbprint differs from the
                    declared or supplied kid
``anchor.truncated``  an external head anchor says the journal reached gseq N; it ends before
``anchor.mismatch`` the record at the anchor's gseq has another token hash (or another till)
``closure.mismatch`` a closure disagrees with its recomputation: a Z with the records of its
                    gseq range (counts, VAT per rate split into sales and returns, payments
                    net of change, cash movements, training, period and perpetual GT, first
                    and last ticket, chain head, range, business dates), an M with the sum of
                    the Zs written since the previous M, a Y with the sum of the Ms since the
                    previous Y (and the list of included closures, their periods and the
                    perpetual GT, which must match across levels)
``closure.order``   a closure's ``ref`` (or ``previous``) is not the previous closure of its
                    kind, or its period is not after the periods already closed
``period.closed``   a T, F, X or P record's ``business_date`` lies in an already closed period
``archive.manifest`` an archive's manifest.json is unreadable, not canonical, lacks a field, or
                    does not describe its journal.jsonl (first gseq, count, ``first_prev``)
``archive.jws``     an archive's manifest.jws is malformed, its kid is not the thumbprint of
                    the manifest's key, or its detached ES256 signature does not verify
``archive.file``    a file listed in an archive's manifest is missing, or its SHA-256 or size
                    differs; or the ZIP holds a file the manifest does not list
``archive.chain``   the previous archive (``--previous``) is not the one whose manifest hash
                    this manifest names, or contiguous ranges do not chain
``purge.mismatch``  a purged journal (``--archive``): a record the database kept in the
                    purged range differs from the archive's, or is not in the archives
==================  ==========================================================================

``projection.mismatch`` (sale tables versus bodies) is checked by `caisse_verif.sources`,
which reads the projections; the ``archive.*`` checks by `caisse_verif.archive`, which reads
archive ZIPs; `report` renders all of them.

Money rounding is half away from zero throughout. Refunds are T bodies with ``op`` REFUND and
negative quantities, amounts and totals. Payment-only records (P) must have payments adding
up to ``total_cents`` (``payments.sum``), the core's total (``body.core``) and a business date
in an open period. A Z covers every record after the previous Z up to the one just before
itself; an M the Zs since the previous M; a Y the Ms since the previous Y. When the records
do not start at the genesis (a slice), the first closure of each level whose range starts
before the slice is not recomputed. Bills (B) and archives (A) pass the grammar, chain,
sequence and time checks; their business checks are the entries of ``_KIND_CHECKS`` still to be
written.
"""

from __future__ import annotations

import hashlib
import json
import re
import struct
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from caisse_verif.canonical import parse_canonical, parse_checked_canonical
from caisse_verif.errors import CanonicalError, CoreGrammarError, KeyFormatError
from caisse_verif.record import (
    Core,
    StoredRecord,
    b64u,
    genesis_prev,
    iso_from_ts_token,
    jwk_thumbprint,
    parse_core,
    ticket_number,
    ts_token,
)

SignatureBatchChecker = Callable[[Sequence[tuple[str, str]]], list[bool]]
"""Checks a batch of ``(core, sig)`` pairs; returns one boolean per pair, in order."""


class PendingSignatures(Protocol):
    """Signature results still being computed (``result()`` waits for them)."""

    def result(self) -> list[bool]:
        """Wait for and return one boolean per pair, in order."""
        ...


@runtime_checkable
class SignatureSubmitter(Protocol):
    """A batch checker that can also start a batch and answer later (pipelining)."""

    def __call__(self, pairs: Sequence[tuple[str, str]], /) -> list[bool]:
        """Check a batch and wait for the answer."""
        ...

    def submit(self, pairs: Sequence[tuple[str, str]], /) -> PendingSignatures:
        """Start checking a batch."""
        ...


RecordOutcome = tuple[bool, str | None]
"""A record's signature validity, and the result of checking its body is canonical.

The second item is None when the body was not checked (the verifier then checks it), ``""``
when it is canonical, and otherwise why it is not (`caisse_verif.canonical.canonical_problem`).
"""


class PendingRecordChecks(Protocol):
    """Record checks still being computed (``result()`` waits for them)."""

    def result(self) -> list[RecordOutcome]:
        """Wait for and return one outcome per record, in order."""
        ...


@runtime_checkable
class RecordChecker(Protocol):
    """A checker that takes whole records, so that worker processes share more of the work.

    `submit_records` starts checking ``(core, sig, body)`` triples (see `RecordOutcome`);
    `verify_records` uses it when present, instead of signature batches.
    """

    def submit_records(self, records: Sequence[tuple[str, str, bytes]], /) -> PendingRecordChecks:
        """Start checking a batch of records."""
        ...


BodyObserver = Callable[[Core, dict[str, Any] | None], None]
"""Sees every record whose core parsed, with its body (None when not a JSON object)."""

SignatureCheckerFactory = Callable[[Mapping[str, Any]], SignatureBatchChecker]
"""Builds a batch checker from a public JWK (used for the key found in the genesis record)."""

CHECKS: dict[str, tuple[str, str]] = {
    "core.grammar": ("noyau mal formé", "malformed core"),
    "core.till": ("identifiant de caisse différent", "different till id"),
    "row.gseq": ("colonne gseq différente du noyau", "gseq column differs from the core"),
    "row.column": ("colonne d'index différente du noyau", "index column differs from the core"),
    "body.canonical": ("corps non canonique", "non-canonical body"),
    "body.hash": ("empreinte du corps incorrecte", "wrong body hash"),
    "body.core": ("corps en désaccord avec le noyau", "body disagrees with the core"),
    "sig.invalid": ("signature invalide", "invalid signature"),
    "chain.prev": ("chaînage rompu", "broken chain link"),
    "chain.gseq": ("séquence globale rompue", "broken global sequence"),
    "chain.kseq": ("séquence par type rompue", "broken per-kind sequence"),
    "time.decreasing": ("horodatage décroissant", "decreasing timestamp"),
    "gt.recurrence": ("grand total perpétuel incohérent", "inconsistent perpetual grand total"),
    "lines.sum": ("lignes incohérentes avec le total", "lines inconsistent with the total"),
    "vat.sum": ("ventilation de TVA incohérente", "inconsistent VAT breakdown"),
    "payments.sum": ("règlements incohérents avec le total", "payments inconsistent with total"),
    "ref.missing": ("référence absente", "missing reference"),
    "ref.mismatch": ("référence incorrecte", "wrong reference"),
    "copy.order": ("numéro de duplicata hors séquence", "copy number out of sequence"),
    "jet.format": ("événement JET mal formé", "malformed JET event"),
    "genesis.key": ("clé de genèse incohérente", "inconsistent genesis key"),
    "anchor.truncated": ("journal tronqué", "truncated journal"),
    "anchor.mismatch": ("ancre externe différente", "external anchor differs"),
    "projection.mismatch": ("projection différente du journal", "projection differs from journal"),
    "closure.mismatch": ("clôture différente du recalcul", "closure differs from recomputation"),
    "closure.order": ("clôture hors séquence", "closure out of sequence"),
    "period.closed": ("enregistrement daté d'une période close", "record dated in a closed period"),
    "archive.manifest": ("manifeste d'archive incorrect", "wrong archive manifest"),
    "archive.jws": ("signature du manifeste invalide", "invalid manifest signature"),
    "archive.file": ("fichier d'archive altéré ou absent", "archive file altered or missing"),
    "archive.chain": ("chaînage des archives rompu", "broken archive chain"),
    "purge.mismatch": (
        "enregistrement conservé différent de l'archive",
        "kept record differs from the archive",
    ),
}
"""Every check id with a short French and English title."""

_TICKET_KINDS = frozenset("TXF")
_MAX_BATCHES_IN_FLIGHT = 2
_RECORD_BATCH = 1000
_RECORD_BATCHES_IN_FLIGHT = 3
_GT_KINDS = frozenset("TF")
_OPS = {"SALE": 1, "REFUND": 2, "CANCEL": 3}
_OP_NAMES = {v: k for k, v in _OPS.items()}


@dataclass(frozen=True, slots=True)
class Anchor:
    """An external head anchor: the journal reached `gseq`, whose token hash was `token_hash`."""

    gseq: int
    token_hash: str
    till: str | None = None


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One finding: where (gseq), which check, a sentence in French and English, and the values."""

    gseq: int | None
    check: str
    fr: str
    en: str
    expected: str | None
    found: str | None

    def message(self, lang: str = "fr") -> str:
        """Return the sentence in `lang` ("fr" or "en")."""
        return self.en if lang == "en" else self.fr


@dataclass(frozen=True)
class Report:
    """The result of one verification run.

    Attributes:
        records: records read.
        anomalies: every anomaly, sorted by gseq (those without a gseq last).
        head_gseq: gseq of the last record (0 when there is none).
        head_token_hash: token hash of the last record.
        gt: the perpetual grand total after the last record, in cents.
        gt_abs: the perpetual absolute grand total, in cents.
        till: the till id of the journal.
        kid: the key id used (supplied, or taken from the genesis record).
        counts_by_kind: records per kind letter.
        signatures_checked: whether signatures were checked (a key was available).
    """

    records: int
    anomalies: list[Anomaly]
    head_gseq: int
    head_token_hash: str | None
    gt: int
    gt_abs: int
    till: str | None
    kid: str | None
    counts_by_kind: dict[str, int]
    signatures_checked: bool = True

    @property
    def ok(self) -> bool:
        """True when no anomaly was found."""
        return not self.anomalies


def round_half_away(numerator: int, denominator: int) -> int:
    """Return numerator / denominator rounded half away from zero (denominator > 0)."""
    if numerator >= 0:
        return (2 * numerator + denominator) // (2 * denominator)
    return -((-2 * numerator + denominator) // (2 * denominator))


def verify_records(
    records: Iterable[StoredRecord],
    *,
    check_signatures: SignatureBatchChecker | None,
    public_key_kid: str | None = None,
    anchor: Anchor | None = None,
    expect_genesis: bool = True,
    signature_checker_for_jwk: SignatureCheckerFactory | None = None,
    signature_batch_size: int = 2000,
    body_observer: BodyObserver | None = None,
) -> Report:
    """Verify a journal, streaming, and report every anomaly.

    Args:
        records: the records in stored (gseq) order.
        check_signatures: checks batches of ``(core, sig)``; None to take the key from the
            genesis record through `signature_checker_for_jwk`, or to skip signatures.
        public_key_kid: the kid of the supplied key; None to take it from the genesis record
            (a JET 30 whose ``detail`` holds ``public_key_jwk``).
        anchor: an external head anchor, to detect truncation and rollback.
        expect_genesis: the records start at the chain's genesis (gseq 1, genesis prev, every
            kseq from 1). False to verify a slice that starts later.
        signature_checker_for_jwk: builds a checker from the genesis JWK when
            `check_signatures` is None.
        signature_batch_size: signatures checked per call of the checker.
        body_observer: called with each parsed core and body, for checks that need the body
            once more (the projection check of `caisse_verif.sources`).

    Returns:
        The report.
    """
    verifier = _Verifier(
        check_signatures=check_signatures,
        checker_factory=signature_checker_for_jwk,
        kid=public_key_kid,
        anchor=anchor,
        expect_genesis=expect_genesis,
        batch_size=signature_batch_size,
        gt_known=expect_genesis,
        observer=body_observer,
    )
    stream = iter(records)
    checker = _record_checker(verifier.check_signatures)
    if checker is None:
        # note: one by one until a checker that takes whole records is known (the genesis
        # record may give it); a protocol isinstance is slow, so only when the checker changes
        seen = verifier.check_signatures
        for record in stream:
            verifier.feed(record)
            if verifier.check_signatures is not seen:
                seen = verifier.check_signatures
                checker = _record_checker(seen)
                if checker is not None:
                    break
    if checker is not None:
        verifier.feed_batches(stream, checker)
    return verifier.finish()


def _record_checker(checker: object) -> RecordChecker | None:
    return checker if isinstance(checker, RecordChecker) else None


# ---------------------------------------------------------------------------------- helpers


def _show(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    try:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
    except (ValueError, RecursionError):
        return "…"
    return text if len(text) <= 200 else text[:199] + "…"


def _int(value: object) -> int | None:
    return value if type(value) is int else None


def _guess_gseq(core: object) -> int | None:
    if not isinstance(core, str):
        return None
    fields = core.split(",")
    if len(fields) > 2 and fields[2].isascii() and fields[2].isdigit() and len(fields[2]) <= 16:
        return int(fields[2])
    return None


# ------------------------------------------------------------------------------- closures

_DATED_KINDS = frozenset("TFXP")
_CLOSURE_KINDS = frozenset("ZMY")
_VOID_CODES = frozenset({60, 61, 62})
_BAD = "<malformed>"
_PERIOD_TYPES = {"Z": "day", "M": "month", "Y": "fiscal_year"}
_CHILD_KIND = {"M": "Z", "Y": "M"}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _nonzero(values: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in sorted(values.items()) if v}


def _hts(entry: object) -> tuple[int, int, int] | None:
    if not isinstance(entry, dict):
        return None
    ht, tva, ttc = _int(entry.get("ht")), _int(entry.get("tva")), _int(entry.get("ttc"))
    if ht is None or tva is None or ttc is None:
        return None
    return ht, tva, ttc


class _Sums:
    """The totals a closure holds, in a normal form (zero entries dropped) for comparison.

    Fed either with records (a Z's range) or with closure bodies (an M's Zs, a Y's Ms).
    """

    __slots__ = ("moves", "payments", "records", "tickets", "training", "trainings", "vat", "voids")

    def __init__(self) -> None:
        self.records: dict[str, int] = {}
        self.tickets: dict[str, int] = {}
        self.trainings: dict[str, int] = {}
        self.voids: dict[str, int] = {}
        self.vat: dict[int, list[int]] = {}
        self.payments: dict[str, int] = {}
        self.moves: dict[str, list[int]] = {}
        self.training = [0, 0]

    def add_record(self, kind: str, body: dict[str, Any] | None) -> None:
        self.records[kind] = self.records.get(kind, 0) + 1
        if body is None:
            return
        op = body.get("op")
        if kind in _GT_KINDS:
            if isinstance(op, str) and op in _OPS:
                self.tickets[op] = self.tickets.get(op, 0) + 1
            offset = 0 if op == "SALE" else 3
            entries = body.get("vat")
            for entry in entries if isinstance(entries, list) else ():
                values = _vat_values(entry)
                if values is None:
                    continue
                rate, ht, tva, ttc = values
                slot = self.vat.setdefault(rate, [0, 0, 0, 0, 0, 0])
                slot[offset] += ht
                slot[offset + 1] += tva
                slot[offset + 2] += ttc
            payments = body.get("payments")
            for pay in payments if isinstance(payments, list) else ():
                if isinstance(pay, dict) and isinstance(pay.get("method"), str):
                    amount = _int(pay.get("amount_cents"))
                    if amount is not None:
                        method = pay["method"]
                        self.payments[method] = self.payments.get(method, 0) + amount
            change = _int(body.get("change_cents", 0))
            if change:
                # change is handed back in cash only
                self.payments["CASH"] = self.payments.get("CASH", 0) - change
        elif kind == "X":
            if isinstance(op, str) and op in _OPS:
                self.trainings[op] = self.trainings.get(op, 0) + 1
            self.training[0] += 1
            self.training[1] += _int(body.get("total_ttc_cents")) or 0
        elif kind == "P":
            if isinstance(op, str):
                slot = self.moves.setdefault(op, [0, 0])
                slot[0] += 1
                slot[1] += _int(body.get("total_cents")) or 0
        elif kind == "J":
            code = _int(body.get("code"))
            if code in _VOID_CODES:
                self.voids[str(code)] = self.voids.get(str(code), 0) + 1

    def add_closure(self, body: dict[str, Any]) -> None:
        """Add the blocks of a child closure as written (malformed parts are skipped)."""
        counts = body.get("counts")
        counts = counts if isinstance(counts, dict) else {}
        for name, target in (
            ("records", self.records),
            ("tickets", self.tickets),
            ("training", self.trainings),
            ("voids", self.voids),
        ):
            section = counts.get(name)
            for key, n in section.items() if isinstance(section, dict) else ():
                if isinstance(key, str) and _int(n) is not None:
                    target[key] = target.get(key, 0) + n
        entries = body.get("vat")
        for entry in entries if isinstance(entries, list) else ():
            rate = _int(entry.get("rate_bp")) if isinstance(entry, dict) else None
            sales = _hts(entry.get("sales")) if isinstance(entry, dict) else None
            returns = _hts(entry.get("returns")) if isinstance(entry, dict) else None
            if rate is None or sales is None or returns is None:
                continue
            slot = self.vat.setdefault(rate, [0, 0, 0, 0, 0, 0])
            for i, value in enumerate(sales + returns):
                slot[i] += value
        payments = body.get("payments")
        for pay in payments if isinstance(payments, list) else ():
            if isinstance(pay, dict) and isinstance(pay.get("method"), str):
                amount = _int(pay.get("amount_cents"))
                if amount is not None:
                    self.payments[pay["method"]] = self.payments.get(pay["method"], 0) + amount
        moves = body.get("cash_movements")
        for move in moves if isinstance(moves, list) else ():
            if isinstance(move, dict) and isinstance(move.get("op"), str):
                count, amount = _int(move.get("count")), _int(move.get("amount_cents"))
                if count is not None and amount is not None:
                    slot = self.moves.setdefault(move["op"], [0, 0])
                    slot[0] += count
                    slot[1] += amount
        training = body.get("training")
        if isinstance(training, dict):
            self.training[0] += _int(training.get("count")) or 0
            self.training[1] += _int(training.get("amount_cents")) or 0

    def blocks(self) -> dict[str, object]:
        vat: dict[int, tuple[int, ...]] = {}
        totals = [0] * 9
        for rate in sorted(self.vat):
            s = self.vat[rate]
            row = (*s, s[0] + s[3], s[1] + s[4], s[2] + s[5])
            for i, value in enumerate(row):
                totals[i] += value
            if any(row):
                vat[rate] = row
        return {
            "counts.records": _nonzero(self.records),
            "counts.tickets": _nonzero(self.tickets),
            "counts.training": _nonzero(self.trainings),
            "counts.voids": _nonzero(self.voids),
            "vat": vat,
            "totals": tuple(totals),
            "payments": _nonzero(self.payments),
            "cash_movements": {op: tuple(v) for op, v in sorted(self.moves.items()) if any(v)},
            "training": tuple(self.training),
            "gt.period": totals[8],
        }


def _written_blocks(body: dict[str, Any]) -> dict[str, object]:
    """The same normal form, read from a closure body as written (`_BAD` where malformed)."""
    found: dict[str, object] = {}
    counts = body.get("counts")
    for name in ("records", "tickets", "training", "voids"):
        section = counts.get(name) if isinstance(counts, dict) else None
        if isinstance(section, dict) and all(
            isinstance(k, str) and _int(v) is not None for k, v in section.items()
        ):
            found[f"counts.{name}"] = _nonzero(section)
        else:
            found[f"counts.{name}"] = _BAD
    vat: dict[int, tuple[int, ...]] | str = {}
    entries = body.get("vat")
    for entry in entries if isinstance(entries, list) else [None]:
        rate = _int(entry.get("rate_bp")) if isinstance(entry, dict) else None
        parts = (
            [_hts(entry.get(p)) for p in ("sales", "returns", "net")]
            if isinstance(entry, dict) and rate is not None
            else [None]
        )
        if rate is None or isinstance(vat, str) or any(p is None for p in parts):
            vat = _BAD
            break
        row = tuple(v for part in parts if part is not None for v in part)
        if any(row):
            vat[rate] = row
    found["vat"] = vat
    totals = body.get("totals")
    parts = (
        [_hts(totals.get(p)) for p in ("sales", "returns", "net")]
        if isinstance(totals, dict)
        else [None]
    )
    found["totals"] = (
        _BAD
        if any(p is None for p in parts)
        else tuple(v for part in parts if part is not None for v in part)
    )
    payments: dict[str, int] | str = {}
    listed = body.get("payments")
    for pay in listed if isinstance(listed, list) else [None]:
        method = pay.get("method") if isinstance(pay, dict) else None
        amount = _int(pay.get("amount_cents")) if isinstance(pay, dict) else None
        if not isinstance(method, str) or amount is None or isinstance(payments, str):
            payments = _BAD
            break
        payments[method] = payments.get(method, 0) + amount
    found["payments"] = payments if isinstance(payments, str) else _nonzero(payments)
    moves: dict[str, tuple[int, ...]] | str = {}
    listed = body.get("cash_movements")
    for move in listed if isinstance(listed, list) else [None]:
        op = move.get("op") if isinstance(move, dict) else None
        count = _int(move.get("count")) if isinstance(move, dict) else None
        amount = _int(move.get("amount_cents")) if isinstance(move, dict) else None
        if not isinstance(op, str) or count is None or amount is None or isinstance(moves, str):
            moves = _BAD
            break
        if count or amount:
            moves[op] = (count, amount)
    found["cash_movements"] = moves
    training = body.get("training")
    pair = (
        (_int(training.get("count")), _int(training.get("amount_cents")))
        if isinstance(training, dict)
        else (None, None)
    )
    found["training"] = _BAD if None in pair else pair
    gt = body.get("gt")
    period_gt = _int(gt.get("period")) if isinstance(gt, dict) else None
    found["gt.period"] = _BAD if period_gt is None else period_gt
    return found


@dataclass
class _OpenPeriod:
    """What the next Z must hold: the records since the previous Z."""

    complete: bool
    sums: _Sums = field(default_factory=_Sums)
    first_gseq: int | None = None
    last_gseq: int | None = None
    first_ticket: dict[str, Any] | None = None
    last_ticket: dict[str, Any] | None = None
    last_date: str | None = None


@dataclass
class _Closures:
    """The verifier's memory of closures: bounded by a month of Zs and a year of Ms."""

    period: _OpenPeriod
    z_complete: bool
    m_complete: bool
    pending: dict[str, list[tuple[int, int, str, dict[str, Any]]]] = field(
        default_factory=lambda: {"Z": [], "M": []}
    )
    last: dict[str, tuple[int, int, str, str | None]] = field(default_factory=dict)
    closed_through: str | None = None


def _iso_date(value: object) -> str | None:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def _month_end(day: str) -> str:
    year, month = int(day[:4]), int(day[5:7])
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return (following - timedelta(days=1)).date().isoformat()


class _RefIndex:
    """gseq → (kind, op, kseq, token digest), 42 bytes a record, first occurrence kept."""

    _SLOT = struct.Struct(">cBQ32s")
    _MAX_JUMP = 1_000_000

    def __init__(self) -> None:
        self._base: int | None = None
        self._slots = bytearray()
        self._extra: dict[int, bytes] = {}

    def add(self, gseq: int, kind: str, op: int, kseq: int, digest: bytes) -> None:
        entry = self._SLOT.pack(kind.encode("ascii"), op, kseq, digest)
        size = self._SLOT.size
        if self._base is None:
            self._base = gseq
        offset = (gseq - self._base) * size
        if 0 <= offset <= len(self._slots) + self._MAX_JUMP * size:
            if offset >= len(self._slots):
                self._slots.extend(bytes(offset - len(self._slots)))
                self._slots.extend(entry)
            elif self._slots[offset] == 0:
                self._slots[offset : offset + size] = entry
        else:
            self._extra.setdefault(gseq, entry)

    def get(self, gseq: int) -> tuple[str, int, int, bytes] | None:
        size = self._SLOT.size
        entry: bytes | None = None
        if self._base is not None:
            offset = (gseq - self._base) * size
            if 0 <= offset < len(self._slots) and self._slots[offset] != 0:
                entry = bytes(self._slots[offset : offset + size])
        if entry is None:
            entry = self._extra.get(gseq)
        if entry is None:
            return None
        kind, op, kseq, digest = self._SLOT.unpack(entry)
        return kind.decode("ascii"), op, kseq, digest


@dataclass
class _Verifier:
    check_signatures: SignatureBatchChecker | None
    checker_factory: SignatureCheckerFactory | None
    observer: BodyObserver | None
    kid: str | None
    anchor: Anchor | None
    expect_genesis: bool
    batch_size: int
    anomalies: list[Anomaly] = field(default_factory=list)
    records: int = 0
    till: str | None = None
    pending: list[tuple[int | None, str, str]] = field(default_factory=list)
    in_flight: list[tuple[list[int | None], PendingSignatures]] = field(default_factory=list)
    prev_hash: str | None = None
    last_gseq: int | None = None
    last_ts: str | None = None
    max_gseq: int = 0
    kseqs: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    gt: int = 0
    gt_abs: int = 0
    gt_known: bool = True
    first_gseq: int | None = None
    refs: _RefIndex = field(default_factory=_RefIndex)
    copies: dict[int, int] = field(default_factory=dict)
    head_gseq: int = 0
    head_hash: str | None = None
    anchor_seen: bool = False
    sigs_skipped: bool = False
    current_hash: str = ""
    closures: _Closures = field(init=False)

    def __post_init__(self) -> None:
        complete = self.expect_genesis
        self.closures = _Closures(_OpenPeriod(complete), complete, complete)

    # ------------------------------------------------------------------------- plumbing

    def add(
        self,
        gseq: int | None,
        check: str,
        fr: str,
        en: str,
        expected: object = None,
        found: object = None,
    ) -> None:
        self.anomalies.append(Anomaly(gseq, check, fr, en, _show(expected), _show(found)))

    def flush(self, *, wait: bool = False) -> None:
        checker = self.check_signatures
        if self.pending and checker is not None:
            batch, self.pending = self.pending, []
            pairs = [(core, sig) for _, core, sig in batch]
            gseqs = [gseq for gseq, _, _ in batch]
            if isinstance(checker, SignatureSubmitter):
                # note: the workers check this batch while the next records are read and checked
                self.in_flight.append((gseqs, checker.submit(pairs)))
            else:
                self.signature_results(gseqs, checker(pairs))
        while self.in_flight and (wait or len(self.in_flight) > _MAX_BATCHES_IN_FLIGHT):
            gseqs, results = self.in_flight.pop(0)
            self.signature_results(gseqs, results.result())

    def signature_results(self, gseqs: list[int | None], results: list[bool]) -> None:
        for gseq, valid in zip(gseqs, results, strict=True):
            if not valid:
                self.add(
                    gseq,
                    "sig.invalid",
                    "La signature ES256 du noyau ne se vérifie pas avec la clé publique.",
                    "The core's ES256 signature does not verify with the public key.",
                )

    def queue_signature(self, gseq: int | None, core: str, sig: str) -> None:
        if self.check_signatures is None:
            self.sigs_skipped = True
            return
        self.pending.append((gseq, core, sig))
        if len(self.pending) >= self.batch_size:
            self.flush()

    def feed_batches(self, records: Iterator[StoredRecord], checker: RecordChecker) -> None:
        """Feed `records`, handing each batch to `checker` a few batches ahead of the checks."""
        size = max(1, min(self.batch_size, _RECORD_BATCH))
        in_flight: deque[tuple[list[StoredRecord], PendingRecordChecks]] = deque()
        batch: list[StoredRecord] = []
        for rec in records:
            batch.append(rec)
            if len(batch) >= size:
                in_flight.append((batch, checker.submit_records([_triple(r) for r in batch])))
                batch = []
                if len(in_flight) > _RECORD_BATCHES_IN_FLIGHT:
                    self._feed_checked(*in_flight.popleft())
        if batch:
            in_flight.append((batch, checker.submit_records([_triple(r) for r in batch])))
        while in_flight:
            self._feed_checked(*in_flight.popleft())

    def _feed_checked(self, batch: list[StoredRecord], pending: PendingRecordChecks) -> None:
        for rec, outcome in zip(batch, pending.result(), strict=True):
            self.feed(rec, outcome)

    def check_anchor(self, gseq: int | None, thash: str) -> None:
        anchor = self.anchor
        if anchor is None or gseq != anchor.gseq:
            return
        self.anchor_seen = True
        if thash != anchor.token_hash:
            self.add(
                gseq,
                "anchor.mismatch",
                "L'enregistrement à la position de l'ancre externe n'a pas l'empreinte ancrée "
                "(réécriture ou retour arrière).",
                "The record at the external anchor's position does not have the anchored token "
                "hash (rewrite or rollback).",
                anchor.token_hash,
                thash,
            )

    # ------------------------------------------------------------------------- one record

    def feed(self, rec: StoredRecord, outcome: RecordOutcome | None = None) -> None:
        """Check one record; `outcome` is what a `RecordChecker` already checked of it."""
        self.records += 1
        # note: rows come from files an attacker may have edited: never trust the types
        raw_core: object = rec.core
        raw_sig: object = rec.sig
        core_text = raw_core if isinstance(raw_core, str) else ""
        sig = raw_sig if isinstance(raw_sig, str) else ""
        digest = hashlib.sha256(f"{core_text},{sig}".encode("utf-8", "surrogatepass")).digest()
        thash = b64u(digest)
        try:
            core = parse_core(core_text)
        except CoreGrammarError as exc:
            self._unparsed(rec, core_text, sig, thash, str(exc), outcome)
            return
        g = core.gseq
        first = self.records == 1
        if self.first_gseq is None:
            self.first_gseq = g
        self.counts[core.kind] = self.counts.get(core.kind, 0) + 1
        self._row_columns(rec, core, thash)
        if self.till is None:
            self.till = core.till
        elif core.till != self.till:
            self.add(
                g,
                "core.till",
                "L'identifiant de caisse du noyau diffère de celui du journal.",
                "The core's till id differs from the journal's.",
                self.till,
                core.till,
            )

        body = self._body(rec.body, core, None if outcome is None else outcome[1])
        if first and core.kind == "J" and isinstance(body, dict) and body.get("code") == 30:
            self._genesis(core, body)
        if outcome is None:
            self.queue_signature(g, core_text, sig)
        self._chain(core, first)
        self.check_anchor(g, thash)

        if self.observer is not None:
            self.observer(core, body if isinstance(body, dict) else None)
        op = 0
        self.current_hash = thash
        if isinstance(body, dict):
            op = _OPS.get(body["op"], 0) if isinstance(body.get("op"), str) else 0
            self._body_core(core, body)
            _KIND_CHECKS[core.kind](self, core, body)
        if core.kind in _CLOSURE_KINDS and not isinstance(body, dict):
            self._closure_unreadable(core)
        if core.kind != "Z":
            # note: M and Y records lie in the next Z's range like any other record
            self._in_period(core, body if isinstance(body, dict) else None, thash)
        self.refs.add(g, core.kind, op, core.kseq, digest)
        self.prev_hash = thash
        self.last_gseq = g
        self.last_ts = core.ts
        self.max_gseq = max(self.max_gseq, g)
        self.head_gseq, self.head_hash = g, thash
        if outcome is not None and not outcome[0]:
            # note: after the record's other findings, as when a batch's results come later
            self.signature_results([g], [False])

    def _unparsed(
        self,
        rec: StoredRecord,
        core_text: str,
        sig: str,
        thash: str,
        why: str,
        outcome: RecordOutcome | None,
    ) -> None:
        gseq = rec.gseq_column if rec.gseq_column is not None else _guess_gseq(core_text)
        self.add(
            gseq,
            "core.grammar",
            f"Le noyau signé ne respecte pas la grammaire FR1 : {why}.",
            f"The signed core breaks the FR1 grammar: {why}.",
            "FR1,<till>,<gseq>,<kind>,<kseq>,<ts>,<vat>,<total>,<ref>,<body_hash>,<prev>",
            core_text,
        )
        if outcome is None:
            self.queue_signature(gseq, core_text, sig)
        # note: keep the chain moving so that one bad core gives one anomaly, not a cascade
        if gseq is None:
            gseq = (self.last_gseq or 0) + 1
        self.check_anchor(gseq, thash)
        self.prev_hash = thash
        self.last_gseq = gseq
        self.max_gseq = max(self.max_gseq, gseq)
        self.head_gseq, self.head_hash = gseq, thash
        if outcome is not None and not outcome[0]:
            self.signature_results([gseq], [False])

    def _row_columns(self, rec: StoredRecord, core: Core, thash: str) -> None:
        g = core.gseq
        if rec.gseq_column is not None and rec.gseq_column != g:
            self.add(
                g,
                "row.gseq",
                "La colonne gseq de la ligne diffère du gseq signé.",
                "The row's gseq column differs from the signed gseq.",
                g,
                rec.gseq_column,
            )
        columns: list[tuple[str, object, object]] = []
        if rec.kind_column is not None and rec.kind_column != core.kind:
            columns.append(("kind", core.kind, rec.kind_column))
        if rec.kseq_column is not None and rec.kseq_column != core.kseq:
            columns.append(("kseq", core.kseq, rec.kseq_column))
        if rec.ts_column is not None and not _same_instant(rec.ts_column, core.ts):
            columns.append(("ts", core.ts, rec.ts_column))
        if rec.token_sha256_column is not None and rec.token_sha256_column != thash:
            columns.append(("token_sha256", thash, rec.token_sha256_column))
        for name, expected, found in columns:
            self.add(
                g,
                "row.column",
                f"La colonne {name} de la ligne diffère du noyau signé.",
                f"The row's {name} column differs from the signed core.",
                expected,
                found,
            )

    def _body(self, data: object, core: Core, problem: str | None) -> Any:
        """The body, checked; `problem` is what a `RecordChecker` found (None: not checked)."""
        g = core.gseq
        raw = data if isinstance(data, bytes) else b""
        found_hash = b64u(hashlib.sha256(raw).digest())
        if found_hash != core.body_hash:
            self.add(
                g,
                "body.hash",
                "L'empreinte SHA-256 du corps ne correspond pas à celle du noyau signé.",
                "The body's SHA-256 does not match the one in the signed core.",
                core.body_hash,
                found_hash,
            )
        body: Any = None
        if problem is None:
            try:
                body = parse_canonical(raw)
            except CanonicalError as exc:
                problem = str(exc) or type(exc).__name__
        elif not problem:
            body = parse_checked_canonical(raw)
        if problem:
            self.add(
                g,
                "body.canonical",
                f"Le corps n'est pas du JSON canonique (RFC 8785, entiers, NFC) : {problem}.",
                f"The body is not canonical JSON (RFC 8785, integers, NFC): {problem}.",
            )
            try:
                body = json.loads(raw)
            except (ValueError, RecursionError):
                return None
        if not isinstance(body, dict):
            self.add(
                g,
                "body.canonical",
                "Le corps n'est pas un objet JSON.",
                "The body is not a JSON object.",
                "object",
                type(body).__name__,
            )
            return None
        return body

    def _genesis(self, core: Core, body: dict[str, Any]) -> None:
        g = core.gseq
        detail = body.get("detail")
        if not isinstance(detail, dict) or not isinstance(detail.get("public_key_jwk"), dict):
            self.add(
                g,
                "genesis.key",
                "L'enregistrement de genèse (JET 30) ne porte pas de clé publique JWK.",
                "The genesis record (JET 30) carries no public JWK.",
            )
            return
        jwk: dict[str, Any] = detail["public_key_jwk"]
        try:
            thumb = jwk_thumbprint(jwk)
        except KeyFormatError as exc:
            self.add(
                g,
                "genesis.key",
                f"La clé publique de la genèse est inutilisable : {exc}.",
                f"The genesis public key is unusable: {exc}.",
            )
            return
        declared = detail.get("kid")
        if declared is not None and declared != thumb:
            self.add(
                g,
                "genesis.key",
                "Le kid déclaré dans la genèse n'est pas l'empreinte RFC 7638 de sa clé.",
                "The kid declared in the genesis is not the RFC 7638 thumbprint of its key.",
                thumb,
                declared,
            )
        if self.kid is None:
            self.kid = thumb
        elif self.kid != thumb:
            self.add(
                g,
                "genesis.key",
                "La clé de la genèse n'est pas la clé publique fournie.",
                "The genesis key is not the supplied public key.",
                self.kid,
                thumb,
            )
        if self.check_signatures is None and self.checker_factory is not None:
            try:
                self.check_signatures = self.checker_factory(jwk)
            except KeyFormatError as exc:
                self.add(
                    g,
                    "genesis.key",
                    f"La clé publique de la genèse est inutilisable : {exc}.",
                    f"The genesis public key is unusable: {exc}.",
                )
        previous = detail.get("previous")
        if isinstance(previous, dict):
            # note: a re-initialisation quotes the previous head and GT; the GT continues
            gt, gt_abs = _int(previous.get("gt_after")), _int(previous.get("gt_abs_after"))
            if gt is not None:
                self.gt = gt
            if gt_abs is not None:
                self.gt_abs = gt_abs

    def _chain(self, core: Core, first: bool) -> None:
        g = core.gseq
        if first:
            expected_prev = None
            if self.expect_genesis and self.kid is not None:
                expected_prev = genesis_prev(core.till, self.kid)
        else:
            expected_prev = self.prev_hash
        if expected_prev is not None and core.prev != expected_prev:
            self.add(
                g,
                "chain.prev",
                "Le chaînage (prev) ne correspond pas à l'empreinte du jeton précédent."
                if not first
                else "Le chaînage (prev) du premier enregistrement n'est pas celui de la genèse.",
                "The chain link (prev) is not the hash of the previous token."
                if not first
                else "The first record's chain link (prev) is not the genesis value.",
                expected_prev,
                core.prev,
            )
        expected_gseq = (
            (1 if self.expect_genesis else None) if self.last_gseq is None else self.last_gseq + 1
        )
        if expected_gseq is not None and g != expected_gseq:
            self.add(
                g,
                "chain.gseq",
                "La séquence globale n'est pas continue (enregistrement supprimé, inséré ou "
                "déplacé).",
                "The global sequence is not continuous (record deleted, inserted or moved).",
                expected_gseq,
                g,
            )
        last_k = self.kseqs.get(core.kind)
        expected_k = (1 if self.expect_genesis else None) if last_k is None else last_k + 1
        if expected_k is not None and core.kseq != expected_k:
            self.add(
                g,
                "chain.kseq",
                f"La séquence du type {core.kind} n'est pas continue.",
                f"The sequence of kind {core.kind} is not continuous.",
                expected_k,
                core.kseq,
            )
        self.kseqs[core.kind] = core.kseq
        if self.last_ts is not None and core.ts < self.last_ts:
            self.add(
                g,
                "time.decreasing",
                "L'horodatage est antérieur à celui de l'enregistrement précédent.",
                "The timestamp is earlier than the previous record's.",
                f">= {self.last_ts}",
                core.ts,
            )

    def _body_core(self, core: Core, body: dict[str, Any]) -> None:
        g = core.gseq
        is_ticket = core.kind in _TICKET_KINDS
        mismatches: list[tuple[str, object, object]] = []
        if "ts_utc" in body or is_ticket:
            expected_ts = iso_from_ts_token(core.ts)
            if body.get("ts_utc") != expected_ts:
                mismatches.append(("ts_utc", expected_ts, body.get("ts_utc")))
        if ("till" in body or is_ticket) and body.get("till") != core.till:
            mismatches.append(("till", core.till, body.get("till")))
        if is_ticket:
            if not isinstance(body.get("op"), str) or body["op"] not in _OPS:
                mismatches.append(("op", "SALE|REFUND|CANCEL", body.get("op")))
            if _int(body.get("total_ttc_cents")) != core.total_cents:
                found_total = body.get("total_ttc_cents")
                mismatches.append(("total_ttc_cents", core.total_cents, found_total))
            vat = _vat_pairs(body.get("vat"))
            if vat != core.vat:
                mismatches.append(("vat", _vat_token(core.vat), body.get("vat")))
            refers_to = body.get("refers_to")
            body_ref = refers_to.get("gseq") if isinstance(refers_to, dict) else None
            if body_ref != core.ref or (refers_to is not None and _int(body_ref) is None):
                mismatches.append(("refers_to.gseq", core.ref, body_ref))
            if core.kind in "TX" and "ticket_no" in body:
                number = body["ticket_no"]
                if not _is_number_of(number, core.till, core.kind, core.kseq):
                    mismatches.append(
                        ("ticket_no", ticket_number(core.till, core.kind, core.kseq), number)
                    )
            training = body.get("training") is True
            if training != (core.kind == "X"):
                mismatches.append(("training", core.kind == "X", body.get("training")))
        elif core.kind == "D":
            original = body.get("original")
            body_ref = original.get("gseq") if isinstance(original, dict) else None
            if body_ref != core.ref or _int(body_ref) is None:
                mismatches.append(("original.gseq", core.ref, body_ref))
        for name, expected, found in mismatches:
            self.add(
                g,
                "body.core",
                f"Le champ {name} du corps ne correspond pas au noyau signé.",
                f"The body field {name} does not match the signed core.",
                expected,
                found,
            )

    # ------------------------------------------------------------------------- by kind

    def check_ticket(self, core: Core, body: dict[str, Any]) -> None:
        """T, X and F: lines, VAT, payments, grand totals and references."""
        total = _int(body.get("total_ttc_cents"))
        if total is None:
            total = core.total_cents
        self._lines_and_vat(core, body, total)
        self._payments(core, body, total)
        self._grand_totals(core, body, total)
        op = body.get("op")
        if op in ("REFUND", "CANCEL"):
            refers_to = body.get("refers_to")
            self._reference(core, refers_to, "refers_to", frozenset(core.kind), need_sale=True)

    def check_copy(self, core: Core, body: dict[str, Any]) -> None:
        """D: the original exists, is a ticket or invoice, and copy numbers count up."""
        self._reference(core, body.get("original"), "original", _TICKET_KINDS, need_sale=False)
        if core.ref is None:
            return
        copy_no = _int(body.get("copy_no"))
        if self._before_slice(core.ref) and core.ref not in self.copies:
            if copy_no is not None:
                self.copies[core.ref] = copy_no
            return
        expected = self.copies.get(core.ref, 0) + 1
        if copy_no != expected:
            self.add(
                core.gseq,
                "copy.order",
                f"Le numéro de duplicata de l'original gseq {core.ref} n'est pas le suivant.",
                f"The copy number of original gseq {core.ref} is not the next one.",
                expected,
                body.get("copy_no"),
            )
        self.copies[core.ref] = copy_no if copy_no is not None else expected

    def check_jet(self, core: Core, body: dict[str, Any]) -> None:
        """J: the event has its code, label, detail and related gseq."""
        problems: list[tuple[str, str]] = []
        if _int(body.get("code")) is None:
            problems.append(("code", "integer"))
        if not isinstance(body.get("label"), str):
            problems.append(("label", "string"))
        if not isinstance(body.get("detail"), dict):
            problems.append(("detail", "object"))
        if "related_gseq" not in body or (
            body["related_gseq"] is not None and _int(body["related_gseq"]) is None
        ):
            problems.append(("related_gseq", "integer or null"))
        for name, kind in problems:
            self.add(
                core.gseq,
                "jet.format",
                f"Le champ {name} de l'événement JET est absent ou mal typé.",
                f"The JET event field {name} is missing or of the wrong type.",
                kind,
                body.get(name),
            )

    # ------------------------------------------------------------------------- closures

    def _in_period(self, core: Core, body: dict[str, Any] | None, thash: str) -> None:
        """Fold a non-closure record into the open period; dated records must be open."""
        period = self.closures.period
        g = core.gseq
        if period.first_gseq is None:
            period.first_gseq = g
        period.last_gseq = g
        period.sums.add_record(core.kind, body)
        if body is None or core.kind not in _DATED_KINDS:
            return
        day = body.get("business_date")
        if isinstance(day, str):
            period.last_date = day if period.last_date is None else max(period.last_date, day)
            closed = self.closures.closed_through
            if closed is not None and day <= closed:
                self.add(
                    g,
                    "period.closed",
                    f"L'enregistrement est daté du {day}, période déjà clôturée (jusqu'au "
                    f"{closed}).",
                    f"The record is dated {day}, in a period already closed (up to {closed}).",
                    f"> {closed}",
                    day,
                )
        if core.kind in _GT_KINDS:
            ref = {"gseq": g, "number": body.get("ticket_no"), "token_hash": thash}
            if period.first_ticket is None:
                period.first_ticket = ref
            period.last_ticket = ref

    def _closure_unreadable(self, core: Core) -> None:
        """A closure whose body cannot be read: start afresh without recomputing the next one."""
        st = self.closures
        if core.kind == "Z":
            # the next Z's range starts after this one; the M holding it cannot be summed
            st.period = _OpenPeriod(complete=True)
            st.z_complete = False
        elif core.kind == "M":
            st.pending["Z"] = []
            st.z_complete = True
            st.m_complete = False
        else:
            st.pending["M"] = []
            st.m_complete = True
        st.last[core.kind] = (core.gseq, core.kseq, self.current_hash, None)

    def _mismatch(self, g: int, name: str, expected: object, found: object) -> None:
        self.add(
            g,
            "closure.mismatch",
            f"Le champ {name} de la clôture ne correspond pas à son recalcul.",
            f"The closure field {name} does not match its recomputation.",
            expected,
            found,
        )

    def _order(self, g: int, fr: str, en: str, expected: object, found: object) -> None:
        self.add(g, "closure.order", fr, en, expected, found)

    def check_payment(self, core: Core, body: dict[str, Any]) -> None:
        """P: the payments add up to the total, which is the core's; the number is the kseq."""
        g = core.gseq
        total = _int(body.get("total_cents"))
        if total != core.total_cents:
            self.add(
                g,
                "body.core",
                "Le champ total_cents du corps ne correspond pas au noyau signé.",
                "The body field total_cents does not match the signed core.",
                core.total_cents,
                body.get("total_cents"),
            )
        if "number" in body and not _is_number_of(body["number"], core.till, "P", core.kseq):
            self.add(
                g,
                "body.core",
                "Le champ number du corps ne correspond pas au noyau signé.",
                "The body field number does not match the signed core.",
                ticket_number(core.till, "P", core.kseq),
                body["number"],
            )
        payments = body.get("payments")
        amounts = [
            _int(p.get("amount_cents")) if isinstance(p, dict) else None
            for p in (payments if isinstance(payments, list) else [None])
        ]
        if None in amounts or sum(a or 0 for a in amounts) != core.total_cents:
            self.add(
                g,
                "payments.sum",
                "Les montants du mouvement de caisse ne font pas son total.",
                "The cash movement's amounts do not add up to its total.",
                core.total_cents,
                payments,
            )

    def check_closure(self, core: Core, body: dict[str, Any]) -> None:
        """Z, M, Y: recompute, check the order of closures and the grand totals."""
        st = self.closures
        kind, g = core.kind, core.gseq
        period = body.get("period")
        start = _iso_date(period.get("from")) if isinstance(period, dict) else None
        end = _iso_date(period.get("to")) if isinstance(period, dict) else None
        if (
            start is None
            or end is None
            or start > end
            or not isinstance(period, dict)
            or period.get("type") != _PERIOD_TYPES[kind]
        ):
            self._mismatch(g, "period", f"{{type: {_PERIOD_TYPES[kind]}, from, to}}", period)
            start = end = None
        elif kind == "Z" and (period.get("business_date") != start or start != end):
            self._mismatch(g, "period", "business_date = from = to", period)
        elif kind == "M" and (
            start[8:] != "01" or end != _month_end(start) or period.get("month") != start[:7]
        ):
            self._mismatch(g, "period", "one calendar month", period)
        self._closure_order(core, body, start)
        if kind == "Z":
            self._recompute_z(core, body, end)
        else:
            self._recompute_sum(core, body, start, end)
        self._closure_core(core, body)
        # grand totals: the perpetual GT must match the journal's, at every level
        gt = body.get("gt")
        if self.gt_known:
            for name, running in (("perpetual", self.gt), ("perpetual_abs", self.gt_abs)):
                found = gt.get(name) if isinstance(gt, dict) else None
                if _int(found) != running:
                    self._mismatch(g, f"gt.{name}", running, found)
        if self.last_gseq == g - 1 and self.prev_hash is not None:
            head = {"gseq": g - 1, "token_hash": self.prev_hash}
            if body.get("chain_head") != head:
                self._mismatch(g, "chain_head", head, body.get("chain_head"))
        # remember it
        st.last[kind] = (g, core.kseq, self.current_hash, end)
        if end is not None and (st.closed_through is None or end > st.closed_through):
            st.closed_through = end
        if kind == "Z":
            st.period = _OpenPeriod(complete=True)
            st.pending["Z"].append((g, core.kseq, self.current_hash, body))
        elif kind == "M":
            st.pending["Z"] = []
            st.z_complete = True
            st.pending["M"].append((g, core.kseq, self.current_hash, body))
        else:
            st.pending["M"] = []
            st.m_complete = True

    def _closure_order(self, core: Core, body: dict[str, Any], start: str | None) -> None:
        st = self.closures
        kind, g = core.kind, core.gseq
        last = st.last.get(kind)
        if last is None and not self.expect_genesis:
            return  # a slice: the previous closure of this kind is before it
        expected_ref = None if last is None else last[0]
        if core.ref != expected_ref:
            self._order(
                g,
                f"La clôture {kind} ne cite pas la clôture {kind} précédente (ref).",
                f"The {kind} closure does not refer to the previous {kind} closure (ref).",
                expected_ref,
                core.ref,
            )
        expected_prev = (
            None if last is None else {"gseq": last[0], "kseq": last[1], "token_hash": last[2]}
        )
        if body.get("previous") != expected_prev:
            self._order(
                g,
                f"Le champ previous ne décrit pas la clôture {kind} précédente.",
                f"The field previous does not describe the previous {kind} closure.",
                expected_prev,
                body.get("previous"),
            )
        bound = st.closed_through if kind == "Z" else (None if last is None else last[3])
        if start is not None and bound is not None and start <= bound:
            self._order(
                g,
                f"La période de la clôture {kind} commence dans une période déjà clôturée.",
                f"The {kind} closure's period starts in an already closed period.",
                f"> {bound}",
                start,
            )

    def _recompute_z(self, core: Core, body: dict[str, Any], end: str | None) -> None:
        period = self.closures.period
        g = core.gseq
        if not period.complete:
            return  # a slice: the range started before the first record read
        found = _written_blocks(body)
        for name, expected in period.sums.blocks().items():
            if found[name] != expected:
                self._mismatch(g, name, expected, found[name])
        for name, value in (
            ("gseq_from", period.first_gseq),
            ("gseq_to", period.last_gseq),
            ("first_ticket", period.first_ticket),
            ("last_ticket", period.last_ticket),
        ):
            if body.get(name) != value:
                self._mismatch(g, name, value, body.get(name))
        if end is not None and period.last_date is not None and period.last_date > end:
            self._mismatch(g, "period", f">= {period.last_date}", end)

    def _recompute_sum(
        self, core: Core, body: dict[str, Any], start: str | None, end: str | None
    ) -> None:
        st = self.closures
        kind, g = core.kind, core.gseq
        child = _CHILD_KIND[kind]
        complete = st.z_complete if kind == "M" else st.m_complete
        if not complete:
            return
        children = st.pending[child]
        included = [
            {"kind": child, "kseq": k, "gseq": cg, "token_hash": h} for cg, k, h, _ in children
        ]
        if body.get("included") != included:
            self._mismatch(g, "included", included, body.get("included"))
        sums = _Sums()
        for _, _, _, child_body in children:
            sums.add_closure(child_body)
        found = _written_blocks(body)
        for name, expected in sums.blocks().items():
            if found[name] != expected:
                self._mismatch(g, name, expected, found[name])
        firsts = [c[3].get("first_ticket") for c in children if c[3].get("first_ticket")]
        lasts = [c[3].get("last_ticket") for c in children if c[3].get("last_ticket")]
        froms = [c[3].get("gseq_from") for c in children if c[3].get("gseq_from") is not None]
        tos = [c[3].get("gseq_to") for c in children if c[3].get("gseq_to") is not None]
        for name, value in (
            ("first_ticket", firsts[0] if firsts else None),
            ("last_ticket", lasts[-1] if lasts else None),
            ("gseq_from", froms[0] if froms else None),
            ("gseq_to", tos[-1] if tos else None),
        ):
            if body.get(name) != value:
                self._mismatch(g, name, value, body.get(name))
        for cg, _, _, child_body in children:
            child_period = child_body.get("period")
            c_from = _iso_date(child_period.get("from")) if isinstance(child_period, dict) else None
            c_to = _iso_date(child_period.get("to")) if isinstance(child_period, dict) else None
            if start is None or end is None or c_from is None or c_to is None:
                continue
            if c_from < start or c_to > end:
                self._mismatch(g, "period", f"{start}/{end} holding gseq {cg}", f"{c_from}/{c_to}")
        if children:
            last_gt = children[-1][3].get("gt")
            last_perpetual = last_gt.get("perpetual") if isinstance(last_gt, dict) else None
            gt = body.get("gt")
            found_perpetual = gt.get("perpetual") if isinstance(gt, dict) else None
            if found_perpetual != last_perpetual:
                self._mismatch(g, "gt.perpetual", last_perpetual, found_perpetual)

    def _closure_core(self, core: Core, body: dict[str, Any]) -> None:
        g = core.gseq
        mismatches: list[tuple[str, object, object]] = []
        gt = body.get("gt")
        period_gt = gt.get("period") if isinstance(gt, dict) else None
        if _int(period_gt) != core.total_cents:
            mismatches.append(("gt.period", core.total_cents, period_gt))
        entries = body.get("vat")
        pairs: list[tuple[int, int]] | None = []
        for entry in entries if isinstance(entries, list) else [None]:
            rate = _int(entry.get("rate_bp")) if isinstance(entry, dict) else None
            net = _hts(entry.get("net")) if isinstance(entry, dict) else None
            if rate is None or net is None or pairs is None:
                pairs = None
                break
            pairs.append((rate, net[2]))
        if pairs is None or tuple(pairs) != core.vat:
            mismatches.append(("vat", _vat_token(core.vat), entries))
        if "number" in body and not _is_number_of(body["number"], core.till, core.kind, core.kseq):
            mismatches.append(
                ("number", ticket_number(core.till, core.kind, core.kseq), body["number"])
            )
        for name, expected, found in mismatches:
            self.add(
                g,
                "body.core",
                f"Le champ {name} du corps ne correspond pas au noyau signé.",
                f"The body field {name} does not match the signed core.",
                expected,
                found,
            )

    def check_nothing_yet(self, core: Core, body: dict[str, Any]) -> None:
        """B, A: no business check yet (grammar, chain, sequences and time only).

        Extension point: B linked to its settling T, A chained to the previous manifest. Each
        goes in its own method, registered in ``_KIND_CHECKS``.
        """

    # ------------------------------------------------------------------------- details

    def _before_slice(self, gseq: int) -> bool:
        """Whether `gseq` lies before the first record of a slice (so it cannot be resolved)."""
        return not self.expect_genesis and self.first_gseq is not None and gseq < self.first_gseq

    def _reference(
        self,
        core: Core,
        link: object,
        name: str,
        kinds: frozenset[str],
        *,
        need_sale: bool,
    ) -> None:
        g = core.gseq
        if core.ref is None or not isinstance(link, dict):
            self.add(
                g,
                "ref.missing",
                f"La référence à l'original ({name}) est absente.",
                f"The reference to the original ({name}) is missing.",
                f"{name} {{gseq, number, token_hash}} and core ref",
                None if core.ref is None else link,
            )
            return
        if self._before_slice(core.ref):
            return
        target = self.refs.get(core.ref) if core.ref < g else None
        if target is None:
            self.add(
                g,
                "ref.missing",
                f"L'original gseq {core.ref} n'existe pas avant cet enregistrement.",
                f"The original gseq {core.ref} does not exist before this record.",
                f"an earlier record at gseq {core.ref}",
                None,
            )
            return
        kind, op, kseq, digest = target
        wanted = "|".join(sorted(kinds)) + (" SALE" if need_sale else "")
        if kind not in kinds or (need_sale and op != _OPS["SALE"]):
            found = kind + (f" {_OP_NAMES.get(op, '?')}" if need_sale else "")
            self.add(
                g,
                "ref.mismatch",
                f"L'original gseq {core.ref} n'est pas du type attendu.",
                f"The original gseq {core.ref} is not of the expected type.",
                wanted,
                found,
            )
        expected_hash = b64u(digest)
        if link.get("token_hash") != expected_hash:
            self.add(
                g,
                "ref.mismatch",
                f"L'empreinte citée ({name}.token_hash) n'est pas celle de l'original.",
                f"The quoted hash ({name}.token_hash) is not the original's.",
                expected_hash,
                link.get("token_hash"),
            )
        if "number" in link and self.till is not None:
            number = link["number"]
            formatted = ticket_number(self.till, kind, kseq)
            if not _is_number_of(number, self.till, kind, kseq):
                self.add(
                    g,
                    "ref.mismatch",
                    f"Le numéro cité ({name}.number) n'est pas celui de l'original.",
                    f"The quoted number ({name}.number) is not the original's.",
                    formatted,
                    number,
                )

    def _lines_and_vat(self, core: Core, body: dict[str, Any], total: int) -> None:
        g = core.gseq
        lines = body.get("lines")
        if not isinstance(lines, list):
            self.add(
                g,
                "lines.sum",
                "Le corps n'a pas de liste de lignes.",
                "The body has no list of lines.",
                "lines: [...]",
                lines,
            )
            return
        line_sum = 0
        ttc_by_rate: dict[int, int] = {}
        ht_by_rate: dict[int, int] = {}
        ht_missing: set[int] = set()
        for i, line in enumerate(lines):
            n = line.get("n", i + 1) if isinstance(line, dict) else i + 1
            values = _line_values(line)
            if values is None:
                self.add(
                    g,
                    "lines.sum",
                    f"La ligne {n} n'a pas ses champs entiers (qty_milli, unit_ttc_cents, "
                    "vat_bp, line_ttc_cents, remises).",
                    f"Line {n} lacks its integer fields (qty_milli, unit_ttc_cents, vat_bp, "
                    "line_ttc_cents, discounts).",
                    None,
                    line,
                )
                continue
            qty, unit, rate, line_ttc, discounts, line_ht = values
            expected = round_half_away(qty * unit, 1000) - discounts
            if line_ttc != expected:
                self.add(
                    g,
                    "lines.sum",
                    f"Le TTC de la ligne {n} n'est pas quantité × prix unitaire − remises.",
                    f"Line {n}'s TTC is not quantity × unit price − discounts.",
                    expected,
                    line_ttc,
                )
            line_sum += line_ttc
            ttc_by_rate[rate] = ttc_by_rate.get(rate, 0) + line_ttc
            if line_ht is None:
                ht_missing.add(rate)
            else:
                ht_by_rate[rate] = ht_by_rate.get(rate, 0) + line_ht
        if line_sum != total:
            self.add(
                g,
                "lines.sum",
                "La somme des lignes ne fait pas le total TTC.",
                "The lines do not add up to the TTC total.",
                total,
                line_sum,
            )
        self._vat(core, body, ttc_by_rate, ht_by_rate, ht_missing)

    def _vat(
        self,
        core: Core,
        body: dict[str, Any],
        ttc_by_rate: dict[int, int],
        ht_by_rate: dict[int, int],
        ht_missing: set[int],
    ) -> None:
        g = core.gseq

        def bad(fr: str, en: str, expected: object, found: object) -> None:
            self.add(g, "vat.sum", fr, en, expected, found)

        entries = body.get("vat")
        if not isinstance(entries, list):
            bad("Le corps n'a pas de ventilation de TVA.", "The body has no VAT list.", None, None)
            return
        seen: set[int] = set()
        ht_total = 0
        for entry in entries:
            values = _vat_values(entry)
            if values is None:
                bad(
                    "Une entrée de TVA n'a pas ses champs entiers (rate_bp, ht, tva, ttc).",
                    "A VAT entry lacks its integer fields (rate_bp, ht, tva, ttc).",
                    None,
                    entry,
                )
                continue
            rate, ht, tva, ttc = values
            if rate in seen:
                bad(f"Taux {rate} en double.", f"Rate {rate} appears twice.", None, rate)
            seen.add(rate)
            ht_total += ht
            if ttc != ttc_by_rate.get(rate, 0):
                bad(
                    f"Le TTC au taux {rate} ne fait pas la somme de ses lignes.",
                    f"The TTC at rate {rate} is not the sum of its lines.",
                    ttc_by_rate.get(rate, 0),
                    ttc,
                )
            expected_ht = round_half_away(ttc * 10000, 10000 + rate)
            if ht != expected_ht:
                bad(
                    f"Le HT au taux {rate} n'est pas TTC / (1 + taux), arrondi.",
                    f"The HT at rate {rate} is not TTC / (1 + rate), rounded.",
                    expected_ht,
                    ht,
                )
            if tva != ttc - ht:
                bad(
                    f"La TVA au taux {rate} n'est pas TTC − HT.",
                    f"The VAT at rate {rate} is not TTC − HT.",
                    ttc - ht,
                    tva,
                )
            if rate in ht_by_rate:
                if rate in ht_missing:
                    bad(
                        f"Certaines lignes au taux {rate} n'ont pas de line_ht_cents.",
                        f"Some lines at rate {rate} have no line_ht_cents.",
                        "line_ht_cents on every line",
                        None,
                    )
                elif ht_by_rate[rate] != ht:
                    bad(
                        f"Les HT des lignes au taux {rate} ne font pas le HT de la ventilation.",
                        f"The lines' HT at rate {rate} do not add up to the breakdown's HT.",
                        ht,
                        ht_by_rate[rate],
                    )
        for rate, ttc in sorted(ttc_by_rate.items()):
            if rate not in seen and ttc != 0:
                bad(
                    f"Des lignes au taux {rate} n'ont pas d'entrée de TVA.",
                    f"Lines at rate {rate} have no VAT entry.",
                    ttc,
                    None,
                )
        if "total_ht_cents" in body and _int(body["total_ht_cents"]) != ht_total:
            bad(
                "Le total HT n'est pas la somme des HT par taux.",
                "The HT total is not the sum of the HT per rate.",
                ht_total,
                body["total_ht_cents"],
            )

    def _payments(self, core: Core, body: dict[str, Any], total: int) -> None:
        g = core.gseq
        payments = body.get("payments")
        if payments is None and core.kind == "F":
            return  # an invoice may be paid later
        change = _int(body.get("change_cents", 0))
        amounts: list[int] | None = [] if isinstance(payments, list) else None
        for payment in payments if isinstance(payments, list) else ():
            amount = _int(payment.get("amount_cents")) if isinstance(payment, dict) else None
            if amount is None or amounts is None:
                amounts = None
                break
            amounts.append(amount)
        if amounts is None or change is None:
            self.add(
                g,
                "payments.sum",
                "Les règlements ou le rendu monnaie sont absents ou mal typés.",
                "Payments or change are missing or of the wrong type.",
                "payments: [{method, amount_cents}], change_cents",
                payments,
            )
            return
        paid = sum(amounts) - change
        if paid != total:
            self.add(
                g,
                "payments.sum",
                "Les règlements moins le rendu ne font pas le total TTC.",
                "Payments minus change do not equal the TTC total.",
                total,
                paid,
            )

    def _grand_totals(self, core: Core, body: dict[str, Any], total: int) -> None:
        g = core.gseq
        before = _int(body.get("gt_before"))
        after = _int(body.get("gt_after"))
        abs_after = _int(body.get("gt_abs_after"))

        def bad(name: str, expected: int, found: object) -> None:
            self.add(
                g,
                "gt.recurrence",
                f"Le champ {name} ne suit pas la récurrence du grand total perpétuel.",
                f"The field {name} does not follow the perpetual grand-total recurrence.",
                expected,
                found,
            )

        if not self.gt_known:
            # note: a slice (expect_genesis=False) learns the running totals from its first
            # T or F record; training tickets before it cannot be checked
            if core.kind not in _GT_KINDS or before is None or abs_after is None:
                return
            self.gt, self.gt_abs, self.gt_known = before, abs_after - abs(total), True
        if core.kind not in _GT_KINDS:
            # training (X): the grand totals are quoted, unchanged
            for name, value, running in (
                ("gt_before", before, self.gt),
                ("gt_after", after, self.gt),
                ("gt_abs_after", abs_after, self.gt_abs),
            ):
                if value != running:
                    bad(name, running, body.get(name))
            return
        gap = before != self.gt
        base = self.gt
        if gap:
            bad("gt_before", self.gt, body.get("gt_before"))
            # note: after a gap (a deleted record) follow the record's own gt_before, so that one
            # deletion gives one anomaly, unless only gt_before itself was edited
            if before is not None and after != self.gt + total:
                base = before
        if after != base + total:
            bad("gt_after", base + total, body.get("gt_after"))
        if abs_after != self.gt_abs + abs(total):
            bad("gt_abs_after", self.gt_abs + abs(total), body.get("gt_abs_after"))
            if gap and base == before and abs_after is not None:
                self.gt_abs = abs_after - abs(total)
        self.gt = base + total
        self.gt_abs += abs(total)

    # ------------------------------------------------------------------------- end

    def finish(self) -> Report:
        self.flush(wait=True)
        anchor = self.anchor
        if anchor is not None:
            if anchor.till is not None and self.till is not None and anchor.till != self.till:
                self.add(
                    anchor.gseq,
                    "anchor.mismatch",
                    "L'ancre externe concerne une autre caisse.",
                    "The external anchor is for another till.",
                    anchor.till,
                    self.till,
                )
            if self.max_gseq < anchor.gseq:
                self.add(
                    anchor.gseq,
                    "anchor.truncated",
                    f"Le journal s'arrête au gseq {self.head_gseq} alors qu'une ancre externe "
                    f"atteste le gseq {anchor.gseq} : des enregistrements ont été supprimés.",
                    f"The journal ends at gseq {self.head_gseq} but an external anchor attests "
                    f"gseq {anchor.gseq}: records were deleted.",
                    anchor.gseq,
                    self.head_gseq,
                )
            elif not self.anchor_seen:
                self.add(
                    anchor.gseq,
                    "anchor.mismatch",
                    f"L'enregistrement ancré (gseq {anchor.gseq}) est absent du journal.",
                    f"The anchored record (gseq {anchor.gseq}) is missing from the journal.",
                    anchor.token_hash,
                    None,
                )
        self.anomalies.sort(key=lambda a: (a.gseq is None, a.gseq or 0))
        return Report(
            records=self.records,
            anomalies=self.anomalies,
            head_gseq=self.head_gseq,
            head_token_hash=self.head_hash,
            gt=self.gt,
            gt_abs=self.gt_abs,
            till=self.till,
            kid=self.kid,
            counts_by_kind=dict(sorted(self.counts.items())),
            signatures_checked=not self.sigs_skipped,
        )


_KindCheck = Callable[[_Verifier, Core, dict[str, Any]], None]

_KIND_CHECKS: dict[str, _KindCheck] = {
    "T": _Verifier.check_ticket,
    "X": _Verifier.check_ticket,
    "F": _Verifier.check_ticket,
    "D": _Verifier.check_copy,
    "J": _Verifier.check_jet,
    "Z": _Verifier.check_closure,
    "M": _Verifier.check_closure,
    "Y": _Verifier.check_closure,
    "P": _Verifier.check_payment,
    "B": _Verifier.check_nothing_yet,
    "A": _Verifier.check_nothing_yet,
}


def _triple(rec: StoredRecord) -> tuple[str, str, bytes]:
    # note: the same texts `feed` checks (rows come from files: never trust the types)
    core: object = rec.core
    sig: object = rec.sig
    body: object = rec.body
    return (
        core if isinstance(core, str) else "",
        sig if isinstance(sig, str) else "",
        body if isinstance(body, bytes) else b"",
    )


def _is_number_of(number: object, till: str, kind: str, kseq: int) -> bool:
    # note: bodies quote a ticket either by its kseq or by its printed number TILL01-T-000123
    return _int(number) == kseq or number == ticket_number(till, kind, kseq)


def _same_instant(column: str, ts: str) -> bool:
    if column == ts or column == iso_from_ts_token(ts):
        return True
    try:
        moment = datetime.fromisoformat(column)
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return ts_token(moment) == ts


def _vat_pairs(entries: object) -> tuple[tuple[int, int], ...] | None:
    if not isinstance(entries, list):
        return None
    pairs: list[tuple[int, int]] = []
    for entry in entries:
        if not isinstance(entry, dict):
            return None
        rate, ttc = _int(entry.get("rate_bp")), _int(entry.get("ttc"))
        if rate is None or ttc is None:
            return None
        pairs.append((rate, ttc))
    return tuple(pairs)


def _vat_token(vat: tuple[tuple[int, int], ...]) -> str:
    return "|".join(f"{rate}:{ttc}" for rate, ttc in vat) if vat else "-"


def _line_values(line: object) -> tuple[int, int, int, int, int, int | None] | None:
    # note: written out (no helper calls) because it runs for every line of every ticket
    if type(line) is not dict:
        return None
    get = line.get
    qty, unit, rate, ttc = (
        get("qty_milli"),
        get("unit_ttc_cents"),
        get("vat_bp"),
        get("line_ttc_cents"),
    )
    discount, ticket_discount = get("discount_cents", 0), get("ticket_discount_cents", 0)
    line_ht = get("line_ht_cents")
    if (
        type(qty) is int
        and type(unit) is int
        and type(rate) is int
        and type(ttc) is int
        and type(discount) is int
        and type(ticket_discount) is int
        and (line_ht is None or type(line_ht) is int)
    ):
        return qty, unit, rate, ttc, discount + ticket_discount, line_ht
    return None


def _vat_values(entry: object) -> tuple[int, int, int, int] | None:
    if type(entry) is not dict:
        return None
    get = entry.get
    rate, ht, tva, ttc = get("rate_bp"), get("ht"), get("tva"), get("ttc")
    if (
        type(rate) is int
        and type(ht) is int
        and type(tva) is int
        and type(ttc) is int
        and rate >= 0
    ):
        return rate, ht, tva, ttc
    return None
