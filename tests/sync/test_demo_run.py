"""`caisse run --demo`: the demo till enrols with its embedded server and syncs out of the box."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _sync_state(db: Path) -> tuple[str | None, int]:
    try:
        with sqlite3.connect(db) as conn:
            row = conn.execute("SELECT device_id, acked_gseq FROM sync_state").fetchone()
    except sqlite3.OperationalError:
        return None, 0
    return (row[0], int(row[1])) if row else (None, 0)


def test_run_demo_syncs_with_its_embedded_server(tmp_path: Path) -> None:
    env = dict(os.environ, CAISSE_NO_KEYRING="1", QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen(
        [sys.executable, "-m", "caisse", "--data", str(tmp_path), "run", "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    db = tmp_path / "caisse.sqlite"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            device, acked = _sync_state(db)
            if device and acked > 0:
                break
            time.sleep(0.3)
        device, acked = _sync_state(db)
        assert device is not None  # enrolled with the embedded server
        assert acked > 0  # and the journal went up to it
        server_db = tmp_path / "demo-server" / "server.sqlite"
        with sqlite3.connect(server_db) as conn:
            stored = conn.execute(
                "SELECT COUNT(*) FROM journal WHERE device_id = ?", (device,)
            ).fetchone()[0]
        assert stored >= acked
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
