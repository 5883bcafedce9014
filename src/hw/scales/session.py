"""The weighing rules of a sale: stable weight only, shown before use, never registered twice.

French metrology (hardware.md §3.1) refuses a connected POS that lets the same weighing be
registered twice without the load being lifted. `WeighingSession` is the pure rule object that
the service layer drives: every reading shown to the cashier and the customer goes through
`show()`, and `register()` accepts only the reading last shown, stable and in range, and only
once per load: the load must change or go back to zero before the next registration.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from hw.errors import (
    BelowMinimum,
    OverCapacity,
    ProtocolError,
    SameWeighing,
    ScaleFault,
    UnderZero,
    UnstableWeight,
    WeightNotShown,
)
from hw.ports import ScaleReading, Weight, WeightStatus
from hw.scales.pricing import GRAMS_PER_KG, round_half_away

logger = logging.getLogger(__name__)

MAX_UNIT_PRICE_CENTS = 999_999  # the 6 digits of the Dialog 06 unit price


@dataclass(frozen=True, slots=True)
class WeighedItem:
    """A registered weighing: exactly what the ticket prints.

    Args:
        grams: net weight.
        tare_grams: tare known to the driver, else 0.
        unit_price_cents: price per kg.
        price_cents: price to pay.
        priced_by_scale: the price comes from a price-computing scale and is printed as returned.
    """

    grams: int
    tare_grams: int
    unit_price_cents: int
    price_cents: int
    priced_by_scale: bool = False


def fault_of(reading: ScaleReading) -> ScaleFault | None:
    """The error that forbids using `reading` in a sale, or None when it is usable."""
    status = reading.status
    if status is WeightStatus.STABLE:
        return None
    if status is WeightStatus.ZERO:
        return BelowMinimum("nothing on the scale", fr="Aucun article sur la balance.")
    if status is WeightStatus.UNDER_LOAD:
        return BelowMinimum(f"{reading.grams} g is below the scale's minimum")
    if status is WeightStatus.MOTION:
        return UnstableWeight("the load is moving")
    if status is WeightStatus.UNDER_ZERO:
        return UnderZero("negative weight")
    if status is WeightStatus.OVER_CAPACITY:
        return OverCapacity("over capacity")
    return SameWeighing("the scale saw no movement since its last weighing")


def require_usable(reading: ScaleReading) -> Weight:
    """The `Weight` of a usable reading.

    Raises:
        UnstableWeight, UnderZero, OverCapacity, BelowMinimum, SameWeighing: not usable.
    """
    fault = fault_of(reading)
    if fault is not None:
        raise fault
    return Weight(grams=reading.grams, tare_grams=reading.tare_grams)


class WeighingSession:
    """Remembers what was shown and registered, for the weighings of one till.

    Args:
        rounding: `(numerator, denominator) -> int`, half away from zero; the caller may pass
            the domain's own function so that the till and the scale round identically.
    """

    def __init__(self, *, rounding: Callable[[int, int], int] = round_half_away) -> None:
        self._rounding = rounding
        self._shown: ScaleReading | None = None
        self._last_registered: int | None = None
        self._armed = True

    @property
    def shown(self) -> ScaleReading | None:
        """The reading last shown, if any."""
        return self._shown

    @property
    def armed(self) -> bool:
        """True when the next usable reading may be registered (no pending same-load block)."""
        return self._armed

    def show(self, reading: ScaleReading) -> ScaleReading:
        """Record that `reading` is now displayed; returns it.

        The load counts as new (the block on registering again is lifted) when the scale is
        seen at zero or below, when a stable weight different from the last registered one is
        seen, or when a price-computing scale vouches for a new weighing (`fresh`).
        """
        self._shown = reading
        if not self._armed and self._is_new_load(reading):
            self._armed = True
            logger.debug(
                "new load seen (%s, %d g): weighing allowed", reading.status, reading.grams
            )
        return reading

    def _is_new_load(self, reading: ScaleReading) -> bool:
        status = reading.status
        if status in (WeightStatus.ZERO, WeightStatus.UNDER_ZERO):
            return True
        if status is WeightStatus.STABLE and reading.fresh:
            return True
        return reading.stable and reading.grams != self._last_registered

    def check(self, reading: ScaleReading) -> Weight:
        """What `register()` would accept, without registering.

        Raises:
            WeightNotShown: `reading` is not the reading last shown.
            UnstableWeight, UnderZero, OverCapacity, BelowMinimum: the reading is not usable.
            SameWeighing: this load was already registered.
        """
        if self._shown is None or reading != self._shown:
            raise WeightNotShown("register only the reading last shown")
        weight = require_usable(reading)
        if not self._armed:
            raise SameWeighing(f"{reading.grams} g already registered; lift the load first")
        return weight

    def register(self, reading: ScaleReading, unit_price_cents: int) -> WeighedItem:
        """Use `reading` for a sale line at `unit_price_cents` per kg.

        A price-computing scale's price is taken as returned; otherwise the price is
        grams × unit price / 1000, rounded half away from zero to the cent.

        Raises:
            ValueError: a negative or too large unit price.
            WeightNotShown: `reading` is not the reading last shown.
            UnstableWeight, UnderZero, OverCapacity, BelowMinimum: the reading is not usable.
            SameWeighing: this load was already registered.
            ProtocolError: the scale priced the weighing at another unit price.
        """
        if not 0 <= unit_price_cents <= MAX_UNIT_PRICE_CENTS:
            raise ValueError(f"unit price out of range: {unit_price_cents}")
        weight = self.check(reading)
        if reading.price_cents is not None:
            if reading.unit_price_cents != unit_price_cents:
                raise ProtocolError(
                    f"scale priced at {reading.unit_price_cents} c/kg, "
                    f"the article is at {unit_price_cents}"
                )
            item = WeighedItem(
                weight.grams, weight.tare_grams, unit_price_cents, reading.price_cents, True
            )
        else:
            price = self._rounding(weight.grams * unit_price_cents, GRAMS_PER_KG)
            item = WeighedItem(weight.grams, weight.tare_grams, unit_price_cents, price)
        self._last_registered = weight.grams
        self._armed = False
        logger.info("weighing registered: %d g at %d c/kg", weight.grams, unit_price_cents)
        return item

    def release(self) -> None:
        """The registered weighing was voided: the load on the pan may be registered again."""
        self._armed = True
