"""The login screen: operator tiles, the PIN pad, wrong PINs and the lockout countdown."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from caisse.ui.tasks import ImmediateTaskRunner
from tests.integration.conftest import TillFixture
from tests.ui.conftest import button, label, make_window, sign_in, tap

pytestmark = pytest.mark.qt


def test_tiles_list_the_active_operators_with_big_keys(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    assert set(window.login.tiles) == {"admin", "marie", "paul"}
    for name in [*(f"login.pin_pad.{d}" for d in "0123456789"), "login.pin_pad.ok"]:
        key = button(window, name)
        assert key.height() >= 48
        assert key.width() >= 48


def test_a_wrong_pin_says_so_and_stays_on_the_login(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    sign_in(qtbot, window, "marie", "9999")
    message = label(window, "login.message")
    assert message.isVisible()
    assert message.text() == "Code PIN incorrect (4 essai(s) restant(s) avant blocage)."
    assert window.stack.currentWidget() is window.login
    assert label(window, "login.pin_display").text() == ""


def test_the_lockout_shows_the_time_left_and_locks_the_pad(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    for _ in range(5):
        sign_in(qtbot, window, "marie", "0000")
    message = label(window, "login.message")
    assert "bloqué encore 60 s" in message.text()
    assert not button(window, "login.pin_pad.1").isEnabled()
    # the countdown rewrites the sentence every second
    window.login._on_lock_timer_timeout()
    assert "Marie est bloqué encore" in message.text()
    # another operator may still sign in meanwhile
    sign_in(qtbot, window, "paul", "5678")
    assert window.stack.currentWidget() is window.sale


def test_the_pin_pad_needs_an_operator_first(qtbot: QtBot, shop: TillFixture) -> None:
    window = make_window(qtbot, shop, ImmediateTaskRunner())
    assert not button(window, "login.pin_pad.1").isEnabled()
    tap(qtbot, window, "login.operator.paul")
    tap(qtbot, window, "login.pin_pad.1")
    assert label(window, "login.pin_display").text() == "●"
    tap(qtbot, window, "login.pin_pad.back")
    assert label(window, "login.pin_display").text() == ""
