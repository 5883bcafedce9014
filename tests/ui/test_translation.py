"""`caisse run --lang en`: the compiled English catalogue turns the French screens English."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from caisse.app.i18n_extract import TS_FILE
from caisse.app.qt_main import install_translation
from caisse.ui.tasks import ImmediateTaskRunner
from tests.integration.conftest import TillFixture
from tests.ui.conftest import button, label, make_window, sign_in

pytestmark = pytest.mark.qt


def compile_catalogue(out: Path) -> None:
    lrelease = Path(sys.executable).with_name("pyside6-lrelease")
    subprocess.run(
        [str(lrelease), str(TS_FILE), "-qm", str(out / "caisse_en.qm")],
        check=True,
        capture_output=True,
    )


def test_english_loads_with_lang_en(
    qtbot: QtBot, qapp: QApplication, shop: TillFixture, tmp_path: Path
) -> None:
    compile_catalogue(tmp_path)
    translator = install_translation(qapp, "en", tmp_path)
    assert translator is not None
    try:
        window = make_window(qtbot, shop, ImmediateTaskRunner(), lang="en")
        assert label(window.login, "login.loading").text() in ("Loading operators…", "")
        sign_in(qtbot, window, "marie", "1234")
        assert button(window, "main.lock").text() == "Lock"
        assert label(window, "main.operator").text() == "Operator: Marie"
        assert label(window, "status.sync").text() == "Local only"
        assert button(window, "sale.add").text() == "Add"
    finally:
        qapp.removeTranslator(translator)


def test_french_needs_no_catalogue_and_a_missing_one_falls_back(
    qapp: QApplication, tmp_path: Path
) -> None:
    assert install_translation(qapp, "fr", tmp_path) is None
    assert install_translation(qapp, "en", tmp_path) is None  # nothing compiled there
