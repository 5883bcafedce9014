"""The narrow slices of the services that the screens call (CheckoutService et al. fit them)."""

from __future__ import annotations

from typing import Protocol

from caisse.domain.catalog import Product
from caisse.domain.sale import Sale
from caisse.services.catalogue import CategoryPage, SearchResult
from caisse.services.checkout import TicketResult
from caisse.services.operators import OperatorSession
from caisse.services.ports import OperatorRecord


class Checkout(Protocol):
    """What the sale screen asks of `caisse.services.checkout.CheckoutService`."""

    def new_sale(self) -> Sale: ...

    def find_product(self, code: str) -> Product:
        """The product for a code. Raises UnknownProduct."""
        ...

    def add_item(self, sale: Sale, code: str, qty_milli: int | None = None) -> int:
        """Add a product by sku, EAN or PLU. Raises UnknownProduct, InvalidQuantity."""
        ...

    def void_line(self, session: OperatorSession, sale: Sale, n: int, reason: str) -> None: ...

    def override_price(
        self,
        session: OperatorSession,
        sale: Sale,
        n: int,
        unit_ttc_cents: int,
        reason: str,
        approver: OperatorSession | None = None,
    ) -> None:
        """Change a unit price. Raises PermissionDenied without the right or a manager."""
        ...

    def set_quantity(
        self, session: OperatorSession, sale: Sale, n: int, qty_milli: int
    ) -> None: ...

    def void_ticket(self, session: OperatorSession, sale: Sale, reason: str) -> None: ...

    def finalise(
        self, session: OperatorSession, sale: Sale, *, printed: str = "paper"
    ) -> TicketResult:
        """Journal the sale, then print. Raises TillBlocked, PermissionDenied, UnderPaid."""
        ...

    def training_supervisor(self) -> str | None: ...


class Operators(Protocol):
    """What the login screen asks of `caisse.services.operators.OperatorService`."""

    def list(self) -> list[OperatorRecord]: ...

    def authenticate(self, operator_id: str, pin: str) -> OperatorSession:
        """Check a PIN. Raises UnknownOperator, OperatorLocked, WrongPin."""
        ...

    def sign_out(self, session: OperatorSession) -> None: ...


class Catalogue(Protocol):
    """What the product grid and the search ask of `caisse.services.catalogue`."""

    def search(self, text: str, limit: int = 24) -> SearchResult: ...

    def categories(self) -> list[str]: ...

    def category_page(self, category: str, page: int, per_page: int) -> CategoryPage: ...
