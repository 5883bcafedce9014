"""Translation of the till's visible text.

Source strings are written in French (the till's default language) and wrapped in `tr()`;
the English catalogue lives in `resources/translations/caisse_en.ts` and is compiled to `.qm`
by `make`. With no translator installed, `tr()` returns the French source unchanged.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

DEFAULT_CONTEXT = "caisse"


def tr(text: str, context: str = DEFAULT_CONTEXT) -> str:
    """The text in the current language (French source, English from the installed catalogue)."""
    return QCoreApplication.translate(context, text)
