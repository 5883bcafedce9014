"""A freshly activated till in tmp_path, with a small catalogue and three operators."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from caisse.app.bootstrap import KeyStoreGenerator, Till, open_till
from caisse.app.settings import Settings
from caisse.domain.catalog import Product, Unit
from caisse.services.activation import ActivationRequest, activate
from caisse.services.operators import OperatorSession, Role
from caisse.services.ports import ReceiptPrinter
from tests.fakes import FakeClock, FakePrinter

PRODUCTS = (
    Product("BAG", "Baguette", 105, 550, "Boulangerie", Unit.PIECE, "3760000000017", "1"),
    Product("VIN", "Vin rouge", 1200, 2000, "Vins", Unit.PIECE, "3760000000024"),
    Product("SAN", "Sandwich, jambon « beurre »", 550, 1000, "Traiteur", Unit.PIECE, None, "3"),
    Product("COMTE", "Comté AOP", 2490, 550, "Fromages", Unit.KG, "3760000000048"),
)

IDENTITY = ActivationRequest(
    company="Épicerie Test",
    siren="732829320",
    siret="73282932000074",
    vat_id="FR44732829320",
    address="1 rue du Test, 75001 Paris",
    till_id="TILL01",
    store_id="S1",
    admin_pin="0000",
)


@dataclass
class TillFixture:
    till: Till
    clock: FakeClock
    printer: FakePrinter
    data_dir: Path
    admin: OperatorSession
    cashier: OperatorSession
    manager: OperatorSession

    def reopen(self, printer: ReceiptPrinter | None = None) -> Till:
        self.till.close()
        self.till = open_till(
            Settings(data_dir=self.data_dir), clock=self.clock, printer=printer or self.printer
        )
        return self.till


def make_till(data_dir: Path, clock: FakeClock | None = None) -> TillFixture:
    clock = clock or FakeClock()
    printer = FakePrinter()
    till = open_till(Settings(data_dir=data_dir), clock=clock, printer=printer)
    activate(till.context, KeyStoreGenerator(till.keys), IDENTITY, activated_at="2026-03-15")
    with till.context.uow() as uow:
        uow.catalog.upsert_many(PRODUCTS)
        uow.commit()
    admin = till.operators.authenticate("admin", "0000")
    till.operators.add(admin, "marie", "Marie", Role.CASHIER, "1234")
    till.operators.add(admin, "paul", "Paul", Role.MANAGER, "5678")
    return TillFixture(
        till,
        clock,
        printer,
        data_dir,
        admin,
        OperatorSession("marie", "Marie", Role.CASHIER),
        OperatorSession("paul", "Paul", Role.MANAGER),
    )


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[TillFixture]:
    fixture = make_till(tmp_path / "data")
    yield fixture
    fixture.till.close()
