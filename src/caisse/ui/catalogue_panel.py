"""The sale screen's catalogue: a search field over category tabs and product tiles.

While the field is empty the category tabs and their tiles show; typing replaces them with
the search results. A tapped tile is handed to the sale screen, which adds it exactly as if
its sku had been scanned (so weighed products go to the scale like a scanned one).

Object names: ``catalogue.panel``, ``catalogue.stack``, plus those of `caisse.ui.product_grid` and
`caisse.ui.search_panel`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from caisse.domain.errors import UnknownProduct
from caisse.ui.ports import Catalogue
from caisse.ui.product_grid import TILE_STYLE, CategoryBrowser
from caisse.ui.search_panel import SearchPanel
from caisse.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

MIN_WIDTH = 220


def unknown_code_of(exc: BaseException) -> str | None:
    """The code nobody answers to, when a failed add means exactly that (offer a search)."""
    if isinstance(exc, UnknownProduct):
        return exc.code
    return None


class CataloguePanel(QWidget):
    """Search field, category tabs and tiles; `product_did_choose(ProductHit)` on a tap."""

    product_did_choose = Signal(object)
    task_did_fail = Signal(object)

    def __init__(
        self, catalogue: Catalogue, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("catalogue.panel")
        self.setMinimumWidth(MIN_WIDTH)
        self.setStyleSheet(TILE_STYLE)
        self.search = SearchPanel(catalogue, tasks)
        self.browser = CategoryBrowser(catalogue, tasks)
        for source in (self.search, self.browser):
            source.product_did_choose.connect(self.product_did_choose)
            source.task_did_fail.connect(self.task_did_fail)
        self.search.searching_did_change.connect(self._on_search_searching_did_change)
        self.stack = QStackedWidget()
        self.stack.setObjectName("catalogue.stack")
        self.stack.addWidget(self.browser)
        self.stack.addWidget(self.search.results)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.search)
        column.addWidget(self.stack, 1)

    def start(self) -> None:
        """Load (or refresh) the categories; called when an operator starts selling."""
        self.browser.reload()

    def search_for(self, text: str) -> None:
        self.search.search_for(text)

    def _on_search_searching_did_change(self, searching: bool) -> None:
        self.stack.setCurrentWidget(self.search.results if searching else self.browser)
