"""The manager menu: X report, closures, archives, cash session, duplicates, training, queue.

Every entry calls a service through the task runner with the signed-in operator; the service
checks the right. When it refuses for want of a right, the menu asks a manager's PIN
(`ApproverDialog`) and runs the action again with the manager's session (as the approver of a
cash movement, or as the operator of a closure or of training mode, which a manager does).

Object names: ``manager.menu``, ``manager.message``, ``manager.back``, ``manager.pages``,
``manager.nav.<page>`` for page in x, closures, archives, cash, reprint, training, queue,
settings;
``manager.lock``, ``manager.switch``;
X: ``manager.x.text``, ``manager.x.refresh``, ``manager.x.print``;
closures: ``manager.close_day``, ``manager.close_month``, ``manager.close_year``,
``manager.closures.text``;
archives: ``manager.archives.periods``, ``manager.archives.export``, ``manager.archives.text``;
cash: ``manager.cash.status``, ``manager.cash.count.<cents>`` (pieces per denomination, with its
``manager.cash.count.<cents>.minus`` and ``.plus`` keys),
``manager.cash.count_total``, ``manager.cash.open``, ``manager.cash.amount``,
``manager.cash.reason``, ``manager.cash.in``, ``manager.cash.out``, ``manager.cash.drawer``,
``manager.cash.justification``, ``manager.cash.close``;
reprint: ``manager.reprint.tickets``, ``manager.reprint.number``, ``manager.reprint.go``;
training: ``manager.training.state``, ``manager.training.on``, ``manager.training.off``;
queue: ``manager.queue.jobs``, ``manager.queue.refresh``, ``manager.queue.retry``,
``manager.queue.cancel``;
settings: ``manager.settings.text``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caisse.domain.cash import DENOMINATIONS, CashCount, CashOp
from caisse.domain.money import format_eur, parse_eur
from caisse.services.cash import CashResult
from caisse.services.checkout import TicketResult
from caisse.services.closures import ClosureResult
from caisse.services.errors import PermissionDenied
from caisse.services.operators import OperatorSession
from caisse.services.returns import DayTicket
from caisse.ui.dialogs import ReasonDialog
from caisse.ui.errors import error_text
from caisse.ui.i18n import tr
from caisse.ui.manager_ports import (
    ArchiveDesk,
    ArchiveDoneView,
    ArchivePeriodView,
    Cash,
    Closures,
    PrintJobView,
    PrintQueueDesk,
    TicketDesk,
    XReports,
)
from caisse.ui.pin_dialog import ApproverDialog
from caisse.ui.ports import Operators
from caisse.ui.tasks import TaskRunner
from caisse.ui.theme import set_level, touch_button

logger = logging.getLogger(__name__)

T = TypeVar("T")

PAGES = ("x", "closures", "archives", "cash", "reprint", "training", "queue", "settings")
NAV_WIDTH = 300
COUNT_KEY_PX = 56
"""The − and + keys beside each denomination (a spin box's own arrows are 28 px high)."""


def x_report_text(report: Mapping[str, Any]) -> str:
    """The X report as lines of text for the screen (French labels, amounts in euros)."""
    lines = [
        tr("RAPPORT X (lecture, ne clôture rien)"),
        tr("Journée du {date}").format(date=report.get("business_date", "")),
    ]
    totals = report.get("totals") or {}
    for key, label in (("sales", tr("Ventes")), ("returns", tr("Retours")), ("net", tr("Net"))):
        block = totals.get(key) or {}
        lines.append(
            f"{label:<10} HT {format_eur(int(block.get('ht', 0))):>14}"
            f"  TVA {format_eur(int(block.get('tva', 0))):>12}"
            f"  TTC {format_eur(int(block.get('ttc', 0))):>14}"
        )
    vats = report.get("vat") or []
    if vats:
        lines.append(tr("TVA par taux"))
        for vat in vats:
            rate = int(vat.get("rate_bp", 0)) / 100
            net = vat.get("net") or {}
            lines.append(
                f"  {rate:>5.2f} %  HT {format_eur(int(net.get('ht', 0))):>14}"
                f"  TVA {format_eur(int(net.get('tva', 0))):>12}"
            )
    payments = report.get("payments") or []
    if payments:
        lines.append(tr("Règlements"))
        tenders = {"CASH": tr("Espèces"), "CARD": tr("Carte"), "CHEQUE": tr("Chèque")}
        for payment in payments:
            method = str(payment.get("method", ""))
            lines.append(
                f"  {tenders.get(method.upper(), method):<10}"
                f" {format_eur(int(payment['amount_cents'])):>14}"
            )
    counts = (report.get("counts") or {}).get("tickets") or {}
    lines.append(
        tr("Tickets : {count}").format(count=sum(int(v) for v in counts.values()) if counts else 0)
    )
    gt = report.get("gt") or {}
    lines.append(
        tr("Grand total perpétuel : {amount}").format(
            amount=format_eur(int(gt.get("perpetual", 0)))
        )
    )
    cash = report.get("cash_session")
    if cash:
        lines.append(
            tr("Espèces attendues dans le tiroir : {amount}").format(
                amount=format_eur(int(cash.get("expected_cash_cents", 0)))
            )
        )
    else:
        lines.append(tr("Aucune session de caisse ouverte."))
    return "\n".join(lines)


def closure_text(results: list[ClosureResult]) -> str:
    """One line per closure written."""
    names = {"Z": tr("Clôture Z"), "M": tr("Clôture mensuelle"), "Y": tr("Clôture annuelle")}
    return "\n".join(
        tr("{name} {period} n° {number} : net {net} (enregistrement {gseq})").format(
            name=names.get(r.kind, r.kind),
            period=r.period,
            number=r.number,
            net=format_eur(r.net_ttc_cents),
            gseq=r.gseq,
        )
        for r in results
    )


class DenominationGrid(QWidget):
    """Pieces counted per note and coin (− and + keys, or typed), with the running total."""

    def __init__(self, prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setSpacing(6)
        self.spins: dict[int, QSpinBox] = {}
        for index, cents in enumerate(DENOMINATIONS):
            caption = QLabel(format_eur(cents))
            spin = QSpinBox()
            spin.setObjectName(f"{prefix}.{cents}")
            spin.setRange(0, 9999)
            spin.setButtonSymbols(QSpinBox.ButtonSymbols.NoButtons)
            spin.setAlignment(Qt.AlignmentFlag.AlignCenter)
            spin.setMinimumHeight(COUNT_KEY_PX)
            spin.setMinimumWidth(72)
            spin.valueChanged.connect(self._on_spin_value_changed)
            minus = touch_button("−", f"{prefix}.{cents}.minus", role="key")
            minus.clicked.connect(lambda *_args, sp=spin: sp.stepBy(-1))
            plus = touch_button("+", f"{prefix}.{cents}.plus", role="key")
            plus.clicked.connect(lambda *_args, sp=spin: sp.stepBy(1))
            row, col = index % 8, (index // 8) * 4
            grid.addWidget(caption, row, col)
            grid.addWidget(minus, row, col + 1)
            grid.addWidget(spin, row, col + 2)
            grid.addWidget(plus, row, col + 3)
            self.spins[cents] = spin
        self.total = QLabel("")  # placed by the page, outside the scrolled grid
        self.total.setObjectName(f"{prefix}_total")
        self.total.setProperty("role", "big")
        self._on_spin_value_changed()

    def count(self) -> CashCount:
        """The count as typed (raises InvalidAmount on an impossible one)."""
        return CashCount.of_pieces((c, s.value()) for c, s in self.spins.items() if s.value())

    def set_pieces(self, cents: int, pieces: int) -> None:
        self.spins[cents].setValue(pieces)

    def _on_spin_value_changed(self) -> None:
        total = sum(c * s.value() for c, s in self.spins.items())
        self.total.setText(tr("Total compté : {amount}").format(amount=format_eur(total)))


@dataclass(frozen=True, slots=True)
class ManagerDeps:
    """The services behind the manager menu (the composition root fills it)."""

    closures: Closures
    cash: Cash
    tickets: TicketDesk
    reports: XReports
    print_queue: PrintQueueDesk | None = None
    day_tickets: Callable[[], list[DayTicket]] | None = None
    """Today's sales (for the duplicate page), newest first."""
    archives: ArchiveDesk | None = None
    """The signed archives of closed periods; None: the page says they are not available."""
    settings: tuple[tuple[str, str], ...] = ()
    """(key, value) pairs shown read-only; keys: lang, printer, columns, display, scale,
    scanner, data_dir (an unknown key is shown as it is)."""


class ManagerMenu(QWidget):
    """The manager's pages, side by side with a column of page buttons."""

    back_requested = Signal()
    lock_requested = Signal()
    training_did_change = Signal(object)  # the supervisor id, or None
    queue_did_change = Signal()

    def __init__(
        self,
        deps: ManagerDeps,
        operators: Operators,
        tasks: TaskRunner,
        *,
        lang: str = "fr",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("manager.menu")
        self._operators = operators
        self._tasks = tasks
        self._closures = deps.closures
        self._cash = deps.cash
        self._tickets = deps.tickets
        self._reports = deps.reports
        self._queue = deps.print_queue
        self._day_tickets = deps.day_tickets
        self._archives = deps.archives
        self._shown_tickets: set[str] = set()
        settings = list(deps.settings)
        self._lang = lang
        self._session: OperatorSession | None = None
        self._jobs: list[PrintJobView] = []
        self.approver_dialog: ApproverDialog | None = None
        self.reason_dialog: ReasonDialog | None = None
        self.nav: dict[str, QPushButton] = {}

        self.message = QLabel("")
        self.message.setObjectName("manager.message")
        self.message.setProperty("role", "message")
        self.message.setWordWrap(True)
        self.message.setVisible(False)

        self.pages = QStackedWidget()
        self.pages.setObjectName("manager.pages")
        titles = {
            "x": tr("Rapport X"),
            "closures": tr("Clôtures Z, M, Y"),
            "archives": tr("Archives fiscales"),
            "cash": tr("Session de caisse"),
            "reprint": tr("Duplicata"),
            "training": tr("Mode école"),
            "queue": tr("Impressions en attente"),
            "settings": tr("Réglages"),
        }
        builders: dict[str, Callable[[], QWidget]] = {
            "x": self._build_x,
            "closures": self._build_closures,
            "archives": self._build_archives,
            "cash": self._build_cash,
            "reprint": self._build_reprint,
            "training": self._build_training,
            "queue": self._build_queue,
            "settings": lambda: self._build_settings(settings),
        }
        nav = QVBoxLayout()
        nav.setSpacing(6)
        for name in PAGES:
            page = builders[name]()
            self.pages.addWidget(page)
            button = touch_button(titles[name], f"manager.nav.{name}", role="toggle")
            button.setCheckable(True)
            button.clicked.connect(lambda *_args, n=name: self.show_page(n))
            nav.addWidget(button)
            self.nav[name] = button
        nav.addStretch(1)
        self.lock_button = touch_button(tr("Verrouiller"), "manager.lock")
        self.lock_button.clicked.connect(self._on_lock_clicked)
        self.switch_button = touch_button(tr("Changer d'opérateur"), "manager.switch")
        self.switch_button.clicked.connect(self._on_lock_clicked)
        self.back_button = touch_button(tr("Retour à la vente"), "manager.back", role="primary")
        self.back_button.setStyleSheet("font-size: 20px;")
        self.back_button.clicked.connect(self._on_back_clicked)
        for button in (self.lock_button, self.switch_button, self.back_button):
            nav.addWidget(button)
        nav_box = QWidget()
        nav_box.setLayout(nav)
        nav_box.setFixedWidth(NAV_WIDTH)

        right = QVBoxLayout()
        right.addWidget(self.message)
        right.addWidget(self.pages, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(14)
        layout.addWidget(nav_box)
        layout.addLayout(right, 1)
        self.show_page("x")

    # ------------------------------------------------------------ building

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        label.setProperty("role", "big")
        label.setWordWrap(True)
        return label

    def _build_x(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Rapport X")))
        self.x_text = QPlainTextEdit()
        self.x_text.setObjectName("manager.x.text")
        self.x_text.setReadOnly(True)
        self.x_text.setStyleSheet("font-family: monospace; font-size: 17px;")
        column.addWidget(self.x_text, 1)
        row = QHBoxLayout()
        self.x_refresh_button = touch_button(tr("Afficher le rapport X"), "manager.x.refresh")
        self.x_refresh_button.clicked.connect(self.show_x_report)
        self.x_print_button = touch_button(tr("Imprimer le rapport X"), "manager.x.print")
        self.x_print_button.clicked.connect(self._on_x_print_clicked)
        row.addWidget(self.x_refresh_button)
        row.addWidget(self.x_print_button)
        column.addLayout(row)
        return page

    def _build_closures(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Clôtures")))
        hint = QLabel(
            tr(
                "Une clôture est définitive : plus aucune vente ne peut être datée dans la "
                "période clôturée."
            )
        )
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.close_day_button = touch_button(
            tr("Clôture du jour (Z)"), "manager.close_day", role="danger", min_height=72
        )
        self.close_day_button.clicked.connect(
            lambda: self._confirm_closure("Z", tr("Clôturer la journée (Z) ?"))
        )
        self.close_month_button = touch_button(
            tr("Clôture du mois (M)"), "manager.close_month", role="danger", min_height=72
        )
        self.close_month_button.clicked.connect(
            lambda: self._confirm_closure("M", tr("Clôturer le mois (M) ?"))
        )
        self.close_year_button = touch_button(
            tr("Clôture de l'exercice (Y)"), "manager.close_year", role="danger", min_height=72
        )
        self.close_year_button.clicked.connect(
            lambda: self._confirm_closure("Y", tr("Clôturer l'exercice (Y) ?"))
        )
        for button in (self.close_day_button, self.close_month_button, self.close_year_button):
            column.addWidget(button)
        self.closures_text = QLabel("")
        self.closures_text.setObjectName("manager.closures.text")
        self.closures_text.setWordWrap(True)
        column.addWidget(self.closures_text)
        column.addStretch(1)
        return page

    def _build_archives(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Archives fiscales")))
        hint = QLabel(
            tr(
                "Un mois ou un exercice clôturé s'archive dans un fichier signé (ZIP), "
                "à copier ensuite en lieu sûr."
            )
        )
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.archive_list = QListWidget()
        self.archive_list.setObjectName("manager.archives.periods")
        column.addWidget(self.archive_list, 1)
        self.archive_button = touch_button(
            tr("Écrire l'archive signée"), "manager.archives.export", role="primary"
        )
        self.archive_button.clicked.connect(self._on_archive_clicked)
        column.addWidget(self.archive_button)
        self.archive_text = QLabel("")
        self.archive_text.setObjectName("manager.archives.text")
        self.archive_text.setWordWrap(True)
        self.archive_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.archive_text)
        return page

    def _build_cash(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Session de caisse")))
        self.cash_status = QLabel("")
        self.cash_status.setObjectName("manager.cash.status")
        self.cash_status.setWordWrap(True)
        column.addWidget(self.cash_status)
        self.cash_grid = DenominationGrid("manager.cash.count")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.cash_grid)
        column.addWidget(scroll, 1)
        column.addWidget(self.cash_grid.total)
        row = QHBoxLayout()
        self.cash_open_button = touch_button(
            tr("Ouvrir la session"), "manager.cash.open", role="primary"
        )
        self.cash_open_button.setStyleSheet("font-size: 20px;")
        self.cash_open_button.clicked.connect(self._on_cash_open_clicked)
        self.cash_justification = QLineEdit()
        self.cash_justification.setObjectName("manager.cash.justification")
        self.cash_justification.setPlaceholderText(tr("Justification d'un écart"))
        self.cash_close_button = touch_button(
            tr("Compter et clôturer la session"), "manager.cash.close", role="danger"
        )
        self.cash_close_button.clicked.connect(self._on_cash_close_clicked)
        row.addWidget(self.cash_open_button, 1)
        row.addWidget(self.cash_close_button, 1)
        column.addLayout(row)
        column.addWidget(self.cash_justification)
        moves = QHBoxLayout()
        self.cash_amount = QLineEdit()
        self.cash_amount.setObjectName("manager.cash.amount")
        self.cash_amount.setPlaceholderText(tr("Montant (€)"))
        self.cash_amount.setMinimumWidth(150)
        self.cash_reason = QLineEdit()
        self.cash_reason.setObjectName("manager.cash.reason")
        self.cash_reason.setPlaceholderText(tr("Motif"))
        self.cash_in_button = touch_button(tr("Entrée d'espèces"), "manager.cash.in")
        self.cash_in_button.clicked.connect(lambda: self._on_cash_move_clicked(CashOp.CASH_IN))
        self.cash_out_button = touch_button(tr("Sortie d'espèces"), "manager.cash.out")
        self.cash_out_button.clicked.connect(lambda: self._on_cash_move_clicked(CashOp.CASH_OUT))
        moves.addWidget(self.cash_amount)
        moves.addWidget(self.cash_reason, 1)
        column.addLayout(moves)
        self.drawer_button = touch_button(tr("Ouvrir le tiroir"), "manager.cash.drawer")
        self.drawer_button.clicked.connect(self._on_drawer_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self.cash_in_button)
        buttons.addWidget(self.cash_out_button)
        buttons.addWidget(self.drawer_button)
        column.addLayout(buttons)
        return page

    def _build_reprint(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Réimprimer un ticket (DUPLICATA)")))
        column.addWidget(QLabel(tr("Touchez un ticket de la liste, ou tapez son numéro.")))
        self.reprint_list = QListWidget()
        self.reprint_list.setObjectName("manager.reprint.tickets")
        self.reprint_list.currentItemChanged.connect(self._on_reprint_list_current_item_changed)
        column.addWidget(self.reprint_list, 1)
        row = QHBoxLayout()
        self.reprint_number = QLineEdit()
        self.reprint_number.setObjectName("manager.reprint.number")
        self.reprint_number.setPlaceholderText(tr("Numéro du ticket"))
        self.reprint_button = touch_button(
            tr("Imprimer le duplicata"), "manager.reprint.go", role="primary"
        )
        self.reprint_button.clicked.connect(self._on_reprint_clicked)
        row.addWidget(self.reprint_number, 1)
        row.addWidget(self.reprint_button)
        column.addLayout(row)
        return page

    def _build_training(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Mode école")))
        hint = QLabel(
            tr(
                "En mode école, les tickets sont des exercices : ils sont journalisés à part et "
                "n'entrent pas dans le chiffre d'affaires."
            )
        )
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.training_state = QLabel("")
        self.training_state.setObjectName("manager.training.state")
        column.addWidget(self.training_state)
        row = QHBoxLayout()
        self.training_on_button = touch_button(
            tr("Activer le mode école"), "manager.training.on", min_height=72
        )
        self.training_on_button.clicked.connect(lambda: self._set_training(True))
        self.training_off_button = touch_button(
            tr("Quitter le mode école"), "manager.training.off", min_height=72
        )
        self.training_off_button.clicked.connect(lambda: self._set_training(False))
        row.addWidget(self.training_on_button)
        row.addWidget(self.training_off_button)
        column.addLayout(row)
        column.addStretch(1)
        return page

    def _build_queue(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Tickets non imprimés")))
        self.queue_table = QTableWidget(0, 4)
        self.queue_table.setObjectName("manager.queue.jobs")
        self.queue_table.setHorizontalHeaderLabels(
            [tr("Ticket"), tr("Créé le"), tr("Essais"), tr("Raison")]
        )
        header = self.queue_table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.queue_table.verticalHeader().setVisible(False)
        self.queue_table.verticalHeader().setDefaultSectionSize(46)
        self.queue_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.queue_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.queue_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        column.addWidget(self.queue_table, 1)
        row = QHBoxLayout()
        self.queue_refresh_button = touch_button(tr("Actualiser"), "manager.queue.refresh")
        self.queue_refresh_button.clicked.connect(self.load_queue)
        self.queue_retry_button = touch_button(
            tr("Réessayer l'impression"), "manager.queue.retry", role="primary"
        )
        self.queue_retry_button.clicked.connect(self._on_queue_retry_clicked)
        self.queue_cancel_button = touch_button(
            tr("Abandonner l'impression"), "manager.queue.cancel", role="danger"
        )
        self.queue_cancel_button.clicked.connect(self._on_queue_cancel_clicked)
        for button in (
            self.queue_refresh_button,
            self.queue_retry_button,
            self.queue_cancel_button,
        ):
            row.addWidget(button)
        column.addLayout(row)
        return page

    def _build_settings(self, settings: list[tuple[str, str]]) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.addWidget(self._heading(tr("Réglages")))
        names = {
            "lang": tr("Langue"),
            "printer": tr("Imprimante"),
            "columns": tr("Colonnes du ticket"),
            "display": tr("Afficheur client"),
            "scale": tr("Balance"),
            "scanner": tr("Lecteur de codes"),
            "data_dir": tr("Dossier de données"),
        }
        lines = [
            tr("{name} : {value}").format(name=names.get(key, key), value=value or "—")
            for key, value in settings
        ]
        text = QLabel("\n".join(lines) or tr("Aucun réglage à afficher."))
        text.setObjectName("manager.settings.text")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(text)
        note = QLabel(
            tr(
                "Les réglages se changent dans config.toml ou par « caisse run --lang en » ; "
                "ils sont lus au démarrage."
            )
        )
        note.setWordWrap(True)
        column.addWidget(note)
        column.addStretch(1)
        return page

    # ------------------------------------------------------------ life cycle

    def start(self, session: OperatorSession, tickets: list[str]) -> None:
        """Open the menu for `session`; `tickets` are this till's recent ticket numbers."""
        self._session = session
        self.clear_message()
        self.reprint_list.clear()
        for number in reversed(tickets):
            self._add_ticket_item(number, number)
        self._shown_tickets = set(tickets)
        day_tickets = self._day_tickets
        if day_tickets is not None:
            self._tasks.run(day_tickets, self._on_day_tickets, self._failed)
        self.show_page("x")
        self.show_x_report()
        self.load_cash_status()
        self.load_queue()
        self.load_archives()
        self._tasks.run(self._tickets.training_supervisor, self._on_training_loaded, self._failed)

    def stop(self) -> None:
        self._session = None
        for dialog in (self.approver_dialog, self.reason_dialog):
            if dialog is not None:
                dialog.reject()
        self.approver_dialog = self.reason_dialog = None

    def _on_lock_clicked(self) -> None:
        self.lock_requested.emit()

    def _on_back_clicked(self) -> None:
        self.back_requested.emit()

    def show_page(self, name: str) -> None:
        self.pages.setCurrentIndex(PAGES.index(name))
        for page, button in self.nav.items():
            button.setChecked(page == name)

    # ------------------------------------------------------------ messages and rights

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.message.setText(text)
        set_level(self.message, "error" if error else "info")
        self.message.setVisible(True)

    def clear_message(self) -> None:
        self.message.setText("")
        self.message.setVisible(False)

    def _failed(self, exc: BaseException) -> None:
        self.show_message(error_text(exc, self._lang), error=True)

    def _guarded(
        self,
        action: Callable[[OperatorSession, OperatorSession | None], T],
        on_done: Callable[[T], None],
        why: str,
    ) -> None:
        """Run `action(operator, None)`; if a right is missing, ask a manager and run again."""
        session = self._session
        if session is None:
            return
        self.clear_message()

        def refused(exc: BaseException) -> None:
            if isinstance(exc, PermissionDenied):
                self._ask_approver(why, lambda approver: run_with(approver))
            else:
                self._failed(exc)

        def run_with(approver: OperatorSession) -> None:
            self._tasks.run(lambda: action(session, approver), on_done, self._failed)

        self._tasks.run(lambda: action(session, None), on_done, refused)

    def _ask_approver(self, why: str, then: Callable[[OperatorSession], None]) -> None:
        dialog = ApproverDialog(self._operators, self._tasks, why, self._lang, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.approver_did_sign.connect(then)
        dialog.finished.connect(self._on_approver_dialog_finished)
        self.approver_dialog = dialog
        dialog.open()

    def _on_approver_dialog_finished(self, _result: int) -> None:
        self.approver_dialog = None

    def _ask_reason(self, title: str, question: str, presets: list[str]) -> ReasonDialog:
        dialog = ReasonDialog(title, question, presets, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.finished.connect(self._on_reason_dialog_finished)
        self.reason_dialog = dialog
        dialog.open()
        return dialog

    def _on_reason_dialog_finished(self, _result: int) -> None:
        self.reason_dialog = None

    # ------------------------------------------------------------ X report

    def show_x_report(self) -> None:
        self._tasks.run(self._reports.x_report, self._on_x_report, self._failed)

    def _on_x_report(self, report: dict[str, Any]) -> None:
        self.x_text.setPlainText(x_report_text(report))

    def _on_x_print_clicked(self) -> None:
        self.clear_message()
        self._tasks.run(self._reports.print_x, self._on_x_printed, self._failed)

    def _on_x_printed(self, _none: None) -> None:
        self.show_message(tr("Rapport X imprimé."), error=False)

    # ------------------------------------------------------------ closures

    def _confirm_closure(self, level: str, question: str) -> None:
        dialog = self._ask_reason(tr("Clôture"), question, [tr("Oui, clôturer maintenant")])
        dialog.other.setVisible(False)
        dialog.ok_button.setVisible(False)
        dialog.reason_did_choose.connect(lambda _r: self.close_period(level))

    def close_period(self, level: str) -> None:
        """Write the Z, M or Y closure (a manager's PIN if the operator may not close)."""
        calls = {
            "Z": self._closures.close_day,
            "M": self._closures.close_month,
            "Y": self._closures.close_year,
        }
        call = calls[level]
        self._guarded(
            lambda session, approver: call(approver or session),
            self._on_closed,
            tr("Une clôture demande un responsable."),
        )

    def _on_closed(self, results: list[ClosureResult]) -> None:
        text = closure_text(results)
        self.closures_text.setText(text)
        self.show_message(tr("Clôture enregistrée."), error=False)
        self.show_x_report()
        if results:
            # the closure stands whatever the printer does; a failure is only said
            gseq, reports = results[-1].gseq, self._reports
            self._tasks.run(lambda: reports.print_closure(gseq), _ignore, self._on_print_failed)

    def _on_print_failed(self, exc: BaseException) -> None:
        self.show_message(
            tr("Clôture enregistrée ; ticket non imprimé : {error}").format(
                error=error_text(exc, self._lang)
            ),
            error=True,
        )

    # ------------------------------------------------------------ archives

    def load_archives(self) -> None:
        desk = self._archives
        if desk is None:
            self.archive_list.clear()
            self.archive_button.setEnabled(False)
            self.archive_text.setText(tr("Les archives ne sont pas disponibles sur ce poste."))
            return
        self._tasks.run(desk.periods, self._on_archive_periods, self._failed)

    def _on_archive_periods(self, periods: list[ArchivePeriodView]) -> None:
        self.archive_list.clear()
        for view in periods:
            text = (
                tr("{label} (déjà archivée)").format(label=view.label)
                if view.archived
                else view.label
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, view.period)
            self.archive_list.addItem(item)
        if not periods:
            self.archive_text.setText(
                tr("Aucune période clôturée : clôturez d'abord le mois (M) ou l'exercice (Y).")
            )

    def _on_archive_clicked(self) -> None:
        desk = self._archives
        item = self.archive_list.currentItem()
        if desk is None or item is None:
            self.show_message(tr("Choisissez d'abord une période dans la liste."), error=True)
            return
        period = str(item.data(Qt.ItemDataRole.UserRole))
        self._guarded(
            lambda session, approver: desk.export(approver or session, period),
            self._on_archived,
            tr("Une archive demande un responsable."),
        )

    def _on_archived(self, done: ArchiveDoneView) -> None:
        self.archive_text.setText(
            tr("Archive {period} : {records} enregistrements, empreinte {sha}…\n{path}").format(
                period=done.period,
                records=done.records,
                sha=done.manifest_sha256[:16],
                path=done.path,
            )
        )
        self.show_message(tr("Archive signée écrite et enregistrée au journal."), error=False)
        self.load_archives()

    # ------------------------------------------------------------ cash

    def load_cash_status(self) -> None:
        self._tasks.run(self._cash.session_status, self._on_cash_status, self._failed)

    def _on_cash_status(self, status: dict[str, Any] | None) -> None:
        if status is None:
            self.cash_status.setText(
                tr("Aucune session ouverte : comptez le fond de caisse puis ouvrez.")
            )
        else:
            self.cash_status.setText(
                tr("Session ouverte le {when} ; espèces attendues : {amount}.").format(
                    when=status.get("opened_at", ""),
                    amount=format_eur(int(status.get("expected_cash_cents", 0))),
                )
            )
        self.cash_open_button.setEnabled(status is None)
        self.cash_close_button.setEnabled(status is not None)
        for button in (self.cash_in_button, self.cash_out_button):
            button.setEnabled(status is not None)

    def _on_cash_open_clicked(self) -> None:
        try:
            count = self.cash_grid.count()
        except Exception as exc:  # noqa: BLE001 - InvalidAmount from the domain, shown as is
            self._failed(exc)
            return
        cash = self._cash
        self._guarded(
            lambda session, approver: cash.open_session(approver or session, count),
            self._on_cash_done,
            tr("Ouvrir la caisse demande un responsable."),
        )

    def _on_cash_move_clicked(self, op: CashOp) -> None:
        try:
            amount = parse_eur(self.cash_amount.text())
        except Exception as exc:  # noqa: BLE001 - InvalidAmount, shown as is
            self._failed(exc)
            return
        reason = self.cash_reason.text()
        cash = self._cash
        self._guarded(
            lambda session, approver: cash.movement(session, op, amount, reason, approver),
            self._on_cash_done,
            tr("Une entrée ou sortie d'espèces demande un responsable."),
        )

    def _on_cash_close_clicked(self) -> None:
        try:
            count = self.cash_grid.count()
        except Exception as exc:  # noqa: BLE001 - InvalidAmount, shown as is
            self._failed(exc)
            return
        justification = self.cash_justification.text().strip() or None
        cash = self._cash
        self._guarded(
            lambda session, approver: cash.count(
                approver or session, count, justification=justification
            ),
            self._on_cash_done,
            tr("Le comptage demande un responsable."),
        )

    def _on_drawer_clicked(self) -> None:
        dialog = self._ask_reason(
            tr("Ouvrir le tiroir"),
            tr("Pourquoi ouvrir le tiroir sans vente ?"),
            [tr("Rendre la monnaie"), tr("Erreur de rendu"), tr("Vérification")],
        )
        desk = self._tickets

        def open_drawer(reason: str) -> None:
            self._guarded(
                lambda session, approver: desk.open_drawer(session, reason, approver),
                self._on_drawer_opened,
                tr("Ouvrir le tiroir sans vente demande un responsable."),
            )

        dialog.reason_did_choose.connect(open_drawer)

    def _on_drawer_opened(self, _none: None) -> None:
        self.show_message(tr("Tiroir ouvert (tracé au journal)."), error=False)

    def _on_cash_done(self, result: CashResult) -> None:
        labels = {
            "OPEN": tr("Session de caisse ouverte"),
            "CASH_IN": tr("Entrée d'espèces enregistrée"),
            "CASH_OUT": tr("Sortie d'espèces enregistrée"),
            "COUNT": tr("Comptage enregistré, session clôturée"),
        }
        text = tr("{what} (n° {number}).").format(
            what=labels.get(result.op, result.op), number=result.number
        )
        if result.op == "COUNT":
            diffs = [
                int(t.get("difference_cents") or 0)
                for t in result.details.get("tenders", [])
                if isinstance(t, Mapping)
            ]
            if any(diffs):
                text += " " + tr("Écart : {amount}.").format(amount=format_eur(sum(diffs)))
        if result.drawer_error:
            text += " " + result.drawer_error
        self.show_message(text, error=False)
        self.cash_amount.clear()
        self.cash_reason.clear()
        self.cash_justification.clear()
        self.load_cash_status()

    # ------------------------------------------------------------ duplicates

    def _add_ticket_item(self, number: str, text: str) -> None:
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, number)
        self.reprint_list.addItem(item)

    def _on_day_tickets(self, tickets: list[DayTicket]) -> None:
        """Today's sales of this till under the ones rung up here (newest first)."""
        for ticket in tickets:
            if ticket.ticket_no in self._shown_tickets:
                continue
            self._shown_tickets.add(ticket.ticket_no)
            self._add_ticket_item(
                ticket.ticket_no,
                f"{ticket.time_local}  {ticket.ticket_no}  {format_eur(ticket.total_ttc_cents)}",
            )

    def _on_reprint_list_current_item_changed(
        self, item: QListWidgetItem | None, _previous: QListWidgetItem | None
    ) -> None:
        if item is not None:
            self.reprint_number.setText(str(item.data(Qt.ItemDataRole.UserRole)))

    def _on_reprint_clicked(self) -> None:
        number = self.reprint_number.text().strip()
        if not number:
            self.show_message(tr("Choisissez le ticket à réimprimer."), error=True)
            return
        desk = self._tickets
        self._guarded(
            lambda session, approver: desk.reprint(approver or session, number, "client"),
            self._on_reprinted,
            tr("Une réimpression demande un responsable."),
        )

    def _on_reprinted(self, result: TicketResult) -> None:
        if result.print_error:
            text = tr("Duplicata {number} enregistré, non imprimé : {error}").format(
                number=result.number, error=result.print_error
            )
        else:
            text = tr("Duplicata {number} imprimé.").format(number=result.number)
        self.show_message(text, error=bool(result.print_error))
        self.load_queue()

    # ------------------------------------------------------------ training

    def _on_training_loaded(self, supervisor: str | None) -> None:
        self.training_state.setText(
            tr("Mode école actif (responsable : {who}).").format(who=supervisor)
            if supervisor
            else tr("Mode école inactif : les tickets sont des ventes réelles.")
        )
        self.training_on_button.setEnabled(not supervisor)
        self.training_off_button.setEnabled(bool(supervisor))

    def _set_training(self, on: bool) -> None:
        desk = self._tickets

        def action(session: OperatorSession, approver: OperatorSession | None) -> str | None:
            desk.set_training(approver or session, on)
            return desk.training_supervisor()

        self._guarded(action, self._on_training_set, tr("Le mode école demande un responsable."))

    def _on_training_set(self, supervisor: str | None) -> None:
        self._on_training_loaded(supervisor)
        self.training_did_change.emit(supervisor)

    # ------------------------------------------------------------ print queue

    def load_queue(self) -> None:
        if self._queue is None:
            self._on_queue_loaded([])
            return
        self._tasks.run(self._queue.jobs, self._on_queue_loaded, self._failed)

    def _on_queue_loaded(self, jobs: list[PrintJobView]) -> None:
        self._jobs = jobs
        table = self.queue_table
        table.setRowCount(len(jobs))
        for row, job in enumerate(jobs):
            cells = (job.ticket, job.created_at, str(job.attempts), job.reason_fr)
            for col, text in enumerate(cells):
                table.setItem(row, col, QTableWidgetItem(text))
        if jobs:
            table.selectRow(0)
        enabled = self._queue is not None and bool(jobs)
        self.queue_retry_button.setEnabled(enabled)
        self.queue_cancel_button.setEnabled(enabled)
        self.queue_did_change.emit()

    def _selected_job(self) -> PrintJobView | None:
        rows = self.queue_table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self._jobs):
            return self._jobs[0] if self._jobs else None
        return self._jobs[rows[0].row()]

    def _on_queue_retry_clicked(self) -> None:
        job, queue = self._selected_job(), self._queue
        if job is None or queue is None:
            return
        self.clear_message()
        self._tasks.run(
            lambda: queue.retry(job.job_id), lambda _n: self._on_retried(job), self._on_retry_failed
        )

    def _on_retried(self, job: PrintJobView) -> None:
        self.show_message(tr("Ticket {ticket} imprimé.").format(ticket=job.ticket), error=False)
        self.load_queue()

    def _on_retry_failed(self, exc: BaseException) -> None:
        self._failed(exc)
        self.load_queue()

    def _on_queue_cancel_clicked(self) -> None:
        job, queue = self._selected_job(), self._queue
        if job is None or queue is None:
            return
        dialog = self._ask_reason(
            tr("Abandonner l'impression"),
            tr("Pourquoi ne pas imprimer le ticket {ticket} ?").format(ticket=job.ticket),
            [tr("Le client n'en veut pas"), tr("Ticket déjà remis"), tr("Imprimante hors service")],
        )

        def cancel(reason: str) -> None:
            self._guarded(
                lambda session, approver: queue.cancel(approver or session, job.job_id, reason),
                lambda _n: self._on_cancelled(job),
                tr("Abandonner une impression demande un responsable."),
            )

        dialog.reason_did_choose.connect(cancel)

    def _on_cancelled(self, job: PrintJobView) -> None:
        self.show_message(
            tr("Impression du ticket {ticket} abandonnée.").format(ticket=job.ticket), error=False
        )
        self.load_queue()


def _ignore(_value: object) -> None:
    """A task result nobody needs."""
