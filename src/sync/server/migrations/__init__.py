"""Alembic migrations of the central server schema (separate from the till's)."""
