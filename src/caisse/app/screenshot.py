"""`caisse screenshot --out DIR`: the main screens of a demo till as PNG files, offscreen.

The first four (login, sale, payment, confirmation) are at the README's 1280×800; then the
parked tickets and the returns, the manager menu's X report and cash page, the customer
display window, and the sale and manager screens at the two extreme sizes the till supports
(1024×768 and 1920×1080), so that a layout that breaks at either is seen.
"""

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
SMALL = (1024, 768)
LARGE = (1920, 1080)


def take_screenshots(out: Path) -> list[Path]:
    """Drive a demo till through login, a sale, its payment and the other screens.

    The till runs in a throw-away data directory with the demo catalogue; the screens talk to
    the real services through an immediate task runner, exactly as in the UI tests. A screen
    whose button is missing (a screen not built yet) is skipped, not an error.
    """
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QPushButton, QWidget

    from caisse.app.qt_main import build_window
    from caisse.ui.tasks import ImmediateTaskRunner

    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="caisse-screens-") as tmp:
        settings = Settings(data_dir=Path(tmp), printer="none")
        create_demo(settings, products=200)
        till = open_till(settings)
        window, devices, customer = build_window(
            till, ImmediateTaskRunner(), demo=True, customer_window=True
        )
        try:
            window.resize(*SIZE)
            window.show()

            def settle() -> None:
                for _ in range(5):
                    app.processEvents()

            def find(name: str, root: QWidget | None = None) -> QPushButton | None:
                return (root or window).findChild(QPushButton, name)

            def tap(name: str, root: QWidget | None = None) -> bool:
                found = find(name, root)
                if found is None or not found.isEnabled():
                    logger.info("screenshot: no button %s, skipped", name)
                    return False
                QTest.mouseClick(found, Qt.MouseButton.LeftButton)
                settle()
                return True

            def scan(code: str) -> None:
                entry = window.findChild(QLineEdit, "sale.code_entry")
                if entry is None:
                    raise LookupError("no code entry")
                QTest.keyClicks(entry, code)
                QTest.keyClick(entry, Qt.Key.Key_Return)
                settle()

            def save(name: str, widget: QWidget | None = None) -> None:
                settle()
                path = out / f"{name}.png"
                if not (widget or window).grab().save(str(path)):
                    raise OSError(f"cannot write {path}")
                saved.append(path)

            def sized(name: str, size: tuple[int, int]) -> None:
                window.resize(*size)
                settle()
                save(f"{name}-{size[0]}x{size[1]}")
                window.resize(*SIZE)
                settle()

            def top_dialog() -> QDialog | None:
                dialogs = [
                    w
                    for w in QApplication.topLevelWidgets()
                    if isinstance(w, QDialog) and w.isVisible()
                ]
                return dialogs[-1] if dialogs else None

            settle()
            tap("login.operator.marie")
            tap("login.pin_pad.1")
            save("login")
            for digit in "234":
                tap(f"login.pin_pad.{digit}")
            tap("login.pin_pad.ok")
            for code in ("2*SKU000001", "SKU000003", "SKU000005"):
                scan(code)
            save("sale")
            tap("sale.note.5000") or tap("payment.note.5000")
            save("payment")
            sized("payment", SMALL)
            sized("payment", LARGE)
            if customer is not None:
                customer.resize(800, 480)
                save("customer-display", customer)
            tap("sale.pay_cash") or tap("payment.tender.cash")
            tap("sale.finalise") or tap("payment.finalise")
            save("confirmation")

            # parked tickets: park one ticket, then open the list
            scan("SKU000007")
            scan("SKU000008")
            if tap("sale.park") and tap("sale.parked"):
                dialog = top_dialog()
                if dialog is not None:
                    save("parked", dialog)
                    dialog.reject()
                    settle()
            if tap("sale.returns"):
                dialog = top_dialog()
                save("returns", dialog)
                if dialog is not None:
                    dialog.reject()
                    settle()

            if tap("main.manager"):
                save("manager")
                sized("manager", SMALL)
                sized("manager", LARGE)
                tap("manager.nav.cash")
                save("manager-cash")
                sized("manager-cash", SMALL)
                tap("manager.back")
        finally:
            window.close()
            if customer is not None:
                customer.close()
            devices.close()
            till.close()
    return saved
