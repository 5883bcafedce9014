"""Start the Qt till: the application, the opened till, the main window and a clean stop."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path

import platformdirs
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication, QMessageBox

from caisse.app.bootstrap import Till, open_till
from caisse.app.settings import Settings
from caisse.app.till_desks import ArchiveDesk, GuiDevices, gui_devices
from caisse.domain.closures import business_date
from caisse.domain.errors import UserFacingError
from caisse.services.archives import ArchiveService
from caisse.services.device_status import SyncStatusSource
from caisse.services.integrity import StartupReport
from caisse.ui.customer_display import CustomerDisplayFeed, CustomerDisplayWindow, SaleDisplay
from caisse.ui.main_window import WINDOW_SIZE, MainWindow
from caisse.ui.manager_menu import ManagerDeps
from caisse.ui.tasks import QtTaskRunner, TaskRunner
from caisse.ui.theme import apply_theme

logger = logging.getLogger(__name__)

EXIT_UNUSABLE = 2

TRANSLATIONS_DIR = Path(__file__).resolve().parents[3] / "resources" / "translations"
"""Where `make` compiles `caisse_<lang>.qm` from the `.ts` sources (source checkouts)."""


def install_translation(
    app: QCoreApplication, lang: str, directory: Path = TRANSLATIONS_DIR
) -> QTranslator | None:
    """Load the compiled catalogue of `lang` (French is the source language: none needed).

    Returns the installed translator (keep a reference: Qt does not own it), or None when
    the language is French or its `.qm` was not built (the till then speaks French).
    """
    if lang == "fr":
        return None
    translator = QTranslator(app)
    if not translator.load(f"caisse_{lang}", str(directory)):
        logger.warning("no compiled translation for %s in %s (run make)", lang, directory)
        return None
    app.installTranslator(translator)
    return translator


def build_window(
    till: Till,
    tasks: TaskRunner,
    *,
    lang: str = "fr",
    demo: bool = False,
    customer_window: bool = False,
    startup: Callable[[], StartupReport] | None = None,
    sync: SyncStatusSource | None = None,
) -> tuple[MainWindow, GuiDevices, CustomerDisplayWindow | None]:
    """The main window wired to the till's services and devices (also used by screenshots)."""
    devices = gui_devices(
        till.settings,
        till.context,
        till.closures,
        till.cash,
        till.printing,
        demo=demo,
        reports=till.reports,
    )
    displays: list[SaleDisplay] = []
    window_display = None
    if customer_window or till.settings.display.strip().startswith("window"):
        window_display = CustomerDisplayWindow()
        displays.append(window_display)
    if devices.pole_display is not None:
        displays.append(devices.pole_display)
    manager = ManagerDeps(
        closures=till.closures,
        cash=till.cash,
        tickets=till.checkout,
        reports=devices.reports,
        print_queue=devices.print_queue,
        day_tickets=lambda: till.returns.on_date(
            business_date(till.context.clock.now(), till.context.tz)
        ),
        archives=ArchiveDesk(
            till.context,
            ArchiveService(till.context, fiscal_year_start=till.settings.fiscal_year_start),
            till.settings.data_dir / "archives",
        ),
        # the language in use (--lang) rather than the configured one
        settings=(("lang", lang), *((k, v) for k, v in devices.settings_shown if k != "lang")),
    )
    window = MainWindow(
        till.checkout,
        till.operators,
        tasks,
        lang=lang,
        startup=startup,
        sync=sync,
        manager=manager,
        printer=devices.printer_source,
        display=CustomerDisplayFeed(displays) if displays else None,
        weighing=devices.weighing,
        catalogue=till.catalogue,
    )
    # open tickets saved after each change (parking, crash resume) and the returns screen
    window.sale.use_ticket_services(till.open_tickets, till.returns, till.checkout, till.operators)
    return window, devices, window_display


def _application() -> QApplication:
    existing = QCoreApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    app = QApplication(sys.argv[:1])
    app.setApplicationName("caisse")
    app.setOrganizationName("caisse")
    return app


def keep_escpos_capabilities() -> None:
    """Let python-escpos keep its parsed printer capabilities between starts.

    note: at import, python-escpos parses its printer-capabilities YAML (0.7 s, several
    seconds on a busy till) unless it finds a pickle of it in ESCPOS_CAPABILITIES_PICKLE_DIR,
    which defaults to a new temporary folder per process: without a lasting folder every
    start of the till pays the parse (measured with `caisse bench ui`).
    """
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    folder = Path(platformdirs.user_cache_dir("caisse", appauthor=False)) / "escpos"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        logger.warning("no cache folder for the printer capabilities: %s", folder)
        return
    os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(folder)


def start_gui(settings: Settings, fullscreen: bool, lang: str, *, demo: bool = False) -> int:
    """Run the touch till until its window closes; returns the process exit code.

    The start-up checks (JET 10, journal integrity) run on the service worker while the
    window is already up; if they block the till, the window shows a red alert banner and
    the services refuse every sale.
    """
    app = _application()
    apply_theme(app)
    translator = install_translation(app, lang)
    keep_escpos_capabilities()
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

    from caisse.app.sync_runtime import start_sync

    # the sync agent's thread (and, for the demo, an embedded central server on loopback)
    sync = start_sync(till, demo=demo)
    from caisse.app.receipt_mail import ReceiptMailer

    mailer = ReceiptMailer(till.context, settings)
    mailer.start()
    devices: GuiDevices | None = None
    try:
        window, devices, customer = build_window(
            till,
            tasks,
            lang=lang,
            demo=demo,
            customer_window=demo,
            startup=startup,
            sync=sync.agent,
        )
        if customer is not None:
            customer.show()
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
        mailer.stop()
        if devices is not None:
            devices.close()
        sync.stop()
        till.close()
        if translator is not None:
            app.removeTranslator(translator)
