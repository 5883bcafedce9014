"""Price of a weighed article: grams × price per kg, rounded half away from zero to the cent."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)

GRAMS_PER_KG = 1000


def round_half_away(numerator: int, denominator: int) -> int:
    """Divide and round to the nearest integer, halves away from zero (2,5 → 3; -2,5 → -3).

    The same rounding as `caisse.domain.money.round_half_away`, restated here because `hw`
    never imports `caisse`.

    Args:
        numerator: any integer.
        denominator: a strictly positive integer.

    Returns:
        `numerator / denominator` rounded half away from zero.

    Raises:
        ValueError: the denominator is zero or negative (a programming error).
    """
    if denominator <= 0:
        raise ValueError(f"denominator must be > 0, got {denominator}")
    if numerator < 0:
        return -round_half_away(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


def weighed_price_cents(grams: int, price_per_kg_cents: int) -> int:
    """The price to pay for `grams` at `price_per_kg_cents`, to the cent.

    Example: 532 g of Comté at 24,90 €/kg → 532 × 2490 / 1000 = 1324,68 → 13,25 €.
    """
    return round_half_away(grams * price_per_kg_cents, GRAMS_PER_KG)
