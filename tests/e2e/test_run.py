"""`caisse run --demo` starts the till: the demo shop is created and the start-up is journaled."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _codes(db: Path) -> list[int]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT body FROM journal WHERE kind = 'J'").fetchall()
    except sqlite3.OperationalError:
        return []
    return [json.loads(r[0])["code"] for r in rows]


def test_run_demo_starts_the_till(tmp_path: Path) -> None:
    env = dict(os.environ, CAISSE_NO_KEYRING="1", QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-m", "caisse", "--data", str(tmp_path), "run", "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and 10 not in _codes(tmp_path / "caisse.sqlite"):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert 10 in _codes(tmp_path / "caisse.sqlite")  # JET 10: application start
        assert 30 in _codes(tmp_path / "caisse.sqlite")  # the demo till was activated
        time.sleep(1)
        assert proc.poll() is None  # the event loop keeps running
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
