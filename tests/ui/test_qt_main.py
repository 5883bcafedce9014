"""`start_gui` opens the till, runs the start-up checks, and records a clean stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from caisse.app.qt_main import start_gui
from caisse.app.settings import Settings
from caisse.services.jet import Jet
from tests.integration.conftest import TillFixture
from tests.journal_helpers import jet_codes

pytestmark = pytest.mark.qt


def test_start_gui_returns_an_int_and_logs_start_and_stop(
    qapp: QApplication, shop: TillFixture
) -> None:
    data_dir: Path = shop.data_dir
    shop.till.close()
    # note: closing the window is the user's way out; QApplication.quit() with a window still
    # up leaves pytest-qt's later event loops returning at once.
    QTimer.singleShot(300, qapp.closeAllWindows)
    code = start_gui(Settings(data_dir=data_dir), fullscreen=False, lang="fr")
    assert code == 0
    assert isinstance(code, int)
    codes = jet_codes(data_dir)
    assert int(Jet.APP_START) in codes
    assert codes[-1] == int(Jet.APP_STOP)
