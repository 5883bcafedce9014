"""`caisse bench ui` on a small catalogue: it runs the real till and prints one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from caisse.app.bench_ui import SEARCHES

pytestmark = pytest.mark.qt


def test_bench_ui_prints_one_json_line_of_figures() -> None:
    env = dict(os.environ, CAISSE_NO_KEYRING="1", QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "caisse", "bench", "ui", "--products", "300", "--scans", "5",
         "--starts", "1"],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1
    figures = json.loads(lines[0])
    assert figures["bench"] == "ui"
    assert figures["products"] == 300
    assert figures["scan_to_line"]["n"] == 5
    assert figures["search_keystroke"]["n"] == sum(len(text) for text in SEARCHES)
    assert figures["cold_start_s"] > 0
    assert figures["rss_mb"] > 0
    assert figures["start_exit_codes"] == [0]
    assert figures["completed"] is True
