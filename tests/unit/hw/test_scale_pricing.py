"""Price of weighed articles: grams × price per kg, rounded half away from zero to the cent."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caisse.domain import money
from hw.scales.pricing import round_half_away, weighed_price_cents

grams = st.integers(min_value=0, max_value=99_999)
prices = st.integers(min_value=0, max_value=999_999)


@pytest.mark.parametrize(
    ("g", "price", "expected"),
    [
        (532, 2490, 1325),  # 1324.68
        (850, 1299, 1104),  # hardware.md worked example: 11.0415 → 11.04
        (500, 1, 1),  # 0.5 → 1 (half away)
        (499, 1, 0),
        (1500, 1, 2),  # 1.5 → 2
        (2500, 1, 3),  # 2.5 → 3, not banker's 2
        (0, 2490, 0),
        (1000, 999_999, 999_999),
    ],
)
def test_known_prices(g, price, expected):
    assert weighed_price_cents(g, price) == expected


def test_negative_rounds_away_from_zero():
    assert round_half_away(-5, 2) == -3
    assert round_half_away(5, 2) == 3


def test_bad_denominator():
    with pytest.raises(ValueError, match="denominator"):
        round_half_away(1, 0)


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(1, 10**6))
def test_rounding_matches_exact_arithmetic(numerator, denominator):
    exact = Fraction(numerator, denominator)
    magnitude = int(abs(exact) + Fraction(1, 2))  # floor(|q| + 1/2)
    assert round_half_away(numerator, denominator) == (magnitude if exact >= 0 else -magnitude)


@given(st.integers(min_value=-(10**12), max_value=10**12), st.integers(1, 10**6))
def test_same_rounding_as_the_till(numerator, denominator):
    # the till's domain rounding and the hw copy must never disagree
    assert round_half_away(numerator, denominator) == money.round_half_away(numerator, denominator)


@given(grams, prices)
def test_price_is_decimal_half_up_of_the_exact_product(g, price):
    exact = Decimal(g * price) / Decimal(1000)
    assert weighed_price_cents(g, price) == int(exact.quantize(Decimal(1), ROUND_HALF_UP))


@given(grams, prices)
def test_price_within_half_a_cent(g, price):
    assert abs(Fraction(weighed_price_cents(g, price)) - Fraction(g * price, 1000)) <= Fraction(
        1, 2
    )


@given(grams, grams, prices)
def test_price_grows_with_weight(a, b, price):
    low, high = sorted((a, b))
    assert weighed_price_cents(low, price) <= weighed_price_cents(high, price)
