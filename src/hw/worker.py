"""The single device thread: every call to a peripheral runs here, results come back as futures.

Following Electrum's `hwd_comms_thread`, no UI or service thread ever touches a device: they
`submit()` a callable and wait on (or attach a callback to) the `Future`. When idle, the worker
runs registered probes (a status query every few seconds) so that an unplugged device is
noticed, and a device plugged back in is reopened, before the cashier needs it.
`Reconnecting` wraps any device whose opening can fail: it drops the device on DeviceOffline
or DeviceTimeout and reopens it on the next use.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, Self, TypeVar

from hw.errors import DeviceOffline, DeviceTimeout, HardwareError

logger = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D")


@dataclass
class _Probe:
    name: str
    check: Callable[[], None]
    interval: float
    on_change: Callable[[str, HardwareError | None], None] | None
    last_run: float = 0.0
    last_error: HardwareError | None = None
    known: bool = False


@dataclass
class _Task:
    fn: Callable[[], object]
    future: Future[object] = field(default_factory=Future)


class DeviceWorker:
    """One daemon thread and its queue; started on the first `submit()`.

    Args:
        name: the thread's name (shown in logs and debuggers).
        idle_tick: how often, at most, the worker wakes up to run due probes (seconds).
    """

    def __init__(self, name: str = "hw-devices", *, idle_tick: float = 1.0) -> None:
        self.name = name
        self._tick = idle_tick
        self._queue: queue.Queue[_Task | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._probes: list[_Probe] = []
        self._stopped = False

    # -------------------------------------------------------------- lifecycle
    def start(self) -> Self:
        with self._lock:
            if self._stopped:
                raise RuntimeError("the device worker was stopped")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Finish the queued calls, then end the thread (idempotent)."""
        with self._lock:
            thread, self._stopped = self._thread, True
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)
            if thread.is_alive():
                logger.warning("device worker %s still busy after %s s", self.name, timeout)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def on_worker_thread(self) -> bool:
        return threading.current_thread() is self._thread

    # -------------------------------------------------------------- calls
    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Queue `fn`; its result (or exception) lands in the returned future.

        Raises:
            RuntimeError: the worker was stopped.
        """
        if self._stopped:
            raise RuntimeError("the device worker was stopped")
        self.start()
        task = _Task(fn)
        self._queue.put(task)
        return task.future  # type: ignore[return-value]

    def call(self, fn: Callable[[], T], timeout: float | None = None) -> T:
        """Run `fn` on the worker and wait for it (inline when already on the worker).

        Raises:
            DeviceTimeout: no result within `timeout` seconds (the call may still complete).
            Whatever `fn` raises.
        """
        if self.on_worker_thread:
            return fn()
        future = self.submit(fn)
        try:
            return future.result(timeout)
        except TimeoutError as exc:
            raise DeviceTimeout(f"no answer from the device worker within {timeout} s") from exc

    # -------------------------------------------------------------- probes
    def add_probe(
        self,
        name: str,
        check: Callable[[], None],
        *,
        interval: float = 5.0,
        on_change: Callable[[str, HardwareError | None], None] | None = None,
    ) -> None:
        """Run `check` when idle, every `interval` seconds.

        `on_change(name, error or None)` is called on the worker after the first run and then
        each time the outcome changes (a device unplugged, or back).
        """
        with self._lock:
            self._probes.append(_Probe(name, check, interval, on_change))

    def run_probes(self, now: float | None = None, *, force: bool = False) -> None:
        """Run the probes that are due (all with `force`); call on the worker thread only."""
        now = time.monotonic() if now is None else now
        with self._lock:
            probes = list(self._probes)
        for probe in probes:
            if not force and now - probe.last_run < probe.interval:
                continue
            probe.last_run = now
            error: HardwareError | None = None
            try:
                probe.check()
            except HardwareError as exc:
                error = exc
            changed = not probe.known or type(error) is not type(probe.last_error)
            probe.known, probe.last_error = True, error
            if changed and probe.on_change is not None:
                try:
                    probe.on_change(probe.name, error)
                except Exception:  # a callback must not kill the device thread
                    logger.exception("probe callback %s failed", probe.name)

    # -------------------------------------------------------------- the thread
    def _run(self) -> None:
        while True:
            try:
                task = self._queue.get(timeout=self._tick)
            except queue.Empty:
                self.run_probes()
                continue
            if task is None:
                return
            if not task.future.set_running_or_notify_cancel():
                continue
            try:
                result = task.fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
                task.future.set_exception(exc)
            else:
                task.future.set_result(result)


class Reconnecting(Generic[D]):
    """A device opened on demand and reopened after it went away.

    Args:
        opener: opens the device (raises DeviceOffline when it is absent).
        closer: releases it (errors ignored).
    """

    def __init__(self, opener: Callable[[], D], closer: Callable[[D], None]) -> None:
        self._opener = opener
        self._closer = closer
        self._device: D | None = None

    @property
    def connected(self) -> bool:
        return self._device is not None

    def use(self, fn: Callable[[D], T]) -> T:
        """Call `fn` with the device, opening it first if needed.

        Raises:
            DeviceOffline, DeviceTimeout: the device is gone (it is dropped, to be reopened).
            Whatever `fn` raises.
        """
        if self._device is None:
            self._device = self._opener()
        try:
            return fn(self._device)
        except (DeviceOffline, DeviceTimeout):
            self.close()
            raise

    def close(self) -> None:
        device, self._device = self._device, None
        if device is not None:
            try:
                self._closer(device)
            except (HardwareError, OSError) as exc:
                logger.info("closing a lost device: %s", exc)
