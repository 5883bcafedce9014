"""Storage errors, translated from SQLAlchemy and sqlite3 at this adapter.

Exception tree::

    CaisseError
    └── UserFacingError
        └── InvalidInput
            └── DatabaseUnusable     the file is not a usable till database
"""

from __future__ import annotations

from caisse.domain.errors import InvalidInput


class DatabaseUnusable(InvalidInput):
    """The database file cannot be opened, read or migrated."""

    def __init__(self, path: str) -> None:
        super().__init__(
            f"La base de données {path} est illisible ou corrompue : restaurez la dernière "
            "sauvegarde ou contactez le support.",
            f"The database {path} is unreadable or corrupt: restore the last backup or call "
            "support.",
        )
