"""Payments against a total: change only in cash, refunds exact, change never counted as cash."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from caisse.domain.errors import ChangeNotAllowed, InvalidAmount, InvalidInput, Refused
from caisse.domain.sale import (
    TENDER_LABELS_FR,
    Payment,
    Settlement,
    Tender,
    net_by_tender,
    settle,
)
from tests.unit.domain.strategies import assert_bilingual

NON_CASH = [tender for tender in Tender if tender is not Tender.CASH]


def test_tender_values_and_french_labels() -> None:
    assert [tender.value for tender in Tender] == [
        "CASH",
        "CARD",
        "CHEQUE",
        "MEAL_VOUCHER",
        "GIFT_VOUCHER",
        "CREDIT_NOTE",
    ]
    assert dict(TENDER_LABELS_FR) == {
        Tender.CASH: "Espèces",
        Tender.CARD: "Carte bancaire",
        Tender.CHEQUE: "Chèque",
        Tender.MEAL_VOUCHER: "Titre-restaurant",
        Tender.GIFT_VOUCHER: "Bon d'achat",
        Tender.CREDIT_NOTE: "Avoir",
    }


def test_payment_accepts_the_stored_method_name() -> None:
    assert Payment("CARD", 100).method is Tender.CARD  # type: ignore[arg-type]


def test_payment_refuses_an_unknown_method() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        Payment("BITCOIN", 100)  # type: ignore[arg-type]
    assert "BITCOIN" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_payment_refuses_zero() -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        Payment(Tender.CASH, 0)
    assert_bilingual(excinfo)


# ---------------------------------------------------------------- examples


def test_cash_gives_change() -> None:
    # TV-1: 14,10 € paid with a 15,00 € note.
    assert settle(1410, [Payment(Tender.CASH, 1500)]) == Settlement(
        paid=1500, remaining=0, change_cents=90, cash_cents=1500
    )


def test_card_then_cash_gives_change_from_the_cash() -> None:
    result = settle(1410, [Payment(Tender.CARD, 1000), Payment(Tender.CASH, 500)])
    assert (result.paid, result.remaining, result.change_cents) == (1500, 0, 90)
    assert result.net_cash_cents == 410
    assert result.covered


def test_partial_payment_leaves_a_remainder() -> None:
    result = settle(1410, [Payment(Tender.CARD, 1000)])
    assert (result.paid, result.remaining, result.change_cents) == (1000, 410, 0)
    assert not result.covered


def test_a_card_may_pay_exactly_the_total_but_not_a_cent_more() -> None:
    assert settle(1410, [Payment(Tender.CARD, 1410)]).covered
    with pytest.raises(ChangeNotAllowed):
        settle(1410, [Payment(Tender.CARD, 1411)])


def test_a_card_exceeding_the_total_is_refused_with_the_sentence_to_show() -> None:
    with pytest.raises(ChangeNotAllowed) as excinfo:
        settle(1410, [Payment(Tender.CARD, 1500)])
    assert excinfo.value.fr == (
        "Le paiement par carte bancaire dépasse le montant dû : "
        "seules les espèces rendent la monnaie."
    )
    assert excinfo.value.en == "The card payment exceeds the amount due: only cash gives change."
    assert isinstance(excinfo.value, Refused)


@pytest.mark.parametrize("tender", NON_CASH)
def test_no_tender_but_cash_gives_change(tender: Tender) -> None:
    with pytest.raises(ChangeNotAllowed) as excinfo:
        settle(1000, [Payment(Tender.CASH, 500), Payment(tender, 1001)])
    assert TENDER_LABELS_FR[tender].lower() in excinfo.value.fr
    assert_bilingual(excinfo)


def test_non_cash_tenders_together_may_not_exceed_the_total() -> None:
    with pytest.raises(ChangeNotAllowed, match="chèque"):
        settle(1000, [Payment(Tender.CARD, 600), Payment(Tender.CHEQUE, 500)])


def test_a_free_ticket_is_settled_without_payment() -> None:
    assert settle(0, []) == Settlement(paid=0, remaining=0, change_cents=0, cash_cents=0)


def test_a_sale_refuses_negative_payments() -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        settle(1000, [Payment(Tender.CASH, 1500), Payment(Tender.CASH, -500)])
    assert "remboursement" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_a_refund_is_paid_out_exactly() -> None:
    result = settle(-1410, [Payment(Tender.CARD, -1000), Payment(Tender.CASH, -410)])
    assert (result.paid, result.remaining, result.change_cents) == (-1410, 0, 0)
    assert result.net_cash_cents == -410
    assert result.covered


def test_a_partial_refund_leaves_a_negative_remainder() -> None:
    result = settle(-1410, [Payment(Tender.CASH, -1000)])
    assert (result.remaining, result.change_cents) == (-410, 0)
    assert not result.covered


@pytest.mark.parametrize("tender", list(Tender))
def test_a_refund_gives_no_change_whatever_the_tender(tender: Tender) -> None:
    with pytest.raises(ChangeNotAllowed) as excinfo:
        settle(-1410, [Payment(tender, -1411)])
    assert "ne rend pas de monnaie" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_a_refund_refuses_positive_payments() -> None:
    with pytest.raises(InvalidAmount) as excinfo:
        settle(-1410, [Payment(Tender.CASH, -1500), Payment(Tender.CASH, 90)])
    assert "négatifs" in excinfo.value.fr
    assert_bilingual(excinfo)


def test_money_paid_out_on_a_zero_total_is_a_refund_exceeded() -> None:
    with pytest.raises(ChangeNotAllowed):
        settle(0, [Payment(Tender.CASH, -100)])


def test_net_by_tender_deducts_the_change_from_cash() -> None:
    payments = [Payment(Tender.CARD, 1000), Payment(Tender.CASH, 300), Payment(Tender.CASH, 200)]
    assert net_by_tender(payments, 90) == {Tender.CARD: 1000, Tender.CASH: 410}
    assert net_by_tender(payments, 0) == {Tender.CARD: 1000, Tender.CASH: 500}


def test_net_by_tender_refuses_change_without_cash() -> None:
    with pytest.raises(ValueError, match="change"):
        net_by_tender([Payment(Tender.CARD, 1000)], 1)


# ---------------------------------------------------------------- properties

amounts = st.integers(1, 100_000)


@given(
    st.integers(0, 1_000_000),
    st.lists(st.tuples(st.sampled_from(NON_CASH), amounts), max_size=5),
    st.lists(amounts, max_size=5),
)
def test_sale_settlement_equations(
    total: int, non_cash: list[tuple[Tender, int]], cash: list[int]
) -> None:
    assume(sum(amount for _, amount in non_cash) <= total)
    payments = [Payment(tender, amount) for tender, amount in non_cash]
    payments += [Payment(Tender.CASH, amount) for amount in cash]
    result = settle(total, payments)
    tendered = sum(amount for _, amount in non_cash) + sum(cash)
    assert result.paid == tendered
    assert result.cash_cents == sum(cash)
    if tendered >= total:
        assert result.covered
        assert result.paid - result.change_cents == total
        assert 0 <= result.change_cents <= sum(cash)
        # The change is never counted as cash received: the drawer keeps tendered − change.
        assert result.net_cash_cents == sum(cash) - result.change_cents >= 0
        net = net_by_tender(payments, result.change_cents)
        assert sum(net.values()) == total
        assert net.get(Tender.CASH, 0) == result.net_cash_cents
    else:
        assert result.change_cents == 0
        assert result.remaining == total - tendered > 0


@given(
    st.integers(0, 1_000_000),
    st.lists(st.tuples(st.sampled_from(NON_CASH), amounts), min_size=1, max_size=5),
    st.lists(amounts, max_size=5),
)
def test_non_cash_over_the_total_is_always_refused(
    seed: int, non_cash: list[tuple[Tender, int]], cash: list[int]
) -> None:
    total = seed % sum(amount for _, amount in non_cash)  # always below the non-cash tenders
    payments = [Payment(Tender.CASH, amount) for amount in cash]
    payments += [Payment(tender, amount) for tender, amount in non_cash]
    with pytest.raises(ChangeNotAllowed):
        settle(total, payments)


@given(st.integers(1, 1_000_000), st.lists(st.tuples(st.sampled_from(Tender), amounts), max_size=5))
def test_refund_settlement_equations(due: int, paid_out: list[tuple[Tender, int]]) -> None:
    payments = [Payment(tender, -amount) for tender, amount in paid_out]
    out = sum(amount for _, amount in paid_out)
    if out > due:
        with pytest.raises(ChangeNotAllowed):
            settle(-due, payments)
        return
    result = settle(-due, payments)
    assert result.change_cents == 0
    assert result.paid == -out
    assert result.remaining == out - due
    assert result.covered == (out == due)
