"""Start the Qt till: the application, the opened till, the main window and a clean stop."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from caisse.app.bootstrap import open_till
from caisse.app.settings import Settings
from caisse.domain.errors import UserFacingError
from caisse.services.integrity import StartupReport
from caisse.ui.main_window import WINDOW_SIZE, MainWindow
from caisse.ui.tasks import QtTaskRunner
from caisse.ui.theme import apply_theme

logger = logging.getLogger(__name__)

EXIT_UNUSABLE = 2


def _application() -> QApplication:
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("caisse")
    app.setOrganizationName("caisse")
    return app


def start_gui(settings: Settings, fullscreen: bool, lang: str) -> int:
    """Run the touch till until its window closes; returns the process exit code.

    The start-up checks (JET 10, journal integrity) run on the service worker while the
    window is already up; if they block the till, the window shows a red alert banner and
    the services refuse every sale.
    """
    app = _application()
    apply_theme(app)
    try:
        till = open_till(settings, simulators=True)
    except UserFacingError as exc:
        logger.exception("the till cannot open %s", settings.data_dir)
        QMessageBox.critical(None, "Caisse", exc.message(lang))
        return EXIT_UNUSABLE
    tasks = QtTaskRunner()
    started: list[StartupReport] = []

    def startup() -> StartupReport:
        report = till.integrity.start(till.checkout)
        started.append(report)  # read only after tasks.shutdown() joined the worker
        return report

    try:
        window = MainWindow(till.checkout, till.operators, tasks, lang=lang, startup=startup)
        if fullscreen:
            window.showFullScreen()
        else:
            window.resize(*WINDOW_SIZE)
            window.show()
        code = int(app.exec())
        window.close_session()
        # note: waits for the queued tasks (a finalise in flight completes and commits).
        tasks.shutdown()
        if started:
            try:
                till.integrity.stop()
            except UserFacingError as exc:
                logger.warning("clean stop not recorded: %s", exc.message("en"))
        return code
    finally:
        tasks.shutdown()
        till.close()
