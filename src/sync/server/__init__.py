"""The central server: an ASGI app over SQLAlchemy 2 (PostgreSQL, or SQLite for one shop)."""
