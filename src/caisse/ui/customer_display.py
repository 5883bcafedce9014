"""The customer display: a second top-level window, and the feed that drives every display.

`CustomerDisplayWindow` implements the customer-display port of the peripherals
(`hw.ports.SaleDisplay`: welcome, item, weighing, amount due, change, thank you) with Qt
widgets, for a second screen turned to the customer. `CustomerDisplayFeed` turns the sale
screen's snapshots into those calls and sends them to every display of the till (this
window, a pole display through its device worker), so both show the same thing.

Object names: ``customer.window``, ``customer.top`` (first line), ``customer.bottom`` (second
line), ``customer.total``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from caisse.domain.money import format_eur
from caisse.ui.i18n import tr

logger = logging.getLogger(__name__)

CUSTOMER_WINDOW_SIZE = (800, 480)


class SaleDisplay(Protocol):
    """The customer-display port (the same methods as `hw.ports.SaleDisplay`)."""

    def welcome(self) -> None: ...

    def item(self, label: str, amount_cents: int, total_cents: int) -> None: ...

    def weighing(self, label: str, grams: int, unit_price_cents: int, price_cents: int) -> None: ...

    def amount_due(self, cents: int) -> None: ...

    def change(self, cents: int, paid_cents: int | None = None) -> None: ...

    def thank_you(self) -> None: ...

    def close(self) -> object:
        """Release the display (a Qt window's `close()` returns a bool, hence `object`)."""
        ...


def _kg(grams: int) -> str:
    return f"{grams / 1000:.3f}".replace(".", ",") + "\u00a0kg"


class CustomerDisplayWindow(QWidget):
    """Big, plain text for the customer: the last line, the total, the change, thank you."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("customer.window")
        self.setWindowTitle(tr("Afficheur client"))
        self.setStyleSheet(
            "QWidget#customer\\.window { background: #0d1b2a; }"
            "QLabel { color: #ffffff; background: transparent; }"
            "QLabel#customer\\.top { font-size: 34px; font-weight: 600; }"
            "QLabel#customer\\.bottom { font-size: 30px; }"
            "QLabel#customer\\.total { font-size: 72px; font-weight: 800; color: #ffd24d; }"
        )
        self.top = QLabel("")
        self.top.setObjectName("customer.top")
        self.top.setWordWrap(True)
        self.bottom = QLabel("")
        self.bottom.setObjectName("customer.bottom")
        self.bottom.setWordWrap(True)
        self.total = QLabel("")
        self.total.setObjectName("customer.total")
        for label in (self.top, self.bottom, self.total):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 32, 32, 32)
        layout.addStretch(1)
        layout.addWidget(self.top)
        layout.addWidget(self.bottom)
        layout.addSpacing(16)
        layout.addWidget(self.total)
        layout.addStretch(1)
        self.resize(*CUSTOMER_WINDOW_SIZE)
        self.welcome()

    def _show(self, top: str, bottom: str = "", total: str = "") -> None:
        self.top.setText(top)
        self.bottom.setText(bottom)
        self.total.setText(total)

    def lines(self) -> list[str]:
        """The texts on screen, top to bottom (for tests and the screenshot)."""
        return [self.top.text(), self.bottom.text(), self.total.text()]

    def welcome(self) -> None:
        self._show(tr("Bonjour"), tr("Bienvenue !"))

    def item(self, label: str, amount_cents: int, total_cents: int) -> None:
        self._show(
            f"{label}  {format_eur(amount_cents)}",
            tr("Total"),
            format_eur(total_cents),
        )

    def weighing(self, label: str, grams: int, unit_price_cents: int, price_cents: int) -> None:
        self._show(
            label,
            f"{_kg(grams)} × {format_eur(unit_price_cents)}/kg",
            format_eur(price_cents),
        )

    def amount_due(self, cents: int) -> None:
        self._show(tr("À payer"), "", format_eur(cents))

    def change(self, cents: int, paid_cents: int | None = None) -> None:
        paid = (
            ""
            if paid_cents is None
            else tr("Reçu : {amount}").format(amount=format_eur(paid_cents))
        )
        self._show(tr("Rendu"), paid, format_eur(cents))

    def thank_you(self) -> None:
        if self.top.text() == tr("Rendu"):
            self.bottom.setText(tr("Merci et à bientôt !"))  # the change stays in view
        else:
            self._show(tr("Merci !"), tr("À bientôt"))

    def close(self) -> bool:
        """Close the window (QWidget.close; also the port's close)."""
        return super().close()


class ViewLike(Protocol):
    """The part of the sale screen's `SaleView` the feed reads."""

    @property
    def total_cents(self) -> int: ...

    @property
    def paid_cents(self) -> int: ...

    @property
    def remaining_cents(self) -> int: ...

    @property
    def change_cents(self) -> int: ...


class CustomerDisplayFeed:
    """Sends what the customer must see to every display, from the sale screen's snapshots.

    Called on the GUI thread; each display returns at once (the window draws, a pole display
    queues to its device worker).
    """

    def __init__(self, displays: Sequence[SaleDisplay]) -> None:
        self.displays = list(displays)
        self._lines = 0
        self._paid = 0

    def _each(self, name: str, *args: object) -> None:
        for display in self.displays:
            getattr(display, name)(*args)

    def view_did_change(self, view: object) -> None:
        """A new snapshot of the open sale: a new line, a tender, or nothing new."""
        lines = getattr(view, "lines", ())
        total = int(getattr(view, "total_cents", 0))
        paid = int(getattr(view, "paid_cents", 0))
        if not lines:
            if self._lines:
                self._each("welcome")
            self._lines, self._paid = 0, 0
            return
        if paid != self._paid and paid:
            change = int(getattr(view, "change_cents", 0))
            remaining = int(getattr(view, "remaining_cents", 0))
            if change or not remaining:
                self._each("change", change, paid)  # settled: what goes back, even nothing
            else:
                self._each("amount_due", remaining)
        elif len(lines) != self._lines or not paid:
            last = lines[-1]
            self._each("item", str(last.label), int(last.total_cents), total)
        self._lines, self._paid = len(lines), paid

    def weighing(self, label: str, grams: int, unit_price_cents: int, price_cents: int) -> None:
        self._each("weighing", label, grams, unit_price_cents, price_cents)

    def finalised(self, change_cents: int, paid_cents: int) -> None:
        """The ticket is recorded: the change (if any), then thank you."""
        if change_cents:
            self._each("change", change_cents, paid_cents)
        self._each("thank_you")
        self._lines, self._paid = 0, 0

    def close(self) -> None:
        self._each("close")
