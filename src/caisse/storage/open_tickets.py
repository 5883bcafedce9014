"""SQL adapters of the open tickets (being built or parked) and of the receipt e-mail queue.

Neither table is fiscal: an open ticket becomes a record only when it is finalised, in the
same transaction that deletes its row (so a crash can never offer to resume a sold ticket).
"""

from __future__ import annotations

import sqlite3

from caisse.services.ports import OpenTicketRecord

_COLS = (
    "id, status, operator_id, operator_name, created_at, updated_at, parked_at, items, "
    "total_cents, data"
)


class SqlOpenTicketStore:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def get(self, ticket_id: str) -> OpenTicketRecord | None:
        row = self._conn.execute(
            f"SELECT {_COLS} FROM open_tickets WHERE id = ?",  # noqa: S608 - constant columns
            (ticket_id,),
        ).fetchone()
        return None if row is None else OpenTicketRecord(*row)

    def put(self, record: OpenTicketRecord) -> None:
        self._conn.execute(
            f"INSERT INTO open_tickets ({_COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "  # noqa: S608
            "ON CONFLICT(id) DO UPDATE SET status = excluded.status, "
            "operator_id = excluded.operator_id, operator_name = excluded.operator_name, "
            "updated_at = excluded.updated_at, parked_at = excluded.parked_at, "
            "items = excluded.items, total_cents = excluded.total_cents, data = excluded.data",
            (
                record.id,
                record.status,
                record.operator_id,
                record.operator_name,
                record.created_at,
                record.updated_at,
                record.parked_at,
                record.items,
                record.total_cents,
                record.data,
            ),
        )

    def delete(self, ticket_id: str) -> bool:
        cursor = self._conn.execute("DELETE FROM open_tickets WHERE id = ?", (ticket_id,))
        return cursor.rowcount > 0

    def list(self, status: str) -> list[OpenTicketRecord]:
        rows = self._conn.execute(
            f"SELECT {_COLS} FROM open_tickets WHERE status = ? "  # noqa: S608 - constant columns
            "ORDER BY COALESCE(parked_at, created_at), id",
            (status,),
        ).fetchall()
        return [OpenTicketRecord(*row) for row in rows]


class SqlReceiptEmailQueue:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def add(self, gseq: int, ticket_no: str, address: str, queued_at: str) -> None:
        self._conn.execute(
            "INSERT INTO receipt_emails (gseq, ticket_no, address, queued_at, sent_at) "
            "VALUES (?, ?, ?, ?, NULL)",
            (gseq, ticket_no, address, queued_at),
        )

    def pending(self) -> list[tuple[int, str, str]]:
        rows = self._conn.execute(
            "SELECT gseq, ticket_no, address FROM receipt_emails WHERE sent_at IS NULL ORDER BY id"
        ).fetchall()
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    def mark_sent(self, gseq: int, address: str, sent_at: str) -> None:
        self._conn.execute(
            "UPDATE receipt_emails SET sent_at = ? "
            "WHERE gseq = ? AND address = ? AND sent_at IS NULL",
            (sent_at, gseq, address),
        )
