"""What a product must hold to be sold."""

from __future__ import annotations

import dataclasses

import pytest

from caisse.domain.catalog import Product, Unit
from caisse.domain.errors import InvalidAmount, InvalidIdentifier, InvalidInput, InvalidVatRate
from tests.unit.domain.strategies import assert_bilingual


def test_product_defaults() -> None:
    product = Product(sku="BAG", label="Baguette", price_ttc_cents=105, vat_bp=550)
    assert product.unit is Unit.PIECE
    assert product.category == ""
    assert product.ean is None
    assert product.plu is None


def test_unit_values_are_what_storage_and_bodies_hold() -> None:
    assert [unit.value for unit in Unit] == ["piece", "kg"]
    assert str(Unit.KG) == "kg"


def test_product_is_frozen() -> None:
    product = Product(sku="BAG", label="Baguette", price_ttc_cents=105, vat_bp=550)
    with pytest.raises(dataclasses.FrozenInstanceError):
        product.price_ttc_cents = 1  # type: ignore[misc]


def test_product_normalises_label_unit_and_barcode() -> None:
    product = Product(
        sku="CAF",
        label="  Cafe\u0301 moulu ",
        price_ttc_cents=450,
        vat_bp=550,
        unit="kg",  # type: ignore[arg-type]
        ean=" 3017620 422003 ",
        plu="00042",
    )
    assert product.label == "Caf\u00e9 moulu"
    assert product.unit is Unit.KG
    assert product.ean == "3017620422003"
    assert product.plu == "00042"


def test_a_free_product_and_a_historical_rate_are_allowed() -> None:
    # A price of zero is a gift; 19,6 % must stay readable to refund a 2013 ticket.
    assert Product(sku="G", label="Cadeau", price_ttc_cents=0, vat_bp=1960).vat_bp == 1960


@pytest.mark.parametrize(
    ("fields", "error", "french_words"),
    [
        ({"sku": ""}, InvalidInput, "pas de code"),
        ({"sku": "   "}, InvalidInput, "pas de code"),
        ({"label": ""}, InvalidInput, "pas de libellé"),
        ({"label": " \t"}, InvalidInput, "pas de libellé"),
        ({"price_ttc_cents": -1}, InvalidAmount, "ne peut pas être négatif"),
        ({"vat_bp": 1234}, InvalidVatRate, "taux de TVA inconnu (12,34\u00a0%)"),
        ({"unit": "litre"}, InvalidInput, "unité inconnue"),
        ({"plu": "12a"}, InvalidInput, "PLU"),
        ({"plu": ""}, InvalidInput, "PLU"),
        ({"ean": "30176ABC"}, InvalidIdentifier, "code-barres"),
        ({"ean": ""}, InvalidIdentifier, "code-barres"),
    ],
)
def test_product_rejects(
    fields: dict[str, object], error: type[Exception], french_words: str
) -> None:
    values: dict[str, object] = {
        "sku": "BAG",
        "label": "Baguette",
        "price_ttc_cents": 105,
        "vat_bp": 550,
    }
    values.update(fields)
    with pytest.raises(error) as excinfo:
        Product(**values)  # type: ignore[arg-type]
    assert isinstance(excinfo.value, InvalidInput)
    assert french_words in excinfo.value.fr
    assert_bilingual(excinfo)  # type: ignore[arg-type]
