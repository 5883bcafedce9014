"""The sale aggregate: lines, voids, discounts, overrides, payments and its life cycle."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.domain.catalog import Product, Unit
from caisse.domain.errors import (
    ChangeNotAllowed,
    DiscountNotAllowed,
    InvalidAmount,
    InvalidInput,
    InvalidQuantity,
    LineNotFound,
    Refused,
    SaleNotOpen,
    UnderPaid,
)
from caisse.domain.sale import (
    Discount,
    LineInput,
    Payment,
    PriceOverride,
    Sale,
    SaleLine,
    SaleOp,
    SaleState,
    Tender,
    compute_ticket,
)
from caisse.domain.vat import VatAmounts
from tests.unit.domain.strategies import assert_bilingual, products

BAGUETTE = Product(sku="BAG", label="Baguette", price_ttc_cents=105, vat_bp=550)
WINE = Product(sku="VIN", label="Vin rouge", price_ttc_cents=1200, vat_bp=2000)
APPLES = Product(sku="POM", label="Pommes", price_ttc_cents=299, vat_bp=550, unit=Unit.KG)


def tv1() -> Sale:
    sale = Sale()
    sale.add_line(BAGUETTE, 2000)
    sale.add_line(WINE, 1000)
    return sale


# ---------------------------------------------------------------- lines


def test_lines_are_numbered_from_one_in_the_order_added() -> None:
    sale = Sale()
    assert [sale.add_line(p, 1000) for p in (BAGUETTE, WINE, BAGUETTE)] == [1, 2, 3]
    assert [line.n for line in sale.lines] == [1, 2, 3]
    assert [line.sku for line in sale.lines] == ["BAG", "VIN", "BAG"]
    assert sale.line(2).label == "Vin rouge"
    assert sale.line(2).vat_bp == 2000
    assert sale.line(2).unit is Unit.PIECE
    assert sale.line(2).unit_ttc_cents == 1200


def test_totals_of_the_nf525_vector() -> None:
    totals = tv1().totals
    assert totals.total_ttc_cents == 1410
    assert totals.vat == [VatAmounts(550, 199, 11, 210), VatAmounts(2000, 1000, 200, 1200)]


def test_a_voided_line_stays_listed_but_leaves_the_totals() -> None:
    sale = Sale()
    for product in (BAGUETTE, WINE, BAGUETTE):
        sale.add_line(product, 1000)
    voided = sale.void_line(2, "  Erreur de saisie ")
    assert voided == SaleLine(
        n=2,
        product=WINE,
        qty_milli=1000,
        unit_ttc_cents=1200,
        voided=True,
        void_reason="Erreur de saisie",
    )
    assert len(sale.lines) == 3
    assert sale.line(2).voided
    assert [line.n for line in sale.active_lines] == [1, 3]
    totals = sale.totals
    # Renumbered 1..k for the body, in the order added.
    assert [(c.n, c.sku) for c in totals.lines] == [(1, "BAG"), (2, "BAG")]
    assert totals.total_ttc_cents == 210
    # A new line still takes the next number: numbers are never reused.
    assert sale.add_line(WINE, 1000) == 4


def test_void_line_requires_a_reason_and_changes_nothing_without_one() -> None:
    sale = tv1()
    with pytest.raises(InvalidInput) as excinfo:
        sale.void_line(1, "   ")
    assert "motif" in excinfo.value.fr
    assert_bilingual(excinfo)
    assert not sale.line(1).voided


def test_a_voided_line_can_no_longer_change() -> None:
    sale = tv1()
    sale.void_line(1, "Erreur")
    for operation in (
        lambda: sale.set_quantity(1, 3000),
        lambda: sale.void_line(1, "Encore"),
        lambda: sale.set_line_discount(1, Discount.of_percent(1000)),
        lambda: sale.override_price(1, 90, "Date courte"),
    ):
        with pytest.raises(LineNotFound) as excinfo:
            operation()
        assert "annulée" in excinfo.value.fr
        assert_bilingual(excinfo)


@pytest.mark.parametrize("n", [0, 3, -1, 99])
def test_unknown_line_numbers(n: int) -> None:
    sale = tv1()
    with pytest.raises(LineNotFound) as excinfo:
        sale.line(n)
    assert f"ligne {n}" in excinfo.value.fr
    assert_bilingual(excinfo)
    with pytest.raises(LineNotFound):
        sale.set_quantity(n, 1000)


def test_set_quantity() -> None:
    sale = tv1()
    line = sale.set_quantity(1, 3000)
    assert line.qty_milli == 3000
    assert sale.line(1).qty_milli == 3000
    assert sale.totals.total_ttc_cents == 315 + 1200


@pytest.mark.parametrize(
    ("op", "qty", "french_words"),
    [
        (SaleOp.SALE, 0, "ne peut pas être nulle"),
        (SaleOp.SALE, -1000, "que dans un remboursement"),
        (SaleOp.REFUND, 1000, "quantités négatives"),
        (SaleOp.REFUND, 0, "ne peut pas être nulle"),
    ],
)
def test_quantity_rules(op: SaleOp, qty: int, french_words: str) -> None:
    sale = Sale(op=op)
    with pytest.raises(InvalidQuantity) as excinfo:
        sale.add_line(WINE, qty)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)
    assert sale.lines == ()


def test_set_quantity_follows_the_same_rules() -> None:
    sale = tv1()
    with pytest.raises(InvalidQuantity):
        sale.set_quantity(2, -1000)
    with pytest.raises(InvalidQuantity):
        sale.set_quantity(2, 0)
    assert sale.line(2).qty_milli == 1000


def test_a_weighed_item_may_wait_for_the_scale_but_not_be_sold_unweighed() -> None:
    sale = Sale()
    sale.add_line(APPLES, 0)
    sale.add_payment(Payment(Tender.CASH, 1000))
    with pytest.raises(InvalidQuantity) as excinfo:
        sale.finalise()
    assert "Pommes" in excinfo.value.fr
    assert "pesé" in excinfo.value.fr
    assert_bilingual(excinfo)
    assert sale.state is SaleState.OPEN
    sale.set_quantity(1, 1250)  # 1,250 kg at 2,99 €/kg = 3,7375 → 3,74 €
    done = sale.finalise()
    assert done.totals.total_ttc_cents == 374
    assert done.change_cents == 626


# ---------------------------------------------------------------- discounts and overrides


def test_line_discount_set_and_removed() -> None:
    sale = tv1()
    sale.set_line_discount(2, Discount.of_percent(1000))
    assert sale.totals.total_ttc_cents == 210 + 1080
    sale.set_line_discount(2, None)
    assert sale.totals.total_ttc_cents == 1410


def test_a_refused_discount_leaves_the_sale_unchanged() -> None:
    sale = tv1()
    with pytest.raises(DiscountNotAllowed):
        sale.set_line_discount(1, Discount.of_amount(211))
    assert sale.line(1).discount is None
    with pytest.raises(DiscountNotAllowed):
        sale.set_ticket_discount(Discount.of_amount(1411))
    assert sale.ticket_discount is None
    assert sale.totals.total_ttc_cents == 1410


def test_ticket_discount() -> None:
    sale = tv1()
    sale.set_ticket_discount(Discount.of_amount(141))
    totals = sale.totals
    assert totals.ticket_discount_cents == 141
    assert [c.ticket_discount_cents for c in totals.lines] == [21, 120]
    assert totals.total_ttc_cents == 1269
    sale.set_ticket_discount(None)
    assert sale.totals.total_ttc_cents == 1410


def test_a_change_that_would_make_the_ticket_discount_too_large_is_refused() -> None:
    sale = tv1()
    sale.set_ticket_discount(Discount.of_amount(1000))
    with pytest.raises(DiscountNotAllowed):
        sale.void_line(2, "Erreur")
    assert not sale.line(2).voided
    with pytest.raises(DiscountNotAllowed):
        sale.set_quantity(2, 500)
    assert sale.line(2).qty_milli == 1000


def test_a_quantity_that_makes_a_line_discount_too_large_is_refused() -> None:
    sale = tv1()
    sale.set_line_discount(1, Discount.of_amount(200))
    with pytest.raises(DiscountNotAllowed):
        sale.set_quantity(1, 1000)  # 1,05 € left for a 2,00 € discount
    assert sale.line(1).qty_milli == 2000


def test_override_price_keeps_the_catalog_price() -> None:
    sale = tv1()
    line = sale.override_price(2, 900, " Date courte ")
    assert line.unit_ttc_cents == 900
    assert line.price_override == PriceOverride(from_cents=1200, to_cents=900, reason="Date courte")
    assert sale.totals.lines[1].price_override == line.price_override
    assert sale.totals.total_ttc_cents == 210 + 900
    # A second override still starts from the catalog price.
    line = sale.override_price(2, 800, "Geste commercial")
    assert line.price_override == PriceOverride(1200, 800, "Geste commercial")
    # Back to the catalog price: no override left.
    line = sale.override_price(2, 1200, "Erreur")
    assert (line.unit_ttc_cents, line.price_override) == (1200, None)
    assert WINE.price_ttc_cents == 1200


def test_override_price_refusals_change_nothing() -> None:
    sale = tv1()
    with pytest.raises(InvalidAmount) as amount_error:
        sale.override_price(2, -1, "Erreur")
    assert_bilingual(amount_error)
    with pytest.raises(InvalidInput) as reason_error:
        sale.override_price(2, 900, " ")
    assert "motif" in reason_error.value.fr
    assert_bilingual(reason_error)
    assert sale.line(2) == SaleLine(n=2, product=WINE, qty_milli=1000, unit_ttc_cents=1200)


# ---------------------------------------------------------------- payments


def test_add_payment_returns_the_settlement() -> None:
    sale = tv1()
    first = sale.add_payment(Payment(Tender.CARD, 1000))
    assert (first.remaining, first.change_cents) == (410, 0)
    second = sale.add_payment(Payment(Tender.CASH, 500))
    assert (second.remaining, second.change_cents) == (0, 90)
    assert sale.settlement == second


def test_a_refused_payment_is_not_recorded() -> None:
    sale = tv1()
    with pytest.raises(ChangeNotAllowed):
        sale.add_payment(Payment(Tender.CARD, 1500))
    with pytest.raises(InvalidAmount):
        sale.add_payment(Payment(Tender.CASH, -100))
    assert sale.payments == ()


def test_lines_cannot_shrink_below_the_card_payments() -> None:
    sale = tv1()
    sale.add_payment(Payment(Tender.CARD, 1410))
    with pytest.raises(ChangeNotAllowed):
        sale.void_line(2, "Erreur")
    assert not sale.line(2).voided


def test_remove_payment() -> None:
    sale = tv1()
    card, cash = Payment(Tender.CARD, 1000), Payment(Tender.CASH, 500)
    sale.add_payment(card)
    sale.add_payment(cash)
    assert sale.remove_payment(0) == card
    assert sale.payments == (cash,)


@pytest.mark.parametrize("index", [-1, 1, 5])
def test_remove_an_unknown_payment(index: int) -> None:
    sale = tv1()
    sale.add_payment(Payment(Tender.CASH, 100))
    with pytest.raises(LineNotFound) as excinfo:
        sale.remove_payment(index)
    assert_bilingual(excinfo)
    assert len(sale.payments) == 1


# ---------------------------------------------------------------- life cycle


def test_finalise_the_nf525_vector() -> None:
    sale = tv1()
    sale.add_payment(Payment(Tender.CASH, 1500))
    done = sale.finalise()
    assert sale.state is SaleState.CLOSED
    assert done.op is SaleOp.SALE
    assert done.change_cents == 90
    assert done.payments == (Payment(Tender.CASH, 1500),)
    assert done.totals.total_ttc_cents == 1410
    assert done.net_by_tender() == {Tender.CASH: 1410}


def test_finalise_refuses_an_underpaid_sale() -> None:
    sale = tv1()
    sale.add_payment(Payment(Tender.CASH, 1000))
    with pytest.raises(UnderPaid) as excinfo:
        sale.finalise()
    assert excinfo.value.missing_cents == 410
    assert "4,10 €" in excinfo.value.fr
    assert sale.state is SaleState.OPEN


def test_finalise_refuses_an_empty_sale() -> None:
    with pytest.raises(Refused) as excinfo:
        Sale().finalise()
    assert "vide" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_finalise_refuses_a_sale_whose_lines_are_all_voided() -> None:
    sale = Sale()
    sale.add_line(WINE, 1000)
    sale.void_line(1, "Erreur")
    with pytest.raises(Refused, match="vide"):
        sale.finalise()


def test_a_free_sale_needs_no_payment() -> None:
    gift = Product(sku="G", label="Échantillon", price_ttc_cents=0, vat_bp=2000)
    sale = Sale()
    sale.add_line(gift, 1000)
    assert sale.finalise().totals.total_ttc_cents == 0


def closed_or_cancelled_operations(sale: Sale) -> list[Callable[[], object]]:
    return [
        lambda: sale.add_line(WINE, 1000),
        lambda: sale.set_quantity(1, 3000),
        lambda: sale.void_line(1, "Erreur"),
        lambda: sale.set_line_discount(1, Discount.of_percent(500)),
        lambda: sale.set_ticket_discount(Discount.of_percent(500)),
        lambda: sale.override_price(1, 100, "Erreur"),
        lambda: sale.add_payment(Payment(Tender.CASH, 100)),
        lambda: sale.remove_payment(0),
        sale.finalise,
        sale.cancel,
    ]


@pytest.mark.parametrize("index", range(10))
def test_a_closed_sale_refuses_every_change(index: int) -> None:
    sale = tv1()
    sale.add_payment(Payment(Tender.CASH, 1500))
    sale.finalise()
    with pytest.raises(SaleNotOpen) as excinfo:
        closed_or_cancelled_operations(sale)[index]()
    assert "clôturée" in excinfo.value.fr
    assert_bilingual(excinfo)
    assert sale.totals.total_ttc_cents == 1410
    assert sale.payments == (Payment(Tender.CASH, 1500),)


@pytest.mark.parametrize("index", range(10))
def test_a_cancelled_sale_refuses_every_change(index: int) -> None:
    sale = tv1()
    sale.add_payment(Payment(Tender.CASH, 100))
    sale.cancel()
    assert sale.state is SaleState.CANCELLED
    with pytest.raises(SaleNotOpen) as excinfo:
        closed_or_cancelled_operations(sale)[index]()
    assert "annulée" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_reopen_a_sale_whose_record_was_not_committed() -> None:
    sale = tv1()
    sale.add_payment(Payment(Tender.CASH, 1500))
    sale.finalise()
    sale.reopen()
    assert sale.state is SaleState.OPEN
    sale.add_line(BAGUETTE, 1000)
    assert sale.totals.total_ttc_cents == 1515


@pytest.mark.parametrize("cancel", [False, True])
def test_only_a_closed_sale_can_be_reopened(cancel: bool) -> None:
    sale = tv1()
    if cancel:
        sale.cancel()
    with pytest.raises(SaleNotOpen) as excinfo:
        sale.reopen()
    assert_bilingual(excinfo)
    assert sale.state is (SaleState.CANCELLED if cancel else SaleState.OPEN)


def test_sales_compare_by_identity() -> None:
    assert tv1() != tv1()


# ---------------------------------------------------------------- refunds


def test_a_refund_sale() -> None:
    refund = Sale(op=SaleOp.REFUND)
    refund.add_line(BAGUETTE, -2000)
    refund.add_line(WINE, -1000)
    assert refund.totals.total_ttc_cents == -1410
    with pytest.raises(InvalidAmount):
        refund.add_payment(Payment(Tender.CASH, 1410))
    with pytest.raises(ChangeNotAllowed):
        refund.add_payment(Payment(Tender.CASH, -1500))
    refund.add_payment(Payment(Tender.CARD, -1000))
    with pytest.raises(UnderPaid) as excinfo:
        refund.finalise()
    assert excinfo.value.missing_cents == 410
    refund.add_payment(Payment(Tender.CASH, -410))
    done = refund.finalise()
    assert done.op is SaleOp.REFUND
    assert done.change_cents == 0
    assert done.totals.vat == [
        VatAmounts(550, -199, -11, -210),
        VatAmounts(2000, -1000, -200, -1200),
    ]
    assert done.net_by_tender() == {Tender.CARD: -1000, Tender.CASH: -410}


def test_voiding_every_refund_line_after_paying_out_is_refused() -> None:
    refund = Sale(op=SaleOp.REFUND)
    refund.add_line(WINE, -1000)
    refund.add_payment(Payment(Tender.CASH, -1200))
    with pytest.raises(ChangeNotAllowed):
        refund.void_line(1, "Erreur")


# ---------------------------------------------------------------- rebuilt from storage


def test_a_sale_rebuilt_from_storage_is_checked() -> None:
    returned = SaleLine(n=1, product=WINE, qty_milli=-1000, unit_ttc_cents=1200)
    sale = Sale(op="REFUND", state="OPEN", lines=[returned])  # type: ignore[arg-type]
    assert sale.op is SaleOp.REFUND
    assert sale.state is SaleState.OPEN
    assert sale.lines == (returned,)
    assert sale.totals.total_ttc_cents == -1200
    line = SaleLine(n=1, product=WINE, qty_milli=1000, unit_ttc_cents=1200)
    sale = Sale(id="S1", lines=(line,), payments=(Payment(Tender.CASH, 2000),))
    assert sale.settlement.change_cents == 800


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {"lines": (SaleLine(n=2, product=WINE, qty_milli=1000, unit_ttc_cents=1200),)},
            ValueError,
        ),
        (
            {"lines": (SaleLine(n=1, product=WINE, qty_milli=0, unit_ttc_cents=1200),)},
            InvalidQuantity,
        ),
        (
            {
                "lines": (SaleLine(n=1, product=WINE, qty_milli=1000, unit_ttc_cents=1200),),
                "payments": (Payment(Tender.CARD, 2000),),
            },
            ChangeNotAllowed,
        ),
        ({"state": "PAID"}, ValueError),
    ],
)
def test_a_broken_stored_sale_is_refused(fields: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        Sale(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- properties


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(products(), st.integers(1, 20_000), st.booleans()), min_size=1, max_size=30),
    st.integers(0, 100_000),
)
def test_a_sale_totals_its_active_lines_and_settles_in_cash(
    rung: list[tuple[Product, int, bool]], extra_cash: int
) -> None:
    sale = Sale()
    for product, qty, _ in rung:
        qty_milli = qty if product.unit is Unit.KG else qty // 1000 * 1000 or 1000
        sale.add_line(product, qty_milli)
    for n, (_, _, void) in enumerate(rung, start=1):
        if void:
            sale.void_line(n, "Erreur")
    kept = [line for line in sale.lines if not line.voided]
    expected = compute_ticket(
        [
            LineInput(
                n=k,
                sku=line.product.sku,
                label=line.product.label,
                vat_bp=line.product.vat_bp,
                unit=line.product.unit,
                qty_milli=line.qty_milli,
                unit_ttc_cents=line.product.price_ttc_cents,
            )
            for k, line in enumerate(kept, start=1)
        ]
    )
    assert sale.totals == expected
    assert len(sale.lines) == len(rung)
    if not kept:
        with pytest.raises(Refused):
            sale.finalise()
        return
    total = expected.total_ttc_cents
    if total + extra_cash > 0:
        sale.add_payment(Payment(Tender.CASH, total + extra_cash))
    done = sale.finalise()
    assert done.change_cents == extra_cash  # zero too when nothing was due nor tendered
    assert sum(done.net_by_tender().values()) == total
