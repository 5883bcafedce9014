"""`caisse bench ui`: the touch till over a large catalogue, as one JSON line of figures.

A demo shop with `--products` articles is generated into a fresh data directory. Then:

- cold start: a fresh `python -m caisse.app.bench_ui start DATA` runs the real `start_gui`
  (offscreen) and says "ready" once the login screen shows its operator tiles; the time is
  taken by the parent from the process launch to that line, interpreter start included;
- interaction: a fresh `python -m caisse.app.bench_ui interact DATA` builds the real window
  (`qt_main.build_window`: real services, task runner and widgets), signs in by taps, then
  types searches one key at a time (each from the key to its results drawn, through the real
  search service) and scans random EANs (each from its first key to the line drawn);
- memory: the resident set of that interactive process after the run.

A first start, not counted, compiles the bytecode (as installing the till does) and caches
the printer capabilities; the cold starts that follow are measured.

Each measurement ends with the pending paint events processed, so it includes drawing.
Benchmarks measure and print, they never assert (architecture.md §3.4).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SEARCHES = (
    "croissant",
    "pain au choc",
    "bordeaux 2019",
    "eclair pur",
    "comte",
    "cafe en grains",
    "3760000123",
    "SKU00123",
    "roman poche",
    "puzzle 1000",
)
SCANS_PER_TICKET = 40
TARGETS = (
    "cold start to login <= 2 s; scan to line shown p99 <= 30 ms; search keystroke p99 <= 30 "
    "ms; rss <= 300 MB"
)


def _child_env(pycache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["CAISSE_NO_KEYRING"] = "1"
    # note: an installed till runs from compiled bytecode; a checkout run with
    # PYTHONDONTWRITEBYTECODE would compile every module at every start instead. The warm-up
    # start fills this cache, the measured starts read it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def _child(args: list[str], pycache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "caisse.app.bench_ui", *args],
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(pycache),
    )


def _json_lines(proc: subprocess.Popen[str]) -> dict[str, Any]:
    """Every JSON line the child printed, merged (later lines update earlier ones).

    note: the interactive child prints its figures as it goes, so that a child that dies
    part-way (PySide6 6.12.0 loses a reference to None per slot call and aborts after a few
    thousand) still reports what it measured.
    """
    figures: dict[str, Any] = {}
    for line in proc.stdout or ():
        if line.startswith("{"):
            figures.update(json.loads(line))
    if not figures:
        figures["error"] = f"no figures (exit code {proc.wait()})"
    return figures


def _cold_start(data_dir: Path, pycache: Path) -> tuple[float, dict[str, Any]]:
    t0 = time.perf_counter()
    proc = _child(["start", str(data_dir)], pycache)
    figures = _json_lines(proc)
    elapsed = time.perf_counter() - t0
    figures["exit_code"] = proc.wait(timeout=120)
    return elapsed, figures


def bench_ui(products: int, scans: int, starts: int) -> dict[str, Any]:
    from caisse.app.demo import create_demo
    from caisse.app.settings import Settings

    os.environ.setdefault("CAISSE_NO_KEYRING", "1")
    with tempfile.TemporaryDirectory(prefix="caisse-bench-ui-") as tmp:
        data_dir = Path(tmp) / "data"
        t0 = time.perf_counter()
        create_demo(Settings(data_dir=data_dir), products=products)
        generate_s = time.perf_counter() - t0
        db_mb = (data_dir / "caisse.sqlite").stat().st_size / 1e6
        pycache = Path(tmp) / "pycache"
        warm_up_s, _ = _cold_start(data_dir, pycache)
        runs = [_cold_start(data_dir, pycache) for _ in range(max(1, starts))]
        proc = _child(["interact", str(data_dir), str(scans)], pycache)
        interaction = _json_lines(proc)
        interaction["exit_code"] = proc.wait(timeout=600)
    cold = sorted(round(s, 3) for s, _ in runs)
    return {
        "bench": "ui",
        "products": products,
        "generate_s": round(generate_s, 1),
        "database_mb": round(db_mb, 1),
        "cold_start_s": cold[len(cold) // 2],
        "cold_start_runs_s": cold,
        "first_start_compiling_s": round(warm_up_s, 3),
        "login_rss_mb": runs[0][1].get("rss_mb"),
        "start_exit_codes": [f.get("exit_code") for _, f in runs],
        **interaction,
        "load_average_1m": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "targets": TARGETS,
    }


def cmd_bench_ui(args: argparse.Namespace, _out: object) -> int:
    """`caisse bench ui`: print the figures as one JSON line."""
    figures = bench_ui(args.products, args.scans, args.starts)
    sys.stdout.write(json.dumps(figures, sort_keys=True) + "\n")
    return 0


def register_ui_bench(add: Callable[..., argparse.ArgumentParser], bench_sub: Any) -> None:
    """Add `caisse bench ui` to the `caisse bench` subcommands."""
    p = add(
        "ui",
        cmd_bench_ui,
        "the touch till over --products articles: cold start to the login screen, scan to "
        "line shown, search-as-you-type per keystroke, resident memory",
        bench_sub,
    )
    p.add_argument("--products", type=int, default=200_000)
    p.add_argument("--scans", type=int, default=300, help="random EAN scans to time")
    p.add_argument("--starts", type=int, default=3, help="measured cold starts")


# ---------------------------------------------------------------- child processes


def _rss_now_mb() -> float:
    from caisse.app.bench import _rss_mb

    return _rss_mb()


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_start(data_dir: Path) -> int:
    """Run the real till until its login screen shows the operators, then say so and quit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from caisse.app.qt_main import _application, start_gui
    from caisse.app.settings import load_settings
    from caisse.ui.main_window import MainWindow

    app = _application()
    timer = QTimer()

    def _poll() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible() and widget.login.tiles:
                timer.stop()
                sys.stdout.write(json.dumps({"ready": True, "rss_mb": _rss_now_mb()}) + "\n")
                sys.stdout.flush()
                app.quit()
                return

    timer.timeout.connect(_poll)
    timer.start(1)
    return start_gui(load_settings(data_dir), fullscreen=False, lang="fr")


def _percentiles(samples: list[float]) -> dict[str, float]:
    from caisse.app.bench import _percentile

    ordered = sorted(samples)
    return {
        "p50_ms": _percentile(ordered, 50),
        "p99_ms": _percentile(ordered, 99),
        "max_ms": round(ordered[-1], 3),
        "n": len(ordered),
    }


class _Waiter:
    """Runs the event loop until a condition holds, woken by the till's own signals.

    note: connected once, before any measurement (a signal connection costs ~0.5 ms); a 5 ms
    timer also wakes it for conditions no signal announces (the worker going idle).
    """

    def __init__(self) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        self._loop = QEventLoop()
        self._done: Callable[[], bool] = _always
        self._timer = QTimer()
        self._timer.timeout.connect(self.check)
        self._deadline = 0.0

    def check(self, *_args: object) -> None:
        if self._loop.isRunning() and (self._done() or time.monotonic() > self._deadline):
            self._loop.quit()

    def wait(self, done: Callable[[], bool], timeout_s: float = 120) -> None:
        if done():
            return
        self._done = done
        self._deadline = time.monotonic() + timeout_s
        self._timer.start(5)
        self._loop.exec()
        self._timer.stop()
        if not done():
            raise RuntimeError(f"the till did not answer within {timeout_s} s")


def _always() -> bool:
    return True


def child_interact(data_dir: Path, scans: int) -> int:
    """Sign in by taps, then time scans and search keystrokes on the real window."""
    import sqlite3

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QPushButton

    from caisse.app.bootstrap import open_till
    from caisse.app.qt_main import _application, build_window, keep_escpos_capabilities
    from caisse.app.settings import load_settings
    from caisse.ui.main_window import WINDOW_SIZE
    from caisse.ui.tasks import QtTaskRunner
    from caisse.ui.theme import apply_theme

    app = _application()
    apply_theme(app)
    keep_escpos_capabilities()
    settings = load_settings(data_dir)
    with sqlite3.connect(settings.db_path) as conn:
        codes = [
            str(row[0])
            for row in conn.execute(
                "SELECT ean FROM products WHERE unit = 'piece' AND ean IS NOT NULL "
                "ORDER BY random() LIMIT ?",
                (scans,),
            )
        ]
    conn.close()
    till = open_till(settings, simulators=True)
    tasks = QtTaskRunner()
    window, devices, _display = build_window(till, tasks, lang="fr")
    window.resize(*WINDOW_SIZE)
    window.show()
    waiter = _Waiter()
    window.sale.sale_view_did_change.connect(waiter.check)
    wait = waiter.wait

    def tap(name: str) -> None:
        button = window.findChild(QPushButton, name)
        if button is None:
            raise RuntimeError(f"no button {name}")
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)

    try:
        wait(lambda: bool(window.login.tiles) and window.started)
        tap("login.operator.marie")
        for digit in "1234":
            tap(f"login.pin_pad.{digit}")
        tap("login.pin_pad.ok")
        wait(lambda: window.stack.currentWidget() is window.sale)
        panel = window.sale.catalogue_panel
        if panel is None:
            raise RuntimeError("the sale screen has no catalogue")
        panel.search.results_did_show.connect(waiter.check)
        wait(lambda: tasks.pending == 0 and bool(panel.browser.grid.shown()))
        table = window.sale.lines_table
        entry = window.sale.code_entry

        def emit(figures: dict[str, Any]) -> None:
            figures.update(rss_mb=_rss_now_mb(), peak_rss_mb=_peak_rss_mb())
            sys.stdout.write(json.dumps(figures) + "\n")
            sys.stdout.flush()

        # note: CPU time of the whole process (GUI thread and worker) for the same spans; on
        # a machine shared with other work it shows what the till itself spent.
        field = panel.search.field
        key_ms: list[float] = []
        key_cpu_ms: list[float] = []

        def answered() -> bool:
            result = panel.search.result
            return result is not None and result.text == field.text()

        for text in SEARCHES:
            panel.search.clear()
            for ch in text:
                wait(lambda: tasks.pending == 0)
                t0, c0 = time.perf_counter(), time.process_time()
                QTest.keyClicks(field, ch)
                wait(answered)
                app.processEvents()
                key_ms.append((time.perf_counter() - t0) * 1000)
                key_cpu_ms.append((time.process_time() - c0) * 1000)
        panel.search.clear()
        keys = _percentiles(key_ms)
        emit(
            {
                "search_keystroke_p99_ms": keys["p99_ms"],
                "search_keystroke": keys,
                "search_keystroke_cpu": _percentiles(key_cpu_ms),
            }
        )

        scan_ms: list[float] = []
        scan_cpu_ms: list[float] = []
        for i, code in enumerate(codes):
            if i and i % SCANS_PER_TICKET == 0:
                tap("sale.void_ticket")
                tap("reason.preset.0")
                wait(lambda: table.rowCount() == 0)
                scan = _percentiles(scan_ms)
                emit(
                    {
                        "scan_to_line_p99_ms": scan["p99_ms"],
                        "scan_to_line": scan,
                        "scan_to_line_cpu": _percentiles(scan_cpu_ms),
                    }
                )
            # note: a cashier scans every second or so; waiting for the worker to be idle
            # keeps the previous scan's open-ticket save (a durable commit) out of this one.
            wait(lambda: tasks.pending == 0)
            before = table.rowCount()
            t0, c0 = time.perf_counter(), time.process_time()
            QTest.keyClicks(entry, code)
            QTest.keyClick(entry, Qt.Key.Key_Return)
            wait(lambda: table.rowCount() > before)  # noqa: B023 - waited for at once
            app.processEvents()  # the paint events: the line is on screen
            scan_ms.append((time.perf_counter() - t0) * 1000)
            scan_cpu_ms.append((time.process_time() - c0) * 1000)
        scan = _percentiles(scan_ms)
        emit(
            {
                "scan_to_line_p99_ms": scan["p99_ms"],
                "scan_to_line": scan,
                "scan_to_line_cpu": _percentiles(scan_cpu_ms),
                "completed": True,
            }
        )
    finally:
        tasks.shutdown()
        devices.close()
        till.close()
    return 0


def main(argv: list[str]) -> int:
    mode, data_dir = argv[0], Path(argv[1])
    if mode == "start":
        return child_start(data_dir)
    if mode == "interact":
        return child_interact(data_dir, int(argv[2]))
    raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
