"""How `caisse run` picks a Qt platform on a machine without a screen or without Qt's libraries."""

from __future__ import annotations

import ctypes.util

import pytest

from caisse.app import run


def test_no_display_serves_vnc_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    platform, message = run.choose_platform()
    assert platform is not None
    assert platform.startswith("vnc:")
    assert message is not None
    assert "127.0.0.1:5900" in message


def test_missing_x11_libraries_are_named_with_their_packages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if name == "xcb-cursor" else name
    )
    platform, message = run.choose_platform()
    assert message is not None
    assert "apt-get install libxcb-cursor0" in message
    assert platform is not None


def test_an_explicit_platform_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert run.choose_platform() == (None, None)
