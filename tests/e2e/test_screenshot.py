"""`caisse screenshot --out DIR` renders the main screens of a demo till to PNG files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_screenshots_are_real_pngs_of_the_till(tmp_path: Path) -> None:
    env = dict(os.environ, CAISSE_NO_KEYRING="1", QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "caisse", "--data", str(tmp_path / "data"), "screenshot",
         "--out", str(tmp_path / "shots"), "--json"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    paths = [Path(p) for p in json.loads(done.stdout)["screenshots"]]
    assert [p.stem for p in paths] == ["login", "sale", "payment", "confirmation"]
    for path in paths:
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC)
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        assert (width, height) == (1280, 800)
    # the screens differ: each step changed what the till shows
    assert len({p.read_bytes() for p in paths}) == 4
