"""Dialog 06: records, the checksum handshake (dummy polynomial) and the driver in process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.errors import (
    BelowMinimum,
    ChecksumRefused,
    DeviceOffline,
    OverCapacity,
    ProtocolError,
    SameWeighing,
    ScaleFault,
    UnderZero,
    UnstableWeight,
    UnsupportedOperation,
)
from hw.ports import ScaleReading, Weight, WeightStatus
from hw.scales.dialog06 import (
    ChecksumKey,
    Dialog06Options,
    Dialog06Result,
    Dialog06Scale,
    article_record,
    article_text,
    check_checksum_groups,
    checksum_record,
    correction_value,
    parse_result,
    parse_status,
    result_record,
    rotl16,
    rotr16,
)
from hw.scales.session import WeighingSession
from hw.simulators.endpoints import InProcessPort
from hw.simulators.scale_dialog06 import Dialog06Config, Dialog06Emulator
from hw.simulators.scale_sim import SimulatedDialog06Scale

S = WeightStatus
# A dummy generator polynomial: the real one is the scale maker's secret (a setting).
DUMMY_POLY = 0x1_1021
KEY = ChecksumKey(polynomial=DUMMY_POLY, modules=(0x1234, 0xBEEF))


class FakeClock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator(clock: FakeClock) -> Dialog06Emulator:
    return Dialog06Emulator(
        Dialog06Config(polynomial=DUMMY_POLY, checksum_period=3), clock=clock, random_z=lambda: 0x47
    )


@pytest.fixture
def port(emulator: Dialog06Emulator) -> InProcessPort:
    return InProcessPort(emulator)


@pytest.fixture
def scale(port: InProcessPort, clock: FakeClock) -> Iterator[Dialog06Scale]:
    scale = Dialog06Scale(
        port.open,
        key=KEY,
        options=Dialog06Options(settle_timeout=1.5, poll_interval=0.3),
        clock=clock,
        sleep=clock.sleep,
    )
    yield scale
    scale.close()


# ---------------------------------------------------------------- records


def test_article_records_are_the_documented_bytes():
    assert article_record(1299) == b"\x04\x0201\x1b001299\x03"
    assert article_record(1299, 150) == b"\x04\x0203\x1b001299\x1b0150\x03"
    assert article_record(1299, 0, "Comté") == b"\x04\x0204\x1b001299\x1bComte        \x03"
    assert article_record(1299, 150, "Comté AOP affiné 24 mois") == (
        b"\x04\x0205\x1b001299\x1b0150\x1bComte AOP aff\x03"
    )


@pytest.mark.parametrize(("price", "tare"), [(-1, 0), (1_000_000, 0), (100, -1), (100, 10_000)])
def test_article_record_ranges(price, tare):
    with pytest.raises(ValueError, match="range"):
        article_record(price, tare)


def test_article_text_is_7_bit():
    assert article_text("Bœuf «extra»\x07") == b"B?uf ?extra??"


def test_worked_example_result():
    frame = b"\x0202\x1b3\x1b00850\x1b001299\x1b001104\x03"
    assert parse_result(frame) == Dialog06Result(850, 1299, 1104)
    assert result_record(Dialog06Result(850, 1299, 1104)) == frame
    # the 5-digit unit price variant
    assert parse_result(b"\x0202\x1b3\x1b00850\x1b01299\x1b001104\x03").unit_price_cents == 1299


@pytest.mark.parametrize(
    "frame",
    [
        b"\x0202\x1b1\x1b00850\x1b001299\x1b001104\x03",  # lb
        b"\x0202\x1b3\x1b0085\x1b001299\x1b001104\x03",
        b"\x0202\x1b3\x1b00850\x1b001299\x03",
        b"\x0209\x1b20\x03",
        b"\x0202\x1b3\x1b0085x\x1b001299\x1b001104\x03",
    ],
)
def test_malformed_results(frame):
    with pytest.raises(ProtocolError):
        parse_result(frame)


def test_status_record():
    assert parse_status(b"\x0209\x1b20\x03") == 20
    with pytest.raises(ProtocolError):
        parse_status(b"\x0209\x1b2\x03")


# ---------------------------------------------------------------- checksum


@given(st.integers(0, 0xFFFF), st.integers(0, 15))
def test_rotations_are_inverse(value, bits):
    assert rotr16(rotl16(value, bits), bits) == value
    assert rotl16(value, 16) == value


def test_correction_value_is_a_gf2_remainder():
    # x^16 mod (x^16 + x^12 + x^5 + 1) = x^12 + x^5 + 1
    assert correction_value(1, DUMMY_POLY) == 0x1021
    assert correction_value(0, DUMMY_POLY) == 0
    with pytest.raises(ValueError, match="polynomial"):
        correction_value(1, 1)


@given(
    st.integers(0, 255),
    st.lists(st.integers(0, 0xFFFF), min_size=1, max_size=5),
    st.integers(2, 0xFFFF_FFFF),
)
def test_the_scale_accepts_what_the_pos_computes(z, modules, polynomial):
    key = ChecksumKey(polynomial, tuple(modules))
    record = checksum_record(z, key)
    assert record.startswith(b"\x04\x0210\x1b")
    assert record.endswith(b"\x03")
    assert check_checksum_groups(record[5:-1], z, polynomial)


def test_a_wrong_polynomial_or_z_is_refused():
    groups = checksum_record(0x47, KEY)[5:-1]
    assert not check_checksum_groups(groups, 0x47, 0x1_8005)
    assert not check_checksum_groups(groups, 0x48, DUMMY_POLY)
    assert not check_checksum_groups(b"12345", 0x47, DUMMY_POLY)
    assert not check_checksum_groups(b"XYZWXYZW", 0x47, DUMMY_POLY)


def test_checksum_key_validation():
    with pytest.raises(ValueError, match="module"):
        ChecksumKey(DUMMY_POLY, ())
    with pytest.raises(ValueError, match="polynomial"):
        ChecksumKey(0)


# ---------------------------------------------------------------- driver against emulator


def test_first_weighing_runs_the_handshake_and_prices(scale, emulator):
    scale.set_article(2490, "Comté")
    emulator.set_weight(532)
    reading = scale.reading()
    assert reading == ScaleReading(
        S.STABLE, 532, unit_price_cents=2490, price_cents=1325, fresh=True
    )
    assert emulator.handshakes == 1
    numbers = [record[:2] for record in emulator.records]
    assert numbers == [b"04", b"10", b"04"]  # article, checksum, article again


def test_worked_example_with_tare(scale, emulator):
    scale.preset_tare(150)
    scale.set_article(1299)
    emulator.set_weight(1000)
    reading = scale.reading()
    assert (reading.grams, reading.tare_grams, reading.net, reading.price_cents) == (
        850,
        150,
        True,
        1104,
    )
    assert emulator.records[-1] == b"03\x1b001299\x1b0150"


def test_no_second_weighing_without_movement(scale, emulator):
    scale.set_article(2490)
    emulator.set_weight(532)
    assert scale.read() == Weight(532)
    assert scale.reading().status is S.UNCHANGED
    with pytest.raises(SameWeighing):
        scale.read()
    emulator.set_weight(0)
    assert scale.reading().status is S.UNDER_LOAD
    emulator.set_weight(532)
    assert scale.read() == Weight(532)


def test_session_on_a_price_computing_scale(scale, emulator):
    session = WeighingSession()
    scale.set_article(2490)
    emulator.set_weight(532)
    item = session.register(session.show(scale.reading()), 2490)
    assert (item.price_cents, item.priced_by_scale) == (1325, True)
    with pytest.raises(SameWeighing):
        session.register(session.show(scale.reading()), 2490)


def test_waits_for_stability(scale, emulator, clock):
    scale.set_article(1000)
    emulator.set_weight(400, settle=0.8)
    assert scale.reading().status is S.MOTION
    assert scale.read() == Weight(400)
    assert clock.now >= 50.8


def test_never_stable_gives_up(scale, emulator, clock):
    scale.set_article(1000)
    emulator.never_stable = True
    emulator.set_weight(400)
    with pytest.raises(UnstableWeight):
        scale.read()
    assert 51.5 <= clock.now < 52.0


@pytest.mark.parametrize(
    ("grams", "status", "error"),
    [
        (-10, S.UNDER_ZERO, UnderZero),
        (16_000, S.OVER_CAPACITY, OverCapacity),
        (10, S.UNDER_LOAD, BelowMinimum),
        (0, S.UNDER_LOAD, BelowMinimum),
    ],
)
def test_states(scale, emulator, grams, status, error):
    scale.set_article(1000)
    emulator.set_weight(grams)
    assert scale.reading().status is status
    with pytest.raises(error):
        scale.read()


def test_checksum_is_renewed_every_period(scale, emulator):
    scale.set_article(1000)
    for grams in (100, 200, 300, 400):
        emulator.set_weight(grams)
        assert scale.read() == Weight(grams)
    assert emulator.handshakes == 2  # power-on, then after 3 weighings


def test_version_display_requires_a_new_checksum(scale, emulator):
    scale.set_article(1000)
    emulator.set_weight(100)
    scale.read()
    assert emulator.feed(b"\x04\x0220\x1b1\x03") == b"\x06"
    scale.set_article(1100)
    emulator.set_weight(200)
    assert scale.read() == Weight(200)
    assert emulator.handshakes == 2


def test_a_wrong_polynomial_is_refused(port, emulator, clock):
    wrong = Dialog06Scale(port.open, key=ChecksumKey(0x1_8005), clock=clock, sleep=clock.sleep)
    emulator.set_weight(100)
    with pytest.raises(ChecksumRefused):
        wrong.reading()
    wrong.close()


def test_no_key_configured(port, emulator, clock):
    keyless = Dialog06Scale(port.open, clock=clock, sleep=clock.sleep)
    with pytest.raises(ChecksumRefused, match="no polynomial"):
        keyless.reading()
    keyless.close()


def test_garbage_then_recovery(scale, emulator):
    scale.set_article(1000)
    emulator.set_weight(100)
    scale.read()
    emulator.set_weight(300)
    emulator.inject_garbage()
    with pytest.raises(ProtocolError):
        scale.reading()
    assert scale.read() == Weight(300)


def test_a_priced_result_for_another_article_is_refused(scale, emulator):
    scale.set_article(1000)
    emulator.set_weight(100)
    scale.read()
    emulator.set_weight(300)
    emulator.inject_garbage(data=b"\x0202\x1b3\x1b00300\x1b000999\x1b000300\x03")
    with pytest.raises(ProtocolError, match="priced at 999"):
        scale.reading()


def test_a_silent_scale_is_offline(scale, emulator):
    emulator.silent = True
    with pytest.raises(DeviceOffline):
        scale.reading()


def test_unplugged_then_back(scale, emulator, port):
    scale.set_article(1000)
    emulator.set_weight(100)
    assert scale.read() == Weight(100)
    port.unplug()
    with pytest.raises(DeviceOffline):
        scale.reading()
    port.plug()
    emulator.set_weight(250)
    assert scale.read() == Weight(250)


def test_refused_article(scale, emulator):
    emulator.need_checksum = False
    emulator.feed(b"\x04\x02XX\x03")  # leaves status 10 behind
    emulator.inject_garbage(data=b"\x15")  # NAK instead of ACK
    with pytest.raises(ProtocolError, match="article refused"):
        scale.reading()


@pytest.mark.parametrize(
    ("code", "error"), [(33, ScaleFault), (34, ScaleFault), (11, ProtocolError)]
)
def test_scale_errors(scale, emulator, code, error):
    scale.set_article(1000)
    emulator.set_weight(100)
    scale.read()
    emulator.inject_garbage(data=b"\x15")
    emulator.inject_garbage(data=b"\x0209\x1b%02d\x03" % code)
    with pytest.raises(error):
        scale.reading()


def test_zero_and_tare_are_the_scales_business(scale):
    with pytest.raises(UnsupportedOperation):
        scale.zero()
    with pytest.raises(UnsupportedOperation):
        scale.tare()
    scale.preset_tare(150)
    scale.clear_tare()
    with pytest.raises(ValueError, match="tare"):
        scale.preset_tare(10_000)


def test_emulator_resynchronises_on_eot():
    emulator = Dialog06Emulator()
    assert emulator.feed(b"\x02junk\x04\x0201\x1b000100\x03") == b"\x06"
    assert emulator.feed(b"\x04\x0208\x03") == b"\x0209\x1b00\x03"
    assert emulator.feed(b"\x04\x0299\x03") == b"\x15"
    assert emulator.feed(b"\x04\x0208\x03") == b"\x0209\x1b10\x03"
    assert emulator.feed(b"\x04\x0201\x1b12\x03") == b"\x15"
    assert emulator.feed(b"\x04\x0208\x03") == b"\x0209\x1b11\x03"


def test_simulated_dialog06_scale():
    sim = SimulatedDialog06Scale()
    sim.set_article(2490)
    sim.put(532)
    assert sim.read() == Weight(532)
    assert sim.emulator.handshakes == 1
    sim.close()
