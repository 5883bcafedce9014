"""`caisse screenshot --out DIR`: the main screens of a demo till as PNG files, offscreen."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from caisse.app.bootstrap import open_till
from caisse.app.demo import create_demo
from caisse.app.settings import Settings

logger = logging.getLogger(__name__)

SIZE = (1280, 800)


def take_screenshots(out: Path) -> list[Path]:
    """Drive a demo till through login, a sale and its payment, saving each screen.

    The till runs in a throw-away data directory with the demo catalogue; the screens talk to
    the real services through an immediate task runner, exactly as in the UI tests.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

    from caisse.ui.main_window import MainWindow
    from caisse.ui.tasks import ImmediateTaskRunner

    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="caisse-screens-") as tmp:
        settings = Settings(data_dir=Path(tmp))
        create_demo(settings, products=200)
        till = open_till(settings)
        try:
            window = MainWindow(
                till.checkout, till.operators, ImmediateTaskRunner(), catalogue=till.catalogue
            )
            window.resize(*SIZE)
            window.show()

            def settle() -> None:
                for _ in range(5):
                    app.processEvents()

            def tap(name: str) -> None:
                found = window.findChild(QPushButton, name)
                if found is None:
                    raise LookupError(f"no button named {name}")
                QTest.mouseClick(found, Qt.MouseButton.LeftButton)
                settle()

            def scan(code: str) -> None:
                entry = window.findChild(QLineEdit, "sale.code_entry")
                if entry is None:
                    raise LookupError("no code entry")
                QTest.keyClicks(entry, code)
                QTest.keyClick(entry, Qt.Key.Key_Return)
                settle()

            def save(name: str) -> None:
                path = out / f"{name}.png"
                if not window.grab().save(str(path)):
                    raise OSError(f"cannot write {path}")
                saved.append(path)

            settle()
            tap("login.operator.marie")
            tap("login.pin_pad.1")
            save("login")
            for digit in "234":
                tap(f"login.pin_pad.{digit}")
            tap("login.pin_pad.ok")
            for code in ("2*SKU000001", "SKU000003", "0,532*SKU000002", "SKU000005"):
                scan(code)
            save("sale")
            tap("sale.note.5000")
            save("payment")
            tap("sale.pay_cash")
            tap("sale.finalise")
            save("confirmation")
        finally:
            till.close()
    return saved
