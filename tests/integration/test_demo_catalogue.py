"""The demo shop's catalogue: 2,000 French articles in every family, VAT rates, pictures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from caisse.app.bootstrap import open_till
from caisse.app.demo import create_demo
from caisse.app.settings import Settings
from caisse.domain.catalog import Unit


def test_demo_catalogue_families_rates_and_pictures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(os.environ, "CAISSE_NO_KEYRING", "1")
    settings = Settings(data_dir=tmp_path / "demo")
    summary = create_demo(settings)
    assert summary["products"] == 2000
    assert 900 <= summary["pictures"] <= 1100  # every other article has its family's picture
    till = open_till(settings)
    try:
        catalogue = till.catalogue
        families = catalogue.categories()
        assert families == [
            "Boulangerie",
            "Épicerie au poids",
            "Jouets",
            "Livres",
            "Papeterie",
            "Traiteur",
            "Vins et spiritueux",
        ]
        seen_rates: set[int] = set()
        with till.context.uow() as uow:
            for family in families:
                hits = catalogue.category_page(family, 0, 50).hits
                assert hits
                for hit in hits:
                    product = uow.catalog.find(hit.sku)
                    assert product is not None
                    seen_rates.add(product.vat_bp)
                    if family == "Épicerie au poids":
                        assert product.unit is Unit.KG
                pictures = [hit.picture for hit in hits if hit.picture]
                assert pictures
                assert all(Path(p).is_file() for p in pictures)
        assert seen_rates == {550, 1000, 2000}
        assert catalogue.search("croissant pur beurre").hits[0].label.startswith("Croissant")
    finally:
        till.close()
