"""`caisse bench devices`: encoding a 30-line ticket and a weight request over a pty.

Issue 4's targets: a 30-line ticket encoded (layout and ESC/POS bytes) in at most 5 ms, and a
weight request answered over the serial line in at most 50 ms, not counting the scale's own
settling time. The ticket is a real signed sale of a fresh till; the bytes are decoded back by
the printer emulator once, so that what is timed is a whole ticket. The weighing is the real
Toledo 8217 driver (pyserial) talking to the emulator behind `os.openpty()`, with a same-run
baseline: one byte echoed through the same kind of pty.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from caisse.services.ports import Receipt

# note: the drivers, the emulators and the till are imported by the functions that use them:
# this module is loaded by every `caisse` command (to register `bench devices`), and
# python-escpos alone costs a noticeable part of a second at import.

TICKET_LINES = 30


class _CapturingPrinter:
    """Keeps the receipts the till hands to its printer port."""

    def __init__(self) -> None:
        self.receipts: list[Receipt] = []

    def print_receipt(self, receipt: Receipt) -> None:
        self.receipts.append(receipt)


class _Echo:
    """A device that answers each byte with the same byte (the baseline's far end)."""

    def feed(self, data: bytes) -> bytes:
        return data


def _timed(action: Callable[[], object], repeats: int) -> list[float]:
    samples: list[float] = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        action()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return samples


def _percentile(sorted_ms: list[float], pct: float) -> float:
    from caisse.app.bench import _percentile as percentile

    return percentile(sorted_ms, pct)


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": _percentile(samples, 50),
        "p99_ms": _percentile(samples, 99),
        "mean_ms": round(statistics.fmean(samples), 4),
    }


def _thirty_line_receipt(data_dir: Path) -> Receipt:
    from caisse.app.bench import _BENCH_PRODUCTS, _new_till
    from caisse.domain.sale import Payment, Tender

    till, session = _new_till(data_dir)
    printer = _CapturingPrinter()
    till.context.printer = printer
    try:
        sale = till.checkout.new_sale()
        for n in range(TICKET_LINES):
            sale.add_line(_BENCH_PRODUCTS[n % len(_BENCH_PRODUCTS)], 1000 + n)
        sale.add_payment(Payment(Tender.CARD, sale.totals.total_ttc_cents))
        till.checkout.finalise(session, sale, printed="paper")
    finally:
        till.close()
    return printer.receipts[-1]


def bench_ticket(repeats: int, columns: int = 42) -> dict[str, Any]:
    """Layout and ESC/POS encoding of a real 30-line sale ticket."""
    from caisse.services.ticket_layout import layout_receipt
    from hw.drivers.escpos_printer import EscposRenderer
    from hw.ports import PrinterProfile
    from hw.simulators.escpos_printer import CutEvent, EscposEmulator

    with tempfile.TemporaryDirectory(prefix="caisse-bench-") as tmp:
        receipt = _thirty_line_receipt(Path(tmp))
    renderer = EscposRenderer(PrinterProfile(columns=columns))

    def encode() -> bytes:
        return renderer.render(layout_receipt(receipt))

    data = encode()
    emulator = EscposEmulator()
    emulator.feed(data)
    samples = _timed(encode, repeats)
    return {
        **_summary(samples),
        "lines_on_ticket": len(receipt.body["lines"]),
        "bytes": len(data),
        "decoded_text_lines": len(emulator.text_lines()),
        "unknown_commands": len(emulator.unknown),
        "ends_with_cut": bool(emulator.events) and isinstance(emulator.events[-1], CutEvent),
        "columns": columns,
    }


def _echo_round_trip(path: Path) -> Callable[[], None]:
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)

    def once() -> None:
        os.write(fd, b"W")
        while True:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                raise TimeoutError("the echo pty did not answer")
            if os.read(fd, 16):
                return

    once.fd = fd  # type: ignore[attr-defined]
    return once


def bench_weight(repeats: int) -> dict[str, Any]:
    """A weight request (Toledo 8217 `W`) answered over a pty, with a raw pty echo baseline."""
    from hw.drivers.scale_serial import open_toledo8217
    from hw.ports import ScaleReading, WeightStatus
    from hw.scales import toledo8217
    from hw.scales.toledo8217 import Toledo8217Options
    from hw.simulators.endpoints import PtyEndpoint
    from hw.simulators.scale_toledo8217 import Toledo8217Emulator

    with tempfile.TemporaryDirectory(prefix="caisse-bench-") as tmp:
        emulator = Toledo8217Emulator()
        emulator.set_weight(532)
        with PtyEndpoint(emulator, Path(tmp) / "ttyTOLEDO") as endpoint:
            settings = replace(toledo8217.DEFAULT_SERIAL, port=str(endpoint.path), timeout=0.5)
            # note: no pause between commands here: the 200 ms gap a real scale wants is the
            # scale's own pace, which the target leaves out.
            scale = open_toledo8217(settings, Toledo8217Options(command_gap=0.0))
            try:
                first = scale.reading()
                samples = _timed(scale.reading, repeats)
            finally:
                scale.close()
        with PtyEndpoint(_Echo(), Path(tmp) / "ttyECHO") as echo:
            once = _echo_round_trip(echo.path)
            try:
                baseline = _timed(once, repeats)
            finally:
                os.close(once.fd)  # type: ignore[attr-defined]
    return {
        **_summary(samples),
        "reading": {"status": first.status.value, "grams": first.grams},
        "stable_532_g": first == ScaleReading(WeightStatus.STABLE, 532),
        "baseline_pty_echo_p50_ms": _percentile(baseline, 50),
        "baseline_pty_echo_p99_ms": _percentile(baseline, 99),
    }


def bench_devices(repeats: int) -> dict[str, Any]:
    return {
        "bench": "devices",
        "repeats": repeats,
        "ticket_30_lines": bench_ticket(repeats),
        "weight_request_over_pty": bench_weight(repeats),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "targets": "30-line ticket encoded <= 5 ms; weight request round trip <= 50 ms",
    }


def cmd_bench_devices(args: argparse.Namespace, _out: object) -> int:
    """`caisse bench devices`: print the figures as one JSON line."""
    sys.stdout.write(json.dumps(bench_devices(args.repeats), sort_keys=True) + "\n")
    return 0


def register_devices_bench(add: Callable[..., argparse.ArgumentParser], bench_sub: Any) -> None:
    """Add `caisse bench devices` to the `caisse bench` subcommands."""
    p = add(
        "devices",
        cmd_bench_devices,
        "a 30-line ticket encoded to ESC/POS bytes, and a Toledo 8217 weight request over a pty",
        bench_sub,
    )
    p.add_argument("--repeats", type=int, default=500, help="timed repetitions of each")
