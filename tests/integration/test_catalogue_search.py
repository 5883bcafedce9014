"""Catalogue search on a real till database: FTS5 index, triggers, ranking and migration 0004."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from caisse.app.catalog_csv import read_catalog_csv
from caisse.domain.catalog import Product, Unit
from caisse.services.catalogue import CatalogueService
from caisse.storage.catalogue_index import SqlCatalogueIndex, fts_query
from caisse.storage.engine import _alembic_config, make_engine, upgrade_database
from tests.integration.conftest import TillFixture


def skus(service: CatalogueService, text: str) -> list[str]:
    return [hit.sku for hit in service.search(text).hits]


def test_accented_and_unaccented_names_find_the_same_product(shop: TillFixture) -> None:
    search = shop.till.catalogue
    assert skus(search, "comte") == ["COMTE"]
    assert skus(search, "COMTÉ") == ["COMTE"]
    assert skus(search, "com a") == ["COMTE"]  # every word as a prefix: Comté AOP


def test_sku_prefix_and_ean_find_products(shop: TillFixture) -> None:
    search = shop.till.catalogue
    assert skus(search, "COM") == ["COMTE"]
    assert skus(search, "3760000000024") == ["VIN"]
    assert sorted(skus(search, "37600000000")) == ["BAG", "COMTE", "VIN"]
    assert skus(search, "zzz") == []
    assert search.search("   ").hits == ()


def test_ranking_puts_an_exact_code_then_label_starts_first(shop: TillFixture) -> None:
    with shop.till.context.uow() as uow:
        uow.catalog.upsert_many(
            [
                Product("PAIN2", "Grand pain de campagne", 350, 550, "Boulangerie"),
                Product("PAIN1", "Pain de campagne", 300, 550, "Boulangerie"),
                Product("PAIN", "Pain", 100, 550, "Boulangerie"),
            ]
        )
        uow.commit()
    search = shop.till.catalogue
    assert skus(search, "pain") == ["PAIN", "PAIN1", "PAIN2"]
    assert skus(search, "pain1")[0] == "PAIN1"


def test_fts_operators_typed_by_the_cashier_are_plain_text(shop: TillFixture) -> None:
    # note: an unquoted `-`, `"`, `NEAR(` or `col:` would be FTS5 syntax and raise an error.
    for text in ['"', "-", "NEAR(", "label:", "jambon « beurre »", "a OR b", "*"]:
        shop.till.catalogue.search(text)
    assert skus(shop.till.catalogue, "jambon « beurre »") == ["SAN"]
    assert fts_query('sand"wich *') == '"sand"* "wich"*'


def test_index_follows_insert_update_and_delete(shop: TillFixture, tmp_path: Path) -> None:
    csv = tmp_path / "catalogue.csv"
    csv.write_text(
        "sku;label;price_ttc_cents;vat_bp;category;unit;ean\n"
        "CREME;Crème brûlée;350;550;Desserts;piece;\n"
        "VIN;Vin blanc sec;990;2000;Vins;piece;3760000000024\n",
        encoding="utf-8",
    )
    with shop.till.context.uow() as uow:
        uow.catalog.upsert_many(read_catalog_csv(csv))
        uow.commit()
    search = shop.till.catalogue
    assert skus(search, "creme brulee") == ["CREME"]
    assert skus(search, "blanc") == ["VIN"]
    assert skus(search, "rouge") == []  # the old label left the index with the update
    with sqlite3.connect(shop.till.settings.db_path) as conn:
        conn.execute("DELETE FROM products WHERE sku = 'CREME'")
        conn.execute("UPDATE products SET active = 0 WHERE sku = 'VIN'")
    assert skus(search, "creme") == []
    assert skus(search, "blanc") == []  # inactive products are not offered
    with sqlite3.connect(shop.till.settings.db_path) as conn:
        check = conn.execute("INSERT INTO products_fts(products_fts) VALUES ('integrity-check')")
        check.close()


def test_categories_and_pages(shop: TillFixture) -> None:
    with shop.till.context.uow() as uow:
        uow.catalog.upsert_many(
            Product(f"B{i:02d}", f"Brioche {i:02d}", 200, 550, "Boulangerie") for i in range(7)
        )
        uow.commit()
    search = shop.till.catalogue
    assert search.categories() == ["Boulangerie", "Fromages", "Traiteur", "Vins"]
    first = search.category_page("Boulangerie", 0, 5)
    second = search.category_page("Boulangerie", 1, 5)
    assert [h.label for h in first.hits] == ["Baguette"] + [f"Brioche {i:02d}" for i in range(4)]
    assert first.has_next
    assert [h.sku for h in second.hits] == ["B04", "B05", "B06"]
    assert not second.has_next
    assert search.category_page("Fromages", 0, 5).hits[0].unit is Unit.KG


def test_relative_pictures_resolve_in_the_data_directory(shop: TillFixture) -> None:
    with sqlite3.connect(shop.till.settings.db_path) as conn:
        conn.execute("UPDATE products SET picture = 'baguette.png' WHERE sku = 'BAG'")
    [hit] = shop.till.catalogue.search("baguette").hits
    assert hit.picture == str(shop.data_dir / "pictures" / "baguette.png")
    assert shop.till.catalogue.search("vin").hits[0].picture is None


def test_migration_indexes_the_products_of_a_0003_database(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    engine = create_engine(f"sqlite:///{db}")
    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0003")
    engine.dispose()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO products (sku, ean, plu, label, price_ttc_cents, vat_bp, category, "
            "unit, active) VALUES ('ECL', '3760000000055', NULL, 'Éclair au café', 250, 550, "
            "'Pâtisserie', 'piece', 1)"
        )
    conn.close()
    till_engine = make_engine(db)
    upgrade_database(till_engine)
    till_engine.dispose()
    index = SqlCatalogueIndex(db)
    try:
        service = CatalogueService(index)
        assert skus(service, "eclair cafe") == ["ECL"]
        assert skus(service, "3760000000055") == ["ECL"]
        assert service.categories() == ["Pâtisserie"]
    finally:
        index.close()
