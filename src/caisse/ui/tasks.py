"""Task runners: service calls run on one worker thread and report back on the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

logger = logging.getLogger(__name__)

T = TypeVar("T")

OnError = Callable[[BaseException], None]


class TaskRunner(Protocol):
    """Runs `fn` away from the GUI thread, then calls back on the GUI thread.

    Tasks run one at a time, in the order given (the services are serialised like Anki's
    collection executor), so a screen may queue several calls on the same sale.
    """

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None], on_error: OnError) -> None:
        """Run `fn`; then `on_done(result)` or `on_error(exception)` on the GUI thread."""
        ...


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What the worker hands back to the GUI thread for one task."""

    on_done: Callable[[Any], None]
    on_error: OnError
    value: Any
    error: BaseException | None


class QtTaskRunner(QObject):
    """One worker thread; each result comes back to the GUI thread through a queued signal.

    Create it on the GUI thread: the signal's receiver lives there, so Qt queues the delivery
    into the GUI event loop whatever thread emits it.
    """

    task_did_finish = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="caisse-services")
        self._pending = 0
        self._closed = False
        self.task_did_finish.connect(self._on_task_did_finish, Qt.ConnectionType.QueuedConnection)

    @property
    def pending(self) -> int:
        """How many tasks were submitted and have not yet reported back."""
        return self._pending

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None], on_error: OnError) -> None:
        if self._closed:
            logger.warning("task refused: the runner is shut down")
            return
        self._pending += 1
        self._executor.submit(self._work, fn, on_done, on_error)

    def _work(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_error: OnError
    ) -> None:
        try:
            value = fn()
        # note: the task runner is one of the three places allowed to catch everything
        # (architecture.md §3.3): the error is handed to the screen, which shows it.
        except Exception as exc:  # noqa: BLE001
            self.task_did_finish.emit(_Outcome(on_done, on_error, None, exc))
        else:
            self.task_did_finish.emit(_Outcome(on_done, on_error, value, None))

    @Slot(object)
    def _on_task_did_finish(self, outcome: _Outcome) -> None:
        self._pending -= 1
        if self._closed:
            # note: the window may be gone; a result delivered after shutdown (in a later
            # event loop) would call into deleted widgets.
            return
        if outcome.error is not None:
            outcome.on_error(outcome.error)
        else:
            outcome.on_done(outcome.value)

    def shutdown(self) -> None:
        """Refuse new tasks and wait for the queued ones to end (their callbacks are dropped)."""
        self._closed = True
        self._executor.shutdown(wait=True)


class ImmediateTaskRunner:
    """Runs each task at once on the calling thread: for tests and headless tools."""

    def run(self, fn: Callable[[], T], on_done: Callable[[T], None], on_error: OnError) -> None:
        try:
            value = fn()
        except Exception as exc:  # noqa: BLE001 - a task runner hands every error to the screen
            on_error(exc)
        else:
            on_done(value)
