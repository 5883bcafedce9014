"""The tamper corpus (issue item 18; nf525.md §6.8, §6.11, R15, R16, R26).

Each test builds a real journal through the services (sales with several lines, a line voided
before payment, a refund, a reprint, a training sale, JET events), closes the till, then edits
the SQLite file as an attacker would: the append-only triggers are dropped and the rows are
changed with plain sqlite3. The verifier (`verify_data_dir`, which also reads the external head
anchor) must then report the exact check id at the exact gseq, and the start-up check of the
reopened till must write a JET 90 and block the sales.

The attacker is a careful one: whenever a row is rewritten, its index columns (kind, kseq, ts,
token_sha256) are recomputed from the new core, so what catches the attack is the signed chain
and the body hash, not a stale convenience column.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from caisse.domain.sale import Payment, Sale, Tender
from caisse.keys.keystore import FileKeyStore
from caisse.services.checkout import TicketResult
from caisse.services.errors import TillBlocked
from caisse.services.jet import Jet
from caisse_verif import es256
from caisse_verif.canonical import canonical_json
from caisse_verif.record import body_hash, format_core, parse_core, token_hash
from caisse_verif.sources import check_projections
from tests.integration.conftest import TillFixture
from tests.journal_helpers import journal_rows, projection_anomalies, verify_data_dir

Signer = Callable[[bytes], str]
Found = list[tuple[int | None, str]]


@dataclass(frozen=True)
class Expected:
    """What the verifier must report after an attack.

    `reported` is reported in this order (sorted by gseq) and its first item is the first
    anomaly. With `exact`, nothing else is reported; without it (attacks whose per-kind and
    grand-total figures cascade), any other anomaly lies between the first and last gseq of
    `reported`.
    """

    reported: Found
    exact: bool = True

    def check(self, anomalies: Found) -> None:
        assert anomalies, "the attack went unreported"
        assert anomalies[0] == self.reported[0], "first anomaly"
        if self.exact:
            assert anomalies == self.reported
            return
        remaining = iter(anomalies)
        assert all(item in remaining for item in self.reported), anomalies  # a subsequence
        low, high = self.reported[0][0], self.reported[-1][0]
        assert low is not None
        assert high is not None
        assert all(g is not None and low <= g <= high for g, _ in anomalies), anomalies


# ------------------------------------------------------------------------------- the journal


@dataclass(frozen=True)
class Journal:
    """The gseq of each record of interest in the journal built by `build_journal`."""

    sale_a: int  # BAG x3 + VIN, cash with change; line 1 later partly refunded
    sale_b: int  # sandwich + 250 g of Comté + BAG, card; later reprinted
    line_void: int  # JET 61 while sale C is open
    sale_c: int  # VIN + BAG with the VIN line voided, cash
    refund: int  # refund of one BAG of sale A
    reprint: int  # DUPLICATA of sale B
    training_on: int  # JET 110
    training_sale: int  # X record
    training_off: int  # JET 111
    sale_d: int  # VIN, card
    sign_out: int  # JET 50
    head: int  # JET 20, the last record


def _head_gseq(shop: TillFixture) -> int:
    with shop.till.context.uow() as uow:
        head = uow.journal.head()
    assert head is not None
    return head.gseq


def _pay_and_finalise(
    shop: TillFixture, sale: Sale, tender: Tender, amount: int | None
) -> TicketResult:
    sale.add_payment(Payment(tender, sale.totals.total_ttc_cents if amount is None else amount))
    return shop.till.checkout.finalise(shop.cashier, sale)


def build_journal(shop: TillFixture) -> Journal:
    """Sell, void, refund, reprint and train through the services, then stop and close."""
    till, clock = shop.till, shop.clock
    checkout = till.checkout
    till.integrity.start(checkout)  # JET 10

    clock.advance(minutes=1)
    sale = checkout.new_sale()
    checkout.add_item(sale, "BAG", 3000)
    checkout.add_item(sale, "VIN")
    sale_a = _pay_and_finalise(shop, sale, Tender.CASH, 2000)

    clock.advance(minutes=1)
    sale = checkout.new_sale()
    checkout.add_item(sale, "SAN")
    checkout.add_item(sale, "COMTE", 250)
    checkout.add_item(sale, "BAG")
    sale_b = _pay_and_finalise(shop, sale, Tender.CARD, None)

    clock.advance(minutes=1)
    sale = checkout.new_sale()
    checkout.add_item(sale, "VIN")
    checkout.add_item(sale, "BAG")
    checkout.void_line(shop.cashier, sale, 1, "erreur de saisie")
    line_void = _head_gseq(shop)
    sale_c = _pay_and_finalise(shop, sale, Tender.CASH, 200)

    clock.advance(minutes=1)
    refund = checkout.refund(
        shop.manager, sale_a.number, [(1, 1000)], [Payment(Tender.CASH, -105)], reason="rassis"
    ).gseq

    clock.advance(minutes=1)
    reprint = checkout.reprint(shop.cashier, sale_b.number, reason="demande du client").gseq

    clock.advance(minutes=1)
    checkout.set_training(shop.manager, True)
    training_on = _head_gseq(shop)
    sale = checkout.new_sale()
    checkout.add_item(sale, "VIN")
    checkout.add_item(sale, "SAN")
    training_sale = _pay_and_finalise(shop, sale, Tender.CASH, 2000)
    checkout.set_training(shop.manager, False)
    training_off = _head_gseq(shop)

    clock.advance(minutes=1)
    sale = checkout.new_sale()
    checkout.add_item(sale, "VIN")
    sale_d = _pay_and_finalise(shop, sale, Tender.CARD, None)

    clock.advance(minutes=1)
    till.operators.sign_out(shop.cashier)
    sign_out = _head_gseq(shop)
    till.integrity.stop()
    head = _head_gseq(shop)
    till.close()

    journal = Journal(
        sale_a.gseq,
        sale_b.gseq,
        line_void,
        sale_c.gseq,
        refund,
        reprint,
        training_on,
        training_sale.gseq,
        training_off,
        sale_d.gseq,
        sign_out,
        head,
    )
    kinds = {r["gseq"]: r["kind"] for r in journal_rows(shop.data_dir)}
    j = journal
    assert [kinds[g] for g in (j.sale_a, j.sale_b, j.sale_c, j.refund, j.sale_d)] == ["T"] * 5
    assert (kinds[j.reprint], kinds[j.training_sale], kinds[j.head]) == ("D", "X", "J")
    assert head == max(kinds)
    return journal


# ------------------------------------------------------------------------------- the attacker


@dataclass
class Row:
    gseq: int
    kind: str
    kseq: int
    ts: str
    core: str
    sig: str
    body: bytes
    token_sha256: str


@contextmanager
def tamper(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """Open the till's database as an attacker: drop the append-only triggers first."""
    with closing(sqlite3.connect(data_dir / "caisse.sqlite")) as conn:
        conn.execute("DROP TRIGGER IF EXISTS journal_no_update")
        conn.execute("DROP TRIGGER IF EXISTS journal_no_delete")
        yield conn
        conn.commit()


def rows(conn: sqlite3.Connection) -> dict[int, Row]:
    result = conn.execute(
        "SELECT gseq, kind, kseq, ts, core, sig, body, token_sha256 FROM journal ORDER BY gseq"
    )
    return {r[0]: Row(r[0], r[1], r[2], r[3], r[4], r[5], bytes(r[6]), r[7]) for r in result}


def write_row(conn: sqlite3.Connection, gseq: int, core: str, sig: str, body: bytes) -> str:
    """Store a new core, sig and body at `gseq`, with index columns consistent with the core."""
    parsed = parse_core(core)
    thash = token_hash(core, sig)
    conn.execute(
        "UPDATE journal SET kind = ?, kseq = ?, ts = ?, core = ?, sig = ?, body = ?, "
        "token_sha256 = ? WHERE gseq = ?",
        (parsed.kind, parsed.kseq, parsed.ts, core, sig, body, thash, gseq),
    )
    return thash


def seal(core: str, body: bytes, prev: str, sign: Signer) -> tuple[str, str]:
    """Recompute the body hash and prev of `core`, and sign the result with `sign`."""
    new_core = format_core(replace(parse_core(core), body_hash=body_hash(body), prev=prev))
    return new_core, sign(new_core.encode("ascii"))


def other_key_signer() -> Signer:
    key = es256.generate_private_key()
    return lambda data: es256.sign(key, data)


def stolen_key_signer(data_dir: Path) -> Signer:
    """The till's own key, read from its data directory (root on the till can do this)."""
    return FileKeyStore(data_dir).load_signer().sign


def edit_body(raw: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    body = json.loads(raw)
    change(body)
    return canonical_json(body)


def fix_head(conn: sqlite3.Connection) -> None:
    """Point the head table at the last remaining row, with the grand totals after it."""
    table = rows(conn)
    last = table[max(table)]
    gt = gt_abs = 0
    for row in table.values():
        if row.kind in "TF":
            body = json.loads(row.body)
            gt, gt_abs = body["gt_after"], body["gt_abs_after"]
    conn.execute(
        "UPDATE head SET gseq = ?, token_sha256 = ?, ts = ?, gt = ?, gt_abs = ?",
        (last.gseq, last.token_sha256, last.ts, gt, gt_abs),
    )


def delete_records(conn: sqlite3.Connection, gseqs: list[int]) -> None:
    """Delete journal rows and their projections, as an attacker hiding sales would."""
    for gseq in gseqs:
        for table, key in (
            ("sale_payments", "sale_gseq"),
            ("sale_lines", "sale_gseq"),
            ("stock_movements", "gseq"),
            ("duplicates", "gseq"),
            ("sales", "gseq"),
            ("journal", "gseq"),
        ):
            conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (gseq,))  # noqa: S608
    fix_head(conn)


def resign_suffix(conn: sqlite3.Connection, start: int, sign: Signer) -> None:
    """Re-sign the record at `start` (already edited) and every later one, re-chaining them.

    Later bodies that quote a rewritten record's token hash (refunds, duplicates) are fixed
    up too, so that the chain, the signatures and the references are all consistent again.
    """
    table = rows(conn)
    prev = parse_core(table[start].core).prev
    renamed: dict[str, str] = {}
    for gseq in sorted(g for g in table if g >= start):
        row = table[gseq]
        body = row.body
        link_name = "refers_to" if row.kind in "TX" else "original" if row.kind == "D" else None
        if link_name is not None:
            link = json.loads(body).get(link_name)
            if isinstance(link, dict) and link.get("token_hash") in renamed:
                new_hash = renamed[link["token_hash"]]

                def relink(b: dict[str, Any], name: str = link_name, h: str = new_hash) -> None:
                    b[name]["token_hash"] = h

                body = edit_body(body, relink)
        core, sig = seal(row.core, body, prev, sign)
        prev = write_row(conn, gseq, core, sig, body)
        renamed[row.token_sha256] = prev
    fix_head(conn)


def rewrite_anchor(data_dir: Path) -> None:
    """Move the external head anchor to the database head (the file is not signed)."""
    with closing(sqlite3.connect(data_dir / "caisse.sqlite")) as conn:
        gseq, thash = conn.execute("SELECT gseq, token_sha256 FROM head").fetchone()
    payload = json.dumps({"till": "TILL01", "gseq": gseq, "token_sha256": thash})
    (data_dir / "head.anchor").write_text(payload.ljust(255) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------- the attacks


def attack_body_byte(data_dir: Path, j: Journal) -> Expected:
    with tamper(data_dir) as conn:
        row = rows(conn)[j.sale_a]
        assert row.body.count(b'"Baguette"') == 1
        tampered = row.body.replace(b'"Baguette"', b'"Baguettf"')
        conn.execute("UPDATE journal SET body = ? WHERE gseq = ?", (tampered, j.sale_a))
    # the edited body is still canonical JSON: only its hash gives it away
    return Expected([(j.sale_a, "body.hash")])


def attack_core_total(data_dir: Path, j: Journal) -> Expected:
    with tamper(data_dir) as conn:
        row = rows(conn)[j.sale_c]
        fields = row.core.split(",")
        assert fields[7] == "105"
        fields[7] = "5"
        write_row(conn, j.sale_c, ",".join(fields), row.sig, row.body)
    return Expected(
        [(j.sale_c, "body.core"), (j.sale_c, "sig.invalid"), (j.sale_c + 1, "chain.prev")]
    )


def attack_signature_char(data_dir: Path, j: Journal) -> Expected:
    with tamper(data_dir) as conn:
        row = rows(conn)[j.sale_c]
        sig = row.sig[:10] + ("B" if row.sig[10] != "B" else "C") + row.sig[11:]
        write_row(conn, j.sale_c, row.core, sig, row.body)
    return Expected([(j.sale_c, "sig.invalid"), (j.sale_c + 1, "chain.prev")])


def attack_delete_middle(data_dir: Path, j: Journal) -> Expected:
    with tamper(data_dir) as conn:
        delete_records(conn, [j.sale_c])
    nxt = j.sale_c + 1  # the refund: its prev, gseq, T kseq, gt_before and gt_abs_after break
    return Expected(
        [
            (nxt, "chain.prev"),
            (nxt, "chain.gseq"),
            (nxt, "chain.kseq"),
            (nxt, "gt.recurrence"),
            (nxt, "gt.recurrence"),
        ]
    )


def attack_swap(data_dir: Path, j: Journal) -> Expected:
    with tamper(data_dir) as conn:
        table = rows(conn)
        first, second = table[j.sale_b], table[j.sale_c]
        conn.execute("DELETE FROM journal WHERE gseq IN (?, ?)", (first.gseq, second.gseq))
        for gseq, src in ((first.gseq, second), (second.gseq, first)):
            conn.execute(
                "INSERT INTO journal (gseq, kind, kseq, ts, core, sig, body, token_sha256) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (gseq, src.kind, src.kseq, src.ts, src.core, src.sig, src.body, src.token_sha256),
            )
    b, c = j.sale_b, j.sale_c
    # stored order B-1, [C], B+1 .. C-1, [B], C+1: each anomaly is reported at the gseq of
    # the core that shows it, so the first one is at B (the record found out of place)
    return Expected(
        [
            (b, "row.gseq"),
            (b, "chain.prev"),
            (b, "chain.gseq"),
            (b, "chain.kseq"),
            (b, "time.decreasing"),
            (b + 1, "chain.prev"),
            (b + 1, "chain.gseq"),
            (c, "row.gseq"),
            (c, "chain.prev"),
            (c, "chain.gseq"),
            (c + 1, "chain.prev"),
            (c + 1, "chain.gseq"),
        ],
        exact=False,
    )


def attack_truncate(data_dir: Path, j: Journal) -> Expected:
    with tamper(data_dir) as conn:
        delete_records(conn, list(range(j.sale_d, j.head + 1)))
    return Expected([(j.head, "anchor.truncated")])


def attack_resign_other_key(data_dir: Path, j: Journal) -> Expected:
    with tamper(data_dir) as conn:
        row = rows(conn)[j.sale_b]
        body = row.body.replace(b"Sandwich", b"Sandwick")
        assert body != row.body
        core, sig = seal(row.core, body, parse_core(row.core).prev, other_key_signer())
        write_row(conn, j.sale_b, core, sig, body)
    # the body hash and the core agree again; the key does not, the next prev breaks, and
    # the duplicate quotes the original's old token hash
    return Expected(
        [(j.sale_b, "sig.invalid"), (j.sale_b + 1, "chain.prev"), (j.reprint, "ref.mismatch")]
    )


def _back_dated(data_dir: Path, j: Journal, sign: Signer) -> int:
    with tamper(data_dir) as conn:
        table = rows(conn)
        template = table[j.sale_d]
        last = table[max(table)]
        kseq = max(r.kseq for r in table.values() if r.kind == "T") + 1
        gseq = last.gseq + 1
        body = json.loads(template.body)  # sale D is the last T: its totals are the GT
        gt_before, gt_abs_before = body["gt_after"], body["gt_abs_after"]
        total = body["total_ttc_cents"]
        body.update(
            ticket_no=f"TILL01-T-{kseq:06d}",
            ts_utc="2026-03-15T12:00:00Z",
            ts_local="2026-03-15T13:00:00+01:00",
            gt_before=gt_before,
            gt_after=gt_before + total,
            gt_abs_after=gt_abs_before + abs(total),
        )
        raw = canonical_json(body)
        core = format_core(
            replace(
                parse_core(template.core),
                gseq=gseq,
                kseq=kseq,
                ts="20260315120000Z",
                body_hash=body_hash(raw),
                prev=last.token_sha256,
            )
        )
        sig = sign(core.encode("ascii"))
        conn.execute(
            "INSERT INTO journal (gseq, kind, kseq, ts, core, sig, body, token_sha256) "
            "VALUES (?, 'T', ?, ?, ?, ?, ?, ?)",
            (gseq, kseq, "20260315120000Z", core, sig, raw, token_hash(core, sig)),
        )
        fix_head(conn)
    assert last.ts > "20260315120000Z"
    return gseq


def attack_back_dated_other_key(data_dir: Path, j: Journal) -> Expected:
    gseq = _back_dated(data_dir, j, other_key_signer())
    return Expected([(gseq, "time.decreasing"), (gseq, "sig.invalid")])


def attack_back_dated_stolen_key(data_dir: Path, j: Journal) -> Expected:
    gseq = _back_dated(data_dir, j, stolen_key_signer(data_dir))
    # a perfectly signed, chained and summed record: only its date gives it away
    return Expected([(gseq, "time.decreasing")])


def attack_grand_total(data_dir: Path, j: Journal) -> Expected:
    def bump(body: dict[str, Any]) -> None:
        body["gt_after"] += 10_000

    with tamper(data_dir) as conn:
        row = rows(conn)[j.sale_a]
        conn.execute(
            "UPDATE journal SET body = ? WHERE gseq = ?", (edit_body(row.body, bump), j.sale_a)
        )
        # every later record is re-signed and re-chained; the refund of A and the duplicate
        # of B quote the new token hashes
        resign_suffix(conn, j.sale_a, stolen_key_signer(data_dir))
    rewrite_anchor(data_dir)
    # signatures, chain, references, body hashes and anchor are all consistent: only the
    # perpetual grand total's recurrence is broken (gt_after != gt_before + total)
    return Expected([(j.sale_a, "gt.recurrence")])


ATTACKS: dict[str, Callable[[Path, Journal], Expected]] = {
    "body-byte": attack_body_byte,
    "core-total": attack_core_total,
    "signature-char": attack_signature_char,
    "delete-middle-row": attack_delete_middle,
    "swap-two-rows": attack_swap,
    "truncate-tail": attack_truncate,
    "re-sign-with-another-key": attack_resign_other_key,
    "back-dated-other-key": attack_back_dated_other_key,
    "back-dated-stolen-key": attack_back_dated_stolen_key,
    "grand-total-stolen-key": attack_grand_total,
}


def found(data_dir: Path, *, use_anchor: bool = True) -> Found:
    return [(a.gseq, a.check) for a in verify_data_dir(data_dir, use_anchor=use_anchor).anomalies]


# ------------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("name", list(ATTACKS))
def test_the_verifier_reports_each_attack_at_its_gseq(shop: TillFixture, name: str) -> None:
    journal = build_journal(shop)
    assert found(shop.data_dir) == []
    ATTACKS[name](shop.data_dir, journal).check(found(shop.data_dir))


@pytest.mark.parametrize("name", list(ATTACKS))
def test_the_start_up_check_writes_jet_90_and_blocks_sales(shop: TillFixture, name: str) -> None:
    journal = build_journal(shop)
    assert found(shop.data_dir) == []
    attack = ATTACKS[name](shop.data_dir, journal)
    expected = found(shop.data_dir)
    attack.check(expected)
    till = shop.reopen()
    report = till.integrity.start(till.checkout)
    # the start-up check runs the auditor's code on the same rows and anchor
    assert [(a.gseq, a.check) for a in report.anomalies] == expected
    defects = [
        json.loads(r["body"])
        for r in journal_rows(shop.data_dir)
        if r["kind"] == "J" and json.loads(r["body"])["code"] == Jet.INTEGRITY_DEFECT
    ]
    assert len(defects) == 1
    gseq, check = expected[0]
    assert defects[0]["related_gseq"] == gseq
    assert defects[0]["detail"]["anomalies"][0]["check"] == check
    assert defects[0]["detail"]["count"] == len(expected)
    assert report.blocked is not None
    assert till.checkout.blocked == report.blocked
    sale = till.checkout.new_sale()
    till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    with pytest.raises(TillBlocked):
        till.checkout.finalise(shop.cashier, sale)


def test_a_truncated_tail_is_invisible_without_the_head_anchor(shop: TillFixture) -> None:
    """The chain alone cannot see a truncation (§6.11): this is why the head anchor exists."""
    journal = build_journal(shop)
    attack_truncate(shop.data_dir, journal)
    report = verify_data_dir(shop.data_dir, use_anchor=False)
    assert report.anomalies == []
    assert report.head_gseq == journal.sale_d - 1
    assert projection_anomalies(shop.data_dir) == []  # the attacker removed the projections too
    assert found(shop.data_dir) == [(journal.head, "anchor.truncated")]


def test_a_re_signed_grand_total_left_with_the_old_anchor_also_breaks_the_anchor(
    shop: TillFixture,
) -> None:
    journal = build_journal(shop)
    anchor_file = shop.data_dir / "head.anchor"
    anchored = anchor_file.read_bytes()
    expected = attack_grand_total(shop.data_dir, journal)
    anchor_file.write_bytes(anchored)  # the attacker forgot the anchor file
    report = verify_data_dir(shop.data_dir)
    assert [(a.gseq, a.check) for a in report.anomalies] == [
        *expected.reported,
        (journal.head, "anchor.mismatch"),
    ]
    gt = report.anomalies[0]
    assert gt.en == "The field gt_after does not follow the perpetual grand-total recurrence."
    assert gt.found is not None
    assert gt.expected is not None
    assert int(gt.found) - int(gt.expected) == 10_000


def test_an_edited_projection_column_is_a_projection_mismatch(shop: TillFixture) -> None:
    journal = build_journal(shop)
    assert projection_anomalies(shop.data_dir) == []
    with tamper(shop.data_dir) as conn:
        conn.execute(
            "UPDATE sales SET total_ttc_cents = total_ttc_cents - 1000 WHERE gseq = ?",
            (journal.sale_a,),
        )
    anomalies = check_projections(shop.data_dir / "caisse.sqlite")
    assert [(a.gseq, a.check) for a in anomalies] == [(journal.sale_a, "projection.mismatch")]
    assert "sales.total_ttc_cents" in anomalies[0].en
    assert found(shop.data_dir) == []  # the journal itself is untouched


# ------------------------------------------------------------------------------- known bugs


def test_a_truncation_after_a_crash_is_still_caught_by_the_head_anchor(
    shop: TillFixture,
) -> None:
    """BUG (src/caisse/services/integrity.py, `IntegrityService.start`).

    After an unclean stop, `start` commits JET 230 (and, when the clock is behind the head,
    JET 180) *before* `check_recent` reads the head anchor; `TillContext.commit` moves the
    anchor to that new record, so the anchor no longer remembers the truncated head and the
    truncation goes unreported. The attacker does not even need a crash: the ``running`` flag
    lives in the database (``app_state``) that they are editing anyway.
    """
    journal = build_journal(shop)
    attack_truncate(shop.data_dir, journal)
    with tamper(shop.data_dir) as conn:
        conn.execute("UPDATE app_state SET value = '1' WHERE key = 'running'")
        assert conn.total_changes == 1
    assert found(shop.data_dir) == [(journal.head, "anchor.truncated")]
    till = shop.reopen()
    report = till.integrity.start(till.checkout)
    assert report.unclean_stop
    assert (journal.head, "anchor.truncated") in [(a.gseq, a.check) for a in report.anomalies]
    assert report.blocked is not None


def test_a_non_ascii_core_is_reported_by_the_start_up_check_not_raised(
    shop: TillFixture,
) -> None:
    """BUG (src/caisse/keys/verify.py, `signature_checker`).

    The start-up signature checker encodes each core with ``core.encode("ascii")``; a core
    that an attacker edited with a non-ASCII character makes it raise UnicodeEncodeError, so
    `IntegrityService.start` crashes instead of writing JET 90 and blocking (R26). The
    auditor's verifier (`caisse_verif`) reports the same journal correctly.
    """
    journal = build_journal(shop)
    with tamper(shop.data_dir) as conn:
        row = rows(conn)[journal.sale_a]
        conn.execute(
            "UPDATE journal SET core = ? WHERE gseq = ?",
            (row.core.replace("TILL01", "TILLé1", 1), journal.sale_a),
        )
    expected = found(shop.data_dir)
    assert expected[:3] == [
        (journal.sale_a, "core.grammar"),
        (journal.sale_a, "sig.invalid"),
        (journal.sale_a + 1, "chain.prev"),
    ]
    till = shop.reopen()
    report = till.integrity.start(till.checkout)
    assert [(a.gseq, a.check) for a in report.anomalies] == expected
    assert report.blocked is not None
