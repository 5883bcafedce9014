"""Shared pytest configuration: offscreen Qt, no OS keyring, the hardware opt-in flag."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# note: tests never write into the developer's real keyring; the 0600 passphrase file path
# is the one exercised (the keyring path is the same code with another store).
os.environ["CAISSE_NO_KEYRING"] = "1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--run-hardware", action="store_true", default=False, help="run tests on real devices"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-hardware"):
        return
    skip = pytest.mark.skip(reason="needs a real device: pass --run-hardware")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)
