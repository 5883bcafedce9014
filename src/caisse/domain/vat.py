"""French VAT: the dated rate table, HT/TVA/TTC breakdowns, and exact integer allocation."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from caisse.domain.errors import InvalidVatRate
from caisse.domain.money import NBSP, round_half_away

logger = logging.getLogger(__name__)

# note: rates are int basis points (2000 = 20 %). Prices are TTC, as French retail displays
# them, so the HT is derived from the TTC and the TVA is the difference: the TTC is what the
# customer pays and must never move by a rounding.

BP_PER_UNIT: Final = 10_000
"""Basis points in 100 %."""

TABLE_START: Final = date(2000, 4, 1)
"""The table starts when 19,6 % came into force; the till never records an earlier sale."""


@dataclass(frozen=True)
class VatRate:
    """One French VAT rate and the days it applies to.

    Attributes:
        rate_bp: the rate in basis points (550 = 5,5 %).
        label_fr: the rate's French name, as printed on receipts and closures.
        valid_from: the first day the rate applies.
        valid_to: the last day it applies (inclusive), or None while still in force.
    """

    rate_bp: int
    label_fr: str
    valid_from: date
    valid_to: date | None = None

    def in_force(self, on: date) -> bool:
        """Whether the rate applies to an operation made on that day."""
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)


# Metropolitan France only (CGI art. 278 and following). The 2014 reform (loi 2012-1510) moved
# 19,6 → 20 and 7 → 10; the 7 % intermediate rate itself was created on 2012-01-01 (loi
# 2011-1978), before which those goods were at 5,5 %. Corsica and overseas rates are not listed.
VAT_RATES: Final[tuple[VatRate, ...]] = (
    VatRate(0, "Exonéré", TABLE_START),
    VatRate(210, "Taux particulier", TABLE_START),
    VatRate(550, "Taux réduit", TABLE_START),
    VatRate(700, "Taux intermédiaire", date(2012, 1, 1), date(2013, 12, 31)),
    VatRate(1000, "Taux intermédiaire", date(2014, 1, 1)),
    VatRate(1960, "Taux normal", TABLE_START, date(2013, 12, 31)),
    VatRate(2000, "Taux normal", date(2014, 1, 1)),
)

KNOWN_RATES_BP: Final[frozenset[int]] = frozenset(rate.rate_bp for rate in VAT_RATES)
"""Every rate the table knows, whatever its dates (old tickets may still be refunded)."""


@dataclass(frozen=True)
class VatAmounts:
    """The VAT of one rate on a ticket or a closure: ``tva == ttc - ht`` always.

    Attributes:
        rate_bp: the rate in basis points.
        ht: the amount before tax, in cents.
        tva: the tax, in cents.
        ttc: the amount tax included, in cents.
    """

    rate_bp: int
    ht: int
    tva: int
    ttc: int


def format_rate(rate_bp: int) -> str:
    """French display of a rate: 2000 → "20 %", 550 → "5,5 %", 1960 → "19,6 %"."""
    whole, hundredths = divmod(rate_bp, 100)
    text = f"{whole},{hundredths:02d}".rstrip("0").rstrip(",")
    return f"{text}{NBSP}%"


def rates_in_force(on: date) -> tuple[VatRate, ...]:
    """The rates that apply on that day, ascending."""
    return tuple(sorted((r for r in VAT_RATES if r.in_force(on)), key=lambda r: r.rate_bp))


def check_rate(rate_bp: int, on: date) -> VatRate:
    """Return the table entry of a rate, checking that it applies on that day.

    Args:
        rate_bp: the rate in basis points.
        on: the day of the operation (the business date, not the UTC date).

    Returns:
        The table entry in force that day.

    Raises:
        InvalidVatRate: the rate does not exist in France, or not on that day.
    """
    entries = [r for r in VAT_RATES if r.rate_bp == rate_bp]
    if not entries:
        raise InvalidVatRate(
            f"Le taux de TVA {format_rate(rate_bp)} n'existe pas en France.",
            f"There is no {format_rate(rate_bp)} VAT rate in France.",
        )
    for entry in entries:
        if entry.in_force(on):
            return entry
    day_fr, day_en = on.strftime("%d/%m/%Y"), on.isoformat()
    raise InvalidVatRate(
        f"Le taux de TVA {format_rate(rate_bp)} n'est pas en vigueur le {day_fr}.",
        f"The {format_rate(rate_bp)} VAT rate is not in force on {day_en}.",
    )


def ht_from_ttc(ttc: int, rate_bp: int) -> int:
    """The amount before tax of a TTC amount, rounded half away from zero to the cent.

    Raises:
        ValueError: a negative rate (a programming error).
    """
    if rate_bp < 0:
        raise ValueError(f"rate_bp must be >= 0, got {rate_bp}")
    return round_half_away(ttc * BP_PER_UNIT, BP_PER_UNIT + rate_bp)


def vat_breakdown(pairs: Iterable[tuple[int, int]]) -> list[VatAmounts]:
    """Group TTC amounts per rate and split each rate's total into HT and TVA.

    The HT is computed once on each rate's total, not line by line, so the ticket's VAT is
    what the law asks (the tax on the total of each rate) and never drifts by a cent per line.
    Every rate present in the input appears, even when its total is zero.

    Args:
        pairs: ``(rate_bp, ttc_cents)`` for each line.

    Returns:
        One `VatAmounts` per rate, ascending by rate.
    """
    totals: dict[int, int] = {}
    for rate_bp, ttc in pairs:
        totals[rate_bp] = totals.get(rate_bp, 0) + ttc
    result = []
    for rate_bp in sorted(totals):
        ttc = totals[rate_bp]
        ht = ht_from_ttc(ttc, rate_bp)
        result.append(VatAmounts(rate_bp=rate_bp, ht=ht, tva=ttc - ht, ttc=ttc))
    return result


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split an integer amount in proportion to weights so that the parts sum exactly to it.

    Largest-remainder method: each part is the floor of its exact share, and the cents still
    missing go one each to the largest remainders, the lowest index first on a tie. Every part
    is therefore within one unit of its exact share ``total * w / sum(weights)``. Negative totals
    and negative weights are handled by symmetry, so ``allocate(-t, w) == -allocate(t, w)``
    exactly, which keeps a refund the exact mirror of its sale.

    Args:
        total: the amount to split.
        weights: one weight per part. When all are zero the total is split evenly, the
            remainder going to the first parts.

    Returns:
        One part per weight, in the same order, summing to `total`.

    Raises:
        ValueError: no weights for a non-zero total, or weights not all zero whose sum is zero
            for a non-zero total (no proportional split exists).
    """
    count = len(weights)
    weight_sum = sum(weights)
    if count == 0 or (weight_sum == 0 and any(weights)):
        if total == 0:
            return [0] * count
        raise ValueError(f"cannot split {total} in proportion to {list(weights)}")
    if weight_sum == 0:
        return _split_evenly(total, count)
    if weight_sum < 0:
        # note: the share total*w/sum is unchanged when every weight changes sign.
        return allocate(total, [-w for w in weights])
    if total < 0:
        return [-part for part in allocate(-total, weights)]
    parts: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        part, remainder = divmod(total * weight, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    shortfall = total - sum(parts)
    for index in sorted(range(count), key=lambda i: (-remainders[i], i))[:shortfall]:
        parts[index] += 1
    return parts


def _split_evenly(total: int, count: int) -> list[int]:
    """Equal parts, the remainder one each to the first parts, symmetric for negatives."""
    if total < 0:
        return [-part for part in _split_evenly(-total, count)]
    base, extra = divmod(total, count)
    return [base + 1] * extra + [base] * (count - extra)
