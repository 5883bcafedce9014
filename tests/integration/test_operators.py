"""PINs, lockout and rights, enforced in the services."""

from __future__ import annotations

import json

import pytest

from caisse.domain.errors import InvalidInput
from caisse.domain.sale import Payment, Tender
from caisse.services.errors import OperatorLocked, PermissionDenied, UnknownOperator, WrongPin
from caisse.services.jet import Jet
from caisse.services.operators import OperatorSession, Role, hash_pin, pin_matches
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes, journal_rows


def test_pins_are_stored_as_scrypt_hashes(shop: TillFixture) -> None:
    stored = {op.id: op.pin_hash for op in shop.till.operators.list()}
    assert stored["marie"].startswith("scrypt$")
    assert "1234" not in stored["marie"]
    assert pin_matches("1234", stored["marie"])
    assert not pin_matches("1235", stored["marie"])
    assert hash_pin("1234") != hash_pin("1234")  # salted


def test_five_wrong_pins_lock_the_operator_for_sixty_seconds(shop: TillFixture) -> None:
    for remaining in (4, 3, 2, 1):
        with pytest.raises(WrongPin) as err:
            shop.till.operators.authenticate("marie", "0000")
        assert err.value.remaining == remaining
    with pytest.raises(OperatorLocked):
        shop.till.operators.authenticate("marie", "0000")
    # even the right PIN is refused during the lockout, which says how long is left
    shop.clock.advance(seconds=30)
    with pytest.raises(OperatorLocked) as locked:
        shop.till.operators.authenticate("marie", "1234")
    assert 29 <= locked.value.seconds <= 31
    shop.clock.advance(seconds=31)
    assert shop.till.operators.authenticate("marie", "1234").id == "marie"
    lockouts = [
        json.loads(r["body"])
        for r in journal_rows(shop.data_dir)
        if r["kind"] == "J" and json.loads(r["body"])["detail"].get("outcome") == "locked_out"
    ]
    assert len(lockouts) == 1
    assert lockouts[0]["operator"]["id"] == "marie"


def test_unknown_operator_and_bad_pins(shop: TillFixture) -> None:
    with pytest.raises(UnknownOperator):
        shop.till.operators.authenticate("nobody", "1234")
    with pytest.raises(InvalidInput):
        shop.till.operators.add(shop.admin, "x", "X", Role.CASHIER, "12")
    with pytest.raises(PermissionDenied):
        shop.till.operators.add(shop.cashier, "y", "Y", Role.CASHIER, "1234")


def test_price_override_needs_the_right_or_a_manager_pin(shop: TillFixture) -> None:
    sale = shop.till.checkout.new_sale()
    n = shop.till.checkout.add_item(sale, "VIN")
    with pytest.raises(PermissionDenied):
        shop.till.checkout.override_price(shop.cashier, sale, n, 1000, "bouteille abîmée")
    shop.till.checkout.override_price(
        shop.cashier, sale, n, 1000, "bouteille abîmée", approver=shop.manager
    )
    sale.add_payment(Payment(Tender.CASH, 1000))
    shop.till.checkout.finalise(shop.cashier, sale)
    body = json.loads(journal_rows(shop.data_dir)[-1]["body"])
    assert body["lines"][0]["price_override"] == {
        "from_cents": 1200,
        "to_cents": 1000,
        "reason": "bouteille abîmée",
    }
    assert Jet.OVERRIDE in jet_codes(shop.data_dir)


def test_discount_above_the_cap_needs_a_manager(shop: TillFixture) -> None:
    from caisse.domain.sale import Discount

    sale = shop.till.checkout.new_sale()
    n = shop.till.checkout.add_item(sale, "VIN")
    shop.till.checkout.discount_line(shop.cashier, sale, n, Discount(percent_bp=1000))
    with pytest.raises(PermissionDenied):
        shop.till.checkout.discount_line(shop.cashier, sale, n, Discount(percent_bp=2500))
    with pytest.raises(PermissionDenied):
        shop.till.checkout.discount_ticket(shop.cashier, sale, Discount(amount_cents=500))
    shop.till.checkout.discount_line(shop.manager, sale, n, Discount(percent_bp=2500))


def test_an_auditor_cannot_sell_and_training_needs_a_manager(shop: TillFixture) -> None:
    auditor = OperatorSession("audit", "Audit", Role.AUDITOR)
    sale = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(sale, "BAG")
    sale.add_payment(Payment(Tender.CASH, 105))
    with pytest.raises(PermissionDenied):
        shop.till.checkout.finalise(auditor, sale)
    with pytest.raises(PermissionDenied):
        shop.till.checkout.set_training(shop.cashier, True)


def test_voids_and_decreases_before_payment_are_jet_events(shop: TillFixture) -> None:
    sale = shop.till.checkout.new_sale()
    a = shop.till.checkout.add_item(sale, "BAG", 3000)
    b = shop.till.checkout.add_item(sale, "VIN")
    shop.till.checkout.set_quantity(shop.cashier, sale, a, 1000)
    shop.till.checkout.void_line(shop.cashier, sale, b, "erreur de saisie")
    other = shop.till.checkout.new_sale()
    shop.till.checkout.add_item(other, "SAN")
    shop.till.checkout.void_ticket(shop.cashier, other, "client parti")
    events = [json.loads(r["body"]) for r in journal_rows(shop.data_dir) if r["kind"] == "J"]
    by_code = {e["code"]: e for e in events}
    assert by_code[Jet.QUANTITY_DECREASED]["detail"]["from"] == 3000
    assert by_code[Jet.LINE_VOIDED]["detail"]["label"] == "Vin rouge"
    assert by_code[Jet.LINE_VOIDED]["detail"]["amount_cents"] == 1200
    assert by_code[Jet.TICKET_VOIDED]["detail"]["reason"] == "client parti"


class _Drawer:
    def __init__(self) -> None:
        self.opened = 0

    def open(self) -> None:
        self.opened += 1


def test_drawer_without_a_sale_needs_the_right_and_is_traced(shop: TillFixture) -> None:
    drawer = _Drawer()
    shop.till.context.drawer = drawer
    with pytest.raises(PermissionDenied):
        shop.till.checkout.open_drawer(shop.cashier, "monnaie")
    assert drawer.opened == 0
    with pytest.raises(InvalidInput):
        shop.till.checkout.open_drawer(shop.manager, "  ")
    shop.till.checkout.open_drawer(shop.cashier, "monnaie", approver=shop.manager)
    assert drawer.opened == 1
    event = json.loads(journal_rows(shop.data_dir)[-1]["body"])
    assert event["code"] == Jet.OVERRIDE
    assert event["detail"] == {"kind": "drawer_no_sale", "reason": "monnaie", "approved_by": "paul"}
    assert event["operator"]["id"] == "marie"
