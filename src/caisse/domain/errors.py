"""The root of every caisse exception, and the marker for text safe to show a cashier.

Exception tree::

    CaisseError
    ├── UserFacingError            text safe to show (French first, English available)
    │   ├── InvalidInput           a value typed or passed in is unusable (exit 2 on the CLI)
    │   │   ├── InvalidIdentifier  SIREN/SIRET failing Luhn, malformed VAT id
    │   │   ├── InvalidAmount      money text that does not parse, negative where forbidden
    │   │   ├── InvalidQuantity
    │   │   └── InvalidVatRate     a VAT rate unknown, or not in force on the day asked
    │   └── Refused                the operation is understood but refused (exit 1 on the CLI)
    │       ├── UnknownProduct
    │       ├── SaleNotOpen
    │       ├── LineNotFound
    │       ├── UnderPaid
    │       ├── ChangeNotAllowed   change asked on a tender that gives none
    │       └── DiscountNotAllowed
    └── IntegrityError             the journal or its format is not what it must be
"""

from __future__ import annotations


class CaisseError(Exception):
    """Root of every caisse exception."""


class UserFacingError(CaisseError):
    """An error whose text is safe to show a cashier, a manager or an auditor.

    Args:
        fr: one clear French sentence (shown by default).
        en: the same sentence in English.
    """

    def __init__(self, fr: str, en: str | None = None) -> None:
        super().__init__(fr)
        self.fr = fr
        self.en = en if en is not None else fr

    def message(self, lang: str = "fr") -> str:
        """The sentence in the requested language ("fr" or "en")."""
        return self.en if lang == "en" else self.fr


class InvalidInput(UserFacingError):
    """A value given to the till is unusable."""


class InvalidIdentifier(InvalidInput):
    """A company identifier (SIREN, SIRET, VAT id) is malformed."""


class InvalidAmount(InvalidInput):
    """An amount of money cannot be used."""


class InvalidQuantity(InvalidInput):
    """A quantity or weight cannot be used."""


class Refused(UserFacingError):
    """The operation is understood but refused by a business rule or a right."""


class UnknownProduct(Refused):
    """No product answers to the code that was scanned or typed.

    Attributes:
        code: the code as scanned or typed, so that the till can offer to search for it.
    """

    def __init__(self, fr: str, en: str | None = None, *, code: str = "") -> None:
        super().__init__(fr, en)
        self.code = code


class SaleNotOpen(Refused):
    """The sale is already finalised or cancelled."""


class LineNotFound(Refused):
    """The sale has no such line."""


class UnderPaid(Refused):
    """The tenders do not cover the total."""

    def __init__(self, missing_cents: int) -> None:
        euros = f"{missing_cents // 100},{missing_cents % 100:02d} €"
        super().__init__(
            f"Il manque {euros} : les règlements ne couvrent pas le total.",
            f"{euros} missing: the tenders do not cover the total.",
        )
        self.missing_cents = missing_cents


class ChangeNotAllowed(Refused):
    """Only cash gives change."""


class DiscountNotAllowed(Refused):
    """The discount is malformed or larger than the amount it applies to."""


class IntegrityError(CaisseError):
    """The journal, a record or its format is not what it must be."""


class InvalidVatRate(InvalidInput):
    """A VAT rate is unknown, or not in force on the day it is used."""
