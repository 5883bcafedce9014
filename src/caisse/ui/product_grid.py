"""Product tiles: a fixed grid of touch tiles, and the category tabs that page through it.

The tiles are created once and refilled: a page or a keystroke changes their text and icon,
never the widget tree, which keeps a refill well under a millisecond.

Object names: ``catalogue.browser``, ``catalogue.categories`` (the tab bar; one tab per
category), ``catalogue.grid.tile.0`` … (the tiles, by position; each carries the product's
sku in its ``sku`` property and its label as accessible name), ``catalogue.page_prev``,
``catalogue.page_next``, ``catalogue.page``.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTabBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from caisse.domain.money import format_eur
from caisse.services.catalogue import CategoryPage, ProductHit
from caisse.ui.i18n import tr
from caisse.ui.ports import Catalogue
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import INK, KEY, KEY_DOWN, LINE, TOUCH_MIN_PX, touch_button

logger = logging.getLogger(__name__)

TILE_MIN_WIDTH = 100
TILE_MIN_HEIGHT = 84
ICON_PX = 40
LABEL_LINE_CHARS = 14
GRID_COLUMNS = 2
GRID_ROWS = 5
ICON_CACHE_SIZE = 256

TILE_STYLE = f"""
QToolButton[role="product"] {{
    background: {KEY};
    border: 2px solid {LINE};
    border-radius: 6px;
    padding: 2px 4px;
    font-size: 15px;
    font-weight: 600;
}}
QToolButton[role="product"]:pressed {{
    background: {KEY_DOWN};
}}
QTabBar::tab {{
    min-height: {TOUCH_MIN_PX - 8}px;
    min-width: {TOUCH_MIN_PX}px;
    padding: 0 12px;
    font-size: 17px;
    font-weight: 700;
    border: 2px solid {LINE};
    background: {KEY};
}}
QTabBar::tab:selected {{
    background: {INK};
    color: #ffffff;
}}
QTabBar::scroller {{
    width: {2 * TOUCH_MIN_PX}px;
}}
QTabBar QToolButton {{
    min-width: {TOUCH_MIN_PX - 8}px;
    min-height: {TOUCH_MIN_PX - 8}px;
    background: {KEY};
    border: 2px solid {LINE};
}}
"""

_icons: OrderedDict[str, QIcon | None] = OrderedDict()


def picture_icon(path: str) -> QIcon | None:
    """The product's picture as a tile icon, or None when the file is missing or unreadable.

    note: a small LRU cache; decoding a PNG costs a millisecond or more, a page of tiles is
    drawn on every tab change.
    """
    if path in _icons:
        _icons.move_to_end(path)
        return _icons[path]
    pixmap = QPixmap(path)
    icon = None
    if not pixmap.isNull():
        icon = QIcon(
            pixmap.scaled(
                ICON_PX,
                ICON_PX,
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )
    else:
        logger.info("product picture unreadable: %s", path)
    _icons[path] = icon
    if len(_icons) > ICON_CACHE_SIZE:
        _icons.popitem(last=False)
    return icon


def tile_text(hit: ProductHit) -> str:
    """Up to two lines of label, then the price (per kg for a weighed product)."""
    lines: list[str] = []
    for word in hit.label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= LABEL_LINE_CHARS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], " ".join(lines[1:])]
    lines = [_elide(line) for line in lines]
    price = format_eur(hit.price_ttc_cents) + (tr("/kg") if hit.weighed else "")
    # note: "&" would mark a keyboard mnemonic on a button; "&&" shows it as typed.
    return "\n".join([*lines, price]).replace("&", "&&")


def _elide(text: str) -> str:
    return text if len(text) <= LABEL_LINE_CHARS else text[: LABEL_LINE_CHARS - 1] + "…"


class ProductTile(QToolButton):
    """One touch tile: picture (if any), label and price; empty tiles keep their place."""

    def __init__(self, object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setProperty("role", "product")
        # note: NoFocus keeps the keyboard in the code entry, where the scanner types.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMinimumSize(TILE_MIN_WIDTH, TILE_MIN_HEIGHT)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setIconSize(QSize(ICON_PX, ICON_PX))
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self.hit: ProductHit | None = None
        self.has_picture = False
        self.setVisible(False)

    def show_hit(self, hit: ProductHit | None) -> None:
        # note: an unchanged tile is left alone; each setter relayouts and repaints it, and a
        # keystroke that narrows a search often keeps the first tiles.
        if hit == self.hit and (hit is None) == self.isHidden():
            return
        self.hit = hit
        if hit is None:
            self.setVisible(False)
            self.setProperty("sku", "")
            return
        icon = picture_icon(hit.picture) if hit.picture else None
        if icon is not None:
            self.setIcon(icon)
            self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        else:
            self.setIcon(QIcon())
            self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.setText(tile_text(hit))
        self.setToolTip(hit.label)
        self.setAccessibleName(hit.label)
        self.setProperty("sku", hit.sku)
        self.has_picture = icon is not None
        self.setVisible(True)


class TileGrid(QWidget):
    """A fixed number of tiles; `product_did_choose(ProductHit)` when one is tapped."""

    product_did_choose = Signal(object)

    def __init__(
        self,
        name_prefix: str,
        columns: int = GRID_COLUMNS,
        rows: int = GRID_ROWS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        self.tiles: list[ProductTile] = []
        for i in range(columns * rows):
            tile = ProductTile(f"{name_prefix}.{i}")
            # note: *args, not a bool default: see caisse.ui.payment_screen (PySide6 6.12).
            tile.clicked.connect(lambda *_args, t=tile: self._on_tile_clicked(t))
            grid.addWidget(tile, i // columns, i % columns)
            self.tiles.append(tile)

    @property
    def capacity(self) -> int:
        return len(self.tiles)

    def show_hits(self, hits: Sequence[ProductHit]) -> None:
        for i, tile in enumerate(self.tiles):
            tile.show_hit(hits[i] if i < len(hits) else None)

    def shown(self) -> list[ProductHit]:
        return [tile.hit for tile in self.tiles if tile.hit is not None]

    def _on_tile_clicked(self, tile: ProductTile) -> None:
        if tile.hit is not None:
            self.product_did_choose.emit(tile.hit)


class CategoryBrowser(QWidget):
    """Category tabs over a page of tiles, with previous and next page buttons."""

    product_did_choose = Signal(object)
    page_did_show = Signal(object)  # the CategoryPage drawn
    task_did_fail = Signal(object)

    def __init__(
        self, catalogue: Catalogue, tasks: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("catalogue.browser")
        self._catalogue = catalogue
        self._tasks = tasks
        self._categories: list[str] = []
        self._page = 0
        # note: a tab tapped twice quickly asks for two pages; only the last one asked is drawn.
        self._generation = 0

        self.tabs = QTabBar()
        self.tabs.setObjectName("catalogue.categories")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(False)
        self.tabs.currentChanged.connect(self._on_tabs_current_changed)
        self.grid = TileGrid("catalogue.grid.tile")
        self.grid.product_did_choose.connect(self.product_did_choose)
        # note: arrows only, so that the buttons fit a narrow column; the words stay for
        # screen readers and tooltips.
        self.prev_button = touch_button("◀", "catalogue.page_prev")
        self.prev_button.setAccessibleName(tr("◀ Précédents"))
        self.prev_button.setToolTip(tr("◀ Précédents"))
        self.prev_button.clicked.connect(lambda: self._load(self._page - 1))
        self.next_button = touch_button("▶", "catalogue.page_next")
        self.next_button.setAccessibleName(tr("Suivants ▶"))
        self.next_button.setToolTip(tr("Suivants ▶"))
        self.next_button.clicked.connect(lambda: self._load(self._page + 1))
        self.page_label = QLabel("")
        self.page_label.setObjectName("catalogue.page")
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        paging = QHBoxLayout()
        paging.addWidget(self.prev_button)
        paging.addWidget(self.page_label, 1)
        paging.addWidget(self.next_button)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.tabs)
        column.addWidget(self.grid, 1)
        column.addLayout(paging)
        self._set_paging(None)

    @property
    def category(self) -> str | None:
        index = self.tabs.currentIndex()
        return self._categories[index] if 0 <= index < len(self._categories) else None

    def reload(self) -> None:
        """Ask for the categories again (products may have been imported meanwhile)."""
        self._tasks.run(self._catalogue.categories, self._on_categories, self.task_did_fail.emit)

    def select(self, category: str) -> None:
        if category in self._categories:
            self.tabs.setCurrentIndex(self._categories.index(category))

    def _on_categories(self, names: list[str]) -> None:
        current = self.category
        if names != self._categories:
            self.tabs.blockSignals(True)
            while self.tabs.count():
                self.tabs.removeTab(0)
            for name in names:
                self.tabs.addTab(name or tr("Sans catégorie"))
            self._categories = list(names)
            keep = names.index(current) if current in names else 0
            self.tabs.setCurrentIndex(keep if names else -1)
            self.tabs.blockSignals(False)
        self._load(self._page if current == self.category else 0)

    def _on_tabs_current_changed(self, _index: int) -> None:
        self._load(0)

    def _load(self, page: int) -> None:
        category = self.category
        self._generation += 1
        if category is None:
            self.grid.show_hits(())
            self._set_paging(None)
            return
        generation = self._generation
        per_page = self.grid.capacity
        self._tasks.run(
            lambda: self._catalogue.category_page(category, max(0, page), per_page),
            lambda result: self._on_page(generation, result),
            self.task_did_fail.emit,
        )

    def _on_page(self, generation: int, page: CategoryPage) -> None:
        if generation != self._generation:
            return  # a later tab or page was asked for: this answer is stale
        self._page = page.page
        self.grid.show_hits(page.hits)
        self._set_paging(page)
        self.page_did_show.emit(page)

    def _set_paging(self, page: CategoryPage | None) -> None:
        self.prev_button.setEnabled(page is not None and page.page > 0)
        self.next_button.setEnabled(page is not None and page.has_next)
        self.page_label.setText(
            tr("Page {n}").format(n=page.page + 1) if page is not None and page.hits else ""
        )
