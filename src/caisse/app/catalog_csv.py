"""Reads a catalogue CSV file into products, with one clear sentence per bad row."""

from __future__ import annotations

import csv
from pathlib import Path

from caisse.domain.catalog import Product, Unit
from caisse.domain.errors import CaisseError, InvalidInput

REQUIRED = ("sku", "ean", "label", "price_ttc_cents", "vat_bp", "category", "unit")


def read_catalog_csv(path: Path) -> list[Product]:
    """All products of the file, or an error naming the first bad row.

    Raises:
        InvalidInput: unreadable file, missing columns or a bad row.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"Impossible de lire {path} (fichier absent ou pas en UTF-8).",
            f"Cannot read {path} (missing file or not UTF-8).",
        ) from exc
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=dialect)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(
            f"Colonnes manquantes dans {path} : {', '.join(missing)}.",
            f"Missing columns in {path}: {', '.join(missing)}.",
        )
    products: list[Product] = []
    for lineno, row in enumerate(reader, start=2):
        try:
            products.append(
                Product(
                    sku=row["sku"].strip(),
                    label=row["label"].strip(),
                    price_ttc_cents=int(row["price_ttc_cents"]),
                    vat_bp=int(row["vat_bp"]),
                    category=row["category"].strip(),
                    unit=Unit(row["unit"].strip() or "piece"),
                    ean=row["ean"].strip() or None,
                    plu=(row.get("plu") or "").strip() or None,
                )
            )
        except (ValueError, TypeError, CaisseError) as exc:
            raise InvalidInput(
                f"Ligne {lineno} de {path} invalide : {exc}.",
                f"Line {lineno} of {path} is invalid: {exc}.",
            ) from exc
    return products
