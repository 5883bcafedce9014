"""The status bar's words for the sync link and the printer, fed by fake sources."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from caisse.services.device_status import (
    PrinterState,
    PrinterStatusView,
    SyncLink,
    SyncStatus,
)
from caisse.ui.status_bar import StatusBar, printer_text, sync_text
from caisse.ui.tasks import ImmediateTaskRunner

pytestmark = pytest.mark.qt


class Sources:
    def __init__(self) -> None:
        self.sync = SyncStatus()
        self.printer = PrinterStatusView(PrinterState.OK)

    def sync_status(self) -> SyncStatus:
        return self.sync

    def printer_status(self) -> PrinterStatusView:
        return self.printer


def test_the_sync_words() -> None:
    assert sync_text(SyncStatus()) == "Local uniquement"
    assert sync_text(SyncStatus(SyncLink.ONLINE, None, 0)) == "Synchronisé"
    offline = SyncStatus(SyncLink.OFFLINE, "26/11 09:14", 3)
    assert sync_text(offline) == "Hors ligne depuis 26/11 09:14 · 3 en attente"
    stopped = SyncStatus(SyncLink.OFFLINE, "26/11 09:14", 2, stopped=True)
    assert sync_text(stopped) == "Synchronisation arrêtée : caisse à ré-enregistrer · 2 en attente"


def test_the_printer_words() -> None:
    assert printer_text(PrinterStatusView(PrinterState.PAPER_OUT)) == "Imprimante : plus de papier"
    assert printer_text(PrinterStatusView(PrinterState.OFFLINE)) == "Imprimante : hors ligne"
    failed = PrinterStatusView(PrinterState.ERROR, "capot ouvert", 2)
    assert printer_text(failed) == "Imprimante : capot ouvert · 2 ticket(s) à réimprimer"


def test_the_bar_follows_its_sources(qtbot: QtBot) -> None:
    sources = Sources()
    bar = StatusBar(ImmediateTaskRunner(), sources, sources)
    qtbot.addWidget(bar)
    bar.show()
    bar.start()
    assert bar.sync_label.text() == "Local uniquement"
    assert bar.printer_label.text() == "Imprimante : OK"
    assert bar.timer.isActive()
    sources.sync = SyncStatus(SyncLink.OFFLINE, "26/11 09:14", 1)
    sources.printer = PrinterStatusView(PrinterState.PAPER_OUT, "", 1)
    bar.refresh()
    assert "Hors ligne" in bar.sync_label.text()
    assert bar.printer_label.text() == "Imprimante : plus de papier · 1 ticket(s) à réimprimer"
    bar.set_training("paul")
    assert not bar.training_label.isHidden()
    bar.hide()
    assert not bar.timer.isActive()  # a hidden bar polls no more
