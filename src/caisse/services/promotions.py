"""The promotions the till holds, as the central server last sent them (read side).

The sync agent keeps the `promotions:{store}` scope in the till database; this is how the
rest of the till asks which promotions hold at a moment. Applying them to a sale is the
promotion engine's job, not written yet.
"""

from __future__ import annotations

from datetime import datetime

from caisse.services.ports import PromotionRecord, UnitOfWorkFactory


def active_promotions(uow: UnitOfWorkFactory, at: datetime) -> list[PromotionRecord]:
    """The promotions valid at `at` (from inclusive, until exclusive), by id.

    Raises:
        ValueError: `at` is a naive datetime (a promotion's window is in UTC instants).
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("active_promotions needs an aware datetime")
    with uow() as w:
        return w.promotions.active_at(at)
