"""Alembic environment of the till database (SQLite)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, create_engine

from caisse.storage.schema import Base, include_in_schema_check

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    # note: render_as_batch lets later migrations alter SQLite tables (copy-and-move).
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        include_name=include_in_schema_check,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the connection the till hands over, or the URL of CAISSE_ALEMBIC_URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = os.environ.get("CAISSE_ALEMBIC_URL")
    if not url:
        raise SystemExit("CAISSE_ALEMBIC_URL is not set (e.g. sqlite:////tmp/check.db).")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline SQL generation is not supported for the till database.")
run_migrations_online()
