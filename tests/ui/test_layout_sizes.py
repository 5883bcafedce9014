"""The sale and payment screens fit the three window sizes a till runs at.

A demo till (demo catalogue, every tender, parked tickets and returns) is shown offscreen at
1024×768, 1280×800 and 1920×1080 with a ticket and a tender taken; every visible button and
label of the sale screen must show its whole text (no clipped or elided word), every button
must be a touch target (at least 48 px high) and lie inside the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from caisse.app.bootstrap import Till, open_till
from caisse.app.demo import create_demo
from caisse.app.qt_main import build_window
from caisse.app.settings import Settings
from caisse.ui.main_window import MainWindow
from caisse.ui.tasks import ImmediateTaskRunner
from tests.ui.conftest import button, scan, sign_in, tap

pytestmark = pytest.mark.qt

SIZES = [(1024, 768), (1280, 800), (1920, 1080)]
TOUCH_FLOOR_PX = 48


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("layout") / "data"
    create_demo(Settings(data_dir=data_dir, printer="none"), products=60)
    return data_dir


@pytest.fixture
def window(qtbot: QtBot, demo_data: Path) -> Iterator[MainWindow]:
    till: Till = open_till(Settings(data_dir=demo_data, printer="none"))
    window, devices, _customer = build_window(till, ImmediateTaskRunner(), demo=True)
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitExposed(window)
        sign_in(qtbot, window, "marie", "1234")
        for code in ("2*SKU000001", "SKU000003"):
            scan(qtbot, window, code)
        # the longest tender name in the list of tenders taken, and a remaining amount
        for key in ("2", "0"):
            tap(qtbot, window, f"sale.keypad.{key}")
        tap(qtbot, window, "sale.pay_meal_voucher")
        yield window
    finally:
        window.close()
        devices.close()
        till.close()


def _visible_widgets(root: QWidget) -> list[QWidget]:
    return [
        w
        for w in root.findChildren(QWidget)
        if isinstance(w, QAbstractButton | QLabel | QLineEdit) and w.isVisibleTo(root)
    ]


def _text_of(widget: QWidget) -> str:
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    if isinstance(widget, QAbstractButton | QLabel):
        return widget.text()
    return ""


def _clipped(widget: QWidget) -> str | None:
    """Why the widget's text does not fit its box, or None when it does."""
    text = _text_of(widget)
    if not text or (isinstance(widget, QLabel) and widget.wordWrap()):
        return None
    if isinstance(widget, QLineEdit):
        # the field's frame and padding come off its width; the text must fit what is left
        room = widget.width() - 2 * 8 - 2 * 2 - 4
        needed = widget.fontMetrics().horizontalAdvance(text)
        return f"{needed} px of text in {room} px" if needed > room else None
    hint = widget.sizeHint()
    if hint.width() > widget.width() or hint.height() > widget.height():
        return f"needs {hint.width()}×{hint.height()}, has {widget.width()}×{widget.height()}"
    return None


def _problems(window: MainWindow) -> list[str]:
    screen = window.sale
    inside = QRect(QPoint(0, 0), window.size())
    found: list[str] = []
    for widget in _visible_widgets(screen):
        name = widget.objectName() or type(widget).__name__
        text = _text_of(widget).replace("\n", " ")
        why = _clipped(widget)
        if why is not None:
            found.append(f"{name} «{text}» is clipped: {why}")
        if isinstance(widget, QAbstractButton):
            if widget.height() < TOUCH_FLOOR_PX:
                found.append(f"{name} «{text}» is {widget.height()} px high")
            box = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
            if not inside.contains(box):
                found.append(f"{name} «{text}» lies outside the window at {box}")
    for listing in screen.findChildren(QListWidget):
        if not listing.isVisibleTo(screen):
            continue
        room = listing.viewport().width()
        for row in range(listing.count()):
            item = listing.item(row)
            # a wrapping list needs room for its longest word, others for the whole line
            words = item.text().split() if listing.wordWrap() else [item.text()]
            needed = max(listing.fontMetrics().horizontalAdvance(w) for w in words) + 8
            if needed > room:
                found.append(f"{listing.objectName()} «{item.text()}» needs {needed} px of {room}")
    return found


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_sale_screen_fits_the_window(
    qtbot: QtBot, window: MainWindow, width: int, height: int
) -> None:
    window.resize(width, height)
    QApplication.processEvents()
    # a screen too wide for the window keeps it wider than asked
    assert window.size().width() == width, f"the screens ask for {window.minimumSizeHint()}"
    assert window.size().height() == height, f"the screens ask for {window.minimumSizeHint()}"
    # the catalogue, the parked tickets and the returns are all on this till
    assert button(window, "sale.returns").isVisible()
    assert button(window, "sale.pay_meal_voucher").isVisible()
    problems = _problems(window)
    assert not problems, f"at {width}×{height}:\n" + "\n".join(problems)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_confirmation_fits_the_window(
    qtbot: QtBot, window: MainWindow, width: int, height: int
) -> None:
    tap(qtbot, window, "sale.pay_cash")
    tap(qtbot, window, "sale.finalise")
    assert window.sale.confirming
    window.resize(width, height)
    QApplication.processEvents()
    assert window.size().width() == width, f"the screens ask for {window.minimumSizeHint()}"
    problems = _problems(window)
    assert not problems, f"at {width}×{height}:\n" + "\n".join(problems)


def test_the_check_sees_a_clipped_button(qtbot: QtBot, window: MainWindow) -> None:
    """The check itself: a label too long for its button is reported."""
    window.resize(1024, 768)
    QApplication.processEvents()
    park = button(window, "sale.park")
    park.setText("Mettre ce ticket en attente pour servir le client suivant")
    QApplication.processEvents()
    assert any(problem.startswith("sale.park ") for problem in _problems(window))
    park.setText("")
    park.setFixedHeight(30)
    QApplication.processEvents()
    assert any("sale.park" in p and "30 px high" in p for p in _problems(window))
