"""The sale screen's catalogue: a search field over category tabs and product tiles.

While the field is empty the category tabs and their tiles show; typing replaces them with
the search results. A tapped tile is handed to the sale screen, which adds it exactly as if
its sku had been scanned (so weighed products go to the scale like a scanned one).

Object names: ``catalogue.panel``, plus those of `caisse.ui.product_grid` and
`caisse.ui.search_panel`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from caisse.domain.errors import UnknownProduct
from caisse.ui.ports import Catalogue
from caisse.ui.product_grid import TILE_STYLE, CategoryBrowser
from caisse.ui.search_panel import SearchPanel
from caisse.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)


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
        self.setStyleSheet(TILE_STYLE)
        self.search = SearchPanel(catalogue, tasks)
        self.browser = CategoryBrowser(catalogue, tasks)
        for source in (self.search, self.browser):
            source.product_did_choose.connect(self.product_did_choose)
            source.task_did_fail.connect(self.task_did_fail)
        self.search.searching_did_change.connect(self._on_search_searching_did_change)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(6)
        self._column.addWidget(self.search, 1)
        self._column.addWidget(self.browser, 1)
        self._on_search_searching_did_change(False)

    def start(self) -> None:
        """Load (or refresh) the categories; called when an operator starts selling."""
        self.browser.reload()

    def search_for(self, text: str) -> None:
        self.search.search_for(text)

    def _on_search_searching_did_change(self, searching: bool) -> None:
        self.browser.setVisible(not searching)
        # note: while not searching only the field row shows; the browser takes the height.
        self._column.setStretch(0, 1 if searching else 0)
        self._column.setStretch(1, 0 if searching else 1)
