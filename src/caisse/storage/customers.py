"""The customer file kept at the till (migration 0009): personal data, outside the journal."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from caisse.services.ports import CustomerRecord

_COLS = "id, name, email, phone, notes, marketing_optin, created_at, updated_at"


def _record(row: Sequence[Any]) -> CustomerRecord:
    return CustomerRecord(
        id=str(row[0]),
        name=str(row[1]),
        email=row[2],
        phone=row[3],
        notes=str(row[4]),
        marketing_optin=bool(row[5]),
        created_at=str(row[6]),
        updated_at=str(row[7]),
    )


class SqlCustomerStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, customer_id: str) -> CustomerRecord | None:
        row = self._conn.execute(
            f"SELECT {_COLS} FROM customers WHERE id = ?",  # noqa: S608 - constant columns
            (customer_id,),
        ).fetchone()
        return None if row is None else _record(row)

    def put(self, customer: CustomerRecord) -> None:
        self._conn.execute(
            f"INSERT INTO customers ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email, "
            "phone = excluded.phone, notes = excluded.notes, "
            "marketing_optin = excluded.marketing_optin, updated_at = excluded.updated_at",
            (
                customer.id,
                customer.name,
                customer.email,
                customer.phone,
                customer.notes,
                int(customer.marketing_optin),
                customer.created_at,
                customer.updated_at,
            ),
        )

    def list(self, limit: int) -> list[CustomerRecord]:
        rows = self._conn.execute(
            f"SELECT {_COLS} FROM customers ORDER BY name, id LIMIT ?",  # noqa: S608
            (limit,),
        ).fetchall()
        return [_record(r) for r in rows]
