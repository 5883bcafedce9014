"""An open ticket written as JSON and read back is the same ticket, to the cent."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from caisse.domain.catalog import Product
from caisse.domain.errors import InvalidInput, UserFacingError
from caisse.domain.open_ticket import item_count, sale_from_data, sale_to_data
from caisse.domain.sale import Discount, Payment, Sale, SaleLine, Tender
from caisse.domain.units import Unit
from tests.unit.domain.strategies import line_inputs, percent_discounts


@st.composite
def open_sales(draw: st.DrawFn) -> Sale:
    """A sale as a cashier may leave it: voids, discounts, overrides, some tenders taken."""
    count = draw(st.integers(1, 12))
    lines = []
    for n in range(1, count + 1):
        li = draw(line_inputs(n))
        product = Product(
            li.sku,
            li.label + draw(st.sampled_from(["", " « bio »", " crème brûlée", " 🍞"])),
            li.price_override.from_cents if li.price_override else li.unit_ttc_cents,
            li.vat_bp,
            "Cat",
            li.unit,
            draw(st.one_of(st.none(), st.just("3760000000017"))),
            None,
        )
        voided = draw(st.booleans()) and n > 1
        lines.append(
            SaleLine(
                n=n,
                product=product,
                qty_milli=li.qty_milli,
                unit_ttc_cents=li.unit_ttc_cents,
                discount=li.line_discount,
                price_override=li.price_override,
                voided=voided,
                void_reason="Erreur de saisie" if voided else None,
            )
        )
    ticket_discount = draw(
        st.one_of(st.none(), percent_discounts, st.integers(1, 500).map(Discount.of_amount))
    )
    try:
        sale = Sale(lines=tuple(lines), ticket_discount=ticket_discount)
    except UserFacingError:
        assume(False)
        raise
    total = sale.totals.total_ttc_cents
    for tender in draw(st.lists(st.sampled_from(list(Tender)), max_size=3)):
        remaining = sale.settlement.remaining
        if remaining <= 0:
            break
        amount = draw(st.integers(1, remaining if tender is not Tender.CASH else total + 5000))
        sale.add_payment(Payment(tender, amount))
    return sale


@settings(max_examples=150, deadline=None)
@given(open_sales())
def test_a_round_trip_through_json_gives_the_same_ticket(sale: Sale) -> None:
    text = json.dumps(sale_to_data(sale), ensure_ascii=False)
    back = sale_from_data(json.loads(text), "abc")
    assert back.id == "abc"
    assert back.lines == sale.lines
    assert back.payments == sale.payments
    assert back.ticket_discount == sale.ticket_discount
    assert back.totals == sale.totals
    assert back.settlement == sale.settlement
    assert item_count(back) == item_count(sale)


def test_a_damaged_row_is_refused_in_one_sentence() -> None:
    sale = Sale()
    sale.add_line(Product("BAG", "Baguette", 105, 550), 2000)
    data = sale_to_data(sale)
    data["lines"][0]["qty_milli"] = "deux"
    with pytest.raises(InvalidInput, match="illisible"):
        sale_from_data(data)
    with pytest.raises(InvalidInput):
        sale_from_data({"v": 99})


def test_items_count_pieces_and_weighed_lines() -> None:
    sale = Sale()
    sale.add_line(Product("BAG", "Baguette", 105, 550), 3000)
    sale.add_line(Product("COMTE", "Comté", 2490, 550, unit=Unit.KG), 532)
    assert item_count(sale) == 4
