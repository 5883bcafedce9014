"""The validity window of pulled promotions, on a real till database (migration 0008).

Bounds come with any UTC offset and fractions of a second; the till keeps them in UTC to the
second. Whatever the inputs, a promotion is never listed as active outside the window the
server gave, and it is listed whenever the moment is a full second inside it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caisse.storage.engine import make_engine, upgrade_database
from caisse.storage.promotions import SqlPromotionStore

_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_BASES = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    # note: hypothesis bounds naive datetimes; the zone is attached just above
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31)),  # noqa: DTZ001
    _OFFSETS,
)
# note: most offsets from the base are within two seconds, where the rounding to the second
# decides; some are days away.
_DELTAS = st.one_of(
    st.integers(min_value=-2_000_000, max_value=2_000_000),
    st.integers(min_value=-(10**12), max_value=10**12),
).map(lambda us: timedelta(microseconds=us))


def _near(base: datetime, delta: timedelta, tz: timezone) -> datetime:
    return (base + delta).astimezone(tz)


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path: Path = tmp_path_factory.mktemp("promotions") / "till.sqlite"
    engine = make_engine(path)
    upgrade_database(engine)
    engine.dispose()
    connection = sqlite3.connect(path, isolation_level=None)
    yield connection
    connection.close()


@settings(max_examples=500, deadline=None)
@given(
    base=_BASES,
    deltas=st.tuples(_DELTAS, _DELTAS, _DELTAS),
    zones=st.tuples(_OFFSETS, _OFFSETS, _OFFSETS),
    open_sides=st.tuples(st.booleans(), st.booleans()),
)
def test_listed_only_inside_the_servers_window(
    conn: sqlite3.Connection,
    base: datetime,
    deltas: tuple[timedelta, timedelta, timedelta],
    zones: tuple[timezone, timezone, timezone],
    open_sides: tuple[bool, bool],
) -> None:
    valid_from = None if open_sides[0] else _near(base, deltas[0], zones[0])
    valid_until = None if open_sides[1] else _near(base, deltas[1], zones[1])
    moment = _near(base, deltas[2], zones[2])
    store = SqlPromotionStore(conn)
    data: dict[str, object] = {"label": "p"}
    if valid_from is not None:
        data["valid_from"] = valid_from.isoformat()
    if valid_until is not None:
        data["valid_until"] = valid_until.isoformat()
    conn.execute("BEGIN")
    try:
        assert store.put("P", 1, data)
        listed = [p.promo_id for p in store.active_at(moment)] == ["P"]
        record = store.get("P")
    finally:
        conn.execute("ROLLBACK")
    assert record is not None
    assert record.valid_from is None or record.valid_from.tzinfo is UTC
    # the query and the record's own test agree
    assert listed == record.active_at(moment)
    after_start = valid_from is None or valid_from <= moment
    before_end = valid_until is None or moment < valid_until
    if listed:  # never outside the server's window
        assert after_start
        assert before_end
    second = timedelta(seconds=1)
    well_inside = (valid_from is None or valid_from + second <= moment) and (
        valid_until is None or moment + second <= valid_until
    )
    if well_inside:
        assert listed
