"""The promotions pulled from the central server, in the till's `promotions` table (0008).

The sync agent writes them, page by page, in the transaction that moves the scope's cursor
(`SqlSyncStore.apply`); the till reads them through `caisse.services.promotions`.

Validity bounds travel as ISO 8601 instants with an offset (``Z`` or ``+01:00``). They are
kept in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (fixed width, so text order is time order and the
active query is a plain comparison): `valid_from` is rounded up to the second and
`valid_until` down, so that the till never treats a promotion as valid outside the window the
server gave.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from caisse.services.ports import PromotionRecord

logger = logging.getLogger(__name__)

_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_COLS = "id, version, label, valid_from, valid_until, data"


class BadPromotion(ValueError):
    """A promotion's payload the till cannot read (a bound that is not an instant...)."""


def utc_text(moment: datetime, *, round_up: bool = False) -> str:
    """`moment` (aware) as stored: UTC, to the second (truncated, or rounded up)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    utc = moment.astimezone(UTC)
    if round_up and utc.microsecond:
        utc += timedelta(seconds=1)
    if not 1000 <= utc.year <= 9999:
        # note: %Y writes fewer than 4 digits before year 1000: text order would break
        raise ValueError("year out of range")
    return utc.strftime(_FORMAT)


def _bound(data: Mapping[str, Any], name: str, *, round_up: bool) -> str | None:
    value = data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadPromotion(f"{name} is not a string")
    try:
        # note: Python 3.11's fromisoformat reads "Z"; the replace keeps 3.10-style inputs too
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadPromotion(f"{name} {value!r} is not an ISO 8601 instant") from exc
    if moment.tzinfo is None:
        # note: a bare date or local time is ambiguous (which time zone? is the end day
        # included?); the protocol asks for an instant with its offset.
        raise BadPromotion(f"{name} {value!r} has no UTC offset")
    try:
        return utc_text(moment, round_up=round_up)
    except (ValueError, OverflowError) as exc:
        raise BadPromotion(f"{name} {value!r} is out of range") from exc


def promotion_row(promo_id: str, version: int, data: Mapping[str, Any]) -> tuple[Any, ...]:
    """The row of one pulled promotion.

    Raises:
        BadPromotion: a validity bound that is not an instant with an offset.
    """
    return (
        promo_id,
        version,
        str(data.get("label") or promo_id),
        _bound(data, "valid_from", round_up=True),
        _bound(data, "valid_until", round_up=False),
        json.dumps(dict(data), ensure_ascii=False, sort_keys=True),
    )


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, _FORMAT).replace(tzinfo=UTC)


def _record(row: tuple[Any, ...]) -> PromotionRecord:
    data = json.loads(row[5])
    return PromotionRecord(
        str(row[0]),
        int(row[1]),
        str(row[2]),
        _parse(row[3]),
        _parse(row[4]),
        data if isinstance(data, dict) else {},
    )


class SqlPromotionStore:
    """The `promotions` table on one DBAPI connection (the caller holds the transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    # ------------------------------------------------------------------ written by the pull
    def put(self, promo_id: str, version: int, data: Mapping[str, Any]) -> bool:
        """Insert or replace a promotion; False when its payload cannot be read.

        note: an unreadable promotion also removes the version the till had: the server
        replaced it, and applying an outdated promotion would be worse than none. The cursor
        still moves (the page is not retried forever); the server's next version comes in.
        """
        try:
            row = promotion_row(promo_id, version, data)
        except BadPromotion as exc:
            logger.warning("promotion %s (version %d) ignored: %s", promo_id, version, exc)
            self.delete(promo_id)
            return False
        self._conn.execute(
            f"INSERT INTO promotions ({_COLS}) VALUES (?, ?, ?, ?, ?, ?) "  # noqa: S608 - constant
            "ON CONFLICT(id) DO UPDATE SET version = excluded.version, label = excluded.label, "
            "valid_from = excluded.valid_from, valid_until = excluded.valid_until, "
            "data = excluded.data",
            row,
        )
        return True

    def delete(self, promo_id: str) -> None:
        self._conn.execute("DELETE FROM promotions WHERE id = ?", (promo_id,))

    def clear(self) -> None:
        """Forget every promotion (the scope is reset and pulled again from 0)."""
        self._conn.execute("DELETE FROM promotions")

    # ------------------------------------------------------------------ read by the till
    def get(self, promo_id: str) -> PromotionRecord | None:
        row = self._conn.execute(
            f"SELECT {_COLS} FROM promotions WHERE id = ?",  # noqa: S608 - constant columns
            (promo_id,),
        ).fetchone()
        return None if row is None else _record(row)

    def list_all(self) -> list[PromotionRecord]:
        rows = self._conn.execute(
            f"SELECT {_COLS} FROM promotions ORDER BY id"  # noqa: S608 - constant columns
        ).fetchall()
        return [_record(r) for r in rows]

    def active_at(self, moment: datetime) -> list[PromotionRecord]:
        at = utc_text(moment)
        rows = self._conn.execute(
            f"SELECT {_COLS} FROM promotions "  # noqa: S608 - constant columns
            "WHERE (valid_from IS NULL OR valid_from <= ?) "
            "AND (valid_until IS NULL OR valid_until > ?) ORDER BY id",
            (at, at),
        ).fetchall()
        return [_record(r) for r in rows]
