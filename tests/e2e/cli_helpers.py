"""Running `caisse` as a subprocess, as shop scripts and managers do, for the e2e tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def caisse(data: Path, *args: str, pin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m caisse --data DATA ARGS...`; `pin` is given through CAISSE_PIN."""
    env = dict(os.environ, CAISSE_NO_KEYRING="1")
    env.pop("CAISSE_PIN", None)
    if pin is not None:
        env["CAISSE_PIN"] = pin
    return subprocess.run(
        [sys.executable, "-m", "caisse", "--data", str(data), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def one_sentence(stderr: str) -> str:
    """The single line of an error output; fails on a traceback or several lines."""
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo till of 20 products, made once per module."""
    data = tmp_path_factory.mktemp("demo-template")
    done = caisse(data, "demo", "--products", "20")
    assert done.returncode == 0, done.stderr
    return data


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo till: each test writes its own journal."""
    data = tmp_path / "till"
    shutil.copytree(demo_template, data, ignore=shutil.ignore_patterns("logs"))
    return data
