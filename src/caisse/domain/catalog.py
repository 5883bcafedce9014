"""The products a till sells: what a catalog entry must hold to be sold and journaled."""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass

from caisse.domain.errors import InvalidAmount, InvalidIdentifier, InvalidInput, InvalidVatRate
from caisse.domain.money import format_eur
from caisse.domain.units import Unit
from caisse.domain.vat import KNOWN_RATES_BP, format_rate

__all__ = ["Product", "Unit"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Product:
    """A product as sold at a given moment; the journal copies its fields, never its id.

    Validation happens on construction, so a `Product` in hand is always sellable. The label
    is normalised to NFC because the journal body stores NFC strings only, and the EAN is
    stored without spaces.

    Attributes:
        sku: the shop's own code, unique in the catalog.
        label: the name printed on the receipt.
        price_ttc_cents: the price tax included, per piece or per kilogram.
        vat_bp: the VAT rate in basis points, one of `KNOWN_RATES_BP`.
        category: a free grouping for reports ("" when none).
        unit: `Unit.PIECE` or `Unit.KG` (sold by weight).
        ean: the barcode digits, if any (see `identifiers.validate_ean` for the GS1 check).
        plu: the scale's price look-up number, digits only, if any.

    Raises:
        InvalidInput: an empty sku or label, an unknown unit, or a PLU that is not digits.
        InvalidAmount: a negative price.
        InvalidVatRate: a rate that France never had.
        InvalidIdentifier: a barcode that is not digits.
    """

    sku: str
    label: str
    price_ttc_cents: int
    vat_bp: int
    category: str = ""
    unit: Unit = Unit.PIECE
    ean: str | None = None
    plu: str | None = None

    def __post_init__(self) -> None:
        if not self.sku.strip():
            raise InvalidInput("Le produit n'a pas de code (SKU).", "The product has no SKU.")
        label = unicodedata.normalize("NFC", self.label.strip())
        if not label:
            raise InvalidInput(
                f"Le produit {self.sku} n'a pas de libellé.",
                f"Product {self.sku} has no label.",
            )
        if self.price_ttc_cents < 0:
            raise InvalidAmount(
                f"Le prix du produit {self.sku} ne peut pas être négatif "
                f"({format_eur(self.price_ttc_cents)}).",
                f"The price of product {self.sku} cannot be negative "
                f"({format_eur(self.price_ttc_cents)}).",
            )
        if self.vat_bp not in KNOWN_RATES_BP:
            raise InvalidVatRate(
                f"Le produit {self.sku} a un taux de TVA inconnu ({format_rate(self.vat_bp)}).",
                f"Product {self.sku} has an unknown VAT rate ({format_rate(self.vat_bp)}).",
            )
        if self.plu is not None and not (self.plu.isascii() and self.plu.isdigit()):
            raise InvalidInput(
                f"Le PLU « {self.plu} » du produit {self.sku} doit être composé de chiffres.",
                f"The PLU '{self.plu}' of product {self.sku} must be digits only.",
            )
        try:
            # note: a plain "kg" read from a file or a form becomes the enum member here.
            unit = Unit(self.unit)
        except ValueError as exc:
            raise InvalidInput(
                f"Le produit {self.sku} a une unité inconnue « {self.unit} ».",
                f"Product {self.sku} has an unknown unit '{self.unit}'.",
            ) from exc
        # note: object.__setattr__ is the documented way to normalise fields of a frozen
        # dataclass in __post_init__.
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "unit", unit)
        if self.ean is not None:
            object.__setattr__(self, "ean", _clean_ean(self.sku, self.ean))


def _clean_ean(sku: str, ean: str) -> str:
    """The barcode without spaces, digits only.

    The GS1 check digit is deliberately not enforced here: shops key in-house codes without
    one, and a catalog row must stay readable. Imports that want it call `validate_ean`.
    """
    code = "".join(ean.split())
    if not (code.isascii() and code.isdigit()):
        raise InvalidIdentifier(
            f"Le code-barres « {ean.strip()} » du produit {sku} doit être composé de chiffres.",
            f"The barcode '{ean.strip()}' of product {sku} must be digits only.",
        )
    return code
