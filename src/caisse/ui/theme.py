"""The till's high-contrast touch theme (dark text on light, big fonts) and its button factory."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

logger = logging.getLogger(__name__)

TOUCH_MIN_PX = 56
"""Smallest side of a touch target; above the 48 px floor so that gloved fingers hit it."""

BASE_FONT_PX = 18

INK = "#111111"
PAPER = "#f7f7f2"
LINE = "#222222"
KEY = "#e4e4dc"
KEY_DOWN = "#c8c8bc"
PRIMARY = "#0f5d2a"
PRIMARY_DOWN = "#0a3f1c"
DANGER = "#9b1111"
WARNING_BG = "#ffd24d"
ERROR_BG = "#fde2e2"
OK_BG = "#dff3e4"

STYLESHEET = f"""
QWidget {{
    color: {INK};
    background: {PAPER};
    font-size: {BASE_FONT_PX}px;
}}
QPushButton {{
    background: {KEY};
    border: 2px solid {LINE};
    border-radius: 6px;
    padding: 4px 10px;
    font-weight: 600;
}}
QPushButton:pressed, QPushButton:checked {{
    background: {KEY_DOWN};
}}
QPushButton:disabled {{
    color: #6a6a6a;
    background: #ededea;
    border: 2px dashed #8a8a8a;
}}
QPushButton[role="key"] {{
    font-size: 26px;
}}
QPushButton[role="primary"] {{
    background: {PRIMARY};
    color: #ffffff;
    font-size: 26px;
    font-weight: 700;
}}
QPushButton[role="primary"]:pressed {{
    background: {PRIMARY_DOWN};
}}
QPushButton[role="primary"]:disabled {{
    background: #c9d6cc;
    color: #4a4a4a;
    border: 2px dashed #6a6a6a;
}}
QPushButton[role="danger"] {{
    color: {DANGER};
    border-color: {DANGER};
}}
QPushButton[compact="true"] {{
    font-size: 15px;
    padding: 2px 6px;
}}
QPushButton[role="danger"]:disabled {{
    color: #6a6a6a;
    border: 2px dashed #8a8a8a;
}}
QPushButton[role="tender"] {{
    font-size: 17px;
    font-weight: 700;
    padding: 1px 6px;
}}
QPushButton[role="tile"] {{
    font-size: 22px;
    text-align: center;
}}
QPushButton[role="tile"]:checked {{
    background: {INK};
    color: #ffffff;
}}
QPushButton[role="toggle"]:checked, QPushButton[role="receipt"]:checked {{
    background: {INK};
    color: #ffffff;
}}
QPushButton[role="receipt"] {{
    font-size: 17px;
}}
QLineEdit {{
    background: #ffffff;
    border: 2px solid {LINE};
    border-radius: 6px;
    padding: 6px;
    font-size: 26px;
    min-height: {TOUCH_MIN_PX - 16}px;
}}
QLineEdit[role="entry"] {{
    font-size: 22px;
}}
QTableWidget, QListWidget {{
    background: #ffffff;
    border: 2px solid {LINE};
    gridline-color: #b0b0a8;
    selection-background-color: #1f3f7a;
    selection-color: #ffffff;
}}
QTableWidget {{
    font-size: 20px;
}}
QListWidget[compact="true"] {{
    font-size: 16px;
}}
QHeaderView::section {{
    background: {KEY};
    color: {INK};
    border: 1px solid {LINE};
    padding: 4px;
    font-weight: 700;
}}
QLabel[role="caption"] {{
    font-size: 16px;
    font-weight: 700;
}}
QLabel[role="total"] {{
    font-size: 52px;
    font-weight: 800;
}}
QLabel[role="big"] {{
    font-size: 32px;
    font-weight: 800;
}}
QLabel[role="amount"] {{
    background: #ffffff;
    border: 2px solid {LINE};
    border-radius: 6px;
    padding: 2px 10px;
    font-size: 32px;
    font-weight: 800;
}}
QLabel[role="message"] {{
    font-size: 20px;
    font-weight: 700;
    padding: 6px 10px;
    border-radius: 6px;
}}
QLabel[role="message"][level="error"] {{
    background: {ERROR_BG};
    color: {DANGER};
    border: 2px solid {DANGER};
}}
QLabel[role="message"][level="info"] {{
    background: {OK_BG};
    color: {PRIMARY_DOWN};
    border: 2px solid {PRIMARY};
}}
QLabel[role="banner"] {{
    background: {WARNING_BG};
    color: {INK};
    font-size: 22px;
    font-weight: 800;
    padding: 8px;
    border: 3px solid {INK};
}}
QLabel[role="alarm"] {{
    background: {DANGER};
    color: #ffffff;
    font-size: 22px;
    font-weight: 800;
    padding: 10px;
}}
QLabel[role="status"] {{
    font-size: 15px;
    color: #333333;
}}
QFrame[role="panel"] {{
    border: 2px solid {LINE};
    border-radius: 8px;
    background: #ffffff;
}}
QFrame[role="panel"] QLabel {{
    background: #ffffff;
}}
"""


def apply_theme(app: QApplication) -> None:
    """Give the whole application the till's palette and base font."""
    palette = QPalette()
    palette.setColor(QPalette.ColorRole.Window, QColor(PAPER))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(INK))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Text, QColor(INK))
    palette.setColor(QPalette.ColorRole.Button, QColor(KEY))
    palette.setColor(QPalette.ColorRole.ButtonText, QColor(INK))
    app.setPalette(palette)
    font = QFont(app.font())
    font.setPixelSize(BASE_FONT_PX)
    app.setFont(font)


def touch_button(
    text: str,
    object_name: str,
    *,
    role: str | None = None,
    min_height: int = TOUCH_MIN_PX,
    parent: QWidget | None = None,
) -> QPushButton:
    """A button sized for a finger that never takes the keyboard focus.

    note: NoFocus keeps the focus in the code entry, where a keyboard-wedge scanner types.
    """
    button = QPushButton(text, parent)
    button.setObjectName(object_name)
    button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    button.setMinimumHeight(min_height)
    button.setMinimumWidth(TOUCH_MIN_PX)
    if role is not None:
        button.setProperty("role", role)
    return button


def two_lines(text: str) -> str:
    """`text` broken at the space or hyphen nearest its middle (a hyphen stays on line one).

    note: for buttons whose one-line label is wider than their share of a 1024 px window; the
    translated string is broken at run time, so the catalogue keeps one source per label.
    """
    middle = len(text) / 2
    cuts = [i for i, ch in enumerate(text) if ch in " -" and 0 < i < len(text) - 1]
    if "\n" in text or not cuts:
        return text
    cut = min(cuts, key=lambda i: abs(i + 0.5 - middle))
    if text[cut] == "-":
        return text[: cut + 1] + "\n" + text[cut + 1 :]
    return text[:cut] + "\n" + text[cut + 1 :]


def set_level(widget: QWidget, level: str) -> None:
    """Switch a message label's look ("error", "info"); re-polishes so the sheet applies."""
    widget.setProperty("level", level)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
