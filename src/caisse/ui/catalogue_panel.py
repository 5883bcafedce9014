"""The sale screen's catalogue: a search field over category tabs and product tiles.

While the field is empty the category tabs and their tiles show; typing replaces them with
the search results. A tapped tile is handed to the sale screen, which adds it exactly as if
its sku had been scanned (so weighed products go to the scale like a scanned one).

In a window narrower than `NARROW_WINDOW_PX` (a 1024×768 till) the ticket, the catalogue and
the payment keys cannot all be readable side by side: the catalogue then folds into a strip
with an "Articles" button, and unfolds on demand (or for a "Rechercher") with a "Retour"
button to fold it again.

Object names: ``catalogue.panel``, ``catalogue.stack``, ``catalogue.expand``,
``catalogue.collapse``, plus those of `caisse.ui.product_grid` and `caisse.ui.search_panel`.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtGui import QMoveEvent, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from caisse.domain.errors import UnknownProduct
from caisse.ui.i18n import tr
from caisse.ui.ports import Catalogue
from caisse.ui.product_grid import TILE_STYLE, CategoryBrowser
from caisse.ui.search_panel import SearchPanel
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import touch_button

logger = logging.getLogger(__name__)

MIN_WIDTH = 220
NARROW_WINDOW_PX = 1200
FOLDED_WIDTH = 140
QWIDGETSIZE_MAX = 16777215


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
        self.expand_button = touch_button(tr("Articles"), "catalogue.expand", role="primary")
        self.expand_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.expand_button.clicked.connect(self.expand)
        self.collapse_button = touch_button(tr("Retour"), "catalogue.collapse")
        self.collapse_button.clicked.connect(self.collapse)
        row = self.search.layout()
        if isinstance(row, QBoxLayout):
            row.insertWidget(0, self.collapse_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.expand_button, 1)
        column.addWidget(self.search)
        column.addWidget(self.stack, 1)
        self._narrow: bool | None = None
        self.folded = False
        self.collapse_button.setVisible(False)
        self.expand_button.setVisible(False)

    def start(self) -> None:
        """Load (or refresh) the categories; called when an operator starts selling."""
        self.browser.reload()

    def search_for(self, text: str) -> None:
        self.expand()
        self.search.search_for(text)

    def expand(self) -> None:
        """Show the search and the tiles (the panel takes its share of the width)."""
        self.folded = False
        self.expand_button.setVisible(False)
        self.search.setVisible(True)
        self.stack.setVisible(True)
        self.setMinimumWidth(MIN_WIDTH)
        self.setMaximumWidth(QWIDGETSIZE_MAX)

    def collapse(self) -> None:
        """Fold into the "Articles" strip, giving the width back to the ticket."""
        self.folded = True
        self.search.setVisible(False)
        self.stack.setVisible(False)
        self.expand_button.setVisible(True)
        self.setFixedWidth(FOLDED_WIDTH)

    def _follow_window_width(self) -> None:
        narrow = self.window().width() < NARROW_WINDOW_PX
        if narrow == self._narrow:
            return
        self._narrow = narrow
        self.collapse_button.setVisible(narrow)
        if narrow:
            self.collapse()
        else:
            self.expand()

    # note: resize and move rather than an event filter on the window, which would be called
    # for every event the window gets; a folded panel keeps its width, so only its position
    # changes when the window is widened.
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._follow_window_width()

    def moveEvent(self, event: QMoveEvent) -> None:  # noqa: N802 - Qt's name
        super().moveEvent(event)
        self._follow_window_width()

    def _on_search_searching_did_change(self, searching: bool) -> None:
        self.stack.setCurrentWidget(self.search.results if searching else self.browser)
