"""Integration tests: real SQLite files, alembic, real keys."""
