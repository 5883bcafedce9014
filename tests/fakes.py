"""Hand-written fakes shared by the tests (architecture.md: Fake* live only in tests/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from caisse.services.errors import PrinterFailed
from caisse.services.ports import Receipt


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 3, 15, 13, 45, 2, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FailingSigner:
    """A signer whose key has become unusable."""

    kid = "broken"

    def sign(self, data: bytes) -> str:
        raise OSError("token removed")


class FakePrinter:
    """Records receipts, or fails like a printer out of paper."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.receipts: list[Receipt] = []

    def print_receipt(self, receipt: Receipt) -> None:
        if self.fail:
            raise PrinterFailed("plus de papier")
        self.receipts.append(receipt)
