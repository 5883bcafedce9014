"""The exception tree of the sync package (the wire protocol, the client and the server).

::

    SyncError (UserFacingError)        root of every sync error; French and English sentences
    ├── ProtocolError                  a request or answer breaks the wire protocol: carries the
    │                                  HTTP status and the stable error code of sync-protocol.md
    └── SyncUnavailable                the server could not be reached or answered garbage
                                       (network error, 5xx, truncated body): retry later

`ProtocolError` is raised by the server's parsers (and turned into the JSON error body) and by
the client when the server answers a 4xx, so both sides name a problem with the same code.
"""

from __future__ import annotations

from caisse.domain.errors import UserFacingError


class SyncError(UserFacingError):
    """Root of every error of the sync package."""


class ProtocolError(SyncError):
    """A request or an answer breaks the wire protocol.

    Attributes:
        status: the HTTP status that carries it (4xx).
        code: the stable error code (``bad_json``, ``fork``, ``replay``...).
        extra: further JSON members of the error body (``acked_gseq``...).
    """

    def __init__(
        self,
        status: int,
        code: str,
        fr: str,
        en: str,
        extra: dict[str, object] | None = None,
    ) -> None:
        super().__init__(fr, en)
        self.status = status
        self.code = code
        self.extra: dict[str, object] = dict(extra or {})

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.en}"


class SyncUnavailable(SyncError):
    """The server was unreachable, failed (5xx) or sent an unreadable answer: retry later."""
