"""Alembic environment of the central server database (PostgreSQL or SQLite)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from sync.server.db import make_engine
from sync.server.schema import metadata

target_metadata = metadata


def _run(connection: Connection) -> None:
    # note: render_as_batch lets later migrations alter SQLite tables (copy-and-move).
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a connection handed over in the config, or the config's URL."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no sqlalchemy.url for the server migrations")
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline SQL generation is not supported for the server database.")
run_migrations_online()
