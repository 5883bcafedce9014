"""The demo shop: a French catalogue of every kind of article, operators and an activated till."""

from __future__ import annotations

import random
import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from caisse.app.bootstrap import KeyStoreGenerator, open_till
from caisse.app.settings import Settings
from caisse.domain.catalog import Product, Unit
from caisse.services.activation import ActivationRequest, activate
from caisse.services.operators import Role

DEMO_COMPANY = "Épicerie du Marché (démo)"
DEMO_SIREN = "732829320"
DEMO_ADMIN_PIN = "0000"
DEMO_OPERATORS = (
    ("marie", "Marie Dupont", Role.CASHIER, "1234"),
    ("paul", "Paul Martin", Role.MANAGER, "5678"),
    ("audit", "Contrôle fiscal", Role.AUDITOR, "9999"),
)

# (category, VAT bp, unit, price range in cents, labels, qualifiers)
_FAMILIES: tuple[tuple[str, int, Unit, tuple[int, int], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "Boulangerie",
        550,
        Unit.PIECE,
        (90, 650),
        (
            "Baguette",
            "Pain de campagne",
            "Croissant",
            "Pain au chocolat",
            "Brioche",
            "Fougasse",
            "Chausson aux pommes",
            "Pain aux céréales",
            "Éclair",
            "Tarte aux fraises",
        ),
        ("tradition", "bio", "au levain", "maison", "pur beurre", "aux noix", "complet"),
    ),
    (
        "Épicerie au poids",
        550,
        Unit.KG,
        (180, 4500),
        (
            "Comté",
            "Olives",
            "Abricots secs",
            "Noix de cajou",
            "Café en grains",
            "Lentilles vertes",
            "Riz basmati",
            "Amandes",
            "Pâtes fraîches",
            "Tomme de Savoie",
        ),
        ("AOP", "bio", "du Puy", "de Provence", "vrac", "affiné 18 mois", "torréfié"),
    ),
    (
        "Vins et spiritueux",
        2000,
        Unit.PIECE,
        (550, 8900),
        (
            "Bordeaux",
            "Côtes du Rhône",
            "Chablis",
            "Muscadet",
            "Champagne",
            "Crémant d'Alsace",
            "Cognac",
            "Calvados",
            "Sancerre",
            "Bourgogne",
        ),
        ("2019", "2020", "2021", "2022", "réserve", "brut", "grand cru", "vieilles vignes"),
    ),
    (
        "Livres",
        550,
        Unit.PIECE,
        (590, 3500),
        (
            "Roman",
            "Bande dessinée",
            "Guide de voyage",
            "Livre de cuisine",
            "Album jeunesse",
            "Poésie",
            "Essai",
            "Manga",
            "Atlas",
            "Dictionnaire",
        ),
        ("poche", "illustré", "tome 1", "tome 2", "édition collector", "grand format"),
    ),
    (
        "Jouets",
        2000,
        Unit.PIECE,
        (390, 7900),
        (
            "Puzzle",
            "Peluche",
            "Jeu de société",
            "Voiture miniature",
            "Poupée",
            "Toupie",
            "Kit créatif",
            "Cerf-volant",
            "Jeu de cartes",
            "Circuit à billes",
        ),
        ("500 pièces", "1000 pièces", "en bois", "géant", "junior", "de voyage", "lumineux"),
    ),
    (
        "Papeterie",
        2000,
        Unit.PIECE,
        (120, 2500),
        (
            "Cahier",
            "Stylo plume",
            "Crayons de couleur",
            "Agenda",
            "Carnet",
            "Classeur",
            "Feutres",
            "Gomme",
            "Règle",
            "Enveloppes",
        ),
        ("A4", "A5", "Seyès", "bleu", "noir", "lot de 10", "recyclé", "2027"),
    ),
    (
        "Traiteur",
        1000,
        Unit.PIECE,
        (350, 1500),
        (
            "Sandwich jambon-beurre",
            "Quiche lorraine",
            "Salade composée",
            "Croque-monsieur",
            "Wrap poulet",
            "Part de pizza",
            "Soupe du jour",
            "Taboulé",
        ),
        ("à emporter", "végétarien", "maison", "du jour"),
    ),
)


PICTURES_DIR = Path(__file__).resolve().parents[3] / "resources" / "pictures"
"""The demo's product pictures (one per family), copied into the till's pictures folder."""

_PICTURES = {
    "Boulangerie": "boulangerie.png",
    "Épicerie au poids": "epicerie.png",
    "Vins et spiritueux": "vins.png",
    "Livres": "livres.png",
    "Jouets": "jouets.png",
    "Papeterie": "papeterie.png",
    "Traiteur": "traiteur.png",
}


def install_pictures(settings: Settings) -> int:
    """Give every other demo article its family's picture; returns how many got one.

    The other half keep plain tiles, as articles without a picture do in a real shop. A
    picture the shop already set is left alone.
    """
    if not PICTURES_DIR.is_dir():
        return 0
    target = settings.data_dir / "pictures"
    target.mkdir(parents=True, exist_ok=True)
    for name in _PICTURES.values():
        shutil.copyfile(PICTURES_DIR / name, target / name)
    # note: the picture is catalogue data outside the sale path and the Product the journal
    # copies, so the demo sets it in the table directly.
    with closing(sqlite3.connect(settings.db_path)) as conn, conn:
        changed = 0
        for category, name in _PICTURES.items():
            changed += conn.execute(
                "UPDATE products SET picture = ? "
                "WHERE category = ? AND picture IS NULL AND rowid % 2 = 0",
                (name, category),
            ).rowcount
    return changed


def _ean13(body12: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - total % 10) % 10)


def _luhn_complete(prefix: str) -> str:
    for digit in "0123456789":
        candidate = prefix + digit
        total = 0
        for i, ch in enumerate(reversed(candidate)):
            d = int(ch) * (2 if i % 2 else 1)
            total += d - 9 if d > 9 else d
        if total % 10 == 0:
            return candidate
    raise ValueError(prefix)


def demo_products(count: int, seed: int = 525) -> list[Product]:
    """A deterministic French catalogue of `count` products across every family."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    products: list[Product] = []
    for i in range(count):
        category, vat_bp, unit, (lo, hi), labels, qualifiers = _FAMILIES[i % len(_FAMILIES)]
        label = f"{rng.choice(labels)} {rng.choice(qualifiers)}"
        price = rng.randrange(lo, hi) // 10 * 10 + rng.choice((0, 5, 9))
        products.append(
            Product(
                sku=f"SKU{i + 1:06d}",
                label=label,
                price_ttc_cents=price,
                vat_bp=vat_bp,
                category=category,
                unit=unit,
                ean=_ean13(f"376{i + 1:09d}"),
                plu=f"{i + 1}" if i < 100 else None,
            )
        )
    return products


def create_demo(settings: Settings, products: int = 2000) -> dict[str, Any]:
    """Activate a demo till in the data directory (if not yet) and load the demo data."""
    till = open_till(settings)
    try:
        with till.context.uow() as uow:
            activated = uow.till.get() is not None
        if not activated:
            siret = _luhn_complete(DEMO_SIREN + "0001")
            key = (12 + 3 * (int(DEMO_SIREN) % 97)) % 97
            activate(
                till.context,
                KeyStoreGenerator(till.keys),
                ActivationRequest(
                    company=DEMO_COMPANY,
                    siren=DEMO_SIREN,
                    siret=siret,
                    vat_id=f"FR{key:02d}{DEMO_SIREN}",
                    address="12 place du Marché, 69001 Lyon",
                    till_id="TILL01",
                    store_id="LYON01",
                    admin_pin=DEMO_ADMIN_PIN,
                ),
                activated_at=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            admin = till.operators.authenticate("admin", DEMO_ADMIN_PIN)
            for op_id, name, role, pin in DEMO_OPERATORS:
                till.operators.add(admin, op_id, name, role, pin)
        with till.context.uow() as uow:
            count = uow.catalog.upsert_many(demo_products(products))
            uow.commit()
        pictures = install_pictures(settings)
    finally:
        till.close()
    return {
        "data": str(settings.data_dir),
        "till": "TILL01",
        "products": count,
        "pictures": pictures,
        "operators": "admin/0000, marie/1234 (caissière), paul/5678 (responsable), audit/9999",
        "new": not activated,
    }
