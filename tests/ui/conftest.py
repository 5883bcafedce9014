"""A real till in tmp_path driven through the Qt screens, with helpers to tap and type."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QTableWidget, QWidget
from pytestqt.qtbot import QtBot

from caisse.ui.main_window import MainWindow
from caisse.ui.tasks import QtTaskRunner, TaskRunner
from tests.integration.conftest import TillFixture, make_till

T = TypeVar("T")


class QueuedTaskRunner:
    """Holds every task until `flush()`: shows what the screen does while the worker is busy."""

    def __init__(self) -> None:
        self.queue: list[tuple[Callable[[], Any], Callable[[Any], None], Any]] = []

    def run(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.queue.append((fn, on_done, on_error))

    def flush(self) -> None:
        while self.queue:
            fn, on_done, on_error = self.queue.pop(0)
            try:
                value = fn()
            except Exception as exc:  # noqa: BLE001 - a task runner hands errors to the screen
                on_error(exc)
            else:
                on_done(value)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[TillFixture]:
    fixture = make_till(tmp_path / "data")
    yield fixture
    fixture.till.close()


@pytest.fixture
def qt_runner() -> Iterator[QtTaskRunner]:
    runner = QtTaskRunner()
    yield runner
    runner.shutdown()


def make_window(qtbot: QtBot, shop: TillFixture, tasks: TaskRunner, **kwargs: Any) -> MainWindow:
    window = MainWindow(shop.till.checkout, shop.till.operators, tasks, **kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def cell(table: QTableWidget, row: int, col: int) -> str:
    item = table.item(row, col)
    assert item is not None
    return item.text()


def button(root: QWidget, name: str) -> QPushButton:
    found = root.findChild(QPushButton, name)
    assert found is not None, f"no button named {name}"
    return found


def label(root: QWidget, name: str) -> QLabel:
    found = root.findChild(QLabel, name)
    assert found is not None, f"no label named {name}"
    return found


def tap(qtbot: QtBot, root: QWidget, name: str) -> None:
    qtbot.mouseClick(button(root, name), Qt.MouseButton.LeftButton)


def sign_in(qtbot: QtBot, window: QWidget, operator: str, pin: str) -> None:
    tap(qtbot, window, f"login.operator.{operator}")
    for digit in pin:
        tap(qtbot, window, f"login.pin_pad.{digit}")
    tap(qtbot, window, "login.pin_pad.ok")


def scan(qtbot: QtBot, window: QWidget, code: str) -> None:
    entry = window.findChild(QLineEdit, "sale.code_entry")
    assert entry is not None
    qtbot.keyClicks(entry, code)
    qtbot.keyClick(entry, Qt.Key.Key_Return)
