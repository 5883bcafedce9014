"""R52: random operations through the services, then one random tampering, always detected.

Hypothesis draws 3 to 15 operations (sales of 1 to 4 catalogue items paid by cash or card, a
line voided before payment, refunds of random lines of an earlier sale, reprints, training mode
on and off), runs them on a fresh till, checks that the journal verifies, then applies ONE
mutation to a random row of the SQLite file, as an attacker would (triggers dropped), and runs
the verifier with the external head anchor (nf525.md §6.11). Every mutation must be reported,
and by the check that is bound to catch it, not by luck.

Edge cases, and why they are still caught:

- a body byte edit may leave canonical JSON (a letter of a label): the body hash still differs;
  an edit that breaks the JSON is reported as well (body.hash, plus body.canonical);
- a core edit may leave a core that parses (another digit) or not (a comma, a non-ASCII
  character): either way the signature covers the core, so sig.invalid is reported (an
  unparsable core is still signature-checked, at its row's gseq);
- a signature character edit: 86 base64url characters carry 64 bytes with 2 spare bits in the
  last character, and a non-canonical encoding is rejected, so every edit is invalid;
- deleting the first row (the genesis) removes the key the chain starts from: the next row is
  reported by chain.gseq; deleting the last row is a truncation of one, for the anchor;
- a swap of two rows always moves two different records (the gseq differs), so the gseq
  column disagrees with the signed gseq at both places (row.gseq);
- truncating the last k rows (up to the whole journal) is invisible to the chain: only the head
  anchor sees it (anchor.truncated), which is why the verifier is given the anchor;
- an edited row re-signed with another key has a matching body hash and a well-formed core, but
  its signature does not verify with the till's key (sig.invalid).
"""

from __future__ import annotations

import json
import sqlite3
import string
import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from caisse.domain.sale import Payment, Tender
from caisse_verif import es256
from caisse_verif.record import body_hash, format_core, parse_core, token_hash
from tests.integration.conftest import TillFixture, make_till
from tests.journal_helpers import projection_anomalies, verify_data_dir

# ------------------------------------------------------------------------------- operations


@dataclass(frozen=True)
class SaleOp:
    items: tuple[tuple[str, int | None], ...]
    tender: Tender
    void: int | None = None  # the line voided before payment (1-based, taken modulo)


@dataclass(frozen=True)
class RefundOp:
    pick: int  # which earlier sale (modulo the refundable ones)
    mask: int  # which of its remaining lines (bit i: line i); none means all


@dataclass(frozen=True)
class ReprintOp:
    pick: int


@dataclass(frozen=True)
class TrainingOp:
    pass


Op = SaleOp | RefundOp | ReprintOp | TrainingOp

_item = st.one_of(
    st.tuples(st.sampled_from(["BAG", "VIN", "SAN"]), st.sampled_from([None, 2000, 3000])),
    st.tuples(st.just("COMTE"), st.integers(1, 1500)),  # weighed: grams
)
_tender = st.sampled_from([Tender.CASH, Tender.CARD])
_sale = st.builds(SaleOp, st.lists(_item, min_size=1, max_size=4).map(tuple), _tender, st.none())
_voiding_sale = st.builds(
    SaleOp, st.lists(_item, min_size=2, max_size=4).map(tuple), _tender, st.integers(1, 4)
)
_op: st.SearchStrategy[Op] = st.one_of(
    _sale,
    _voiding_sale,
    st.builds(RefundOp, st.integers(0, 99), st.integers(0, 15)),
    st.builds(ReprintOp, st.integers(0, 99)),
    st.just(TrainingOp()),
)
_ops = st.lists(st.tuples(_op, st.integers(0, 90)), min_size=3, max_size=15)


@dataclass
class _Sold:
    number: str
    lines: dict[int, int]  # n -> line_ttc_cents, still refundable
    kind: str = "T"  # a training refund (X) may only refund a training sale, and vice versa


@dataclass
class _State:
    training: bool = False
    refundable: list[_Sold] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)


def _body(shop: TillFixture, gseq: int) -> dict[str, object]:
    with shop.till.context.uow() as uow:
        entry = uow.journal.get(gseq)
    assert entry is not None
    body: dict[str, object] = json.loads(entry.body)
    return body


def _run(shop: TillFixture, state: _State, op: Op) -> None:
    checkout = shop.till.checkout
    if isinstance(op, SaleOp):
        sale = checkout.new_sale()
        for sku, qty in op.items:
            checkout.add_item(sale, sku, qty)
        if op.void is not None:
            checkout.void_line(shop.cashier, sale, (op.void - 1) % len(op.items) + 1, "erreur")
        total = sale.totals.total_ttc_cents
        paid = -(-total // 500) * 500 if op.tender is Tender.CASH else total
        sale.add_payment(Payment(op.tender, paid))
        done = checkout.finalise(shop.cashier, sale)
        state.tickets.append(done.number)
        lines = _body(shop, done.gseq)["lines"]
        assert isinstance(lines, list)
        state.refundable.append(
            _Sold(done.number, {int(li["n"]): int(li["line_ttc_cents"]) for li in lines}, done.kind)
        )
    elif isinstance(op, RefundOp):
        mode = "X" if state.training else "T"
        candidates = [sold for sold in state.refundable if sold.kind == mode]
        if not candidates:
            return
        sold = candidates[op.pick % len(candidates)]
        ns = sorted(sold.lines)
        chosen = [n for i, n in enumerate(ns) if op.mask >> i & 1] or ns
        amount = sum(sold.lines.pop(n) for n in chosen)
        done = checkout.refund(
            shop.manager, sold.number, [(n, None) for n in chosen], [Payment(Tender.CASH, -amount)]
        )
        assert done.total_ttc_cents == -amount
        state.tickets.append(done.number)
        if not sold.lines:
            state.refundable.remove(sold)
    elif isinstance(op, ReprintOp):
        if state.tickets:
            checkout.reprint(shop.cashier, state.tickets[op.pick % len(state.tickets)], "client")
    else:
        state.training = not state.training
        checkout.set_training(shop.manager, state.training)


# ------------------------------------------------------------------------------- mutations

Found = list[tuple[int | None, str]]
Check = Callable[[Found], bool]

_SIG_CHARS = string.ascii_letters + string.digits + "-_+/=."
_JOURNAL_COLUMNS = "gseq, kind, kseq, ts, core, sig, body, token_sha256"


def _connect(data_dir: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(data_dir / "caisse.sqlite")
    conn.execute("DROP TRIGGER IF EXISTS journal_no_update")
    conn.execute("DROP TRIGGER IF EXISTS journal_no_delete")
    return conn


def _row(conn: sqlite3.Connection, gseq: int) -> tuple[str, str, bytes]:
    core, sig, body = conn.execute(
        "SELECT core, sig, body FROM journal WHERE gseq = ?", (gseq,)
    ).fetchone()
    return core, sig, bytes(body)


def _edit_byte(data: st.DataObject, raw: bytes) -> bytes:
    at = data.draw(st.integers(0, len(raw) - 1), label="body byte")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != raw[at]), label="new byte")
    return raw[:at] + bytes([new]) + raw[at + 1 :]


def mutate(data: st.DataObject, conn: sqlite3.Connection, kind: str) -> Check:
    """Apply one mutation; return the test of the anomaly that must then be reported."""
    gseqs = [g for (g,) in conn.execute("SELECT gseq FROM journal ORDER BY gseq")]
    last = gseqs[-1]
    target = data.draw(st.sampled_from(gseqs), label="target gseq")
    core, sig, body = _row(conn, target)

    if kind == "body-byte":
        conn.execute("UPDATE journal SET body = ? WHERE gseq = ?", (_edit_byte(data, body), target))
        return lambda found: (target, "body.hash") in found

    if kind == "core-char":
        at = data.draw(st.integers(0, len(core) - 1), label="core position")
        char = data.draw(
            st.characters(exclude_categories=["Cs"]).filter(lambda c: c != core[at]),
            label="new core character",
        )
        conn.execute(
            "UPDATE journal SET core = ? WHERE gseq = ?",
            (core[:at] + char + core[at + 1 :], target),
        )
        return lambda found: any(check == "sig.invalid" for _, check in found)

    if kind == "sig-char":
        at = data.draw(st.integers(0, len(sig) - 1), label="sig position")
        char = data.draw(st.sampled_from([c for c in _SIG_CHARS if c != sig[at]]), label="char")
        conn.execute(
            "UPDATE journal SET sig = ? WHERE gseq = ?", (sig[:at] + char + sig[at + 1 :], target)
        )
        return lambda found: (target, "sig.invalid") in found

    if kind == "delete":
        conn.execute("DELETE FROM journal WHERE gseq = ?", (target,))
        if target == last:
            return lambda found: (last, "anchor.truncated") in found
        return lambda found: any(g == target + 1 and c.startswith("chain.") for g, c in found)

    if kind == "swap":
        other = data.draw(st.sampled_from([g for g in gseqs if g != target]), label="other gseq")
        first, second = sorted((target, other))
        stored = {
            g: conn.execute(
                f"SELECT {_JOURNAL_COLUMNS} FROM journal WHERE gseq = ?",  # noqa: S608
                (g,),
            ).fetchone()
            for g in (first, second)
        }
        conn.execute("DELETE FROM journal WHERE gseq IN (?, ?)", (first, second))
        for gseq, src in ((first, stored[second]), (second, stored[first])):
            conn.execute(
                f"INSERT INTO journal ({_JOURNAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",  # noqa: S608
                (gseq, *src[1:]),
            )
        return lambda found: {(first, "row.gseq"), (second, "row.gseq")} <= set(found)

    if kind == "truncate":
        k = data.draw(st.integers(1, len(gseqs)), label="rows truncated")
        conn.execute("DELETE FROM journal WHERE gseq > ?", (last - k,))
        return lambda found: (last, "anchor.truncated") in found

    assert kind == "re-sign-other-key"
    new_body = _edit_byte(data, body)
    key = es256.generate_private_key()
    new_core = format_core(replace(parse_core(core), body_hash=body_hash(new_body)))
    new_sig = es256.sign(key, new_core.encode("ascii"))
    conn.execute(
        "UPDATE journal SET core = ?, sig = ?, body = ?, token_sha256 = ? WHERE gseq = ?",
        (new_core, new_sig, new_body, token_hash(new_core, new_sig), target),
    )
    return lambda found: (target, "sig.invalid") in found


MUTATIONS = (
    "body-byte",
    "core-char",
    "sig-char",
    "delete",
    "swap",
    "truncate",
    "re-sign-other-key",
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=_ops, mutation=st.sampled_from(MUTATIONS), data=st.data())
def test_random_operations_then_one_random_tampering_is_always_detected(
    ops: list[tuple[Op, int]], mutation: str, data: st.DataObject
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        shop = make_till(data_dir)
        try:
            state = _State()
            for op, pause in ops:
                shop.clock.advance(seconds=pause)
                _run(shop, state, op)
        finally:
            shop.till.close()
        # the writer's journal is sound before the attack (and its projections match)
        clean = verify_data_dir(data_dir)
        assert clean.anomalies == []
        for kind in "TXD":
            event(f"journal has {kind} records: {kind in clean.counts_by_kind}")
        event(f"mutation: {mutation}")
        assert projection_anomalies(data_dir) == []

        with closing(_connect(data_dir)) as conn:
            reported = mutate(data, conn, mutation)
            conn.commit()
        found = [(a.gseq, a.check) for a in verify_data_dir(data_dir).anomalies]
        assert found, f"{mutation} went unreported"
        assert reported(found), f"{mutation}: the expected anomaly is missing from {found}"
