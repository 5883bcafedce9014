"""Money as `int` cents: rounding, French formatting, parsing of typed amounts and quantities."""

from __future__ import annotations

import logging
import re
from typing import Final

from caisse.domain.errors import InvalidAmount, InvalidQuantity
from caisse.domain.units import MILLI_PER_UNIT, Unit

logger = logging.getLogger(__name__)

# note: there is deliberately no Money class. Every amount in the domain, the journal body and
# the storage is an int number of euro cents, so values cross every boundary unchanged and a
# float never appears.

NBSP: Final = "\u00a0"
"""No-break space, between the amount and the euro sign (French typography, CLDR `fr`)."""

NNBSP: Final = "\u202f"
"""Narrow no-break space, the French thousands separator (CLDR `fr`)."""

MAX_EUR_DIGITS: Final = 9
"""Most digits accepted before the decimal separator: up to 999 999 999,99 €."""

MAX_QUANTITY_DIGITS: Final = 6
"""Most digits accepted before the decimal separator of a quantity: up to 999 999 units."""

# Thousands may be grouped with any of the spaces a keyboard, a copy-paste or `format_eur`
# produce, but only in real groups of three so that "12 34" is not silently read as 1 234.
_SPACES = f" {NBSP}{NNBSP}"
_AMOUNT_RE: Final = re.compile(
    rf"(?P<sign>[-\u2212])?"
    rf"(?P<int>[0-9]{{1,3}}(?:[{_SPACES}][0-9]{{3}})+|[0-9]+)"
    rf"(?:[.,](?P<dec>[0-9]+))?"
)
_QUANTITY_RE: Final = re.compile(r"(?P<int>[0-9]+)(?:[.,](?P<dec>[0-9]+))?")


def round_half_away(numerator: int, denominator: int) -> int:
    """Divide and round to the nearest integer, halves away from zero.

    This is the rounding of the French tax administration and of every receipt: 2,5 → 3 and
    -2,5 → -3, so a refund rounds to exactly the opposite of the sale it reverses.

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


def format_eur(cents: int) -> str:
    """Format cents the French way: ``1 234,50 €`` and ``-12,50 €``.

    Thousands are separated by a narrow no-break space (U+202F) and the euro sign follows a
    no-break space (U+00A0), as CLDR `fr` does, so a receipt line never breaks inside an amount.
    """
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", NNBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


def parse_eur(text: str, *, allow_negative: bool = False) -> int:
    """Parse an amount typed in euros into cents.

    Accepts "12", "12,5", "12,50", "12.50", "1 234,50" (thousands grouped by any space) and an
    optional trailing "€"; the output of `format_eur` parses back to the same cents.

    Args:
        text: the amount as typed.
        allow_negative: accept a leading minus sign (cash out, corrections).

    Returns:
        The amount in cents.

    Raises:
        InvalidAmount: empty text, letters, more than two decimals, a misplaced separator, a
            minus sign where it is not allowed, or more than `MAX_EUR_DIGITS` euro digits.
    """
    shown = text.strip()
    body = shown.removesuffix("€").strip()
    if not body:
        raise InvalidAmount("Le montant est vide.", "The amount is empty.")
    match = _AMOUNT_RE.fullmatch(body)
    if match is None:
        raise InvalidAmount(
            f"« {shown} » n'est pas un montant valide : tapez par exemple 12,50.",
            f"'{shown}' is not a valid amount: type for example 12.50.",
        )
    decimals = match["dec"] or ""
    if len(decimals) > 2:
        raise InvalidAmount(
            f"« {shown} » n'est pas un montant valide : deux décimales au plus.",
            f"'{shown}' is not a valid amount: two decimals at most.",
        )
    if match["sign"] and not allow_negative:
        raise InvalidAmount(
            f"Le montant « {shown} » ne peut pas être négatif.",
            f"The amount '{shown}' cannot be negative.",
        )
    euro_digits = re.sub(f"[{_SPACES}]", "", match["int"])
    if len(euro_digits.lstrip("0")) > MAX_EUR_DIGITS:
        raise InvalidAmount(
            f"Le montant « {shown} » est trop grand.",
            f"The amount '{shown}' is too large.",
        )
    cents = int(euro_digits) * 100 + int(decimals.ljust(2, "0"))
    return -cents if match["sign"] else cents


def parse_quantity(text: str, unit: Unit) -> int:
    """Parse a quantity typed by the cashier into thousandths of the unit.

    Pieces are whole numbers ("3" → 3000): a fraction of a piece typed at the till is far more
    likely a slip than a real sale. Weights are kilograms with at most three decimals, the gram
    ("0,532" or "0.532" → 532).

    Args:
        text: the quantity as typed, strictly positive (a refund negates it afterwards).
        unit: the unit the product is sold in.

    Returns:
        The quantity in thousandths of `unit`.

    Raises:
        InvalidQuantity: empty, not a number, a decimal piece count, more than three decimals
            for a weight, zero, or more than `MAX_QUANTITY_DIGITS` digits.
    """
    shown = text.strip()
    if not shown:
        raise InvalidQuantity("La quantité est vide.", "The quantity is empty.")
    match = _QUANTITY_RE.fullmatch(shown)
    if match is None:
        raise InvalidQuantity(
            f"« {shown} » n'est pas une quantité valide.",
            f"'{shown}' is not a valid quantity.",
        )
    decimals = match["dec"]
    if unit is Unit.PIECE and decimals is not None:
        raise InvalidQuantity(
            f"« {shown} » n'est pas un nombre entier de pièces.",
            f"'{shown}' is not a whole number of pieces.",
        )
    if decimals is not None and len(decimals) > 3:
        raise InvalidQuantity(
            f"« {shown} » a trop de décimales : le poids se tape au gramme près (0,532).",
            f"'{shown}' has too many decimals: weights are typed to the gram (0.532).",
        )
    if len(match["int"].lstrip("0")) > MAX_QUANTITY_DIGITS:
        raise InvalidQuantity(
            f"La quantité « {shown} » est trop grande.",
            f"The quantity '{shown}' is too large.",
        )
    milli = int(match["int"]) * MILLI_PER_UNIT + int((decimals or "").ljust(3, "0"))
    if milli == 0:
        raise InvalidQuantity(
            "La quantité doit être supérieure à zéro.",
            "The quantity must be greater than zero.",
        )
    return milli
