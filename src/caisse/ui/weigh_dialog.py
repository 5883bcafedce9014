"""Weighing an article on the till's scale: the weight is shown before it is used.

The dialog reads the scale through the task runner (at once, then every `REFRESH_MS` while
it is open, never two reads at a time), shows the weight and the price, or the reason the
weight cannot be used (moving, negative, over capacity, nothing on the pan, already used),
and enables "Use this weight" only for a usable reading. The scale desk (hw weighing rules)
refuses a reading not shown last, and the same load twice.

Object names: ``weigh.dialog``, ``weigh.article``, ``weigh.weight``, ``weigh.price``,
``weigh.reason``, ``weigh.read``, ``weigh.use``, ``weigh.cancel``.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QGridLayout, QLabel, QWidget

from caisse.domain.errors import Refused
from caisse.domain.money import format_eur, round_half_away
from caisse.ui.errors import error_text
from caisse.ui.i18n import tr
from caisse.ui.manager_ports import ScaleReadingView, Weighing
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import set_level, touch_button

logger = logging.getLogger(__name__)

REFRESH_MS = 800


class WeightFromScale(Refused):
    """A weight typed for a weighed article while a scale is configured."""

    def __init__(self, label: str) -> None:
        super().__init__(
            f"{label} se pèse sur la balance : scannez-le sans poids et posez-le sur la balance.",
            f"{label} is weighed on the scale: scan it without a weight and put it on the scale.",
        )


def format_kg(grams: int) -> str:
    return f"{grams / 1000:.3f}".replace(".", ",") + "\u00a0kg"


class WeighDialog(QDialog):
    """Shows the scale's weight; emits `weight_did_choose(grams)` for a registered weighing."""

    weight_did_choose = Signal(int)
    weight_did_show = Signal(str, int, int, int)  # label, grams, price per kg, price

    def __init__(
        self,
        weighing: Weighing,
        tasks: TaskRunner,
        label: str,
        unit_price_cents: int,
        lang: str = "fr",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("weigh.dialog")
        self.setWindowTitle(tr("Pesée"))
        self.setModal(True)
        self.setMinimumWidth(560)
        self._weighing = weighing
        self._tasks = tasks
        self._label = label
        self._unit_price = unit_price_cents
        self._lang = lang
        self._reading: ScaleReadingView | None = None
        self._reading_pending = False
        self._registering = False

        layout = QGridLayout(self)
        layout.setSpacing(12)
        article = QLabel(
            tr("{label} — {price}/kg").format(label=label, price=format_eur(unit_price_cents))
        )
        article.setObjectName("weigh.article")
        article.setProperty("role", "big")
        article.setWordWrap(True)
        layout.addWidget(article, 0, 0, 1, 2)
        self.weight_label = QLabel("…")
        self.weight_label.setObjectName("weigh.weight")
        self.weight_label.setProperty("role", "total")
        self.weight_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.weight_label, 1, 0, 1, 2)
        self.price_label = QLabel("")
        self.price_label.setObjectName("weigh.price")
        self.price_label.setProperty("role", "big")
        self.price_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.price_label, 2, 0, 1, 2)
        self.reason_label = QLabel(tr("Posez l'article sur la balance."))
        self.reason_label.setObjectName("weigh.reason")
        self.reason_label.setProperty("role", "message")
        self.reason_label.setWordWrap(True)
        layout.addWidget(self.reason_label, 3, 0, 1, 2)
        self.read_button = touch_button(tr("Relire la balance"), "weigh.read")
        self.read_button.clicked.connect(self.read)
        self.use_button = touch_button(
            tr("Utiliser ce poids"), "weigh.use", role="primary", min_height=72
        )
        self.use_button.clicked.connect(self._on_use_clicked)
        self.use_button.setEnabled(False)
        self.cancel_button = touch_button(tr("Retour"), "weigh.cancel")
        self.cancel_button.clicked.connect(self.reject)
        layout.addWidget(self.read_button, 4, 0)
        layout.addWidget(self.cancel_button, 4, 1)
        layout.addWidget(self.use_button, 5, 0, 1, 2)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.read)
        self.finished.connect(self._on_finished)

    @property
    def reading(self) -> ScaleReadingView | None:
        """The reading on screen."""
        return self._reading

    def start(self) -> None:
        """Open the dialog and read the scale now and then every `REFRESH_MS`."""
        self.open()
        self.read()
        self.timer.start()

    def read(self) -> None:
        if self._reading_pending or self._registering:
            return
        self._reading_pending = True
        weighing, price, label = self._weighing, self._unit_price, self._label
        self._tasks.run(lambda: weighing.read(price, label), self._on_read, self._on_read_failed)

    def _on_read(self, reading: ScaleReadingView) -> None:
        self._reading_pending = False
        self._reading = reading
        self.weight_label.setText(format_kg(reading.grams))
        if reading.usable:
            price = round_half_away(reading.grams * self._unit_price, 1000)
            self.price_label.setText(format_eur(price))
            self.reason_label.setText(tr("Poids stable : vérifiez-le, puis utilisez-le."))
            set_level(self.reason_label, "info")
            self.weight_did_show.emit(self._label, reading.grams, self._unit_price, price)
        else:
            self.price_label.setText("")
            reason = reading.reason_en if self._lang == "en" else reading.reason_fr
            self.reason_label.setText(tr("Poids refusé : {reason}").format(reason=reason))
            set_level(self.reason_label, "error")
        self.use_button.setEnabled(reading.usable and not self._registering)

    def _on_read_failed(self, exc: BaseException) -> None:
        self._reading_pending = False
        self._reading = None
        self.weight_label.setText("—")
        self.price_label.setText("")
        self.use_button.setEnabled(False)
        self.reason_label.setText(error_text(exc, self._lang))
        set_level(self.reason_label, "error")

    def _on_use_clicked(self) -> None:
        reading = self._reading
        if reading is None or not reading.usable or self._registering:
            return
        # note: one registration per tap; the button stays disabled until the answer.
        self._registering = True
        self.use_button.setEnabled(False)
        self.timer.stop()
        weighing, price = self._weighing, self._unit_price
        self._tasks.run(
            lambda: weighing.register(reading, price), self._on_registered, self._on_register_failed
        )

    def _on_registered(self, grams: int) -> None:
        self._registering = False
        self.accept()
        self.weight_did_choose.emit(grams)

    def _on_register_failed(self, exc: BaseException) -> None:
        self._registering = False
        self._on_read_failed(exc)
        self.timer.start()

    def _on_finished(self, _result: int) -> None:
        self.timer.stop()
