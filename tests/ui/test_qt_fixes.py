"""Emitting a signal from Python does not eat references to True (PySide6 6.12 defect)."""

from __future__ import annotations

import sys

import pytest
from PySide6.QtCore import QObject, Signal

import caisse.ui  # noqa: F401 - installs the fix
from caisse.ui.qt_fixes import emit_drops_a_reference, install

pytestmark = pytest.mark.qt


class Emitter(QObject):
    changed = Signal(object)


def test_ten_thousand_emits_leave_the_count_of_true_alone() -> None:
    emitter = Emitter()
    seen: list[object] = []
    emitter.changed.connect(seen.append)
    before = sys.getrefcount(True)
    for n in range(10_000):
        emitter.changed.emit(n)
    # note: without the fix each emit drops one reference: the count falls by 10 000
    assert sys.getrefcount(True) - before > -100
    assert len(seen) == 10_000
    assert not emit_drops_a_reference()
    assert install() is False  # installed once, never wrapped twice
