"""The screens a customer sees during a sale, on any `CustomerDisplay` (a `SaleDisplay`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from hw.display.charset import DisplayCharset, to_display
from hw.display.layout import center, columns, fit, format_eur, format_kg, right
from hw.ports import CustomerDisplay

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ScreenTexts:
    """The fixed words of the screens (French by default; 20 columns in mind)."""

    welcome: tuple[str, str] = ("Bonjour", "Bienvenue !")
    total: str = "Total"
    amount_due: str = "À payer"
    paid: str = "Reçu"
    change: str = "Rendu"
    per_kg: str = "/kg"
    thank_you: tuple[str, str] = ("Merci !", "À bientôt")


class SaleScreens:
    """Formats each step of a sale for a small line display and shows it.

    Args:
        display: where to show (a pole display driver, a simulator, a second screen).
        charset: the display's table, so that a stand-in (€ → EUR) is counted before the
            line is cut and an amount is never cut.
        texts: the words used.
    """

    def __init__(
        self,
        display: CustomerDisplay,
        *,
        charset: DisplayCharset = DisplayCharset.UNICODE,
        texts: ScreenTexts | None = None,
    ) -> None:
        self.display = display
        self.charset = charset
        self.texts = texts or ScreenTexts()

    @property
    def width(self) -> int:
        """Columns of the display."""
        return self.display.columns

    def _t(self, text: str) -> str:
        return to_display(text, self.charset)

    def _show(self, top: str, bottom: str) -> None:
        self.display.show([top, bottom])

    def welcome(self) -> None:
        """The idle screen between two customers.

        Raises:
            HardwareError: the display cannot be reached (DeviceOffline when unplugged).
        """
        first, second = self.texts.welcome
        self._show(center(self._t(first), self.width), center(self._t(second), self.width))

    def item(self, label: str, amount_cents: int, total_cents: int) -> None:
        """The line just added, with its amount, and the running total.

        Raises:
            HardwareError: the display cannot be reached.
        """
        self._show(
            columns(self._t(label), self._t(format_eur(amount_cents)), self.width),
            columns(self._t(self.texts.total), self._t(format_eur(total_cents)), self.width),
        )

    def weighing(self, label: str, grams: int, unit_price_cents: int, price_cents: int) -> None:
        """A weighed article: label and price, then weight and price per kg.

        Raises:
            HardwareError: the display cannot be reached.
        """
        per_kg = self._t(format_eur(unit_price_cents) + self.texts.per_kg)
        self._show(
            columns(self._t(label), self._t(format_eur(price_cents)), self.width),
            columns(self._t(format_kg(grams)), per_kg, self.width),
        )

    def amount_due(self, cents: int) -> None:
        """The amount left to pay, alone on the second line.

        Raises:
            HardwareError: the display cannot be reached.
        """
        self._show(
            fit(self._t(self.texts.amount_due), self.width),
            right(self._t(format_eur(cents)), self.width),
        )

    def change(self, cents: int, paid_cents: int | None = None) -> None:
        """What the customer gave (when known) and the change to give back.

        Raises:
            HardwareError: the display cannot be reached.
        """
        top = (
            columns(self._t(self.texts.paid), self._t(format_eur(paid_cents)), self.width)
            if paid_cents is not None
            else ""
        )
        self._show(top, columns(self._t(self.texts.change), self._t(format_eur(cents)), self.width))

    def thank_you(self) -> None:
        """The goodbye screen.

        Raises:
            HardwareError: the display cannot be reached.
        """
        first, second = self.texts.thank_you
        self._show(center(self._t(first), self.width), center(self._t(second), self.width))

    def close(self) -> None:
        """Close the display."""
        self.display.close()
