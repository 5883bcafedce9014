"""Cash sessions: denominations, counts and the one expected-cash equation of the till.

The equation lives here and only here (`expected_cash`); the cash service, the X report and
the closing count all call it, and `tests/unit/domain/test_cash*.py` property-test it against
a model drawer. Amounts are int cents throughout.

Exception tree (all under `caisse.domain.errors`)::

    InvalidAmount                 a count or amount that is not a whole number >= 0, or an
                                  unknown denomination (exit 2 on the command line)
    Refused
    ├── JustificationRequired     counted differs from expected and no justification given
    ├── CashSessionOpen           a session is already open on this till
    └── NoCashSession             no session is open
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Final

from caisse.domain.errors import InvalidAmount, Refused
from caisse.domain.money import format_eur

CASH: Final = "CASH"
"""The tender value of cash in journal bodies (`caisse.domain.sale.Tender.CASH`)."""

DENOMINATIONS: Final[tuple[int, ...]] = (
    50000,
    20000,
    10000,
    5000,
    2000,
    1000,
    500,
    200,
    100,
    50,
    20,
    10,
    5,
    2,
    1,
)
"""Euro notes (500 € to 5 €) and coins (2 € to 1 c), in cents, largest first."""

MAX_PIECES: Final = 1_000_000
"""Most pieces of one denomination a count accepts (a typo guard, not a business rule)."""

MAX_AMOUNT_CENTS: Final = 99_999_999_999
"""Most cents an amount typed for a count or a movement may hold (999 999 999,99 €)."""

_DENOMINATION_RE: Final = re.compile(r"(?P<value>[0-9]+)\s*(?P<unit>€|e|eur|c|ct|cts)", re.I)
_WHOLE_RE: Final = re.compile(r"[0-9]+")


def denomination_label(cents: int) -> str:
    """`20e`, `2e`, `50c`: the short label the command line accepts and prints."""
    return f"{cents // 100}e" if cents >= 100 else f"{cents}c"


class CashOp(StrEnum):
    """What a payment-only (P) record does; the value is the body's ``op``."""

    OPEN = "OPEN"
    CASH_IN = "CASH_IN"
    CASH_OUT = "CASH_OUT"
    SAFE_DROP = "SAFE_DROP"
    BANK_DEPOSIT = "BANK_DEPOSIT"
    COUNT = "COUNT"


MOVEMENT_SIGN: Final[Mapping[CashOp, int]] = {
    CashOp.CASH_IN: 1,
    CashOp.CASH_OUT: -1,
    CashOp.SAFE_DROP: -1,
    CashOp.BANK_DEPOSIT: -1,
}
"""The drawer effect of each movement; OPEN and COUNT declare amounts but move nothing."""


class JustificationRequired(Refused):
    """A counted amount differs from the expected one and no justification was given."""

    def __init__(self, differences: Mapping[str, int]) -> None:
        shown = ", ".join(f"{m} {format_eur(d)}" for m, d in sorted(differences.items()) if d)
        super().__init__(
            f"Écart de caisse ({shown}) : indiquez une justification pour valider le comptage.",
            f"Cash difference ({shown}): give a justification to record the count.",
        )
        self.differences = dict(differences)


class CashSessionOpen(Refused):
    def __init__(self, opened_at: str) -> None:
        super().__init__(
            f"Une session de caisse est déjà ouverte (depuis {opened_at}) : comptez-la d'abord.",
            f"A cash session is already open (since {opened_at}): count it first.",
        )


class NoCashSession(Refused):
    def __init__(self) -> None:
        super().__init__(
            "Aucune session de caisse n'est ouverte : faites d'abord l'ouverture de caisse.",
            "No cash session is open: open the cash drawer first.",
        )


# --------------------------------------------------------------------------- parsing


def parse_denomination(text: str) -> int:
    """`20e`, `20€`, `2e`, `10c` → cents; only real euro notes and coins are accepted.

    Raises:
        InvalidAmount: not a euro note or coin.
    """
    match = _DENOMINATION_RE.fullmatch(text.strip())
    if match is not None:
        value = int(match["value"])
        cents = value if match["unit"].lower().startswith("c") else value * 100
        if cents in DENOMINATIONS:
            return cents
    labels = " ".join(denomination_label(d) for d in DENOMINATIONS)
    raise InvalidAmount(
        f"Coupure inconnue : {text!r} (coupures possibles : {labels}).",
        f"Unknown denomination: {text!r} (possible: {labels}).",
    )


def parse_whole(text: str, what_fr: str, what_en: str, *, limit: int) -> int:
    """A whole number ≥ 0 typed by a person (no sign, no letters, no decimals).

    Raises:
        InvalidAmount: anything else, or more than `limit`.
    """
    shown = text.strip()
    if not _WHOLE_RE.fullmatch(shown) or int(shown) > limit:
        raise InvalidAmount(
            f"{what_fr} invalide : {text!r} (un nombre entier positif ou nul est attendu).",
            f"Invalid {what_en}: {text!r} (a whole number, zero or more, is expected).",
        )
    return int(shown)


def parse_count_item(text: str) -> tuple[int, int]:
    """`20e:3` → (2000, 3): a denomination and how many pieces were counted.

    Raises:
        InvalidAmount: no colon, an unknown denomination, or a count that is not a whole
            number ≥ 0.
    """
    label, sep, pieces = text.partition(":")
    if not sep:
        raise InvalidAmount(
            f"Comptage invalide : {text!r} (écrivez COUPURE:NOMBRE, par ex. 20e:3 ou 10c:4).",
            f"Invalid count: {text!r} (write DENOMINATION:NUMBER, e.g. 20e:3 or 10c:4).",
        )
    cents = parse_denomination(label)
    return cents, parse_whole(pieces, "Nombre de pièces", "number of pieces", limit=MAX_PIECES)


@dataclass(frozen=True, slots=True)
class CashCount:
    """Cash counted in a drawer: by denomination, or as a single amount.

    Attributes:
        pieces: (denomination in cents, number of pieces), largest first, one entry per
            denomination; empty when only an amount was given.
        total_cents: the amount counted.
    """

    pieces: tuple[tuple[int, int], ...]
    total_cents: int

    @classmethod
    def of_pieces(cls, items: Iterable[tuple[int, int]]) -> CashCount:
        """A count by denomination; the same denomination twice adds up.

        Raises:
            InvalidAmount: an unknown denomination or a negative number of pieces.
        """
        merged: dict[int, int] = {}
        for cents, pieces in items:
            if cents not in DENOMINATIONS:
                raise InvalidAmount(
                    f"Coupure inconnue : {cents} c.", f"Unknown denomination: {cents} cents."
                )
            if pieces < 0 or pieces > MAX_PIECES:
                raise InvalidAmount(
                    f"Nombre de pièces invalide pour {denomination_label(cents)} : {pieces}.",
                    f"Invalid number of pieces for {denomination_label(cents)}: {pieces}.",
                )
            merged[cents] = merged.get(cents, 0) + pieces
        ordered = tuple((d, merged[d]) for d in DENOMINATIONS if d in merged)
        return cls(ordered, sum(d * n for d, n in ordered))

    @classmethod
    def of_amount(cls, cents: int) -> CashCount:
        """A count given as one amount (no detail by denomination).

        Raises:
            InvalidAmount: a negative or absurd amount.
        """
        if cents < 0 or cents > MAX_AMOUNT_CENTS:
            raise InvalidAmount(
                f"Montant compté invalide : {cents} (centimes, zéro ou plus).",
                f"Invalid counted amount: {cents} (cents, zero or more).",
            )
        return cls((), cents)

    def as_body(self) -> dict[str, Any]:
        return {
            "cash_cents": self.total_cents,
            "denominations": [
                {"denomination_cents": d, "pieces": n, "amount_cents": d * n}
                for d, n in self.pieces
            ],
        }


# --------------------------------------------------------------------------- the equation


@dataclass(frozen=True, slots=True)
class CashFlows:
    """Everything that moved cash in or out of the drawer during one session.

    Signs are fixed so that a wrong sign cannot hide: every field is ≥ 0 except
    `cash_refunds`, the cash paid back on refunds, which is ≤ 0 as in the refund bodies.
    """

    opening_float: int = 0
    cash_tendered: int = 0
    change_given: int = 0
    cash_refunds: int = 0
    cash_in: int = 0
    cash_out: int = 0
    safe_drops: int = 0
    bank_deposits: int = 0

    def as_body(self) -> dict[str, int]:
        return {
            "opening_float_cents": self.opening_float,
            "cash_tendered_cents": self.cash_tendered,
            "change_given_cents": self.change_given,
            "cash_refunds_cents": self.cash_refunds,
            "cash_in_cents": self.cash_in,
            "cash_out_cents": self.cash_out,
            "safe_drops_cents": self.safe_drops,
            "bank_deposits_cents": self.bank_deposits,
        }


def expected_cash(flows: CashFlows) -> int:
    """The cash that should be in the drawer: THE equation of the till.

    expected = opening float + Σ(cash tendered − change given) over sales
               + Σ cash refunds (negative) + cash in − cash out − safe drops − bank deposits

    Change is handed back out of the cash tendered, so it is never counted as cash received.
    The opening float is the amount counted at opening; its difference with the previous
    closing is reported once, at opening (`opening_difference`), and never enters this sum.
    """
    return (
        flows.opening_float
        + (flows.cash_tendered - flows.change_given)
        + flows.cash_refunds
        + flows.cash_in
        - flows.cash_out
        - flows.safe_drops
        - flows.bank_deposits
    )


def opening_difference(opening_float: int, previous_closing: int | None) -> int | None:
    """Counted at opening minus what the previous session left; None without a previous one."""
    return None if previous_closing is None else opening_float - previous_closing


@dataclass
class CashLedger:
    """Folds one session's tickets and movements into its flows and per-tender totals.

    Training tickets never reach a ledger: their money is not the shop's.
    """

    flows: CashFlows = field(default_factory=CashFlows)
    other_tenders: dict[str, int] = field(default_factory=dict)
    tickets: int = 0

    def add_ticket(self, payments: Iterable[tuple[str, int]], change_cents: int) -> None:
        """A sale (positive tenders, change in cash) or a refund (negative tenders, no change)."""
        tendered = self.flows.cash_tendered
        refunds = self.flows.cash_refunds
        for method, amount in payments:
            if method != CASH:
                self.other_tenders[method] = self.other_tenders.get(method, 0) + amount
            elif amount >= 0:
                tendered += amount
            else:
                refunds += amount
        self.flows = replace(
            self.flows,
            cash_tendered=tendered,
            cash_refunds=refunds,
            change_given=self.flows.change_given + change_cents,
        )
        self.tickets += 1

    def add_movement(self, op: CashOp, amount_cents: int) -> None:
        """A P record's drawer effect (signed as in its body: cash in > 0, the others < 0)."""
        f = self.flows
        magnitude = abs(amount_cents)
        if op is CashOp.CASH_IN:
            self.flows = replace(f, cash_in=f.cash_in + magnitude)
        elif op is CashOp.CASH_OUT:
            self.flows = replace(f, cash_out=f.cash_out + magnitude)
        elif op is CashOp.SAFE_DROP:
            self.flows = replace(f, safe_drops=f.safe_drops + magnitude)
        elif op is CashOp.BANK_DEPOSIT:
            self.flows = replace(f, bank_deposits=f.bank_deposits + magnitude)

    def expected_by_tender(self) -> dict[str, int]:
        """Cash from the equation; every other tender is the net of its payments."""
        expected = {CASH: expected_cash(self.flows)}
        expected.update(self.other_tenders)
        return expected


@dataclass(frozen=True, slots=True)
class TenderCount:
    """One line of a closing count: expected, counted (None: not counted) and difference."""

    method: str
    expected_cents: int
    counted_cents: int | None

    @property
    def difference_cents(self) -> int | None:
        return None if self.counted_cents is None else self.counted_cents - self.expected_cents

    def as_body(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "expected_cents": self.expected_cents,
            "counted_cents": self.counted_cents,
            "difference_cents": self.difference_cents,
        }


def compare_count(
    expected: Mapping[str, int], counted: Mapping[str, int], justification: str | None
) -> list[TenderCount]:
    """Line up the counted tenders with the expected ones (cash must be counted).

    Every tender expected or counted gets a line; a tender expected but not counted is
    reported as not counted. A difference on any counted tender needs a justification.

    Raises:
        InvalidAmount: cash was not counted, or a negative counted amount.
        JustificationRequired: a difference and no justification.
    """
    if CASH not in counted:
        raise InvalidAmount(
            "Les espèces doivent être comptées (coupures ou montant).",
            "Cash must be counted (denominations or an amount).",
        )
    for method, cents in counted.items():
        if cents < 0:
            raise InvalidAmount(
                f"Montant compté négatif pour {method}.", f"Negative counted amount for {method}."
            )
    methods = sorted(set(expected) | set(counted), key=lambda m: (m != CASH, m))
    lines = [TenderCount(m, expected.get(m, 0), counted.get(m)) for m in methods]
    differences = {t.method: t.difference_cents or 0 for t in lines}
    if any(differences.values()) and not (justification or "").strip():
        raise JustificationRequired(differences)
    return lines
