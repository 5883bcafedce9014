"""The till's status bar (in the top bar of the window): sync link, printer, training mode.

The sources are polled through the task runner (every few seconds, and at once after each
ticket); they answer from what they already know, so no poll waits on a device or the
network, and the GUI thread only draws.

Object names: ``status.bar``, ``status.sync``, ``status.printer``, ``status.training``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QSizePolicy, QWidget
from shiboken6 import isValid

from caisse.services.device_status import (
    LocalOnly,
    NoPrinter,
    PrinterState,
    PrinterStatusSource,
    PrinterStatusView,
    SyncLink,
    SyncStatus,
    SyncStatusSource,
)
from caisse.ui.i18n import tr
from caisse.ui.tasks import TaskRunner

logger = logging.getLogger(__name__)

POLL_MS = 5000


def sync_text(status: SyncStatus) -> str:
    """The sync part of the bar: local only, online, or offline since … with N pending."""
    if status.link is SyncLink.LOCAL_ONLY:
        return tr("Local uniquement")
    if status.stopped:
        text = tr("Synchronisation arrêtée : caisse à ré-enregistrer")
    elif status.link is SyncLink.ONLINE:
        text = tr("Synchronisé")
    elif status.offline_since:
        text = tr("Hors ligne depuis {since}").format(since=status.offline_since)
    else:
        text = tr("Hors ligne")
    if status.pending:
        text += " · " + tr("{count} en attente").format(count=status.pending)
    return text


def printer_text(status: PrinterStatusView) -> str:
    """The printer part of the bar: ok, paper out, offline… and the tickets waiting."""
    labels = {
        PrinterState.NONE: tr("Imprimante : aucune"),
        PrinterState.OK: tr("Imprimante : OK"),
        PrinterState.PAPER_OUT: tr("Imprimante : plus de papier"),
        PrinterState.COVER_OPEN: tr("Imprimante : capot ouvert"),
        PrinterState.OFFLINE: tr("Imprimante : hors ligne"),
        PrinterState.ERROR: tr("Imprimante : en erreur"),
        PrinterState.UNKNOWN: tr("Imprimante : …"),
    }
    text = labels[status.state]
    if status.state is PrinterState.ERROR and status.detail_fr:
        text = tr("Imprimante : {detail}").format(detail=status.detail_fr)
    if status.waiting_jobs:
        text += " · " + tr("{count} ticket(s) à réimprimer").format(count=status.waiting_jobs)
    return text


class StatusBar(QFrame):
    """Three labels along the bottom of the window, refreshed through the task runner."""

    def __init__(
        self,
        tasks: TaskRunner,
        sync: SyncStatusSource | None = None,
        printer: PrinterStatusSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("status.bar")
        self._tasks = tasks
        self._sync = sync or LocalOnly()
        self._printer = printer or NoPrinter()
        self._polling = False
        self.sync_label = QLabel(sync_text(SyncStatus()))
        self.sync_label.setObjectName("status.sync")
        self.printer_label = QLabel("")
        self.printer_label.setObjectName("status.printer")
        self.training_label = QLabel("")
        self.training_label.setObjectName("status.training")
        self.training_label.setVisible(False)
        for label in (self.sync_label, self.printer_label, self.training_label):
            label.setProperty("role", "status")
        # note: Ignored width, so that a long printer sentence never widens the window
        self.printer_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(18)
        layout.addWidget(self.training_label)
        layout.addWidget(self.sync_label, 1)
        layout.addWidget(self.printer_label, 2)
        self.printer_label.setText(printer_text(PrinterStatusView(PrinterState.UNKNOWN)))
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.refresh)

    def start(self) -> None:
        """Poll now, then every few seconds while the bar is on screen."""
        self.refresh()
        if self.isVisible():
            self.timer.start()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt's name
        # note: a closed window polls no more (nor calls back into Python at shutdown)
        self.timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        """Ask both sources (one task); a poll still running is not doubled."""
        if self._polling:
            return
        self._polling = True
        sync, printer = self._sync, self._printer
        self._tasks.run(
            lambda: (sync.sync_status(), printer.printer_status()),
            self._on_polled,
            self._on_poll_failed,
        )

    def _on_polled(self, result: tuple[SyncStatus, PrinterStatusView]) -> None:
        self._polling = False
        if not isValid(self.sync_label):
            return  # the window closed while the poll was on the worker
        sync, printer = result
        self.sync_label.setText(sync_text(sync))
        self.sync_label.setProperty("level", "error" if sync.stopped else "")
        self.printer_label.setText(printer_text(printer))
        self.printer_label.setProperty(
            "level", "" if printer.state in (PrinterState.OK, PrinterState.NONE) else "error"
        )

    def _on_poll_failed(self, exc: BaseException) -> None:
        self._polling = False
        logger.warning("status poll failed: %s", exc)

    def set_training(self, supervisor: str | None) -> None:
        """Show (or hide) the training-mode mark."""
        self.training_label.setText(
            tr("MODE ÉCOLE ({who})").format(who=supervisor) if supervisor else ""
        )
        self.training_label.setVisible(bool(supervisor))
