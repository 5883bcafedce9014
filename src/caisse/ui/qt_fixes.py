"""Work-arounds for defects of the Qt binding, installed once when `caisse.ui` is imported.

PySide6 6.12 returns the result of ``SignalInstance.emit()`` (a bool) without owning a
reference to it: each emit from Python code then drops one reference to ``True``. The till
emits on every task result, so after some ten thousand emits the count of ``True`` reaches zero
and the interpreter aborts ("Fatal Python error: bool_dealloc"), at exit or in the middle of a
day. The fix is self-checking: a probe measures whether an emit loses a reference and, only
then, wraps ``emit`` to give the reference back. A binding without the defect is left alone.
"""

from __future__ import annotations

import ctypes
import logging
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance

logger = logging.getLogger(__name__)

PROBE_EMITS = 16


class _Probe(QObject):
    ping = Signal()


def emit_drops_a_reference() -> bool:
    """Whether an emit from Python loses a reference to the bool it returns (the defect)."""
    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(PROBE_EMITS):
        probe.ping.emit()
    return sys.getrefcount(True) - before <= -PROBE_EMITS


def _owned(emit: Callable[..., Any]) -> Callable[..., Any]:
    def emit_owning_its_result(self: SignalInstance, *args: Any) -> Any:
        result = emit(self, *args)
        if result is True or result is False:
            # note: the binding handed back a reference it did not take; take it for it
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
        return result

    emit_owning_its_result.__wrapped__ = emit  # type: ignore[attr-defined]
    return emit_owning_its_result


def install() -> bool:
    """Wrap ``SignalInstance.emit`` when the binding has the defect; True when it did."""
    if hasattr(SignalInstance.emit, "__wrapped__") or not emit_drops_a_reference():
        return False
    setattr(SignalInstance, "emit", _owned(SignalInstance.emit))  # noqa: B010
    logger.info("PySide6 emit reference fix installed")
    return True
