"""Deletes purged journal rows and their projections (port `caisse.services.purge.PurgeStore`).

The journal's append-only trigger (migration 0001) refuses every DELETE. A purge lifts it for
its own statement only: DROP TRIGGER, DELETE, CREATE TRIGGER again, all inside the caller's
BEGIN IMMEDIATE transaction, so that a failure anywhere rolls the trigger back with the rows
and no other connection ever sees the journal without it (SQLite DDL is transactional).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Final

NO_DELETE_TRIGGER: Final = (
    "CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal "
    "BEGIN SELECT RAISE(ABORT, 'journal rows are append-only'); END"
)
"""Exactly the trigger of migration 0001."""

_PROJECTIONS: Final = (
    "DELETE FROM sale_lines WHERE sale_gseq IN (SELECT gseq FROM temp.purge_gseq)",
    "DELETE FROM sale_payments WHERE sale_gseq IN (SELECT gseq FROM temp.purge_gseq)",
    "DELETE FROM sales WHERE gseq IN (SELECT gseq FROM temp.purge_gseq)",
    "DELETE FROM duplicates WHERE gseq IN (SELECT gseq FROM temp.purge_gseq)",
    "DELETE FROM receipt_emails WHERE gseq IN (SELECT gseq FROM temp.purge_gseq)",
    "DELETE FROM cash_movements WHERE gseq IN (SELECT gseq FROM temp.purge_gseq)",
    "DELETE FROM cash_sessions WHERE opened_gseq IN (SELECT gseq FROM temp.purge_gseq)",
)


class SqlPurgeStore:
    """Purge statements on the unit of work's connection (inside its transaction)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def delete_records(self, gseqs: Sequence[int]) -> int:
        """Delete those journal rows and the projection rows that refer to them."""
        if not gseqs:
            return 0
        conn = self._conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS purge_gseq (gseq INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM temp.purge_gseq")
        conn.executemany("INSERT INTO temp.purge_gseq (gseq) VALUES (?)", ((g,) for g in gseqs))
        for statement in _PROJECTIONS:
            conn.execute(statement)
        conn.execute("DROP TRIGGER journal_no_delete")
        deleted = conn.execute(
            "DELETE FROM journal WHERE gseq IN (SELECT gseq FROM temp.purge_gseq)"
        ).rowcount
        conn.execute(NO_DELETE_TRIGGER)
        conn.execute("DELETE FROM temp.purge_gseq")
        return int(deleted)
