"""The real pyserial scale drivers against the scale emulators over ptys and loopback TCP."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from hw.drivers.scale_serial import open_dialog06, open_toledo8217
from hw.errors import (
    BelowMinimum,
    DeviceOffline,
    HardwareError,
    OverCapacity,
    ProtocolError,
    SameWeighing,
    UnderZero,
    UnstableWeight,
)
from hw.ports import Parity, ScaleReading, Weight, WeightStatus
from hw.scales import dialog06, toledo8217
from hw.scales.dialog06 import ChecksumKey, Dialog06Options, Dialog06Scale
from hw.scales.factory import ScaleSetup, open_scale
from hw.scales.session import WeighingSession
from hw.scales.toledo8217 import Toledo8217Options, Toledo8217Scale
from hw.simulators.endpoints import PtyEndpoint, TcpEndpoint
from hw.simulators.scale_dialog06 import Dialog06Config, Dialog06Emulator
from hw.simulators.scale_toledo8217 import Toledo8217Config, Toledo8217Emulator

pytestmark = pytest.mark.integration

S = WeightStatus
DUMMY_KEY = ChecksumKey(polynomial=0x1_1021, modules=(0x1234,))
FAST_TOLEDO = Toledo8217Options(settle_timeout=1.0, poll_interval=0.05, command_gap=0.0)
FAST_DIALOG06 = Dialog06Options(settle_timeout=1.0, poll_interval=0.05)


# ---------------------------------------------------------------- Toledo 8217


@pytest.fixture
def toledo() -> Toledo8217Emulator:
    return Toledo8217Emulator()


@pytest.fixture
def toledo_pty(toledo: Toledo8217Emulator, tmp_path: Path) -> Iterator[PtyEndpoint]:
    with PtyEndpoint(toledo, tmp_path / "ttyTOLEDO") as endpoint:
        yield endpoint


@pytest.fixture
def toledo_scale(toledo_pty: PtyEndpoint) -> Iterator[Toledo8217Scale]:
    settings = replace(toledo8217.DEFAULT_SERIAL, port=str(toledo_pty.path), timeout=0.3)
    scale = open_toledo8217(settings, FAST_TOLEDO)
    yield scale
    scale.close()


@pytest.mark.parametrize(
    ("grams", "reading"),
    [
        (1234, ScaleReading(S.STABLE, 1234)),
        (0, ScaleReading(S.ZERO)),
        (15, ScaleReading(S.UNDER_LOAD, 15)),
        (-20, ScaleReading(S.UNDER_ZERO)),
        (15_500, ScaleReading(S.OVER_CAPACITY)),
    ],
)
def test_toledo_states_over_a_pty(toledo_scale, toledo, grams, reading):
    toledo.set_weight(grams)
    assert toledo_scale.reading() == reading


@pytest.mark.parametrize(
    ("grams", "error"), [(0, BelowMinimum), (-20, UnderZero), (15_500, OverCapacity)]
)
def test_toledo_read_refuses(toledo_scale, toledo, grams, error):
    toledo.set_weight(grams)
    with pytest.raises(error):
        toledo_scale.read()


def test_toledo_settles_then_reads(toledo_scale, toledo):
    toledo.set_weight(532, settle=0.2)
    assert toledo_scale.read() == Weight(532)


def test_toledo_never_stable_is_bounded(toledo_scale, toledo):
    toledo.never_stable = True
    toledo.set_weight(532)
    with pytest.raises(UnstableWeight):
        toledo_scale.read()
    # polls are at least poll_interval apart within settle_timeout: a bounded number, no hang
    polls = FAST_TOLEDO.settle_timeout / FAST_TOLEDO.poll_interval
    assert len(toledo.commands) <= polls + 2


def test_toledo_garbage_then_recovery(toledo_scale, toledo):
    toledo.set_weight(700)
    toledo.inject_garbage()
    with pytest.raises(ProtocolError):
        toledo_scale.reading()
    assert toledo_scale.read() == Weight(700)


def test_toledo_garbage_without_end_of_frame(toledo_scale, toledo):
    toledo.set_weight(700)
    toledo.inject_garbage(data=b"\x02\xff\xfe")
    with pytest.raises(ProtocolError):
        toledo_scale.reading()
    assert toledo_scale.read() == Weight(700)


def test_toledo_powered_off(toledo_scale, toledo):
    toledo.silent = True
    with pytest.raises(DeviceOffline, match="no reply"):
        toledo_scale.reading()
    toledo.silent = False
    toledo.set_weight(300)
    assert toledo_scale.read() == Weight(300)


def test_toledo_tare_and_zero_with_real_delays(tmp_path):
    emulator = Toledo8217Emulator(Toledo8217Config(tare_delay=0.15))
    with PtyEndpoint(emulator, tmp_path / "tty") as endpoint:
        scale = open_toledo8217(
            replace(toledo8217.DEFAULT_SERIAL, port=str(endpoint.path)), FAST_TOLEDO
        )
        emulator.set_weight(80)
        scale.zero()
        emulator.set_weight(230)
        scale.tare()
        emulator.set_weight(1230)
        assert scale.read() == Weight(1000, 150)
        scale.clear_tare()
        scale.preset_tare(200)
        assert scale.read() == Weight(950, 200)
        scale.probe()
        scale.close()


def test_toledo_port_disappears_and_comes_back_at_the_same_path(toledo_scale, toledo, toledo_pty):
    toledo.set_weight(300)
    assert toledo_scale.read() == Weight(300)
    toledo_pty.unplug()
    with pytest.raises(DeviceOffline):
        toledo_scale.read()
    with pytest.raises(DeviceOffline):
        toledo_scale.read()
    toledo_pty.plug()
    assert toledo_scale.read() == Weight(300)


def test_toledo_port_comes_back_on_another_pty(toledo_scale, toledo, toledo_pty):
    toledo.set_weight(450)
    assert toledo_scale.read() == Weight(450)
    before = toledo_pty.slave_name
    toledo_pty.unplug()
    squatter = os.openpty()  # takes the freed pts number: the scale comes back elsewhere
    try:
        toledo_pty.plug()
        assert toledo_pty.slave_name != before
        # the stale link fails on write and is reopened at once: no error for the cashier
        assert toledo_scale.read() == Weight(450)
    finally:
        for fd in squatter:
            os.close(fd)


def test_toledo_over_loopback_tcp(toledo):
    with TcpEndpoint(toledo) as endpoint:
        settings = replace(toledo8217.DEFAULT_SERIAL, port=endpoint.url, timeout=0.3)
        scale = open_toledo8217(settings, FAST_TOLEDO)
        toledo.set_weight(999)
        assert scale.read() == Weight(999)
        endpoint.unplug()
        with pytest.raises(DeviceOffline):
            scale.read()
        endpoint.plug()
        assert scale.read() == Weight(999)
        scale.close()


def test_toledo_session_over_a_pty(toledo_scale, toledo):
    session = WeighingSession()
    toledo.set_weight(532)
    item = session.register(session.show(toledo_scale.reading()), 2490)
    assert item.price_cents == 1325
    with pytest.raises(SameWeighing):
        session.register(session.show(toledo_scale.reading()), 2490)
    toledo.set_weight(0)
    session.show(toledo_scale.reading())
    toledo.set_weight(532)
    assert session.register(session.show(toledo_scale.reading()), 2490).grams == 532


# ---------------------------------------------------------------- Dialog 06


@pytest.fixture
def d06() -> Dialog06Emulator:
    return Dialog06Emulator(Dialog06Config(polynomial=DUMMY_KEY.polynomial))


@pytest.fixture
def d06_pty(d06: Dialog06Emulator, tmp_path: Path) -> Iterator[PtyEndpoint]:
    with PtyEndpoint(d06, tmp_path / "ttyD06") as endpoint:
        yield endpoint


@pytest.fixture(params=[Parity.ODD, Parity.EVEN])
def d06_scale(request: pytest.FixtureRequest, d06_pty: PtyEndpoint) -> Iterator[Dialog06Scale]:
    settings = replace(
        dialog06.DEFAULT_SERIAL, port=str(d06_pty.path), parity=Parity(request.param), timeout=0.3
    )
    scale = open_dialog06(settings, DUMMY_KEY, FAST_DIALOG06)
    yield scale
    scale.close()


def test_dialog06_prices_after_the_handshake(d06_scale, d06):
    d06_scale.preset_tare(150)
    d06_scale.set_article(1299, "Comté")
    d06.set_weight(1000, settle=0.1)
    assert d06_scale.read() == Weight(850, 150)
    assert d06.handshakes == 1
    d06.set_weight(150)  # the container alone: net zero
    assert d06_scale.reading().status is S.UNDER_LOAD
    d06.set_weight(1150)
    reading = d06_scale.reading()
    assert (reading.grams, reading.price_cents, reading.fresh) == (1000, 1299, True)


@pytest.mark.parametrize(
    ("grams", "status"),
    [(-10, S.UNDER_ZERO), (20_000, S.OVER_CAPACITY), (10, S.UNDER_LOAD)],
)
def test_dialog06_states(d06_scale, d06, grams, status):
    d06_scale.set_article(1000)
    d06.set_weight(grams)
    assert d06_scale.reading().status is status


def test_dialog06_no_movement(d06_scale, d06):
    d06_scale.set_article(1000)
    d06.set_weight(300)
    assert d06_scale.read() == Weight(300)
    with pytest.raises(SameWeighing):
        d06_scale.read()


def test_dialog06_never_stable_is_bounded(d06_scale, d06):
    d06_scale.set_article(1000)
    d06.never_stable = True
    d06.set_weight(300)
    with pytest.raises(UnstableWeight):
        d06_scale.read()


def test_dialog06_garbage_then_recovery(d06_scale, d06):
    d06_scale.set_article(1000)
    d06.set_weight(300)
    d06.inject_garbage()
    with pytest.raises(ProtocolError):
        d06_scale.reading()
    assert d06_scale.read() == Weight(300)


def test_dialog06_port_disappears_and_comes_back(d06_scale, d06, d06_pty):
    d06_scale.set_article(1000)
    d06.set_weight(300)
    assert d06_scale.read() == Weight(300)
    d06_pty.unplug()
    with pytest.raises(DeviceOffline):
        d06_scale.reading()
    d06.require_checksum()  # the scale was power-cycled too
    d06_pty.plug()
    d06.set_weight(420)
    assert d06_scale.read() == Weight(420)
    assert d06.handshakes == 2


# ---------------------------------------------------------------- sim: factories


@pytest.mark.parametrize("protocol", ["toledo8217", "dialog06"])
@pytest.mark.parametrize("transport", ["pty", "tcp"])
def test_sim_scale_over_a_real_transport(tmp_path, protocol, transport):
    opened = open_scale(
        f"sim:?protocol={protocol}&transport={transport}", ScaleSetup(sim_dir=tmp_path)
    )
    assert opened is not None
    assert opened.emulator is not None
    try:
        opened.scale.set_article(2490)
        opened.emulator.set_weight(532)
        assert opened.scale.read() == Weight(532)
    finally:
        opened.close()
    with pytest.raises(HardwareError):
        opened.scale.read()  # the simulator is gone with it
