"""Search as you type over the whole catalogue, and the "search instead" offer of an unknown code.

Each keystroke asks the catalogue service through the task runner. At most one search is in
flight: keystrokes typed meanwhile only update the wanted text, and when the answer comes
back the latest text is asked for if it changed. An answer for older text is never drawn, so
the tiles always show the latest keystroke's results.

Object names: ``catalogue.search_panel``, ``catalogue.search`` (the field),
``catalogue.search_clear``, ``catalogue.search_results``, ``catalogue.search_status``,
``catalogue.search.tile.0`` … (result tiles, like the grid's), ``sale.unknown_code``,
``sale.unknown_code.text``, ``sale.unknown_code.search``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from caisse.services.catalogue import SearchResult
from caisse.ui.i18n import tr
from caisse.ui.ports import Catalogue
from caisse.ui.product_grid import TileGrid
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import TOUCH_MIN_PX, set_level, touch_button

logger = logging.getLogger(__name__)


class SearchPanel(QWidget):
    """The search field, and its result tiles (`results`, placed by the catalogue panel)."""

    product_did_choose = Signal(object)
    results_did_show = Signal(object)  # the SearchResult drawn
    searching_did_change = Signal(bool)
    task_did_fail = Signal(object)

    def __init__(
        self, catalogue: Catalogue, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("catalogue.search_panel")
        self._catalogue = catalogue
        self._tasks = tasks
        self._wanted = ""
        self._in_flight = False
        self._choose_first = False
        self.result: SearchResult | None = None

        self.field = QLineEdit()
        self.field.setObjectName("catalogue.search")
        # note: the short hint fits the catalogue column at 1280 px; the full one is the tip
        self.field.setPlaceholderText(tr("Nom, code ou EAN"))
        self.field.setToolTip(tr("Rechercher : nom, code ou EAN"))
        self.field.setProperty("role", "entry")
        self.field.setMinimumHeight(TOUCH_MIN_PX)
        self.field.textChanged.connect(self._on_field_text_changed)
        self.field.returnPressed.connect(self._on_field_return_pressed)
        self.clear_button = touch_button("✕", "catalogue.search_clear")
        self.clear_button.setToolTip(tr("Effacer la recherche"))
        self.clear_button.setAccessibleName(tr("Effacer la recherche"))
        self.clear_button.clicked.connect(self.clear)
        self.status = QLabel("")
        self.status.setObjectName("catalogue.search_status")
        self.status.setProperty("role", "status")
        self.grid = TileGrid("catalogue.search.tile")
        self.grid.product_did_choose.connect(self.product_did_choose)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        row.addWidget(self.clear_button)
        # note: the results are placed by the catalogue panel, in a stack with the category
        # tiles: switching pages of a stack keeps the window's layout as it is, where showing
        # and hiding widgets relayouts the whole sale screen on the first keystroke.
        self.results = QWidget()
        self.results.setObjectName("catalogue.search_results")
        results = QVBoxLayout(self.results)
        results.setContentsMargins(0, 0, 0, 0)
        results.addWidget(self.status)
        results.addWidget(self.grid, 1)

    @property
    def searching(self) -> bool:
        return bool(self._wanted.strip())

    def search_for(self, text: str) -> None:
        """Put `text` in the field and search it (the unknown-code "search instead" path)."""
        self.field.setText(text)
        self.field.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self) -> None:
        self.field.clear()

    def _on_field_text_changed(self, text: str) -> None:
        was_searching = self.searching
        self._wanted = text
        self._choose_first = False
        if not self.searching:
            self.result = None
            self.grid.show_hits(())
            self.status.setText("")
        elif not self._in_flight:
            self._submit()
        if self.searching != was_searching:
            self.searching_did_change.emit(self.searching)

    def _submit(self) -> None:
        text = self._wanted
        limit = self.grid.capacity
        self._in_flight = True
        self._tasks.run(
            lambda: self._catalogue.search(text, limit), self._on_result, self._on_failed
        )

    def _on_result(self, result: SearchResult) -> None:
        self._in_flight = False
        if result.text != self._wanted:
            # note: keystrokes came while this one was searched; its answer is stale.
            if self.searching:
                self._submit()
            return
        self.result = result
        self.grid.show_hits(result.hits)
        if not result.hits:
            self.status.setText(
                tr("Aucun article ne correspond à « {text} ».").format(text=result.text.strip())
            )
        elif result.more:
            self.status.setText(
                tr("Les {n} meilleurs résultats : précisez pour affiner.").format(
                    n=len(result.hits)
                )
            )
        else:
            self.status.setText(tr("{n} résultat(s).").format(n=len(result.hits)))
        self.results_did_show.emit(result)
        if self._choose_first:
            self._choose_first = False
            if result.hits:
                self.product_did_choose.emit(result.hits[0])

    def _on_failed(self, exc: BaseException) -> None:
        self._in_flight = False
        self.task_did_fail.emit(exc)

    def _on_field_return_pressed(self) -> None:
        """Enter takes the first result (a code scanned into the field adds its product)."""
        if not self.searching:
            return
        if self.result is not None and self.result.text == self._wanted and not self._in_flight:
            if self.result.hits:
                self.product_did_choose.emit(self.result.hits[0])
            return
        self._choose_first = True


class UnknownCodeNotice(QFrame):
    """The unknown-code message with its "Rechercher" button (nothing was added)."""

    search_did_request = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sale.unknown_code")
        self.code = ""
        self.text = QLabel("")
        self.text.setObjectName("sale.unknown_code.text")
        self.text.setProperty("role", "message")
        self.text.setWordWrap(True)
        set_level(self.text, "error")
        self.search_button = touch_button(
            tr("Rechercher"), "sale.unknown_code.search", role="primary"
        )
        self.search_button.clicked.connect(self._on_search_button_clicked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.text, 1)
        row.addWidget(self.search_button)
        self.setVisible(False)

    def offer(self, code: str) -> None:
        self.code = code
        self.text.setText(
            tr("Code inconnu : {code}. Rien n'a été ajouté au ticket.").format(code=code)
        )
        self.setVisible(True)

    def dismiss(self) -> None:
        self.code = ""
        self.setVisible(False)

    def _on_search_button_clicked(self) -> None:
        code = self.code
        self.dismiss()
        self.search_did_request.emit(code)
