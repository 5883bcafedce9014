"""The one place where an exception becomes a message for the cashier (Anki's show_exception).

A `UserFacingError` shows its own sentence; anything else is logged with its traceback and
shown as a generic sentence, so no stack trace or SQL text ever reaches the screen.
"""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from caisse.domain.errors import UserFacingError

logger = logging.getLogger(__name__)


@runtime_checkable
class MessageSurface(Protocol):
    """A screen with its own message line; errors go there instead of a dialog box."""

    def show_message(self, text: str, *, error: bool = True) -> None: ...


def error_text(exc: BaseException, lang: str = "fr") -> str:
    """The sentence to show for an exception (logging it when it is not user-facing)."""
    if isinstance(exc, UserFacingError):
        logger.info("refused: %s", exc.message("en"))
        return exc.message(lang)
    logger.error("unexpected error in the till", exc_info=exc)
    return QCoreApplication.translate(
        "errors",
        "Une erreur inattendue est survenue : l'opération n'a pas abouti. Réessayez ; si "
        "l'erreur persiste, appelez le responsable.",
    )


def show_error(parent: QWidget | None, exc: BaseException, lang: str = "fr") -> str:
    """Show an exception to the cashier and return the sentence shown.

    Args:
        parent: the screen the error belongs to; a `MessageSurface` shows it in its message
            line (no dialog to dismiss in the middle of a sale), any other widget gets a
            non-blocking message box.
        exc: the exception raised by a task.
        lang: "fr" or "en", for the sentence of a `UserFacingError`.
    """
    text = error_text(exc, lang)
    # note: typed as object because mypy finds no common subclass of QWidget (Shiboken
    # metaclass) and a Protocol (ABCMeta), and would call the branch unreachable.
    target: object = parent
    if isinstance(target, MessageSurface):
        target.show_message(text, error=True)
        return text
    box = QMessageBox(parent)
    box.setObjectName("error.box")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(QCoreApplication.translate("errors", "Caisse"))
    box.setText(text)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()
    return text
