"""A Dialog 06 price-computing scale emulator speaking the real bytes (hardware.md §6.3).

It checks the POS checksum with a configured generator polynomial (tests use a dummy one; the
real one is the scale maker's secret), prices net weight × unit price to the cent, and refuses
a second weighing without movement (status 21). Knobs as on the Toledo emulator:
`set_weight(grams, settle=s)`, `never_stable`, `inject_garbage(n)`, `silent`.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hw.scales.dialog06 import (
    ACK,
    ENQ,
    EOT,
    ESC,
    ETX,
    NAK,
    STX,
    TEXT_LENGTH,
    Dialog06Result,
    Dialog06Status,
    check_checksum_groups,
    result_record,
    status_record,
)
from hw.scales.pricing import weighed_price_cents

logger = logging.getLogger(__name__)

GARBAGE: Final = b"\xfe\x02\x99\x1b\x03"
"""Line noise (it even looks like a frame)."""

_MAX_RECORD: Final = 128


@dataclass(frozen=True, slots=True)
class Dialog06Config:
    """The emulated scale.

    Args:
        capacity_grams: maximum capacity.
        minimum_grams: below this net weight the scale refuses to price (status 30).
        polynomial: the checksum generator; None disables the handshake.
        checksum_period: weighings between two handshakes (50 on real scales).
        require_movement: refuse to weigh twice without movement (status 21).
    """

    capacity_grams: int = 15_000
    minimum_grams: int = 40
    polynomial: int | None = None
    checksum_period: int = 50
    require_movement: bool = True


@dataclass(frozen=True, slots=True)
class _Article:
    unit_price_cents: int
    tare_grams: int
    text: str


class Dialog06Emulator:
    """The scale's brain: `feed(bytes) -> reply bytes`; thread-safe knobs.

    Args:
        config: capacity, minimum, checksum polynomial...
        clock: monotonic seconds (the settling of a load is timed with it).
        random_z: the random number of record 11 (injected by tests).
    """

    def __init__(
        self,
        config: Dialog06Config | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        random_z: Callable[[], int] = lambda: secrets.randbelow(256),
    ) -> None:
        self.config = config or Dialog06Config()
        self._clock = clock
        self._random_z = random_z
        self._lock = threading.RLock()
        self._load = 0
        self._moving_until = 0.0
        self.never_stable = False
        self.silent = False
        self._garbage: list[bytes] = []
        self._rx = bytearray()
        self.article: _Article | None = None
        self.need_checksum = self.config.polynomial is not None
        self._pending_z: int | None = None
        self._checksum_verdict: bool | None = None
        self.last_status = Dialog06Status.NO_ERROR
        self.weighings = 0
        self._since_check = 0
        self._moved = True
        self.handshakes = 0
        self.records: list[bytes] = []

    # ------------------------------------------------------------ knobs

    def set_weight(self, grams: int, *, settle: float = 0.0) -> None:
        """Put `grams` on the pan; it moves for `settle` seconds."""
        with self._lock:
            if grams != self._load or settle > 0:
                self._moved = True
            self._load = grams
            self._moving_until = self._clock() + settle if settle > 0 else 0.0

    def inject_garbage(self, count: int = 1, data: bytes = GARBAGE) -> None:
        """The next `count` requests are answered with `data` and otherwise ignored."""
        with self._lock:
            self._garbage.extend([data] * count)

    def require_checksum(self) -> None:
        """As after power-on: the next article record triggers the handshake."""
        with self._lock:
            self.need_checksum = self.config.polynomial is not None

    @property
    def moving(self) -> bool:
        """True while the load moves."""
        return self.never_stable or self._clock() < self._moving_until

    # ------------------------------------------------------------ protocol

    def feed(self, data: bytes) -> bytes:
        """Process what the host wrote; return the scale's replies."""
        with self._lock:
            out = bytearray()
            for byte in data:
                reply = self._receive(byte)
                if reply and not self.silent:
                    out += reply
            return bytes(out)

    def _receive(self, byte: int) -> bytes:
        if byte == EOT[0]:
            self._rx = bytearray(EOT)  # every frame starts with EOT: resynchronise
            return b""
        if not self._rx:
            return b""  # noise outside a frame
        self._rx.append(byte)
        if bytes(self._rx) == EOT + ENQ:
            self._rx.clear()
            return self._noise() or self._result()
        if self._rx[:2] != EOT + STX or len(self._rx) > _MAX_RECORD:
            self._rx.clear()
            return self._nak(Dialog06Status.PARITY_OR_OVERFLOW)
        if byte == ETX[0]:
            body = bytes(self._rx[2:-1])
            self._rx.clear()
            self.records.append(body)
            return self._noise() or self._record(body)
        return b""

    def _noise(self) -> bytes:
        # note: a garbled exchange: the scale answers noise and does not act on the request.
        return self._garbage.pop(0) if self._garbage else b""

    def _nak(self, status: Dialog06Status) -> bytes:
        self.last_status = status
        return NAK

    def _record(self, body: bytes) -> bytes:
        number, *fields = body.split(ESC)
        if number in (b"01", b"03", b"04", b"05"):
            return self._article_record(number, fields)
        if number == b"08":
            return status_record(self.last_status)
        if number == b"10" and len(fields) == 1:
            return self._checksum_record(fields[0])
        if number == b"20" and len(fields) == 1:
            self.need_checksum = self.config.polynomial is not None
            return ACK
        return self._nak(Dialog06Status.INVALID_RECORD)

    def _article_record(self, number: bytes, fields: list[bytes]) -> bytes:
        has_tare = number in (b"03", b"05")
        has_text = number in (b"04", b"05")
        if len(fields) != 1 + has_tare + has_text:
            return self._nak(Dialog06Status.INVALID_RECORD)
        price = fields[0]
        if len(price) != 6 or not price.isdigit():
            return self._nak(Dialog06Status.INVALID_UNIT_PRICE)
        tare = fields[1] if has_tare else b"0000"
        if len(tare) != 4 or not tare.isdigit():
            return self._nak(Dialog06Status.INVALID_TARE)
        text = fields[-1] if has_text else b" " * TEXT_LENGTH
        if len(text) != TEXT_LENGTH:
            return self._nak(Dialog06Status.INVALID_TEXT)
        if self.need_checksum:
            self._pending_z = self._random_z() & 0xFF
            return b"\x0211\x1b2%02X\x03" % self._pending_z
        self.article = _Article(int(price), int(tare), text.decode("ascii", "replace"))
        self.last_status = Dialog06Status.NO_ERROR
        return ACK

    def _checksum_record(self, groups: bytes) -> bytes:
        if self._pending_z is None or self.config.polynomial is None:
            return self._nak(Dialog06Status.INVALID_RECORD)
        self._checksum_verdict = check_checksum_groups(
            groups, self._pending_z, self.config.polynomial
        )
        self._pending_z = None
        return ACK

    def _result(self) -> bytes:
        if self._checksum_verdict is not None:
            valid, self._checksum_verdict = self._checksum_verdict, None
            if valid:
                self.need_checksum = False
                self._since_check = 0
                self.handshakes += 1
            return b"\x0211\x1b%s\x03" % (b"1" if valid else b"0")
        if self.article is None:
            return self._nak(Dialog06Status.NOT_FINISHED)
        if self.need_checksum:
            # note: the checksum is due again; the POS restarts from the article record.
            self.article = None
            return self._nak(Dialog06Status.GENERAL_ERROR)
        if self.moving:
            return self._nak(Dialog06Status.MOTION)
        net = self._load - self.article.tare_grams
        if net < 0:
            return self._nak(Dialog06Status.UNDER_ZERO)
        if self._load > self.config.capacity_grams:
            return self._nak(Dialog06Status.OVERLOAD)
        if net == 0 or net < self.config.minimum_grams:
            return self._nak(Dialog06Status.BELOW_MINIMUM)
        if self.config.require_movement and not self._moved:
            return self._nak(Dialog06Status.NO_MOVEMENT)
        unit = self.article.unit_price_cents
        self._moved = False
        self.weighings += 1
        self._since_check += 1
        if self.config.polynomial is not None and self._since_check >= self.config.checksum_period:
            self.need_checksum = True
        self.last_status = Dialog06Status.NO_ERROR
        return result_record(Dialog06Result(net, unit, weighed_price_cents(net, unit)))
