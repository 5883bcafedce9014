"""R52: random operations, then one random tampering: the verifier always detects it.

The verifier gets the external head anchor of the genuine journal, as a till's start-up check
and an auditor have it (nf525.md §6.8-6.9): without it, deleting or re-signing the last record
is invisible to any chain.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from caisse_verif import es256
from caisse_verif.record import StoredRecord
from tests.unit.verif.builder import JournalBuilder, Line, edit_body, edit_core, rfc6979_key

KEY = rfc6979_key()
THIEF_KEY = es256.generate_private_key()

items = st.builds(
    Line,
    label=st.sampled_from(["Baguette", "Café", "Crème brûlée", 'Vin, rouge "AOC" 🍷']),
    qty_milli=st.integers(1, 5000),
    unit_ttc_cents=st.integers(1, 5000),
    vat_bp=st.sampled_from([0, 550, 1000, 2000]),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("sale"), st.lists(items, min_size=1, max_size=3)),
        st.tuples(st.just("refund"), st.lists(items, min_size=1, max_size=1)),
        st.tuples(st.just("training"), st.lists(items, min_size=1, max_size=2)),
        st.tuples(st.just("copy"), st.just([])),
        st.tuples(st.just("event"), st.just([])),
    ),
    min_size=2,
    max_size=10,
)


def build(ops: list[tuple[str, list[Line]]]) -> JournalBuilder:
    j = JournalBuilder(KEY)
    j.genesis()
    sales: list[int] = []
    tickets: list[int] = []
    for op, lines in ops:
        if op == "sale":
            j.sale(*lines)
            sales.append(j.gseq)
            tickets.append(j.gseq)
        elif op == "refund" and sales:
            j.refund(sales[-1], *lines)
            tickets.append(j.gseq)
        elif op == "training":
            j.ticket(lines, kind="X")
            tickets.append(j.gseq)
        elif op == "copy" and tickets:
            j.copy(tickets[0])
        else:
            j.event(40, "Connexion", {"operator_id": "u1"})
    return j


def tamper(j: JournalBuilder, kind: str, index: int, data: Any) -> list[StoredRecord]:
    records = list(j.records)
    i = index % len(records)
    rec = records[i]
    if kind == "flip_body_byte":
        pos = data.draw(st.integers(0, len(rec.body) - 1))
        flipped = bytes([rec.body[pos] ^ data.draw(st.integers(1, 255))])
        records[i] = replace(rec, body=rec.body[:pos] + flipped + rec.body[pos + 1 :])
    elif kind == "flip_core_char":
        pos = data.draw(st.integers(0, len(rec.core) - 1))
        char = data.draw(st.sampled_from("0123456789ABCXZJTabz-_|:,"))
        if rec.core[pos] == char:
            char = "Q"
        records[i] = replace(rec, core=rec.core[:pos] + char + rec.core[pos + 1 :])
    elif kind == "flip_sig_char":
        pos = data.draw(st.integers(0, len(rec.sig) - 1))
        records[i] = replace(
            rec, sig=rec.sig[:pos] + ("A" if rec.sig[pos] != "A" else "B") + rec.sig[pos + 1 :]
        )
    elif kind == "delete":
        del records[i]
    elif kind == "swap":
        k = i + 1 if i + 1 < len(records) else i - 1
        records[i], records[k] = records[k], records[i]
    elif kind == "duplicate":
        records.insert(i, rec)
    elif kind == "truncate":
        del records[i:]
    elif kind == "resign_other_key":
        records[i] = edit_body(rec, THIEF_KEY, lambda b: b.update(tampered=True))
    elif kind == "resign_same_key":
        records[i] = edit_body(rec, KEY, lambda b: b.update(tampered=True))
    elif kind == "edit_total_resign":
        total = int(rec.core.split(",")[7])
        records[i] = edit_core(rec, KEY, total=str(total + 1))
    return records


@settings(max_examples=60, deadline=None)
@given(
    ops=operations,
    kind=st.sampled_from(
        [
            "flip_body_byte",
            "flip_core_char",
            "flip_sig_char",
            "delete",
            "swap",
            "duplicate",
            "truncate",
            "resign_other_key",
            "resign_same_key",
            "edit_total_resign",
        ]
    ),
    index=st.integers(0, 100),
    data=st.data(),
)
def test_any_single_tampering_is_detected(
    ops: list[tuple[str, list[Line]]], kind: str, index: int, data: Any
) -> None:
    j = build(ops)
    genuine = j.verify(anchor=j.anchor())
    assert genuine.ok, genuine.anomalies
    records = tamper(j, kind, index, data)
    report = j.verify(records, anchor=j.anchor())
    assert not report.ok, kind
