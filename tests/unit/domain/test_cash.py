"""Cash: denominations, counts, and the expected-cash equation against a model drawer."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from caisse.domain.cash import (
    CASH,
    DENOMINATIONS,
    CashCount,
    CashFlows,
    CashLedger,
    CashOp,
    JustificationRequired,
    compare_count,
    denomination_label,
    expected_cash,
    opening_difference,
    parse_count_item,
    parse_denomination,
    parse_whole,
)
from caisse.domain.errors import InvalidAmount
from caisse.domain.sale import Payment, Tender, settle
from tests.unit.domain.strategies import assert_bilingual

# ------------------------------------------------------------------ denominations and counts


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("500e", 50000),
        ("20e", 2000),
        ("20€", 2000),
        ("5E", 500),
        ("2e", 200),
        ("1e", 100),
        ("50c", 50),
        ("10c", 10),
        ("1c", 1),
        (" 2 ct ", 2),
    ],
)
def test_denominations_parse(text: str, cents: int) -> None:
    assert parse_denomination(text) == cents


@pytest.mark.parametrize("text", ["3e", "25c", "1000e", "e", "20", "vingt", "-20e", "0.5e", ""])
def test_unknown_denominations_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        parse_denomination(text)
    assert_bilingual(excinfo)


def test_the_fifteen_euro_notes_and_coins() -> None:
    assert len(DENOMINATIONS) == 15
    assert [denomination_label(d) for d in DENOMINATIONS][:7] == [
        "500e",
        "200e",
        "100e",
        "50e",
        "20e",
        "10e",
        "5e",
    ]
    for d in DENOMINATIONS:
        assert parse_denomination(denomination_label(d)) == d


def test_count_items() -> None:
    assert parse_count_item("20e:3") == (2000, 3)
    assert parse_count_item("10c:0") == (10, 0)


@pytest.mark.parametrize("text", ["20e:abc", "20e:-3", "20e:3.5", "20e", "20e:", "x:1", "20e:1e3"])
def test_counts_with_letters_or_negatives_are_refused(text: str) -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        parse_count_item(text)
    assert_bilingual(excinfo)


@pytest.mark.parametrize("text", ["-5", "12a", "1,50", "", " ", "+3"])
def test_whole_amounts_refuse_anything_but_digits(text: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_whole(text, "Montant", "amount", limit=10**9)
    assert parse_whole(" 150 ", "Montant", "amount", limit=10**9) == 150


def test_a_count_by_denomination_adds_up_and_merges_repeats() -> None:
    count = CashCount.of_pieces([(2000, 3), (200, 5), (10, 4), (2000, 1)])
    assert count.total_cents == 4 * 2000 + 5 * 200 + 4 * 10
    assert count.pieces == ((2000, 4), (200, 5), (10, 4))
    body = count.as_body()
    assert body["cash_cents"] == count.total_cents
    assert body["denominations"][0] == {
        "denomination_cents": 2000,
        "pieces": 4,
        "amount_cents": 8000,
    }


def test_counts_refuse_negative_pieces_and_amounts() -> None:
    with pytest.raises(InvalidAmount):
        CashCount.of_pieces([(2000, -1)])
    with pytest.raises(InvalidAmount):
        CashCount.of_pieces([(300, 1)])
    with pytest.raises(InvalidAmount):
        CashCount.of_amount(-1)
    assert CashCount.of_amount(0).total_cents == 0


# ------------------------------------------------------------------ the closing count


def test_a_difference_needs_a_justification() -> None:
    expected = {CASH: 10000, "CARD": 2500}
    with pytest.raises(JustificationRequired) as excinfo:
        compare_count(expected, {CASH: 9950}, None)
    assert_bilingual(excinfo)
    assert excinfo.value.differences == {CASH: -50, "CARD": 0}
    with pytest.raises(JustificationRequired):
        compare_count(expected, {CASH: 9950}, "   ")
    lines = compare_count(expected, {CASH: 9950, "CARD": 2500}, "pièce perdue")
    assert [(t.method, t.expected_cents, t.counted_cents, t.difference_cents) for t in lines] == [
        (CASH, 10000, 9950, -50),
        ("CARD", 2500, 2500, 0),
    ]


def test_no_difference_needs_no_justification_and_uncounted_tenders_are_shown() -> None:
    lines = compare_count({CASH: 10000, "CHEQUE": 3000}, {CASH: 10000}, None)
    assert lines[1].as_body() == {
        "method": "CHEQUE",
        "expected_cents": 3000,
        "counted_cents": None,
        "difference_cents": None,
    }


def test_a_tender_counted_but_not_expected_is_a_difference() -> None:
    with pytest.raises(JustificationRequired):
        compare_count({CASH: 0}, {CASH: 0, "CHEQUE": 100}, "")


def test_cash_must_be_counted_and_counts_are_not_negative() -> None:
    with pytest.raises(InvalidAmount):
        compare_count({CASH: 0}, {"CARD": 0}, None)
    with pytest.raises(InvalidAmount):
        compare_count({CASH: 0}, {CASH: -1}, "x")


# ------------------------------------------------------------------ the equation, by hand


def test_the_equation_term_by_term() -> None:
    flows = CashFlows(
        opening_float=15000,
        cash_tendered=5000,
        change_given=590,
        cash_refunds=-700,
        cash_in=1000,
        cash_out=300,
        safe_drops=8000,
        bank_deposits=2000,
    )
    assert expected_cash(flows) == 15000 + (5000 - 590) - 700 + 1000 - 300 - 8000 - 2000


def test_change_is_not_cash_received() -> None:
    # a 14,10 € sale paid with a 20 € note: the drawer gains 14,10 €, not 20 €
    ledger = CashLedger(flows=CashFlows(opening_float=10000))
    settlement = settle(1410, [Payment(Tender.CASH, 2000)])
    ledger.add_ticket([(CASH, 2000)], settlement.change_cents)
    assert expected_cash(ledger.flows) == 10000 + 1410


def test_the_opening_difference_is_reported_once() -> None:
    assert opening_difference(15000, 15500) == -500
    assert opening_difference(15000, None) is None
    # the session's expected cash starts from what was counted, not from the last closing
    ledger = CashLedger(flows=CashFlows(opening_float=15000))
    assert expected_cash(ledger.flows) == 15000


# ------------------------------------------------------------------ the equation, by property


@dataclass
class Event:
    kind: str  # sale, refund, in, out, safe, bank
    total: int = 0
    tenders: tuple[tuple[Tender, int], ...] = ()
    amount: int = 0


NON_CASH = [t for t in Tender if t is not Tender.CASH]


@st.composite
def sales(draw: st.DrawFn) -> Event:
    """A fully paid sale: some non-cash tenders up to the total, the rest (and maybe more) cash."""
    total = draw(st.integers(0, 50_000))
    tenders: list[tuple[Tender, int]] = []
    left = total
    for method in draw(st.lists(st.sampled_from(NON_CASH), max_size=2)):
        if left == 0:
            break
        amount = draw(st.integers(1, left))
        tenders.append((method, amount))
        left -= amount
    overpay = draw(st.integers(0, 10_000))
    if left + overpay:
        tenders.append((Tender.CASH, left + overpay))
    draw(st.randoms()).shuffle(tenders)
    return Event("sale", total=total, tenders=tuple(tenders))


@st.composite
def refunds(draw: st.DrawFn) -> Event:
    total = -draw(st.integers(1, 20_000))
    cash = draw(st.integers(0, -total))
    tenders = [(Tender.CASH, -cash)] if cash else []
    if cash != -total:
        tenders.append((draw(st.sampled_from(NON_CASH)), total + cash))
    return Event("refund", total=total, tenders=tuple(tenders))


movements = st.builds(
    Event,
    kind=st.sampled_from(["in", "out", "safe", "bank"]),
    amount=st.integers(1, 30_000),
)
events = st.lists(st.one_of(sales(), refunds(), movements), max_size=40)
OPS = {
    "in": CashOp.CASH_IN,
    "out": CashOp.CASH_OUT,
    "safe": CashOp.SAFE_DROP,
    "bank": CashOp.BANK_DEPOSIT,
}
SIGN = {"in": 1, "out": -1, "safe": -1, "bank": -1}


def run(opening: int, history: list[Event]) -> tuple[CashLedger, int, dict[str, int]]:
    """Feed the ledger as the till does, and move a model drawer note by note alongside."""
    ledger = CashLedger(flows=CashFlows(opening_float=opening))
    drawer = opening
    others: dict[str, int] = {}
    for event in history:
        if event.kind in OPS:
            signed = SIGN[event.kind] * event.amount
            ledger.add_movement(OPS[event.kind], signed)
            drawer += signed
            continue
        payments = [Payment(m, a) for m, a in event.tenders]
        settlement = settle(event.total, payments)
        assert settlement.covered
        ledger.add_ticket([(str(m), a) for m, a in event.tenders], settlement.change_cents)
        # the model drawer: notes handed over go in, change handed back goes out
        drawer += sum(a for m, a in event.tenders if m is Tender.CASH)
        drawer -= settlement.change_cents
        for m, a in event.tenders:
            if m is not Tender.CASH:
                others[str(m)] = others.get(str(m), 0) + a
    return ledger, drawer, others


@settings(max_examples=300, deadline=None)
@given(opening=st.integers(0, 100_000), history=events)
def test_expected_cash_is_what_a_drawer_holds(opening: int, history: list[Event]) -> None:
    ledger, drawer, others = run(opening, history)
    assert expected_cash(ledger.flows) == drawer
    assert ledger.expected_by_tender() == {CASH: drawer, **others}


@settings(max_examples=300, deadline=None)
@given(opening=st.integers(0, 100_000), history=events)
def test_change_never_counts_as_cash_received(opening: int, history: list[Event]) -> None:
    """Each sale adds exactly its total minus its non-cash tenders, however much cash came in."""
    ledger, _, _ = run(opening, history)
    oracle = opening
    for event in history:
        if event.kind == "sale":
            oracle += event.total - sum(a for m, a in event.tenders if m is not Tender.CASH)
        elif event.kind == "refund":
            oracle += sum(a for m, a in event.tenders if m is Tender.CASH)
        else:
            oracle += SIGN[event.kind] * event.amount
    assert expected_cash(ledger.flows) == oracle
    assert ledger.flows.change_given >= 0
    assert ledger.flows.cash_refunds <= 0


@settings(max_examples=200, deadline=None)
@given(
    previous_closing=st.integers(0, 100_000),
    opening=st.integers(0, 100_000),
    history=events,
)
def test_an_opening_difference_is_never_counted_twice(
    previous_closing: int, opening: int, history: list[Event]
) -> None:
    """An honest session closes with no difference, whatever went missing before it opened."""
    ledger, drawer, _ = run(opening, history)
    assume(drawer >= 0)  # a real drawer cannot pay out notes it does not hold
    assert opening_difference(opening, previous_closing) == opening - previous_closing
    lines = compare_count(ledger.expected_by_tender(), {CASH: drawer}, None)
    assert lines[0].difference_cents == 0
    # and the expected cash does not depend on the previous closing at all
    assert expected_cash(ledger.flows) - opening == drawer - opening


@settings(max_examples=200, deadline=None)
@given(opening=st.integers(0, 100_000), history=events, data=st.data())
def test_the_order_of_events_does_not_matter(
    opening: int, history: list[Event], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(history))
    assert expected_cash(run(opening, history)[0].flows) == expected_cash(
        run(opening, shuffled)[0].flows
    )


@settings(max_examples=200, deadline=None)
@given(opening=st.integers(0, 100_000), history=events, gap=st.integers(-5000, 5000))
def test_a_missing_or_extra_note_shows_as_the_difference(
    opening: int, history: list[Event], gap: int
) -> None:
    ledger, drawer, _ = run(opening, history)
    assume(gap != 0 and drawer + gap >= 0)
    with pytest.raises(JustificationRequired) as excinfo:
        compare_count(ledger.expected_by_tender(), {CASH: drawer + gap}, None)
    assert excinfo.value.differences[CASH] == gap
