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
    paths = {Path(p).stem: Path(p) for p in json.loads(done.stdout)["screenshots"]}
    main = ["login", "sale", "payment", "confirmation", "manager", "manager-cash"]
    sized = ["payment-1024x768", "payment-1920x1080", "manager-1024x768", "manager-1920x1080"]
    assert set(main + sized + ["customer-display"]) <= set(paths)
    for stem, path in paths.items():
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC)
        width = int.from_bytes(data[16:20], "big")
        height = int.from_bytes(data[20:24], "big")
        if stem in main:
            assert (width, height) == (1280, 800)
        elif stem in sized:
            # the screens fit the small and the large till: the window takes the asked size
            wanted = stem.rsplit("-", 1)[1]
            assert f"{width}x{height}" == wanted
    # the screens differ: each step changed what the till shows
    assert len({paths[stem].read_bytes() for stem in main}) == len(main)
