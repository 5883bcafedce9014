"""The sale screen's catalogue on a real till: tiles, tabs, search as you type, unknown codes."""

from __future__ import annotations

import sqlite3

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFrame, QLineEdit, QTabBar, QTableWidget
from pytestqt.qtbot import QtBot

from caisse.domain.catalog import Product
from caisse.domain.money import format_eur
from caisse.services.catalogue import CatalogueService, CategoryPage, SearchResult
from caisse.ui.catalogue_panel import CataloguePanel
from caisse.ui.main_window import MainWindow
from caisse.ui.product_grid import ProductTile
from caisse.ui.tasks import ImmediateTaskRunner, QtTaskRunner, TaskRunner
from tests.integration.conftest import TillFixture
from tests.ui.conftest import QueuedTaskRunner, button, cell, label, make_window, scan, sign_in, tap

pytestmark = pytest.mark.qt


class CountingCatalogue:
    """The real service, counting the searches that reach it."""

    def __init__(self, inner: CatalogueService) -> None:
        self.inner = inner
        self.searched: list[str] = []

    def search(self, text: str, limit: int = 24) -> SearchResult:
        self.searched.append(text)
        return self.inner.search(text, limit)

    def categories(self) -> list[str]:
        return self.inner.categories()

    def category_page(self, category: str, page: int, per_page: int) -> CategoryPage:
        return self.inner.category_page(category, page, per_page)


def lines(window: MainWindow) -> QTableWidget:
    table = window.findChild(QTableWidget, "sale.lines")
    assert isinstance(table, QTableWidget)
    return table


def search_field(window: MainWindow) -> QLineEdit:
    field = window.findChild(QLineEdit, "catalogue.search")
    assert isinstance(field, QLineEdit)
    return field


def tile_for(window: MainWindow, prefix: str, sku: str) -> ProductTile:
    for tile in window.findChildren(ProductTile):
        if tile.objectName().startswith(prefix) and tile.property("sku") == sku:
            assert tile.isVisible()
            return tile
    raise AssertionError(f"no {prefix} tile shows {sku}")


def tabs(window: MainWindow) -> QTabBar:
    bar = window.findChild(QTabBar, "catalogue.categories")
    assert isinstance(bar, QTabBar)
    return bar


def select_category(window: MainWindow, name: str) -> None:
    bar = tabs(window)
    names = [bar.tabText(i) for i in range(bar.count())]
    bar.setCurrentIndex(names.index(name))


def open_sale(qtbot: QtBot, shop: TillFixture, tasks: TaskRunner) -> MainWindow:
    window = make_window(qtbot, shop, tasks, catalogue=shop.till.catalogue)
    sign_in(qtbot, window, "marie", "1234")
    return window


def test_tapping_a_tile_adds_the_product(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_sale(qtbot, shop, ImmediateTaskRunner())
    bar = tabs(window)
    assert [bar.tabText(i) for i in range(bar.count())] == [
        "Boulangerie",
        "Fromages",
        "Traiteur",
        "Vins",
    ]
    tile = tile_for(window, "catalogue.grid.tile", "BAG")
    assert tile.height() >= 48
    assert tile.width() >= 48
    assert "1,05" in tile.text()

    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert lines(window).rowCount() == 1
    assert cell(lines(window), 0, 0) == "Baguette"
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert label(window, "sale.total").text() == format_eur(210)


def test_a_typed_quantity_applies_to_the_tapped_tile(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_sale(qtbot, shop, ImmediateTaskRunner())
    select_category(window, "Vins")
    entry = window.findChild(QLineEdit, "sale.code_entry")
    assert isinstance(entry, QLineEdit)
    qtbot.keyClicks(entry, "3*")
    qtbot.mouseClick(tile_for(window, "catalogue.grid.tile", "VIN"), Qt.MouseButton.LeftButton)
    assert cell(lines(window), 0, 0) == "Vin rouge"
    assert cell(lines(window), 0, 1) == "3"


def test_a_weighed_tile_goes_through_the_weight_path(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_sale(qtbot, shop, ImmediateTaskRunner())
    select_category(window, "Fromages")
    tile = tile_for(window, "catalogue.grid.tile", "COMTE")
    assert "/kg" in tile.text()
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    # no scale configured: asked for its weight, nothing added
    assert lines(window).rowCount() == 0
    assert "poids" in label(window, "sale.message").text()

    entry = window.findChild(QLineEdit, "sale.code_entry")
    assert isinstance(entry, QLineEdit)
    qtbot.keyClicks(entry, "0,5*")
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert cell(lines(window), 0, 0) == "Comté AOP"


def test_category_pages(qtbot: QtBot, shop: TillFixture) -> None:
    with shop.till.context.uow() as uow:
        uow.catalog.upsert_many(
            Product(f"BR{i:02d}", f"Brioche {i:02d}", 200, 550, "Boulangerie") for i in range(12)
        )
        uow.commit()
    window = open_sale(qtbot, shop, ImmediateTaskRunner())
    grid = window.sale.catalogue_panel
    assert grid is not None
    capacity = grid.browser.grid.capacity
    assert len(grid.browser.grid.shown()) == capacity
    assert not button(window, "catalogue.page_prev").isEnabled()
    tap(qtbot, window, "catalogue.page_next")
    assert label(window, "catalogue.page").text() == "Page 2"
    second = [hit.sku for hit in grid.browser.grid.shown()]
    assert second == [f"BR{i:02d}" for i in range(capacity - 1, 12)]
    assert not button(window, "catalogue.page_next").isEnabled()
    tap(qtbot, window, "catalogue.page_prev")
    assert grid.browser.grid.shown()[0].sku == "BAG"


def test_a_tile_shows_the_products_picture(qtbot: QtBot, shop: TillFixture) -> None:
    pictures = shop.data_dir / "pictures"
    pictures.mkdir()
    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("#c08040"))
    assert image.save(str(pictures / "baguette.png"))
    with sqlite3.connect(shop.till.settings.db_path) as conn:
        conn.execute("UPDATE products SET picture = 'baguette.png' WHERE sku = 'BAG'")
        conn.execute("UPDATE products SET picture = 'missing.png' WHERE sku = 'VIN'")
    window = open_sale(qtbot, shop, ImmediateTaskRunner())
    assert tile_for(window, "catalogue.grid.tile", "BAG").has_picture
    select_category(window, "Vins")
    # a picture that cannot be read leaves a plain tile, still usable
    vin = tile_for(window, "catalogue.grid.tile", "VIN")
    assert not vin.has_picture
    qtbot.mouseClick(vin, Qt.MouseButton.LeftButton)
    assert lines(window).rowCount() == 1


def test_search_as_you_type_shows_only_the_latest_keystroke(
    qtbot: QtBot, shop: TillFixture
) -> None:
    tasks = QueuedTaskRunner()
    counting = CountingCatalogue(shop.till.catalogue)
    window = make_window(qtbot, shop, tasks, catalogue=counting)
    tasks.flush()
    sign_in(qtbot, window, "marie", "1234")
    tasks.flush()
    panel = window.sale.catalogue_panel
    assert panel is not None
    shown: list[str] = []
    panel.search.results_did_show.connect(lambda result: shown.append(result.text))

    qtbot.keyClicks(search_field(window), "vin")  # three keystrokes while the worker is busy
    assert panel.browser.isHidden()  # the results replace the category tiles at once
    tasks.flush()

    assert shown == ["vin"]  # the answer for "v" came back stale and was never drawn
    assert counting.searched == ["v", "vin"]  # "vi" was never asked: superseded in the queue
    assert [hit.sku for hit in panel.search.grid.shown()] == ["VIN"]
    assert "1 résultat" in label(window, "catalogue.search_status").text()

    qtbot.keyClick(search_field(window), Qt.Key.Key_Backspace)
    qtbot.keyClick(search_field(window), Qt.Key.Key_Backspace)
    qtbot.keyClicks(search_field(window), "COMT")
    tasks.flush()
    assert shown == ["vin", "vCOMT"]
    assert panel.search.grid.shown() == []
    assert "Aucun article" in label(window, "catalogue.search_status").text()

    tap(qtbot, window, "catalogue.search_clear")
    assert search_field(window).text() == ""
    assert panel.browser.isVisible()


def test_search_results_with_the_real_worker(
    qtbot: QtBot, shop: TillFixture, qt_runner: QtTaskRunner
) -> None:
    window = make_window(qtbot, shop, qt_runner, catalogue=shop.till.catalogue)
    qtbot.waitUntil(
        lambda: "login.operator.marie" in {b.objectName() for b in window.login.tiles.values()}
    )
    sign_in(qtbot, window, "marie", "1234")
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.sale)
    panel = window.sale.catalogue_panel
    assert panel is not None
    with qtbot.waitSignal(panel.search.results_did_show, timeout=5000):
        qtbot.keyClicks(search_field(window), "comte a")
    qtbot.waitUntil(lambda: panel.search.result is not None)
    assert panel.search.result is not None
    assert panel.search.result.text == "comte a"
    qtbot.keyClick(search_field(window), Qt.Key.Key_Return)  # Enter takes the first result
    qtbot.waitUntil(lambda: "poids" in label(window, "sale.message").text())
    assert lines(window).rowCount() == 0


def test_an_unknown_barcode_offers_search_and_adds_nothing(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_sale(qtbot, shop, ImmediateTaskRunner())
    assert window.findChild(QFrame, "sale.unknown_code") is window.sale.unknown_code
    scan(qtbot, window, "3017620422003")

    assert lines(window).rowCount() == 0
    assert window.sale.unknown_code.isVisible()
    assert "3017620422003" in label(window, "sale.unknown_code.text").text()
    assert "Rien n'a été ajouté" in label(window, "sale.unknown_code.text").text()

    tap(qtbot, window, "sale.unknown_code.search")
    assert not window.sale.unknown_code.isVisible()
    assert search_field(window).text() == "3017620422003"
    assert "Aucun article" in label(window, "catalogue.search_status").text()
    assert lines(window).rowCount() == 0

    # the next scan clears the notice and rings up as usual
    scan(qtbot, window, "3760000000017")
    assert lines(window).rowCount() == 1
    assert not window.sale.unknown_code.isVisible()


def test_without_a_catalogue_the_unknown_code_is_a_plain_message(
    qtbot: QtBot, shop: TillFixture
) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "1234")
    assert window.sale.catalogue_panel is None
    scan(qtbot, window, "999")
    assert lines(window).rowCount() == 0
    assert not window.sale.unknown_code.isVisible()
    assert "Code inconnu" in label(window, "sale.message").text()


def is_folded(panel: CataloguePanel) -> bool:
    """Read afresh each time (a plain attribute read would be narrowed by the type checker)."""
    return panel.folded


def test_a_narrow_window_folds_the_catalogue_until_asked(qtbot: QtBot, shop: TillFixture) -> None:
    window = open_sale(qtbot, shop, ImmediateTaskRunner())
    panel = window.sale.catalogue_panel
    assert panel is not None
    assert not is_folded(panel)  # 1280 px: ticket, tiles and payment side by side

    window.resize(1024, 768)
    qtbot.waitUntil(lambda: is_folded(panel))
    assert panel.stack.isHidden()
    assert button(window, "catalogue.expand").isVisible()

    tap(qtbot, window, "catalogue.expand")
    assert not is_folded(panel)
    qtbot.mouseClick(tile_for(window, "catalogue.grid.tile", "BAG"), Qt.MouseButton.LeftButton)
    assert lines(window).rowCount() == 1
    tap(qtbot, window, "catalogue.collapse")
    assert is_folded(panel)

    scan(qtbot, window, "424242")
    tap(qtbot, window, "sale.unknown_code.search")  # the search unfolds the catalogue
    assert not is_folded(panel)
    assert search_field(window).text() == "424242"

    window.resize(1600, 900)
    qtbot.waitUntil(lambda: not button(window, "catalogue.collapse").isVisibleTo(window))
    assert not is_folded(panel)
