"""Hypothesis strategies and independent oracles shared by the domain tests."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import strategies as st

from caisse.domain.catalog import Product, Unit
from caisse.domain.errors import UserFacingError
from caisse.domain.sale import Discount, LineInput, PriceOverride
from caisse.domain.vat import KNOWN_RATES_BP

ALL_RATES = sorted(KNOWN_RATES_BP)


def rounded(value: Fraction) -> int:
    """Round half away from zero, computed on exact fractions (the oracle for the code)."""
    magnitude = math.floor(abs(value) + Fraction(1, 2))
    return magnitude if value >= 0 else -magnitude


def assert_bilingual(excinfo: pytest.ExceptionInfo[UserFacingError]) -> None:
    """A user-facing error carries a French and a distinct English sentence."""
    error = excinfo.value
    assert error.fr
    assert error.en
    assert error.fr != error.en
    assert error.message("fr") == error.fr
    assert error.message("en") == error.en


percent_discounts = st.integers(1, 10_000).map(Discount.of_percent)


@st.composite
def line_inputs(draw: st.DrawFn, n: int) -> LineInput:
    """A sale line (positive quantity): weighed or by the piece, maybe discounted/overridden."""
    unit = draw(st.sampled_from(Unit))
    if unit is Unit.KG:
        qty = draw(st.integers(1, 25_000))  # grams
    else:
        qty = draw(st.one_of(st.integers(1, 24).map(lambda k: k * 1000), st.integers(1, 24_000)))
    price = draw(st.integers(0, 200_000))
    # note: floor(qty*price/1000) never exceeds the rounded gross, so the amount fits.
    bound = qty * price // 1000
    amount = st.integers(1, bound).map(Discount.of_amount) if bound >= 1 else st.nothing()
    discount = draw(st.one_of(st.none(), percent_discounts, amount))
    override = None
    if draw(st.booleans()):
        override = PriceOverride(
            from_cents=price + draw(st.integers(1, 5_000)), to_cents=price, reason="Geste"
        )
    return LineInput(
        n=n,
        sku=f"SKU{n}",
        label=f"Article {n}",
        vat_bp=draw(st.sampled_from(ALL_RATES)),
        unit=unit,
        qty_milli=qty,
        unit_ttc_cents=price,
        line_discount=discount,
        price_override=override,
    )


@st.composite
def tickets(draw: st.DrawFn, max_lines: int = 30) -> list[LineInput]:
    """1 to `max_lines` sale lines numbered 1..k."""
    count = draw(st.integers(1, max_lines))
    return [draw(line_inputs(n)) for n in range(1, count + 1)]


def negated(lines: list[LineInput]) -> list[LineInput]:
    """The refund of a whole ticket: the same lines with their quantities negated."""
    return [
        LineInput(
            n=line.n,
            sku=line.sku,
            label=line.label,
            vat_bp=line.vat_bp,
            unit=line.unit,
            qty_milli=-line.qty_milli,
            unit_ttc_cents=line.unit_ttc_cents,
            line_discount=line.line_discount,
            price_override=line.price_override,
        )
        for line in lines
    ]


@st.composite
def products(draw: st.DrawFn) -> Product:
    """A sellable product, by the piece or by weight."""
    index = draw(st.integers(1, 10_000))
    return Product(
        sku=f"P{index}",
        label=f"Produit {index}",
        price_ttc_cents=draw(st.integers(0, 50_000)),
        vat_bp=draw(st.sampled_from([0, 210, 550, 1000, 2000])),
        unit=draw(st.sampled_from(Unit)),
    )
