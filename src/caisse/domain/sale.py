"""The sale aggregate, the ticket computation shared by sales and refunds, and settlement."""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from caisse.domain.catalog import Product
from caisse.domain.errors import (
    ChangeNotAllowed,
    DiscountNotAllowed,
    InvalidAmount,
    InvalidInput,
    InvalidQuantity,
    InvalidVatRate,
    LineNotFound,
    Refused,
    SaleNotOpen,
    UnderPaid,
)
from caisse.domain.money import format_eur, round_half_away
from caisse.domain.units import MILLI_PER_UNIT, Unit
from caisse.domain.vat import (
    BP_PER_UNIT,
    KNOWN_RATES_BP,
    VatAmounts,
    allocate,
    format_rate,
    ht_from_ttc,
    vat_breakdown,
)

logger = logging.getLogger(__name__)

# note: every amount is int cents, every quantity int thousandths, every rate int basis points.
# compute_ticket is a pure function so that a sale, its refund, a reprint and the auditor's
# verifier all get the same cents from the same inputs.


class Tender(StrEnum):
    """A means of payment; the value is what the journal body stores."""

    CASH = "CASH"
    CARD = "CARD"
    CHEQUE = "CHEQUE"
    MEAL_VOUCHER = "MEAL_VOUCHER"
    GIFT_VOUCHER = "GIFT_VOUCHER"
    CREDIT_NOTE = "CREDIT_NOTE"


TENDER_LABELS_FR: Final[Mapping[Tender, str]] = MappingProxyType(
    {
        Tender.CASH: "Espèces",
        Tender.CARD: "Carte bancaire",
        Tender.CHEQUE: "Chèque",
        Tender.MEAL_VOUCHER: "Titre-restaurant",
        Tender.GIFT_VOUCHER: "Bon d'achat",
        Tender.CREDIT_NOTE: "Avoir",
    }
)


class SaleOp(StrEnum):
    """What a ticket does; the journal body's `op`. A refund has negative quantities."""

    SALE = "SALE"
    REFUND = "REFUND"


class SaleState(StrEnum):
    """Where a sale is in its life: only an OPEN sale can change."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


def _clean_text(text: str) -> str:
    """Stripped and NFC, as the journal body stores strings."""
    return unicodedata.normalize("NFC", text.strip())


# ---------------------------------------------------------------- discounts and overrides


@dataclass(frozen=True)
class Discount:
    """A discount on a line or on the whole ticket: a percentage or a fixed amount.

    Attributes:
        percent_bp: the percentage in basis points (1000 = 10 %, 10000 = 100 %), or None.
        amount_cents: a fixed amount in cents, or None. On a refund line it is deducted with
            the sign of the line, so the refund mirrors the sale.

    Raises:
        DiscountNotAllowed: neither or both set, a zero or negative value, or over 100 %.
    """

    percent_bp: int | None = None
    amount_cents: int | None = None

    def __post_init__(self) -> None:
        if (self.percent_bp is None) == (self.amount_cents is None):
            raise DiscountNotAllowed(
                "Une remise est soit un pourcentage, soit un montant, et pas les deux.",
                "A discount is either a percentage or an amount, not both nor neither.",
            )
        if self.percent_bp is not None and not 0 < self.percent_bp <= BP_PER_UNIT:
            raise DiscountNotAllowed(
                f"Une remise de {format_rate(self.percent_bp)} est impossible : "
                "elle doit être comprise entre 0 et 100 %.",
                f"A {format_rate(self.percent_bp)} discount is impossible: "
                "it must be above 0 and at most 100 %.",
            )
        if self.amount_cents is not None and self.amount_cents <= 0:
            raise DiscountNotAllowed(
                f"Une remise de {format_eur(self.amount_cents)} est impossible : "
                "elle doit être positive.",
                f"A {format_eur(self.amount_cents)} discount is impossible: it must be positive.",
            )

    @classmethod
    def of_percent(cls, percent_bp: int) -> Discount:
        """A percentage discount, in basis points (1000 = 10 %)."""
        return cls(percent_bp=percent_bp)

    @classmethod
    def of_amount(cls, amount_cents: int) -> Discount:
        """A fixed discount, in cents."""
        return cls(amount_cents=amount_cents)

    def amount_for(self, gross: int) -> int:
        """The discount in cents on an amount, with the amount's sign.

        Args:
            gross: the amount the discount applies to (negative on a refund).

        Returns:
            The cents to deduct: ``round_half_away(gross * bp, 10000)`` for a percentage, the
            fixed amount (negated when `gross` is negative) otherwise.

        Raises:
            DiscountNotAllowed: the discount is larger than the amount.
        """
        if self.percent_bp is not None:
            # note: at most 100 %, so the result never exceeds the gross in absolute value.
            return round_half_away(gross * self.percent_bp, BP_PER_UNIT)
        amount = self.amount_cents if self.amount_cents is not None else 0
        if amount > abs(gross):
            raise DiscountNotAllowed(
                f"La remise de {format_eur(amount)} dépasse le montant auquel elle s'applique "
                f"({format_eur(abs(gross))}).",
                f"The {format_eur(amount)} discount exceeds the amount it applies to "
                f"({format_eur(abs(gross))}).",
            )
        return amount if gross >= 0 else -amount


@dataclass(frozen=True)
class PriceOverride:
    """A manual change of a line's unit price; the original stays on record.

    Attributes:
        from_cents: the catalog price replaced.
        to_cents: the price charged.
        reason: why, as typed by the cashier (required: the journal shows it to the auditor).

    Raises:
        InvalidAmount: a negative price, or a new price equal to the old one.
        InvalidInput: no reason.
    """

    from_cents: int
    to_cents: int
    reason: str

    def __post_init__(self) -> None:
        if self.from_cents < 0 or self.to_cents < 0:
            raise InvalidAmount("Un prix ne peut pas être négatif.", "A price cannot be negative.")
        if self.from_cents == self.to_cents:
            raise InvalidAmount(
                f"Le nouveau prix est identique à l'ancien ({format_eur(self.to_cents)}).",
                f"The new price equals the old one ({format_eur(self.to_cents)}).",
            )
        reason = _clean_text(self.reason)
        if not reason:
            raise InvalidInput(
                "Le motif du changement de prix est obligatoire.",
                "A reason is required to change a price.",
            )
        object.__setattr__(self, "reason", reason)


# ---------------------------------------------------------------- the ticket computation


@dataclass(frozen=True)
class LineInput:
    """One line as given to `compute_ticket`: everything the body records, before totals.

    Attributes:
        n: the line number on the ticket, 1-based.
        sku: the product code.
        label: the product name.
        vat_bp: the VAT rate in basis points.
        unit: how the quantity is counted.
        qty_milli: thousandths of a piece, or grams; negative on a refund; zero only for a
            weighed item not yet weighed.
        unit_ttc_cents: the unit price charged (the overridden one when overridden).
        line_discount: the line's own discount, if any.
        price_override: the manual price change, if any; its `to_cents` is `unit_ttc_cents`.

    Raises:
        InvalidQuantity: a zero quantity on an item sold by the piece.
        InvalidAmount: a negative unit price.
        InvalidVatRate: a rate that France never had.
        ValueError: a line number below 1, or an override that does not end at the price
            charged (programming errors).
    """

    n: int
    sku: str
    label: str
    vat_bp: int
    unit: Unit
    qty_milli: int
    unit_ttc_cents: int
    line_discount: Discount | None = None
    price_override: PriceOverride | None = None

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"line numbers start at 1, got {self.n}")
        if self.qty_milli == 0 and self.unit is not Unit.KG:
            raise InvalidQuantity(
                f"La quantité de la ligne {self.n} ({self.label}) ne peut pas être nulle.",
                f"The quantity of line {self.n} ({self.label}) cannot be zero.",
            )
        if self.unit_ttc_cents < 0:
            raise InvalidAmount(
                f"Le prix de la ligne {self.n} ({self.label}) ne peut pas être négatif.",
                f"The price of line {self.n} ({self.label}) cannot be negative.",
            )
        if self.vat_bp not in KNOWN_RATES_BP:
            raise InvalidVatRate(
                f"La ligne {self.n} ({self.label}) a un taux de TVA inconnu "
                f"({format_rate(self.vat_bp)}).",
                f"Line {self.n} ({self.label}) has an unknown VAT rate "
                f"({format_rate(self.vat_bp)}).",
            )
        if self.price_override is not None and self.price_override.to_cents != (
            self.unit_ttc_cents
        ):
            raise ValueError(
                f"line {self.n}: the override ends at {self.price_override.to_cents}, "
                f"the price charged is {self.unit_ttc_cents}"
            )


@dataclass(frozen=True)
class ComputedLine:
    """A ticket line with its amounts: the inputs, then what `compute_ticket` derived.

    ``line_ttc_cents == gross_cents - discount_cents - ticket_discount_cents``. On each rate the
    lines' `line_ht_cents` add up exactly to the rate's HT; `unit_ht_cents` is informative.
    """

    n: int
    sku: str
    label: str
    vat_bp: int
    unit: Unit
    qty_milli: int
    unit_ttc_cents: int
    line_discount: Discount | None
    price_override: PriceOverride | None
    gross_cents: int
    discount_cents: int
    ticket_discount_cents: int
    line_ttc_cents: int
    line_ht_cents: int
    unit_ht_cents: int

    @property
    def total_discount_cents(self) -> int:
        """The line's own discount plus its share of the ticket discount."""
        return self.discount_cents + self.ticket_discount_cents

    @property
    def tva_cents(self) -> int:
        """The line's share of its rate's VAT."""
        return self.line_ttc_cents - self.line_ht_cents


@dataclass(frozen=True)
class TicketTotals:
    """Everything a ticket adds up to.

    Attributes:
        lines: the computed lines, in ticket order.
        vat: one entry per rate, ascending.
        total_ttc_cents: what the customer pays (negative for a refund).
        total_ht_cents: the sum of the rates' HT.
        ticket_discount_cents: the ticket discount, as spread over the lines.
    """

    lines: tuple[ComputedLine, ...]
    vat: list[VatAmounts]
    total_ttc_cents: int
    total_ht_cents: int
    ticket_discount_cents: int

    @property
    def total_tva_cents(self) -> int:
        """The VAT of the ticket, all rates together."""
        return self.total_ttc_cents - self.total_ht_cents


def compute_ticket(
    lines: Sequence[LineInput], ticket_discount: Discount | None = None
) -> TicketTotals:
    """Compute a ticket's lines, VAT and totals, for a sale or a refund alike.

    Per line: ``gross = round_half_away(qty_milli * unit_ttc_cents, 1000)``, minus the line
    discount. The ticket discount is computed on the sum of those nets and spread over the
    lines in proportion to their nets (`allocate`, so the shares add up exactly). The VAT is
    computed per rate on the sum of the lines' TTC, and each rate's HT is spread back over its
    lines in proportion to their TTC. Every step is symmetric under negation, so the refund of
    a whole sale gives exactly the negated figures.

    Args:
        lines: the ticket's lines, with distinct numbers.
        ticket_discount: a discount on the whole ticket, if any.

    Returns:
        The computed lines, VAT breakdown and totals.

    Raises:
        DiscountNotAllowed: a discount larger than the amount it applies to.
        ValueError: two lines with the same number (a programming error).
    """
    numbers = [line.n for line in lines]
    if len(set(numbers)) != len(numbers):
        raise ValueError(f"line numbers must be distinct, got {numbers}")
    gross = [
        round_half_away(line.qty_milli * line.unit_ttc_cents, MILLI_PER_UNIT) for line in lines
    ]
    discounts = [
        0 if line.line_discount is None else line.line_discount.amount_for(amount)
        for line, amount in zip(lines, gross, strict=True)
    ]
    nets = [amount - discount for amount, discount in zip(gross, discounts, strict=True)]
    ticket_discount_cents = 0 if ticket_discount is None else ticket_discount.amount_for(sum(nets))
    # note: a non-zero ticket discount implies a non-zero sum of nets (amount_for refuses to
    # discount nothing), so allocate always has a proportional split to make.
    shares = allocate(ticket_discount_cents, nets)
    line_ttc = [net - share for net, share in zip(nets, shares, strict=True)]

    vat = vat_breakdown((line.vat_bp, ttc) for line, ttc in zip(lines, line_ttc, strict=True))
    line_ht = [0] * len(lines)
    for rate in vat:
        indexes = [i for i, line in enumerate(lines) if line.vat_bp == rate.rate_bp]
        for index, ht in zip(
            indexes, allocate(rate.ht, [line_ttc[i] for i in indexes]), strict=True
        ):
            line_ht[index] = ht

    computed = tuple(
        ComputedLine(
            n=line.n,
            sku=line.sku,
            label=line.label,
            vat_bp=line.vat_bp,
            unit=line.unit,
            qty_milli=line.qty_milli,
            unit_ttc_cents=line.unit_ttc_cents,
            line_discount=line.line_discount,
            price_override=line.price_override,
            gross_cents=gross[i],
            discount_cents=discounts[i],
            ticket_discount_cents=shares[i],
            line_ttc_cents=line_ttc[i],
            line_ht_cents=line_ht[i],
            unit_ht_cents=ht_from_ttc(line.unit_ttc_cents, line.vat_bp),
        )
        for i, line in enumerate(lines)
    )
    return TicketTotals(
        lines=computed,
        vat=vat,
        total_ttc_cents=sum(line_ttc),
        total_ht_cents=sum(rate.ht for rate in vat),
        ticket_discount_cents=ticket_discount_cents,
    )


# ---------------------------------------------------------------- payments and settlement


@dataclass(frozen=True)
class Payment:
    """One tender handed over (or paid out, negative, on a refund).

    Raises:
        InvalidInput: an unknown means of payment.
        InvalidAmount: a zero amount.
    """

    method: Tender
    amount_cents: int

    def __post_init__(self) -> None:
        try:
            method = Tender(self.method)
        except ValueError as exc:
            raise InvalidInput(
                f"Moyen de paiement inconnu : « {self.method} ».",
                f"Unknown means of payment: '{self.method}'.",
            ) from exc
        if self.amount_cents == 0:
            raise InvalidAmount(
                "Un règlement de 0,00 € n'a pas de sens.", "A payment of 0.00 € makes no sense."
            )
        object.__setattr__(self, "method", method)


@dataclass(frozen=True)
class Settlement:
    """Where the payments of a ticket stand against its total.

    Attributes:
        paid: the sum of the payments (cash counted as tendered, before change).
        remaining: what is still to settle, with the total's sign (0 once covered).
        change_cents: the cash handed back; only cash gives change, refunds never do.
        cash_cents: the cash tendered (or paid out on a refund).
    """

    paid: int
    remaining: int
    change_cents: int
    cash_cents: int = 0

    @property
    def covered(self) -> bool:
        """Whether the payments settle the total."""
        return self.remaining == 0

    @property
    def net_cash_cents(self) -> int:
        """The cash that stays in the drawer: tendered minus change, never the change itself."""
        return self.cash_cents - self.change_cents


def settle(total_ttc: int, payments: Sequence[Payment]) -> Settlement:
    """Settle a total against payments.

    For a sale (total ≥ 0) payments are positive, only cash may exceed what is due and the
    excess is the change. For a refund (total < 0) payments are negative and may not exceed the
    total: a refund gives no change.

    Args:
        total_ttc: the ticket's total.
        payments: the tenders, in the order taken.

    Returns:
        The amounts paid, remaining and handed back.

    Raises:
        InvalidAmount: a payment of the wrong sign for the ticket.
        ChangeNotAllowed: non-cash tenders exceed a sale's total, or payments exceed a refund.
    """
    cash = sum(p.amount_cents for p in payments if p.method is Tender.CASH)
    paid = sum(p.amount_cents for p in payments)
    # note: a zero total with money paid out is a refund whose lines were all voided; it
    # must read as "refund exceeded", not as "negative payment on a sale".
    if total_ttc < 0 or (total_ttc == 0 and any(p.amount_cents < 0 for p in payments)):
        if any(p.amount_cents > 0 for p in payments):
            raise InvalidAmount(
                "Un remboursement se règle par des montants négatifs.",
                "A refund is settled with negative amounts.",
            )
        if paid < total_ttc:
            raise ChangeNotAllowed(
                f"Le remboursement ({format_eur(-paid)}) dépasse le montant dû "
                f"({format_eur(-total_ttc)}) : un remboursement ne rend pas de monnaie.",
                f"The refund ({format_eur(-paid)}) exceeds the amount due "
                f"({format_eur(-total_ttc)}): a refund gives no change.",
            )
        return Settlement(paid=paid, remaining=total_ttc - paid, change_cents=0, cash_cents=cash)
    if any(p.amount_cents < 0 for p in payments):
        raise InvalidAmount(
            "Un règlement négatif n'est possible que pour un remboursement.",
            "A negative payment is only possible on a refund.",
        )
    non_cash = 0
    for payment in payments:
        if payment.method is Tender.CASH:
            continue
        non_cash += payment.amount_cents
        if non_cash > total_ttc:
            label = TENDER_LABELS_FR[payment.method].lower()
            raise ChangeNotAllowed(
                f"Le paiement par {label} dépasse le montant dû : seules les espèces rendent "
                "la monnaie.",
                f"The {payment.method.value.lower().replace('_', ' ')} payment exceeds the "
                "amount due: only cash gives change.",
            )
    return Settlement(
        paid=paid,
        remaining=max(total_ttc - paid, 0),
        change_cents=max(paid - total_ttc, 0),
        cash_cents=cash,
    )


def net_by_tender(payments: Sequence[Payment], change_cents: int) -> dict[Tender, int]:
    """What each means of payment really brought in, change deducted from cash.

    This is what closures total per payment method: the change handed back is never counted
    as cash received.

    Raises:
        ValueError: change without enough cash to give it from (a programming error).
    """
    totals: dict[Tender, int] = {}
    for payment in payments:
        totals[payment.method] = totals.get(payment.method, 0) + payment.amount_cents
    if change_cents:
        if totals.get(Tender.CASH, 0) < change_cents:
            raise ValueError(f"change {change_cents} exceeds the cash tendered")
        totals[Tender.CASH] -= change_cents
    return totals


# ---------------------------------------------------------------- the sale aggregate


@dataclass(frozen=True)
class SaleLine:
    """A line of an open sale, as the cashier built it; voided lines stay listed.

    Attributes:
        n: the line number, 1-based, stable for the life of the sale (voids included).
        product: the product sold, as it was when scanned.
        qty_milli: thousandths of a piece, or grams (0 while a weighed item awaits weighing).
        unit_ttc_cents: the unit price charged.
        discount: the line's discount, if any.
        price_override: the manual price change, if any.
        voided: whether the line was voided (kept for the JET, out of the totals).
        void_reason: why it was voided.
    """

    n: int
    product: Product
    qty_milli: int
    unit_ttc_cents: int
    discount: Discount | None = None
    price_override: PriceOverride | None = None
    voided: bool = False
    void_reason: str | None = None

    @property
    def sku(self) -> str:
        """The product's code."""
        return self.product.sku

    @property
    def label(self) -> str:
        """The product's name."""
        return self.product.label

    @property
    def vat_bp(self) -> int:
        """The product's VAT rate in basis points."""
        return self.product.vat_bp

    @property
    def unit(self) -> Unit:
        """How the quantity is counted."""
        return self.product.unit

    def to_input(self, n: int) -> LineInput:
        """This line as a `LineInput` numbered `n` on the ticket."""
        return LineInput(
            n=n,
            sku=self.product.sku,
            label=self.product.label,
            vat_bp=self.product.vat_bp,
            unit=self.product.unit,
            qty_milli=self.qty_milli,
            unit_ttc_cents=self.unit_ttc_cents,
            line_discount=self.discount,
            price_override=self.price_override,
        )


@dataclass(frozen=True)
class FinalisedSale:
    """A closed sale, ready to be journaled and printed.

    Attributes:
        totals: the ticket's lines, VAT and totals (voided lines excluded).
        payments: the tenders, in the order taken.
        change_cents: the cash handed back.
        op: SALE or REFUND.
    """

    totals: TicketTotals
    payments: tuple[Payment, ...]
    change_cents: int
    op: SaleOp = SaleOp.SALE

    def net_by_tender(self) -> dict[Tender, int]:
        """What each means of payment brought in, change deducted from cash."""
        return net_by_tender(self.payments, self.change_cents)


@dataclass(eq=False, kw_only=True)
class Sale:
    """A sale (or refund) being rung up; it enforces its own rules at every step.

    Each mutation is computed on a candidate state and applied only if the whole ticket still
    computes and settles, so a `Sale` is never left half-changed by a refused operation.
    Lines and payments are tuples, replaced as a whole, so that nobody appends past the rules.

    Attributes:
        op: SALE (positive quantities and payments) or REFUND (negative ones).
        id: set by the repository that stores the sale; the domain never reads it.
        lines: every line added, voided ones included, numbered 1..n.
        ticket_discount: a discount on the whole ticket, if any.
        payments: the tenders taken so far.
        state: OPEN until finalised or cancelled.
    """

    op: SaleOp = SaleOp.SALE
    id: str | None = None
    lines: tuple[SaleLine, ...] = ()
    ticket_discount: Discount | None = None
    payments: tuple[Payment, ...] = ()
    state: SaleState = SaleState.OPEN

    def __post_init__(self) -> None:
        # note: a sale read back from storage goes through the same rules as one rung up.
        self.op, self.state = SaleOp(self.op), SaleState(self.state)
        self.lines, self.payments = tuple(self.lines), tuple(self.payments)
        for index, line in enumerate(self.lines, start=1):
            if line.n != index:
                raise ValueError(f"sale lines must be numbered 1..n, got {line.n} at {index}")
            self._check_quantity(line.product, line.qty_milli)
        self._check(self.lines, self.ticket_discount, self.payments)

    # ------------------------------------------------------------ reading

    @property
    def active_lines(self) -> tuple[SaleLine, ...]:
        """The lines not voided, in the order added: ``totals.lines[i]`` is ``active_lines[i]``."""
        return tuple(line for line in self.lines if not line.voided)

    @property
    def totals(self) -> TicketTotals:
        """The ticket of the active lines, renumbered 1..k in the order added."""
        return _totals(self.lines, self.ticket_discount)

    @property
    def settlement(self) -> Settlement:
        """Where the payments stand against the total."""
        return settle(self.totals.total_ttc_cents, self.payments)

    def line(self, n: int) -> SaleLine:
        """The line numbered `n`, voided or not.

        Raises:
            LineNotFound: no such line.
        """
        if not 1 <= n <= len(self.lines):
            raise LineNotFound(
                f"La ligne {n} n'existe pas sur ce ticket.",
                f"Line {n} does not exist on this ticket.",
            )
        return self.lines[n - 1]

    # ------------------------------------------------------------ lines

    def add_line(self, product: Product, qty_milli: int) -> int:
        """Add a product; returns the new line's number (1-based, never reused).

        Args:
            product: the product scanned or chosen.
            qty_milli: thousandths of a piece or grams, positive for a sale and negative for
                a refund; 0 is allowed for a weighed item awaiting the scale.

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            InvalidQuantity: a zero piece count, or a quantity of the wrong sign.
            DiscountNotAllowed: the ticket discount no longer fits the new total.
            ChangeNotAllowed: non-cash tenders would then exceed the total.
        """
        self._require_open()
        self._check_quantity(product, qty_milli)
        line = SaleLine(
            n=len(self.lines) + 1,
            product=product,
            qty_milli=qty_milli,
            unit_ttc_cents=product.price_ttc_cents,
        )
        self._apply(lines=(*self.lines, line))
        return line.n

    def set_quantity(self, n: int, qty_milli: int) -> SaleLine:
        """Change a line's quantity (or record a weighed item's weight); returns the line.

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            LineNotFound: no such line, or the line is voided.
            InvalidQuantity: a zero piece count, or a quantity of the wrong sign.
            DiscountNotAllowed: a discount would exceed the new amount.
            ChangeNotAllowed: non-cash tenders would then exceed the total.
        """
        self._require_open()
        line = self._active_line(n)
        self._check_quantity(line.product, qty_milli)
        return self._replace_line(replace(line, qty_milli=qty_milli))

    def void_line(self, n: int, reason: str) -> SaleLine:
        """Void a line: it stays listed but leaves the totals. Returns it for the JET event.

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            LineNotFound: no such line, or already voided.
            InvalidInput: no reason given.
            DiscountNotAllowed: the ticket discount would exceed what is left.
            ChangeNotAllowed: non-cash tenders would then exceed the total.
        """
        self._require_open()
        line = self._active_line(n)
        cleaned = _clean_text(reason)
        if not cleaned:
            raise InvalidInput(
                "Le motif de l'annulation de ligne est obligatoire.",
                "A reason is required to void a line.",
            )
        return self._replace_line(replace(line, voided=True, void_reason=cleaned))

    def set_line_discount(self, n: int, discount: Discount | None) -> SaleLine:
        """Set or remove (None) a line's discount; returns the line.

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            LineNotFound: no such line, or the line is voided.
            DiscountNotAllowed: the discount exceeds the line, or leaves the ticket discount
                larger than the ticket.
            ChangeNotAllowed: non-cash tenders would then exceed the total.
        """
        self._require_open()
        line = self._active_line(n)
        return self._replace_line(replace(line, discount=discount))

    def set_ticket_discount(self, discount: Discount | None) -> None:
        """Set or remove (None) the discount on the whole ticket.

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            DiscountNotAllowed: the discount exceeds the ticket.
            ChangeNotAllowed: non-cash tenders would then exceed the total.
        """
        self._require_open()
        self._apply(ticket_discount=discount, change_discount=True)

    def override_price(self, n: int, new_unit_ttc_cents: int, reason: str) -> SaleLine:
        """Charge another unit price on a line, keeping the catalog price on record.

        Overriding back to the catalog price removes the override.

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            LineNotFound: no such line, or the line is voided.
            InvalidAmount: a negative price.
            InvalidInput: no reason given.
            DiscountNotAllowed: a discount would exceed the new amount.
            ChangeNotAllowed: non-cash tenders would then exceed the total.
        """
        self._require_open()
        line = self._active_line(n)
        original = (
            line.price_override.from_cents
            if line.price_override is not None
            else line.product.price_ttc_cents
        )
        if new_unit_ttc_cents < 0:
            raise InvalidAmount(
                f"Le prix {format_eur(new_unit_ttc_cents)} est impossible : un prix ne peut "
                "pas être négatif.",
                f"The price {format_eur(new_unit_ttc_cents)} is impossible: a price cannot "
                "be negative.",
            )
        if not _clean_text(reason):
            raise InvalidInput(
                "Le motif du changement de prix est obligatoire.",
                "A reason is required to change a price.",
            )
        override = (
            None
            if new_unit_ttc_cents == original
            else PriceOverride(from_cents=original, to_cents=new_unit_ttc_cents, reason=reason)
        )
        return self._replace_line(
            replace(line, unit_ttc_cents=new_unit_ttc_cents, price_override=override)
        )

    # ------------------------------------------------------------ payments

    def add_payment(self, payment: Payment) -> Settlement:
        """Take a tender; returns the new settlement (remaining, change).

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            InvalidAmount: a payment of the wrong sign for the ticket.
            ChangeNotAllowed: a non-cash tender exceeding what is due, or a refund payment
                exceeding the refund.
        """
        self._require_open()
        self._apply(payments=(*self.payments, payment))
        return self.settlement

    def remove_payment(self, index: int) -> Payment:
        """Remove a tender by its 0-based position; returns it.

        Raises:
            SaleNotOpen: the sale is closed or cancelled.
            LineNotFound: no payment at that position.
        """
        self._require_open()
        if not 0 <= index < len(self.payments):
            raise LineNotFound(
                f"Le règlement n° {index + 1} n'existe pas sur ce ticket.",
                f"Payment no. {index + 1} does not exist on this ticket.",
            )
        removed = self.payments[index]
        self._apply(payments=self.payments[:index] + self.payments[index + 1 :])
        return removed

    # ------------------------------------------------------------ life cycle

    def finalise(self) -> FinalisedSale:
        """Close the sale once its tenders cover it; nothing can change it afterwards.

        Raises:
            SaleNotOpen: the sale is already closed or cancelled.
            Refused: the ticket has no active line.
            InvalidQuantity: a weighed item was never weighed.
            UnderPaid: the tenders do not cover the total.
        """
        self._require_open()
        active = self.active_lines
        if not active:
            raise Refused(
                "Le ticket est vide : ajoutez un article avant d'encaisser.",
                "The ticket is empty: add an item before taking payment.",
            )
        for index, line in enumerate(active, start=1):
            if line.qty_milli == 0:
                raise InvalidQuantity(
                    f"L'article {line.product.label} (ligne {index}) n'a pas été pesé.",
                    f"Item {line.product.label} (line {index}) was not weighed.",
                )
        totals = self.totals
        settlement = settle(totals.total_ttc_cents, self.payments)
        if not settlement.covered:
            raise UnderPaid(abs(settlement.remaining))
        self.state = SaleState.CLOSED
        return FinalisedSale(
            totals=totals,
            payments=self.payments,
            change_cents=settlement.change_cents,
            op=self.op,
        )

    def reopen(self) -> None:
        """Reopen a finalised sale whose record could not be committed, so it can be retried.

        Only the caller that finalised the sale and then failed to journal it may do this: a
        journaled sale is corrected by a refund, never reopened.

        Raises:
            SaleNotOpen: the sale is not closed (still open, or cancelled).
        """
        if self.state is not SaleState.CLOSED:
            raise SaleNotOpen(
                "Seule une vente clôturée peut être rouverte.",
                "Only a closed sale can be reopened.",
            )
        self.state = SaleState.OPEN

    def cancel(self) -> None:
        """Abandon the sale; it can no longer change.

        Raises:
            SaleNotOpen: the sale is already closed or cancelled.
        """
        self._require_open()
        self.state = SaleState.CANCELLED

    # ------------------------------------------------------------ rules

    def _require_open(self) -> None:
        if self.state is SaleState.CLOSED:
            raise SaleNotOpen(
                "La vente est déjà clôturée : elle ne peut plus être modifiée.",
                "The sale is already closed: it can no longer change.",
            )
        if self.state is SaleState.CANCELLED:
            raise SaleNotOpen(
                "La vente a été annulée : elle ne peut plus être modifiée.",
                "The sale was cancelled: it can no longer change.",
            )

    def _check_quantity(self, product: Product, qty_milli: int) -> None:
        if qty_milli == 0:
            if product.unit is Unit.KG:
                return  # a weighed item awaiting the scale; finalise() refuses it unweighed
            raise InvalidQuantity(
                f"La quantité de {product.label} ne peut pas être nulle.",
                f"The quantity of {product.label} cannot be zero.",
            )
        if self.op is SaleOp.SALE and qty_milli < 0:
            raise InvalidQuantity(
                "Une quantité négative n'est possible que dans un remboursement.",
                "A negative quantity is only possible in a refund.",
            )
        if self.op is SaleOp.REFUND and qty_milli > 0:
            raise InvalidQuantity(
                "Un remboursement porte sur des quantités négatives.",
                "A refund has negative quantities.",
            )

    def _active_line(self, n: int) -> SaleLine:
        line = self.line(n)
        if line.voided:
            raise LineNotFound(
                f"La ligne {n} a été annulée : elle ne peut plus être modifiée.",
                f"Line {n} was voided: it can no longer change.",
            )
        return line

    def _replace_line(self, new_line: SaleLine) -> SaleLine:
        lines = list(self.lines)
        lines[new_line.n - 1] = new_line
        self._apply(lines=tuple(lines))
        return new_line

    def _apply(
        self,
        *,
        lines: tuple[SaleLine, ...] | None = None,
        payments: tuple[Payment, ...] | None = None,
        ticket_discount: Discount | None = None,
        change_discount: bool = False,
    ) -> None:
        """Check a candidate state as a whole, then adopt it; raise and change nothing if not."""
        new_lines = self.lines if lines is None else lines
        new_payments = self.payments if payments is None else payments
        new_discount = ticket_discount if change_discount else self.ticket_discount
        self._check(new_lines, new_discount, new_payments)
        self.lines, self.payments, self.ticket_discount = new_lines, new_payments, new_discount

    @staticmethod
    def _check(
        lines: tuple[SaleLine, ...],
        ticket_discount: Discount | None,
        payments: tuple[Payment, ...],
    ) -> None:
        settle(_totals(lines, ticket_discount).total_ttc_cents, payments)


@functools.lru_cache(maxsize=64)
def _totals(lines: tuple[SaleLine, ...], ticket_discount: Discount | None) -> TicketTotals:
    """The ticket of the lines not voided, renumbered 1..k in the order added.

    note: memoised on the immutable lines and discount, because every mutation checks the
    totals it would produce and finalising asks for them again.
    """
    active = [line for line in lines if not line.voided]
    return compute_ticket(
        [line.to_input(n) for n, line in enumerate(active, start=1)], ticket_discount
    )
