"""Migration 0006: WITHOUT ROWID lines and payments, a partial refund index, stock levels."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from caisse.domain.sale import Payment, Tender
from caisse.storage.engine import _alembic_config, make_engine
from tests.integration.conftest import TillFixture
from tests.journal_helpers import verify_data_dir


def _sell(shop: TillFixture, *codes: str, pay: Payment) -> str:
    sale = shop.till.checkout.new_sale()
    for code in codes:
        shop.till.checkout.add_item(sale, code, None)
    sale.add_payment(pay)
    return shop.till.checkout.finalise(shop.cashier, sale).number


def _levels(db: Path) -> tuple[dict[str, int], dict[str, int]]:
    with sqlite3.connect(db) as conn:
        levels = dict(conn.execute("SELECT sku, qty_milli FROM stock_levels").fetchall())
        sums = dict(
            conn.execute("SELECT sku, SUM(qty_milli) FROM stock_movements GROUP BY sku").fetchall()
        )
    return levels, sums


def test_stock_levels_follow_every_movement(shop: TillFixture) -> None:
    first = _sell(shop, "VIN", "BAG", "BAG", pay=Payment(Tender.CARD, 1410))
    _sell(shop, "BAG", pay=Payment(Tender.CASH, 105))
    shop.till.checkout.refund(shop.manager, first, None, [Payment(Tender.CARD, -1410)])
    levels, sums = _levels(shop.data_dir / "caisse.sqlite")
    assert levels == sums
    assert levels == {"BAG": -1000, "VIN": 0}
    with shop.till.context.uow() as uow:
        assert uow.stock.level("BAG") == -1000
        assert uow.stock.level("UNKNOWN") == 0


def test_upgrade_from_0005_keeps_every_projection_row(shop: TillFixture) -> None:
    db = shop.data_dir / "caisse.sqlite"
    first = _sell(shop, "VIN", "BAG", pay=Payment(Tender.CARD, 1305))
    _sell(shop, "BAG", "BAG", pay=Payment(Tender.CASH, 500))
    shop.till.checkout.refund(shop.manager, first, None, [Payment(Tender.CARD, -1305)])
    shop.till.close()

    def snapshot() -> tuple[object, ...]:
        with sqlite3.connect(db) as conn:
            return (
                conn.execute("SELECT * FROM sale_lines ORDER BY sale_gseq, n").fetchall(),
                conn.execute("SELECT * FROM sale_payments ORDER BY sale_gseq, n").fetchall(),
                conn.execute("SELECT * FROM stock_movements ORDER BY id").fetchall(),
            )

    before = snapshot()
    engine = make_engine(db)
    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0005")
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "stock_levels" not in tables
        assert "ix_stock_movements_sku" in tables
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    engine.dispose()

    assert snapshot() == before
    levels, sums = _levels(db)
    assert levels == sums != {}
    with sqlite3.connect(db) as conn:
        ddl = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL"))
        plan = " ".join(
            str(row[-1])
            for row in conn.execute(
                "EXPLAIN QUERY PLAN SELECT gseq FROM sales WHERE refers_gseq = ?", (1,)
            )
        )
    assert ddl["sale_lines"].rstrip().endswith("WITHOUT ROWID")
    assert ddl["sale_payments"].rstrip().endswith("WITHOUT ROWID")
    assert "WHERE refers_gseq IS NOT NULL" in ddl["ix_sales_refers_gseq"]
    assert "ix_sales_refers_gseq" in plan
    assert verify_data_dir(shop.data_dir).ok
