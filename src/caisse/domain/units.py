"""The units a product is sold in, and how a quantity of each is counted in thousandths."""

from __future__ import annotations

import logging
from enum import StrEnum

logger = logging.getLogger(__name__)


class Unit(StrEnum):
    """How a product is counted; every quantity is an `int` in thousandths of the unit.

    `PIECE` quantities are thousandths of a piece (one piece is 1000) and `KG` quantities are
    thousandths of a kilogram, i.e. grams. The enum lives in its own module so that `money`
    (which parses quantities) and `catalog` (which imports `vat`, which imports `money`) do not
    import each other; `caisse.domain.catalog` re-exports it.
    """

    PIECE = "piece"
    KG = "kg"


MILLI_PER_UNIT = 1000
