"""The pure modules import no cryptography; nothing in caisse_verif imports the till."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

PURE = [
    "caisse_verif.canonical",
    "caisse_verif.record",
    "caisse_verif.checks",
    "caisse_verif.report",
]
ALL = [*PURE, "caisse_verif.es256", "caisse_verif.sources", "caisse_verif.cli"]


def loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_cryptography(module: str) -> None:
    loaded = loaded_after_import(module)
    assert module in loaded
    assert not {m for m in loaded if m.split(".")[0] == "cryptography"}
    assert "sqlite3" not in loaded


@pytest.mark.parametrize("module", ALL)
def test_nothing_imports_the_till(module: str) -> None:
    loaded = loaded_after_import(module)
    assert not {m for m in loaded if m.split(".")[0] in {"caisse", "sync", "hw"}}
