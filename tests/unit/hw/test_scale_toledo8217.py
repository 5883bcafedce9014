"""Toledo 8217 driver against its emulator, in process (states, tare, faults, bounded waits)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hw.errors import (
    BelowMinimum,
    DeviceOffline,
    OverCapacity,
    ProtocolError,
    ScaleFault,
    UnderZero,
    UnstableWeight,
)
from hw.ports import ScaleReading, WeighingScale, Weight, WeightStatus
from hw.scales.toledo8217 import (
    StatusFlags,
    Toledo8217Options,
    Toledo8217Scale,
    status_frame,
    weight_frame,
)
from hw.simulators.endpoints import InProcessPort
from hw.simulators.scale_sim import SimulatedScale
from hw.simulators.scale_toledo8217 import Toledo8217Config, Toledo8217Emulator

S = WeightStatus


class FakeClock:
    """Monotonic time that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> Toledo8217Emulator:
    return Toledo8217Emulator(clock=clock, sleep=clock.sleep)


@pytest.fixture
def port(emulator: Toledo8217Emulator) -> InProcessPort:
    return InProcessPort(emulator)


@pytest.fixture
def scale(port: InProcessPort, clock: FakeClock) -> Iterator[Toledo8217Scale]:
    scale = Toledo8217Scale(
        port.open,
        options=Toledo8217Options(settle_timeout=2.0, poll_interval=0.2, command_gap=0.2),
        clock=clock,
        sleep=clock.sleep,
    )
    yield scale
    scale.close()


def test_frames_are_the_documented_bytes():
    assert weight_frame(1234) == b"\x0201.234\r"
    assert weight_frame(850, net=True) == b"\x0200.850N\r"
    moving = StatusFlags(True, False, False, False, False, False)
    assert status_frame(moving) == b"\x02?A\r"
    assert StatusFlags.decode(ord("D")).under_zero
    assert StatusFlags.decode(ord("B")).over_capacity
    assert StatusFlags.decode(ord("Q")).motion
    assert StatusFlags.decode(ord("Q")).centre_of_zero
    assert StatusFlags.decode(ord("`")).net
    assert StatusFlags.decode(0x80 | ord("A")).motion  # the parity bit is ignored


def test_a_status_byte_without_bit_6_is_refused():
    with pytest.raises(ProtocolError):
        StatusFlags.decode(0x01)


def test_stable_weight(scale, emulator):
    emulator.set_weight(1234)
    assert scale.reading() == ScaleReading(S.STABLE, 1234)
    assert scale.read() == Weight(1234)
    assert emulator.commands == [b"W", b"W"]


@pytest.mark.parametrize(
    ("grams", "status"),
    [
        (0, S.ZERO),
        (12, S.UNDER_LOAD),
        (40, S.STABLE),
        (-5, S.UNDER_ZERO),
        (15_001, S.OVER_CAPACITY),
    ],
)
def test_states(scale, emulator, grams, status):
    emulator.set_weight(grams)
    assert scale.reading().status is status


@pytest.mark.parametrize(
    ("grams", "error"),
    [(0, BelowMinimum), (12, BelowMinimum), (-5, UnderZero), (15_001, OverCapacity)],
)
def test_read_refuses_unusable_states(scale, emulator, grams, error):
    emulator.set_weight(grams)
    with pytest.raises(error):
        scale.read()


def test_read_waits_for_the_load_to_settle(scale, emulator, clock):
    emulator.set_weight(532, settle=0.5)
    assert scale.reading().status is S.MOTION
    assert scale.read() == Weight(532)
    assert clock.now >= 100.5  # it polled until the emulator's settling time passed


def test_never_stable_gives_up_after_the_settle_timeout(scale, emulator, clock):
    emulator.never_stable = True
    emulator.set_weight(532)
    start = clock.now
    with pytest.raises(UnstableWeight):
        scale.read()
    assert start + 2.0 <= clock.now < start + 2.0 + 0.5
    assert len(emulator.commands) <= 2.0 / 0.2 + 2


def test_commands_are_spaced_by_the_command_gap(scale, emulator, clock):
    emulator.set_weight(500)
    scale.reading()
    scale.reading()
    assert clock.slept == [pytest.approx(0.2)]


def test_garbage_is_a_protocol_error_then_the_next_frame_is_read(scale, emulator):
    emulator.set_weight(700)
    emulator.inject_garbage()
    with pytest.raises(ProtocolError):
        scale.reading()
    assert scale.reading() == ScaleReading(S.STABLE, 700)


def test_a_cut_frame_is_a_protocol_error(scale, emulator):
    emulator.set_weight(700)
    emulator.inject_garbage(data=b"\x0200.7")
    with pytest.raises(ProtocolError, match="incomplete"):
        scale.reading()
    assert scale.read() == Weight(700)


def test_a_pound_frame_is_refused(scale, emulator):
    emulator.inject_garbage(data=b"\x0201.23\r")
    with pytest.raises(ProtocolError):
        scale.reading()


def test_a_fault_free_status_instead_of_a_weight_is_refused(scale, emulator):
    emulator.inject_garbage(data=b"\x02?@\r")
    with pytest.raises(ProtocolError, match="instead of a weight"):
        scale.reading()


def test_a_silent_scale_is_offline(scale, emulator):
    emulator.silent = True
    with pytest.raises(DeviceOffline, match="no reply"):
        scale.reading()
    emulator.silent = False
    emulator.set_weight(300)
    assert scale.read() == Weight(300)


def test_unplugged_then_back(scale, emulator, port):
    emulator.set_weight(300)
    assert scale.read() == Weight(300)
    port.unplug()
    with pytest.raises(DeviceOffline):
        scale.read()
    with pytest.raises(DeviceOffline):
        scale.read()  # still gone: the reopen fails
    port.plug()
    assert scale.read() == Weight(300)


def test_zero(scale, emulator):
    emulator.set_weight(120)  # a crumb within the zero capture range
    scale.zero()
    assert scale.reading().status is S.ZERO
    emulator.set_weight(1120)
    assert scale.read() == Weight(1000)


def test_zero_refused_outside_the_capture_range(scale, emulator):
    emulator.set_weight(2000)
    with pytest.raises(ScaleFault, match="zero capture range"):
        scale.zero()


def test_zero_refused_while_moving(scale, emulator):
    emulator.set_weight(10, settle=5)
    with pytest.raises(UnstableWeight):
        scale.zero()


def test_tare_the_container(scale, emulator):
    emulator.set_weight(150)
    scale.tare()
    assert emulator.tare_grams == 150
    emulator.set_weight(1000)
    assert scale.reading() == ScaleReading(S.STABLE, 850, tare_grams=150, net=True)
    emulator.set_weight(0)  # container removed: negative net
    assert scale.reading().status is S.UNDER_ZERO
    scale.clear_tare()
    assert scale.reading().status is S.ZERO


def test_tare_refused_on_an_empty_or_moving_pan(scale, emulator):
    with pytest.raises(ScaleFault, match="nothing to tare"):
        scale.tare()
    emulator.set_weight(150, settle=5)
    with pytest.raises(UnstableWeight):
        scale.tare()


def test_preset_tare(scale, emulator):
    scale.preset_tare(1500)
    assert emulator.commands[-1] == b"T01500"
    emulator.set_weight(2000)
    assert scale.read() == Weight(500, 1500)
    with pytest.raises(ValueError, match="tare"):
        scale.preset_tare(100_000)


def test_clear_tare_refused_while_moving(scale, emulator):
    emulator.set_weight(500, settle=5)
    with pytest.raises(UnstableWeight):
        scale.clear_tare()


def test_probe(scale, emulator):
    scale.probe()
    emulator.set_weight(42)
    assert scale.read() == Weight(42)  # echo mode was left with F


def test_confidence_test_bytes():
    emulator = Toledo8217Emulator()
    assert emulator.feed(b"A") == b"\x02\r"
    assert emulator.feed(b"B") == b"\x02?@\r"
    assert emulator.feed(b"B") == b"\x02?\x00\r"
    assert emulator.feed(b"x") == b""  # unknown bytes ignored


def test_tare_delay_is_honoured(clock):
    emulator = Toledo8217Emulator(Toledo8217Config(tare_delay=0.15), clock=clock, sleep=clock.sleep)
    emulator.feed(b"C")
    assert clock.slept == [0.15]


def test_set_article_only_remembers(scale):
    scale.set_article(2490, "Comté")
    assert scale.unit_price_cents == 2490
    with pytest.raises(ValueError, match="unit price"):
        scale.set_article(-1)


def test_simulated_scale_is_a_weighing_scale():
    sim: WeighingScale = SimulatedScale()
    assert sim.minimum_grams == 40
    assert isinstance(sim, SimulatedScale)
    sim.put(532)
    assert sim.read() == Weight(532)
    sim.unplug()
    with pytest.raises(DeviceOffline):
        sim.read()
    sim.plug()
    assert sim.read() == Weight(532)
    sim.close()
