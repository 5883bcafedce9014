"""Stock entered by hand, goods receipts, inventory counts and customers on a real SQLite till.

Each change writes its row (a stock movement, a customer) and its event of the second sync
stream in one transaction; nothing of it reaches the signed journal; bad input and missing
rights are refused with a French sentence and write nothing.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caisse.domain.errors import InvalidInput, Refused, UnknownProduct
from caisse.services import ops_events
from caisse.services.customers import CustomerNotFound, CustomerService
from caisse.services.errors import PermissionDenied
from caisse.services.operators import OperatorSession, Role
from caisse.services.stock import StockReason, StockService
from tests.integration.conftest import TillFixture
from tests.sync.conftest import sell

pytestmark = pytest.mark.integration


def _db(shop: TillFixture) -> sqlite3.Connection:
    return sqlite3.connect(shop.data_dir / "caisse.sqlite")


def _rows(shop: TillFixture, sql: str, *params: object) -> list[tuple[object, ...]]:
    with _db(shop) as conn:
        return list(conn.execute(sql, params).fetchall())


def _outbox(shop: TillFixture) -> list[tuple[str, str, dict[str, object], object, object]]:
    rows = _rows(
        shop, "SELECT event_id, kind, payload, sku, qty_milli FROM ops_outbox ORDER BY seq"
    )
    return [(str(e), str(k), json.loads(str(p)), s, q) for e, k, p, s, q in rows]


def _hand_movements(shop: TillFixture) -> list[tuple[object, ...]]:
    return _rows(
        shop,
        "SELECT sku, qty_milli, reason FROM stock_movements WHERE gseq IS NULL ORDER BY id",
    )


def _state(shop: TillFixture) -> tuple[object, ...]:
    """Everything a stock or customer change may write, and the journal's length."""
    return (
        _rows(shop, "SELECT * FROM ops_outbox ORDER BY seq"),
        _rows(shop, "SELECT * FROM stock_movements ORDER BY id"),
        _rows(shop, "SELECT * FROM stock_levels ORDER BY sku"),
        _rows(shop, "SELECT * FROM customers ORDER BY id"),
        _rows(shop, "SELECT COUNT(*) FROM journal"),
    )


def test_hand_entries_write_a_movement_and_an_event_and_no_journal_record(
    shop: TillFixture,
) -> None:
    stock = StockService(shop.till.context)
    journal_before = _rows(shop, "SELECT COUNT(*) FROM journal")
    received = stock.receive(shop.manager, "BAG", "24", "BL-2026-118")
    broken = stock.adjust(shop.manager, "3760000000017", "3", "casse", "tombées du présentoir")
    found = stock.adjust(shop.admin, "BAG", "1", StockReason.FOUND)
    weighed = stock.receive(shop.manager, "COMTE", "2,350")

    assert _rows(shop, "SELECT COUNT(*) FROM journal") == journal_before
    assert _hand_movements(shop) == [
        ("BAG", 24_000, "receipt"),
        ("BAG", -3_000, "adjust:breakage"),
        ("BAG", 1_000, "adjust:found"),
        ("COMTE", 2_350, "receipt"),
    ]
    outbox = _outbox(shop)
    assert [e[0] for e in outbox] == [
        received.event_id,
        broken.event_id,
        found.event_id,
        weighed.event_id,
    ]
    assert outbox[0][1:] == (
        "stock.receipt",
        {
            "sku": "BAG",
            "qty_milli": 24_000,
            "reason": "delivery",
            "operator_id": "paul",
            "reference": "BL-2026-118",
        },
        "BAG",
        24_000,
    )
    assert outbox[1][1:] == (
        "stock.adjust",
        {
            "sku": "BAG",
            "qty_milli": -3_000,
            "reason": "breakage",
            "operator_id": "paul",
            "comment": "tombées du présentoir",
        },
        "BAG",
        -3_000,
    )
    assert (received.level_milli, broken.level_milli, found.level_milli) == (24_000, 21_000, 22_000)
    assert stock.level("BAG") == 22_000
    assert stock.level("COMTE") == 2_350
    assert all(uuid.UUID(e[0]).version == 7 for e in outbox)


def test_a_count_records_the_difference_with_the_level_shown(shop: TillFixture) -> None:
    stock = StockService(shop.till.context)
    stock.receive(shop.manager, "BAG", "10")
    sell(shop, ("BAG", 4000))  # the sale's own movement: 6 left
    counted = stock.count(shop.manager, "BAG", "5")
    assert (counted.qty_milli, counted.counted_milli, counted.level_milli) == (-1000, 5000, 5000)
    assert _outbox(shop)[-1][1:] == (
        "stock.count",
        {"sku": "BAG", "counted_milli": 5000, "expected_milli": 6000, "operator_id": "paul"},
        "BAG",
        -1000,
    )
    # nothing left on the shelf is a count too
    empty = stock.count(shop.manager, "BAG", "0")
    assert (empty.qty_milli, empty.level_milli) == (-5000, 0)
    # a count equal to the level writes no movement but still tells the server
    movements = len(_hand_movements(shop))
    same = stock.count(shop.manager, "BAG", "0")
    assert same.qty_milli == 0
    assert len(_hand_movements(shop)) == movements
    assert _outbox(shop)[-1][1] == "stock.count"


def test_the_movement_and_its_event_commit_together(shop: TillFixture) -> None:
    stock = StockService(shop.till.context)
    before = _state(shop)
    with _db(shop) as conn:
        conn.execute(
            "CREATE TRIGGER refuse_ops BEFORE INSERT ON ops_outbox "
            "BEGIN SELECT RAISE(ABORT, 'outbox refused'); END"
        )
    with pytest.raises(sqlite3.IntegrityError):
        stock.adjust(shop.manager, "BAG", "2", "loss")
    with pytest.raises(sqlite3.IntegrityError):
        CustomerService(shop.till.context).add(shop.cashier, "Jeanne Martin")
    assert _state(shop) == before


Act = Callable[[TillFixture], object]

_REFUSED_INPUT: list[tuple[str, Act, type[Exception], str]] = [
    (
        "negative",
        lambda s: StockService(s.till.context).adjust(s.manager, "BAG", "-2", "breakage"),
        InvalidInput,
        "La quantité « -2 » est négative",
    ),
    (
        "non-numeric",
        lambda s: StockService(s.till.context).receive(s.manager, "BAG", "douze"),
        InvalidInput,
        "« douze » n'est pas une quantité valide.",
    ),
    (
        "zero adjustment",
        lambda s: StockService(s.till.context).adjust(s.manager, "BAG", "0", "loss"),
        InvalidInput,
        "La quantité doit être supérieure à zéro.",
    ),
    (
        "fraction of a piece",
        lambda s: StockService(s.till.context).receive(s.manager, "BAG", "1,5"),
        InvalidInput,
        "n'est pas un nombre entier de pièces",
    ),
    (
        "negative count",
        lambda s: StockService(s.till.context).count(s.manager, "BAG", "-1"),
        InvalidInput,
        "un stock compté ne peut pas être négatif",
    ),
    (
        "unknown sku",
        lambda s: StockService(s.till.context).adjust(s.manager, "NOPE", "1", "loss"),
        UnknownProduct,
        "Article inconnu : « NOPE »",
    ),
    (
        "unknown reason",
        lambda s: StockService(s.till.context).adjust(s.manager, "BAG", "1", "cadeau"),
        InvalidInput,
        "Motif de stock inconnu : « cadeau »",
    ),
    (
        "cashier adjusts",
        lambda s: StockService(s.till.context).adjust(s.cashier, "BAG", "1", "loss"),
        PermissionDenied,
        "Droit insuffisant : la saisie de stock",
    ),
    (
        "cashier counts",
        lambda s: StockService(s.till.context).count(s.cashier, "BAG", "1"),
        PermissionDenied,
        "Droit insuffisant : la saisie de stock",
    ),
    (
        "cashier receives",
        lambda s: StockService(s.till.context).receive(s.cashier, "BAG", "1"),
        PermissionDenied,
        "Droit insuffisant : la saisie de stock",
    ),
    (
        "bad e-mail",
        lambda s: CustomerService(s.till.context).add(s.cashier, "Jeanne", email="jeanne@"),
        InvalidInput,
        "Adresse e-mail invalide : « jeanne@ »",
    ),
    (
        "e-mail with a space",
        lambda s: CustomerService(s.till.context).add(s.cashier, "J", email="j m@exemple.fr"),
        InvalidInput,
        "Adresse e-mail invalide",
    ),
    (
        "bad phone",
        lambda s: CustomerService(s.till.context).add(s.cashier, "Jeanne", phone="12ab"),
        InvalidInput,
        "Numéro de téléphone invalide",
    ),
    (
        "empty name",
        lambda s: CustomerService(s.till.context).add(s.cashier, "   "),
        InvalidInput,
        "Le nom du client est vide.",
    ),
    (
        "auditor records a customer",
        lambda s: CustomerService(s.till.context).add(
            OperatorSession("aud", "Audit", Role.AUDITOR), "Jeanne"
        ),
        PermissionDenied,
        "Droit insuffisant : la vente",
    ),
]


@pytest.mark.parametrize(
    ("act", "error", "french"),
    [pytest.param(a, e, f, id=name) for name, a, e, f in _REFUSED_INPUT],
)
def test_refused_with_a_french_sentence_and_nothing_written(
    shop: TillFixture, act: Act, error: type[Exception], french: str
) -> None:
    StockService(shop.till.context).receive(shop.manager, "BAG", "5")
    before = _state(shop)
    with pytest.raises(error) as info:
        act(shop)
    assert isinstance(info.value, InvalidInput | Refused)
    assert french in info.value.fr
    assert info.value.fr != info.value.en
    assert _state(shop) == before


def test_customers_created_and_edited_field_by_field(shop: TillFixture) -> None:
    service = CustomerService(shop.till.context)
    created = service.add(
        shop.cashier,
        "  Jeanne   Martin ",
        email="Jeanne.Martin@Exemple.FR",
        phone="+33 6 12 34 56 78",
        marketing_optin=True,
    )
    assert (created.name, created.email) == ("Jeanne Martin", "Jeanne.Martin@exemple.fr")
    assert uuid.UUID(created.id).version == 7
    shop.clock.advance(minutes=5)
    updated = service.update(shop.manager, created.id, phone="", notes="préfère le pain bien cuit")
    assert updated.phone is None
    assert updated.updated_at > created.updated_at
    # an edit that changes nothing writes nothing
    again = service.update(shop.cashier, created.id, name="Jeanne Martin")
    assert again == updated
    assert service.get(created.id) == updated
    assert service.list(shop.cashier) == [updated]
    events = _outbox(shop)
    assert [e[1] for e in events] == ["customer.upsert", "customer.upsert"]
    assert events[0][2] == {
        "customer_id": created.id,
        "fields": {
            "name": "Jeanne Martin",
            "email": "Jeanne.Martin@exemple.fr",
            "phone": "+33 6 12 34 56 78",
            "notes": "",
            "marketing_optin": True,
        },
        "operator_id": "marie",
    }
    assert events[1][2] == {
        "customer_id": created.id,
        "fields": {"phone": None, "notes": "préfère le pain bien cuit"},
        "operator_id": "paul",
    }
    assert events[0][3:] == (None, None)
    with pytest.raises(CustomerNotFound):
        service.update(shop.cashier, str(uuid.uuid4()), name="X")
    # personal data never enter the signed journal
    bodies = [b for (b,) in _rows(shop, "SELECT body FROM journal")]
    assert bodies
    assert all(isinstance(b, bytes) for b in bodies)
    assert not any(b"Martin" in b for b in bodies if isinstance(b, bytes))


def test_uuid7_is_time_ordered_and_well_formed() -> None:
    early = datetime(2026, 3, 15, 13, 45, 2, tzinfo=UTC)
    late = datetime(2026, 3, 15, 13, 45, 3, tzinfo=UTC)
    a, b = ops_events.uuid7(early), ops_events.uuid7(late)
    assert a < b
    for text in (a, b):
        parsed = uuid.UUID(text)
        assert (parsed.version, parsed.variant) == (7, uuid.RFC_4122)
    assert int(a.replace("-", "")[:12], 16) == int(early.timestamp() * 1000)


_OPS = st.lists(
    st.tuples(
        st.sampled_from(["receive", "initial", "breakage", "theft", "count"]),
        st.integers(min_value=0, max_value=500),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=_OPS)
def test_the_level_follows_the_entries_and_the_events_carry_it(
    shop: TillFixture, ops: list[tuple[str, int]]
) -> None:
    """Model: receipts and entries add, exits subtract, a count sets the level; the level
    shown, the ledger and the events' effects all agree with it."""
    stock = StockService(shop.till.context)
    level = stock.level("COMTE")
    start_events = len(_outbox(shop))
    for op, grams in ops:
        text = f"{grams // 1000},{grams % 1000:03d}"
        if op == "count":
            stock.count(shop.manager, "COMTE", text)
            level = grams
            continue
        if grams == 0:
            continue
        if op == "receive":
            stock.receive(shop.manager, "COMTE", text)
            level += grams
        else:
            reason = StockReason(op)
            stock.adjust(shop.manager, "COMTE", text, reason)
            level += -grams if reason.is_exit else grams
        assert stock.level("COMTE") == level
    assert stock.level("COMTE") == level
    ledger = _rows(shop, "SELECT COALESCE(SUM(qty_milli), 0) FROM stock_levels WHERE sku = 'COMTE'")
    assert ledger == [(level,)]
    effects = _rows(shop, "SELECT COALESCE(SUM(qty_milli), 0) FROM ops_outbox WHERE sku = 'COMTE'")
    assert effects == [(level,)]
    assert len(_outbox(shop)) - start_events == sum(
        1 for op, grams in ops if op == "count" or grams > 0
    )
