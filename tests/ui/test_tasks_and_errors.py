"""The task runners and the single place where errors become sentences."""

from __future__ import annotations

import functools
import logging
import threading

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from caisse.domain.errors import UnknownProduct
from caisse.ui.errors import error_text, show_error
from caisse.ui.tasks import ImmediateTaskRunner, QtTaskRunner

pytestmark = pytest.mark.qt


def test_qt_runner_works_on_one_thread_and_answers_on_the_gui_thread(
    qtbot: QtBot, qt_runner: QtTaskRunner
) -> None:
    gui = threading.get_ident()
    workers: list[int] = []
    done: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def work(i: int) -> int:
        workers.append(threading.get_ident())
        return i

    def answer(value: int) -> None:
        done.append((value, threading.get_ident()))

    def fail() -> int:
        return 1 // 0

    for i in range(5):
        qt_runner.run(functools.partial(work, i), answer, errors.append)
    qt_runner.run(fail, answer, errors.append)
    qtbot.waitUntil(lambda: qt_runner.pending == 0)
    assert [v for v, _ in done] == [0, 1, 2, 3, 4]  # in order
    assert {t for _, t in done} == {gui}
    assert len(set(workers)) == 1
    assert workers[0] != gui
    assert isinstance(errors[0], ZeroDivisionError)


def test_immediate_runner_hands_errors_over() -> None:
    seen: list[object] = []
    ImmediateTaskRunner().run(lambda: 1 // 0, seen.append, seen.append)
    assert isinstance(seen[0], ZeroDivisionError)


def test_user_facing_errors_show_their_sentence_in_either_language() -> None:
    exc = UnknownProduct("Code inconnu : 1.", "Unknown code: 1.")
    assert error_text(exc) == "Code inconnu : 1."
    assert error_text(exc, "en") == "Unknown code: 1."


def test_other_errors_are_logged_and_shown_generically(
    qtbot: QtBot, caplog: pytest.LogCaptureFixture
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    with caplog.at_level(logging.ERROR):
        text = show_error(parent, RuntimeError("disk I/O error in table journal"))
    assert text.startswith("Une erreur inattendue est survenue")
    assert "journal" not in text
    assert "disk I/O error" in caplog.text
    box = parent.findChild(QMessageBox, "error.box")
    assert box is not None
    assert box.text() == text
    box.close()
