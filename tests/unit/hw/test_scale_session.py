"""The weighing rules: stable weight only, shown before use, never the same load twice."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw.errors import (
    BelowMinimum,
    OverCapacity,
    ProtocolError,
    SameWeighing,
    ScaleFault,
    UnderZero,
    UnstableWeight,
    WeightNotShown,
)
from hw.ports import ScaleReading, Weight, WeightStatus
from hw.scales.pricing import weighed_price_cents
from hw.scales.session import WeighingSession, fault_of, require_usable

S = WeightStatus


def stable(
    grams: int,
    *,
    tare_grams: int = 0,
    net: bool = False,
    unit_price_cents: int | None = None,
    price_cents: int | None = None,
    fresh: bool = False,
) -> ScaleReading:
    return ScaleReading(S.STABLE, grams, tare_grams, net, unit_price_cents, price_cents, fresh)


ZERO = ScaleReading(S.ZERO)
MOVING = ScaleReading(S.MOTION)


def test_a_stable_weight_is_priced_and_registered():
    session = WeighingSession()
    reading = session.show(stable(532))
    item = session.register(reading, 2490)
    assert (item.grams, item.unit_price_cents, item.price_cents) == (532, 2490, 1325)
    assert not item.priced_by_scale


def test_the_same_load_cannot_be_registered_twice():
    session = WeighingSession()
    session.register(session.show(stable(532)), 2490)
    with pytest.raises(SameWeighing):
        session.register(session.show(stable(532)), 2490)


def test_motion_alone_does_not_count_as_lifting_the_load():
    session = WeighingSession()
    session.register(session.show(stable(532)), 2490)
    session.show(MOVING)
    with pytest.raises(SameWeighing):
        session.register(session.show(stable(532)), 2490)


def test_back_to_zero_allows_the_next_weighing():
    session = WeighingSession()
    session.register(session.show(stable(532)), 2490)
    session.show(MOVING)
    session.show(ZERO)
    session.show(MOVING)
    assert session.register(session.show(stable(532)), 2490).grams == 532


def test_a_changed_load_allows_the_next_weighing():
    session = WeighingSession()
    session.register(session.show(stable(532)), 2490)
    session.show(stable(610))
    assert session.register(session.show(stable(532)), 2490).grams == 532


def test_a_price_computing_scale_vouches_for_a_new_weighing():
    session = WeighingSession()
    first = stable(532, unit_price_cents=2490, price_cents=1325, fresh=True)
    session.register(session.show(first), 2490)
    # the same figures again, but the scale says it is a new weighing (it enforces movement)
    again = stable(532, unit_price_cents=2490, price_cents=1325, fresh=True)
    assert session.register(session.show(again), 2490).priced_by_scale


def test_a_voided_weighing_may_be_registered_again():
    session = WeighingSession()
    session.register(session.show(stable(532)), 2490)
    session.release()
    assert session.register(session.show(stable(532)), 2490).grams == 532


def test_only_the_reading_shown_may_be_used():
    session = WeighingSession()
    with pytest.raises(WeightNotShown):
        session.register(stable(532), 2490)
    session.show(stable(532))
    with pytest.raises(WeightNotShown):
        session.register(stable(533), 2490)
    session.show(stable(533))
    with pytest.raises(WeightNotShown):
        session.register(stable(532), 2490)  # shown before, but no longer on screen


def test_the_scale_price_is_used_as_returned():
    session = WeighingSession(rounding=lambda n, d: -1)  # never called for a priced reading
    reading = session.show(stable(850, unit_price_cents=1299, price_cents=1104, fresh=True))
    item = session.register(reading, 1299)
    assert (item.price_cents, item.priced_by_scale) == (1104, True)


def test_a_scale_priced_at_another_unit_price_is_refused():
    session = WeighingSession()
    reading = session.show(stable(850, unit_price_cents=1299, price_cents=1104, fresh=True))
    with pytest.raises(ProtocolError):
        session.register(reading, 1399)


def test_the_rounding_can_be_the_callers():
    calls = []

    def rounding(numerator: int, denominator: int) -> int:
        calls.append((numerator, denominator))
        return 7

    session = WeighingSession(rounding=rounding)
    assert session.register(session.show(stable(532)), 2490).price_cents == 7
    assert calls == [(532 * 2490, 1000)]


@pytest.mark.parametrize("price", [-1, 1_000_000])
def test_unit_price_range(price):
    session = WeighingSession()
    with pytest.raises(ValueError, match="unit price"):
        session.register(session.show(stable(532)), price)


@pytest.mark.parametrize(
    ("reading", "error"),
    [
        (ScaleReading(S.MOTION), UnstableWeight),
        (ScaleReading(S.ZERO), BelowMinimum),
        (ScaleReading(S.UNDER_LOAD, 12), BelowMinimum),
        (ScaleReading(S.UNDER_ZERO), UnderZero),
        (ScaleReading(S.OVER_CAPACITY), OverCapacity),
        (ScaleReading(S.UNCHANGED), SameWeighing),
    ],
)
def test_unusable_states(reading, error):
    assert isinstance(fault_of(reading), error)
    with pytest.raises(error):
        require_usable(reading)
    session = WeighingSession()
    with pytest.raises(error):
        session.register(session.show(reading), 2490)


def test_require_usable_gives_the_weight():
    assert require_usable(stable(532, tare_grams=150, net=True)) == Weight(532, 150)


def test_zero_has_its_own_french_message():
    error = fault_of(ZERO)
    assert error is not None
    assert "Aucun article" in error.fr


# ---------------------------------------------------------------- properties


@st.composite
def readings(draw: st.DrawFn) -> ScaleReading:
    status = draw(st.sampled_from(list(S)))
    if status is S.STABLE:
        grams = draw(st.sampled_from([40, 100, 532, 610]) | st.integers(40, 15_000))
        fresh = draw(st.booleans())
        return ScaleReading(status, grams, fresh=fresh)
    if status is S.UNDER_LOAD:
        return ScaleReading(status, draw(st.integers(1, 39)))
    return ScaleReading(status)


@dataclass(frozen=True)
class Show:
    reading: ScaleReading


@dataclass(frozen=True)
class Register:
    price: int


events = st.lists(
    st.one_of(
        readings().map(Show),
        st.integers(0, 99_999).map(Register),
    ),
    max_size=40,
)


def _lifts(reading: ScaleReading, last_grams: int) -> bool:
    """The reference rule, stated independently of the implementation."""
    if reading.status in (S.ZERO, S.UNDER_ZERO):
        return True
    if reading.status is S.STABLE and (reading.fresh or reading.grams != last_grams):
        return True
    return reading.status is S.UNDER_LOAD and reading.grams != last_grams


@given(events)
def test_never_twice_the_same_load_and_always_when_allowed(sequence):
    session = WeighingSession()
    shown: ScaleReading | None = None
    last: int | None = None  # grams of the last registration
    lifted_since_last = True
    for event in sequence:
        if isinstance(event, Show):
            shown = session.show(event.reading)
            if last is not None and _lifts(event.reading, last):
                lifted_since_last = True
            continue
        if shown is None:
            with pytest.raises(WeightNotShown):
                session.register(ScaleReading(S.STABLE, 500), event.price)
            continue
        allowed = shown.usable and lifted_since_last
        if not allowed:
            with pytest.raises(ScaleFault):
                session.register(shown, event.price)
            continue
        item = session.register(shown, event.price)
        assert item.grams == shown.grams
        assert item.price_cents == weighed_price_cents(shown.grams, event.price)
        last, lifted_since_last = shown.grams, False


@given(readings(), readings())
def test_a_reading_other_than_the_one_shown_is_refused(on_screen, other):
    session = WeighingSession()
    session.show(on_screen)
    if other != on_screen:
        with pytest.raises(WeightNotShown):
            session.register(other, 1000)


@given(st.lists(readings(), max_size=20))
def test_unusable_readings_are_never_registered(sequence):
    session = WeighingSession()
    for reading in sequence:
        session.show(reading)
        if not reading.usable:
            with pytest.raises(ScaleFault):
                session.register(reading, 1000)
