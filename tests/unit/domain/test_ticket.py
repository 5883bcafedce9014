"""`compute_ticket` on hand-checked tickets, and every way its inputs are refused."""

from __future__ import annotations

import pytest

from caisse.domain.catalog import Unit
from caisse.domain.errors import (
    DiscountNotAllowed,
    InvalidAmount,
    InvalidInput,
    InvalidQuantity,
    InvalidVatRate,
    Refused,
)
from caisse.domain.sale import Discount, LineInput, PriceOverride, compute_ticket
from caisse.domain.vat import VatAmounts
from tests.unit.domain.strategies import assert_bilingual


def line(
    n: int,
    qty_milli: int,
    unit_ttc_cents: int,
    vat_bp: int,
    *,
    unit: Unit = Unit.PIECE,
    discount: Discount | None = None,
    override: PriceOverride | None = None,
) -> LineInput:
    return LineInput(
        n=n,
        sku=f"S{n}",
        label=f"Article {n}",
        vat_bp=vat_bp,
        unit=unit,
        qty_milli=qty_milli,
        unit_ttc_cents=unit_ttc_cents,
        line_discount=discount,
        price_override=override,
    )


# ---------------------------------------------------------------- worked examples


def test_nf525_vector_tv1() -> None:
    # 2 × 1,05 € at 5,5 % and 12,00 € at 20 % (nf525.md §6.3, TV-1).
    totals = compute_ticket([line(1, 2000, 105, 550), line(2, 1000, 1200, 2000)])
    assert totals.vat == [
        VatAmounts(rate_bp=550, ht=199, tva=11, ttc=210),
        VatAmounts(rate_bp=2000, ht=1000, tva=200, ttc=1200),
    ]
    assert totals.total_ttc_cents == 1410
    assert totals.total_ht_cents == 1199
    assert totals.total_tva_cents == 211
    assert totals.ticket_discount_cents == 0
    first, second = totals.lines
    assert (first.gross_cents, first.line_ttc_cents, first.line_ht_cents) == (210, 210, 199)
    assert first.unit_ht_cents == 100  # 1,05 / 1,055 = 0,9953
    assert first.tva_cents == 11
    assert (second.gross_cents, second.line_ttc_cents, second.line_ht_cents) == (1200, 1200, 1000)
    assert second.unit_ht_cents == 1000


def test_computed_lines_carry_their_inputs() -> None:
    override = PriceOverride(from_cents=500, to_cents=400, reason="Date courte")
    discount = Discount.of_percent(1000)
    given = line(3, 2000, 400, 2000, discount=discount, override=override)
    (computed,) = compute_ticket([given]).lines
    assert (computed.n, computed.sku, computed.label) == (3, "S3", "Article 3")
    assert (computed.vat_bp, computed.unit, computed.qty_milli) == (2000, Unit.PIECE, 2000)
    assert computed.unit_ttc_cents == 400
    assert computed.line_discount == discount
    assert computed.price_override == override
    assert (computed.gross_cents, computed.discount_cents, computed.line_ttc_cents) == (
        800,
        80,
        720,
    )


def test_line_percent_discount_and_half_cent_ht() -> None:
    # 3 × 2,99 € = 8,97 €; 10 % is 0,897 → 0,90 €; 8,07 € / 1,2 = 6,725 → 6,73 € HT.
    totals = compute_ticket([line(1, 3000, 299, 2000, discount=Discount.of_percent(1000))])
    (computed,) = totals.lines
    assert (computed.gross_cents, computed.discount_cents, computed.line_ttc_cents) == (
        897,
        90,
        807,
    )
    assert totals.vat == [VatAmounts(2000, ht=673, tva=134, ttc=807)]
    assert computed.line_ht_cents == 673


def test_ticket_amount_discount_is_spread_in_proportion_to_the_lines() -> None:
    # 5,00 € off 10,00 € (20 %) + 30,00 € (5,5 %): 1,25 € and 3,75 €.
    totals = compute_ticket(
        [line(1, 1000, 1000, 2000), line(2, 1000, 3000, 550)], Discount.of_amount(500)
    )
    assert [li.ticket_discount_cents for li in totals.lines] == [125, 375]
    assert [li.line_ttc_cents for li in totals.lines] == [875, 2625]
    assert totals.vat == [
        VatAmounts(550, ht=2488, tva=137, ttc=2625),  # 26,25 / 1,055 = 24,8815
        VatAmounts(2000, ht=729, tva=146, ttc=875),  # 8,75 / 1,2 = 7,2917
    ]
    assert totals.ticket_discount_cents == 500
    assert totals.total_ttc_cents == 3500
    assert totals.total_ht_cents == 3217


def test_ticket_discount_remainder_and_ht_spread() -> None:
    # 1,00 € off three 1,00 € lines: 34 + 33 + 33 cents (remainder to the first line).
    # Then 2,00 € at 20 % is 1,6667 → 1,67 € HT, spread 55 + 56 + 56 over 66/67/67 cents.
    lines = [line(n, 1000, 100, 2000) for n in (1, 2, 3)]
    totals = compute_ticket(lines, Discount.of_amount(100))
    assert [li.ticket_discount_cents for li in totals.lines] == [34, 33, 33]
    assert [li.line_ttc_cents for li in totals.lines] == [66, 67, 67]
    assert totals.vat == [VatAmounts(2000, ht=167, tva=33, ttc=200)]
    assert [li.line_ht_cents for li in totals.lines] == [55, 56, 56]


def test_ticket_percent_discount_applies_after_line_discounts() -> None:
    # 20,00 € less 2,00 € on the line = 18,00 €; 10 % of that is 1,80 €.
    totals = compute_ticket(
        [line(1, 1000, 2000, 2000, discount=Discount.of_amount(200))], Discount.of_percent(1000)
    )
    (computed,) = totals.lines
    assert (computed.discount_cents, computed.ticket_discount_cents) == (200, 180)
    assert computed.total_discount_cents == 380
    assert computed.line_ttc_cents == 1620


def test_weighed_item() -> None:
    # 0,532 kg at 12,99 €/kg = 6,91068 → 6,91 €; 6,91 / 1,055 = 6,5498 → 6,55 € HT.
    totals = compute_ticket([line(1, 532, 1299, 550, unit=Unit.KG)])
    assert totals.lines[0].gross_cents == 691
    assert totals.vat == [VatAmounts(550, ht=655, tva=36, ttc=691)]


def test_weighed_item_rounds_half_cents_away_from_zero() -> None:
    # 0,250 kg at 3,98 €/kg = 0,995 € exactly → 1,00 €, and -1,00 € on the refund.
    assert compute_ticket([line(1, 250, 398, 550, unit=Unit.KG)]).total_ttc_cents == 100
    assert compute_ticket([line(1, -250, 398, 550, unit=Unit.KG)]).total_ttc_cents == -100


def test_unweighed_item_counts_for_nothing() -> None:
    totals = compute_ticket([line(1, 0, 1299, 550, unit=Unit.KG)])
    assert totals.total_ttc_cents == 0
    assert totals.vat == [VatAmounts(550, ht=0, tva=0, ttc=0)]


def test_refund_of_tv1_is_its_exact_negation() -> None:
    totals = compute_ticket([line(1, -2000, 105, 550), line(2, -1000, 1200, 2000)])
    assert totals.vat == [
        VatAmounts(rate_bp=550, ht=-199, tva=-11, ttc=-210),
        VatAmounts(rate_bp=2000, ht=-1000, tva=-200, ttc=-1200),
    ]
    assert (totals.total_ttc_cents, totals.total_ht_cents) == (-1410, -1199)


def test_refund_deducts_an_amount_discount_with_the_line_sign() -> None:
    sale = compute_ticket([line(1, 2000, 1000, 2000, discount=Discount.of_amount(300))])
    refund = compute_ticket([line(1, -2000, 1000, 2000, discount=Discount.of_amount(300))])
    assert sale.lines[0].discount_cents == 300
    assert refund.lines[0].discount_cents == -300
    assert (sale.total_ttc_cents, refund.total_ttc_cents) == (1700, -1700)


def test_a_discount_equal_to_the_amount_makes_the_line_free() -> None:
    totals = compute_ticket(
        [
            line(1, 1000, 1000, 2000, discount=Discount.of_amount(1000)),
            line(2, 1000, 500, 550, discount=Discount.of_percent(10_000)),
        ]
    )
    assert [li.line_ttc_cents for li in totals.lines] == [0, 0]
    assert totals.total_ttc_cents == 0


def test_empty_ticket() -> None:
    totals = compute_ticket([], Discount.of_percent(1000))
    assert (totals.lines, totals.vat, totals.total_ttc_cents, totals.total_ht_cents) == (
        (),
        [],
        0,
        0,
    )


# ---------------------------------------------------------------- refusals


def test_a_line_discount_larger_than_the_line_is_refused() -> None:
    with pytest.raises(DiscountNotAllowed) as excinfo:
        compute_ticket([line(1, 1000, 1000, 2000, discount=Discount.of_amount(1001))])
    assert "dépasse le montant" in excinfo.value.fr
    assert "10,01" in excinfo.value.fr
    assert isinstance(excinfo.value, Refused)
    assert_bilingual(excinfo)


def test_a_ticket_discount_larger_than_the_ticket_is_refused() -> None:
    lines = [line(1, 1000, 1000, 2000, discount=Discount.of_amount(500)), line(2, 1000, 200, 550)]
    assert compute_ticket(lines, Discount.of_amount(700)).total_ttc_cents == 0
    with pytest.raises(DiscountNotAllowed):
        compute_ticket(lines, Discount.of_amount(701))


def test_an_amount_discount_on_nothing_is_refused() -> None:
    with pytest.raises(DiscountNotAllowed):
        compute_ticket([], Discount.of_amount(1))
    with pytest.raises(DiscountNotAllowed):
        compute_ticket([line(1, 1000, 0, 2000, discount=Discount.of_amount(1))])


@pytest.mark.parametrize(
    ("fields", "french_words"),
    [
        ({}, "soit un pourcentage, soit un montant"),
        ({"percent_bp": 1000, "amount_cents": 100}, "soit un pourcentage, soit un montant"),
        ({"percent_bp": 0}, "entre 0 et 100"),
        ({"percent_bp": -500}, "entre 0 et 100"),
        ({"percent_bp": 10_001}, "entre 0 et 100"),
        ({"amount_cents": 0}, "positive"),
        ({"amount_cents": -100}, "positive"),
    ],
)
def test_malformed_discounts_are_refused(fields: dict[str, int], french_words: str) -> None:
    with pytest.raises(DiscountNotAllowed) as excinfo:
        Discount(**fields)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)


@pytest.mark.parametrize(
    ("gross", "discount", "expected"),
    [
        (897, Discount.of_percent(1000), 90),
        (-897, Discount.of_percent(1000), -90),
        (15, Discount.of_percent(1000), 2),  # 1,5 → 2
        (14, Discount.of_percent(1000), 1),
        (1000, Discount.of_percent(10_000), 1000),
        (1000, Discount.of_amount(250), 250),
        (-1000, Discount.of_amount(250), -250),
        (0, Discount.of_percent(5000), 0),
    ],
)
def test_discount_amount_for(gross: int, discount: Discount, expected: int) -> None:
    assert discount.amount_for(gross) == expected


@pytest.mark.parametrize(
    ("fields", "error", "french_words"),
    [
        ({"from_cents": -1, "to_cents": 100, "reason": "x"}, InvalidAmount, "négatif"),
        ({"from_cents": 100, "to_cents": -1, "reason": "x"}, InvalidAmount, "négatif"),
        ({"from_cents": 100, "to_cents": 100, "reason": "x"}, InvalidAmount, "identique"),
        ({"from_cents": 100, "to_cents": 90, "reason": "  "}, InvalidInput, "motif"),
    ],
)
def test_malformed_price_overrides_are_refused(
    fields: dict[str, object], error: type[Exception], french_words: str
) -> None:
    with pytest.raises(error) as excinfo:
        PriceOverride(**fields)  # type: ignore[arg-type]
    assert isinstance(excinfo.value, InvalidInput)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)  # type: ignore[arg-type]


def test_price_override_reason_is_cleaned() -> None:
    assert PriceOverride(500, 400, "  Date courte ").reason == "Date courte"


@pytest.mark.parametrize(
    ("fields", "error", "french_words"),
    [
        ({"qty_milli": 0}, InvalidQuantity, "ne peut pas être nulle"),
        ({"unit_ttc_cents": -1}, InvalidAmount, "ne peut pas être négatif"),
        ({"vat_bp": 1900}, InvalidVatRate, "taux de TVA inconnu"),
    ],
)
def test_line_inputs_are_checked(
    fields: dict[str, int], error: type[Exception], french_words: str
) -> None:
    values: dict[str, object] = {
        "n": 1,
        "sku": "S",
        "label": "Article",
        "vat_bp": 2000,
        "unit": Unit.PIECE,
        "qty_milli": 1000,
        "unit_ttc_cents": 100,
    }
    values.update(fields)
    with pytest.raises(error) as excinfo:
        LineInput(**values)  # type: ignore[arg-type]
    assert isinstance(excinfo.value, InvalidInput)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)  # type: ignore[arg-type]


def test_line_input_programming_errors() -> None:
    with pytest.raises(ValueError, match="start at 1"):
        line(0, 1000, 100, 2000)
    with pytest.raises(ValueError, match="override"):
        line(1, 1000, 100, 2000, override=PriceOverride(500, 400, "Date courte"))


def test_line_numbers_must_be_distinct() -> None:
    with pytest.raises(ValueError, match="distinct"):
        compute_ticket([line(1, 1000, 100, 2000), line(1, 1000, 200, 2000)])
