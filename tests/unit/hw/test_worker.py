"""The device worker: one thread, futures, probes; reconnecting devices."""

from __future__ import annotations

import functools
import threading

import pytest

from hw.errors import DeviceOffline, DeviceTimeout, HardwareError, PaperOut
from hw.worker import DeviceWorker, Reconnecting


def test_calls_run_on_the_single_worker_thread_in_order() -> None:
    seen: list[tuple[int, str]] = []
    with DeviceWorker("devices") as worker:

        def record(i: int) -> None:
            seen.append((i, threading.current_thread().name))

        futures = [worker.submit(functools.partial(record, i)) for i in range(20)]
        for f in futures:
            f.result()
    assert [i for i, _ in seen] == list(range(20))
    assert {name for _, name in seen} == {"devices"}


def test_results_and_errors_come_back_to_the_caller() -> None:
    with DeviceWorker() as worker:
        assert worker.call(lambda: 42) == 42

        def fail() -> None:
            raise PaperOut("paper end")

        with pytest.raises(PaperOut):
            worker.call(fail)


def test_a_call_from_the_worker_itself_runs_inline() -> None:
    with DeviceWorker() as worker:
        assert worker.call(lambda: worker.call(lambda: "inner")) == "inner"


def test_a_stuck_device_times_out_for_the_caller() -> None:
    release = threading.Event()
    with DeviceWorker() as worker:
        with pytest.raises(DeviceTimeout):
            worker.call(release.wait, timeout=0.01)
        release.set()


def test_a_stopped_worker_refuses_work() -> None:
    worker = DeviceWorker().start()
    worker.stop()
    worker.stop()
    with pytest.raises(RuntimeError):
        worker.submit(lambda: None)


def test_probes_report_changes_only() -> None:
    state: list[HardwareError | None] = [None]
    changes: list[tuple[str, str | None]] = []

    def check() -> None:
        if state[0] is not None:
            raise state[0]

    worker = DeviceWorker()
    worker.add_probe(
        "printer",
        check,
        interval=10,
        on_change=lambda name, err: changes.append((name, type(err).__name__ if err else None)),
    )
    worker.run_probes(now=100.0)
    worker.run_probes(now=105.0)  # not due
    state[0] = DeviceOffline("unplugged")
    worker.run_probes(now=111.0)
    worker.run_probes(now=122.0)  # same outcome: no callback
    state[0] = None
    worker.run_probes(force=True)
    assert changes == [("printer", None), ("printer", "DeviceOffline"), ("printer", None)]


def test_idle_worker_runs_due_probes() -> None:
    ran = threading.Event()
    with DeviceWorker(idle_tick=0.01) as worker:
        worker.add_probe("p", ran.set, interval=0.0)
        worker.start()
        assert ran.wait(10)


class Port:
    def __init__(self, n: int) -> None:
        self.n = n
        self.closed = False


def test_reconnecting_reopens_after_a_loss() -> None:
    opened: list[Port] = []
    present = [True]

    def opener() -> Port:
        if not present[0]:
            raise DeviceOffline("absent")
        opened.append(Port(len(opened)))
        return opened[-1]

    def closer(port: Port) -> None:
        port.closed = True
        raise OSError("already gone")

    device: Reconnecting[Port] = Reconnecting(opener, closer)
    assert device.use(lambda p: p.n) == 0

    def lost(port: Port) -> int:
        raise DeviceOffline("unplugged")

    with pytest.raises(DeviceOffline):
        device.use(lost)
    assert not device.connected
    assert opened[0].closed
    present[0] = False
    with pytest.raises(DeviceOffline):
        device.use(lambda p: p.n)
    present[0] = True
    assert device.use(lambda p: p.n) == 1
