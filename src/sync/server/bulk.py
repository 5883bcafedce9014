"""Many rows in one round trip, inside the caller's transaction.

A push of 500 records writes about 1,500 rows (records and sale lines). Sent row by row, even
pipelined, they cost more than the verifier itself on PostgreSQL; ``COPY ... FROM STDIN`` on
the transaction's own connection sends them as one stream. SQLite has no round trips, so its
``executemany`` stays, with plain tuples (no per-row SQLAlchemy parameter processing: the
columns written here are strings, integers, booleans and bytes, which sqlite3 binds as is).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(
    conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """Insert `rows` (tuples of values in the order of `columns`) into `table`.

    A conflicting row fails the whole statement, and with it the caller's transaction, as a
    plain ``INSERT`` would.
    """
    unknown = [name for name in columns if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
    names = ", ".join(f'"{name}"' for name in columns)
    if conn.dialect.name == "postgresql":
        driver: Any = conn.connection.driver_connection  # the transaction's psycopg connection
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    batch = [tuple(row) for row in rows]
    if batch:
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(
            # note: the names are the table's own columns (checked above), never user input
            f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',  # noqa: S608
            batch,
        )
