"""The equations of `compute_ticket`, proven on random tickets, their discounts and refunds."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.domain.sale import Discount, LineInput, TicketTotals, compute_ticket
from tests.unit.domain.strategies import negated, percent_discounts, rounded, tickets


@st.composite
def discounted_tickets(draw: st.DrawFn) -> tuple[list[LineInput], Discount | None]:
    """A random ticket and a ticket discount that fits it (percent, amount, or none)."""
    lines = draw(tickets())
    net = compute_ticket(lines).total_ttc_cents
    amount = st.integers(1, net).map(Discount.of_amount) if net >= 1 else st.nothing()
    return lines, draw(st.one_of(st.none(), percent_discounts, amount))


def check_equations(lines: list[LineInput], discount: Discount | None, t: TicketTotals) -> None:
    """Every equation a ticket must satisfy, each against an independent expectation."""
    assert [c.n for c in t.lines] == [line.n for line in lines]
    # Σ line_ttc == total_ttc == Σ vat.ttc; Σ vat.ht == total_ht; tva == ttc − ht.
    assert sum(c.line_ttc_cents for c in t.lines) == t.total_ttc_cents
    assert sum(v.ttc for v in t.vat) == t.total_ttc_cents
    assert sum(v.ht for v in t.vat) == t.total_ht_cents
    for v in t.vat:
        assert v.tva == v.ttc - v.ht
    # The rates listed are exactly the lines' rates, once each, ascending.
    assert [v.rate_bp for v in t.vat] == sorted({line.vat_bp for line in lines})
    # The ticket discount spread over the lines adds up to it exactly.
    assert sum(c.ticket_discount_cents for c in t.lines) == t.ticket_discount_cents

    nets = []
    for given_line, c in zip(lines, t.lines, strict=True):
        exact_gross = Fraction(given_line.qty_milli * given_line.unit_ttc_cents, 1000)
        assert c.gross_cents == rounded(exact_gross)
        assert c.line_ttc_cents == c.gross_cents - c.discount_cents - c.ticket_discount_cents
        exact_unit_ht = Fraction(c.unit_ttc_cents) / (1 + Fraction(c.vat_bp, 10_000))
        assert c.unit_ht_cents == rounded(exact_unit_ht)
        line_discount = given_line.line_discount
        if line_discount is not None and line_discount.percent_bp is not None:
            exact = Fraction(c.gross_cents * line_discount.percent_bp, 10_000)
            assert c.discount_cents == rounded(exact)
        elif line_discount is not None:
            # A fixed discount is deducted with the sign of the line (negative on a refund).
            sign = 1 if c.gross_cents >= 0 else -1
            assert c.discount_cents == sign * (line_discount.amount_cents or 0)
        else:
            assert c.discount_cents == 0
        nets.append(c.gross_cents - c.discount_cents)

    net_sum = sum(nets)
    if discount is None:
        assert t.ticket_discount_cents == 0
    elif discount.percent_bp is not None:
        assert t.ticket_discount_cents == rounded(Fraction(net_sum * discount.percent_bp, 10_000))
    else:
        sign = 1 if net_sum >= 0 else -1
        assert t.ticket_discount_cents == sign * (discount.amount_cents or 0)
    if net_sum:
        # Each line's share is within one cent of its exact proportional share.
        for c, net in zip(t.lines, nets, strict=True):
            exact_share = Fraction(t.ticket_discount_cents * net, net_sum)
            assert abs(c.ticket_discount_cents - exact_share) < 1

    # Per rate, the lines' HT add up to the rate's HT, each within a cent of its share.
    by_rate: dict[int, list[int]] = defaultdict(list)
    for index, c in enumerate(t.lines):
        by_rate[c.vat_bp].append(index)
    for v in t.vat:
        members = [t.lines[i] for i in by_rate[v.rate_bp]]
        assert sum(c.line_ht_cents for c in members) == v.ht
        assert v.ttc == sum(c.line_ttc_cents for c in members)
        assert v.ht == rounded(Fraction(v.ttc) / (1 + Fraction(v.rate_bp, 10_000)))
        if v.ttc:
            for c in members:
                assert abs(c.line_ht_cents - Fraction(v.ht * c.line_ttc_cents, v.ttc)) < 1


@settings(max_examples=300, deadline=None)
@given(discounted_tickets())
def test_sale_tickets_satisfy_every_equation(case: tuple[list[LineInput], Discount | None]) -> None:
    lines, discount = case
    totals = compute_ticket(lines, discount)
    check_equations(lines, discount, totals)
    # A sale never produces a negative line, nor an HT above its TTC.
    for c in totals.lines:
        assert 0 <= c.line_ttc_cents <= c.gross_cents
        assert 0 <= c.line_ht_cents <= c.line_ttc_cents
    assert 0 <= totals.total_ht_cents <= totals.total_ttc_cents


@settings(max_examples=300, deadline=None)
@given(discounted_tickets())
def test_a_full_refund_is_the_exact_negation_of_the_sale(
    case: tuple[list[LineInput], Discount | None],
) -> None:
    lines, discount = case
    sale = compute_ticket(lines, discount)
    refund = compute_ticket(negated(lines), discount)
    check_equations(negated(lines), discount, refund)
    assert refund.total_ttc_cents == -sale.total_ttc_cents
    assert refund.total_ht_cents == -sale.total_ht_cents
    assert refund.ticket_discount_cents == -sale.ticket_discount_cents
    assert [(v.rate_bp, -v.ht, -v.tva, -v.ttc) for v in refund.vat] == [
        (v.rate_bp, v.ht, v.tva, v.ttc) for v in sale.vat
    ]
    for r, s in zip(refund.lines, sale.lines, strict=True):
        assert r.qty_milli == -s.qty_milli
        assert (r.gross_cents, r.discount_cents, r.ticket_discount_cents) == (
            -s.gross_cents,
            -s.discount_cents,
            -s.ticket_discount_cents,
        )
        assert (r.line_ttc_cents, r.line_ht_cents) == (-s.line_ttc_cents, -s.line_ht_cents)
        assert r.unit_ht_cents == s.unit_ht_cents  # a unit price is a price, never negated


@settings(max_examples=100, deadline=None)
@given(tickets(max_lines=10), tickets(max_lines=10))
def test_mixed_tickets_still_balance(sold: list[LineInput], returned: list[LineInput]) -> None:
    # An exchange (some lines sold, some returned) must still add up exactly.
    offset = len(sold)
    lines = sold + [
        LineInput(
            n=offset + line.n,
            sku=line.sku,
            label=line.label,
            vat_bp=line.vat_bp,
            unit=line.unit,
            qty_milli=line.qty_milli,
            unit_ttc_cents=line.unit_ttc_cents,
            line_discount=line.line_discount,
            price_override=line.price_override,
        )
        for line in negated(returned)
    ]
    check_equations(lines, None, compute_ticket(lines))
