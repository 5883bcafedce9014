"""Mettler-Toledo 8217 weight-only protocol (hardware.md §3.2): frames, status byte, driver.

Host → scale: one ASCII letter (`W` weight, `Z` zero, `T` tare, `T01500` preset tare, `C` clear
tare, `E`…`F` echo test). Scale → host: `02 "WW.WWW" [N] 0D` (kg, `N` = net) or `02 "?" ss 0D`
where the status byte `ss` tells motion, over capacity, under zero... The driver works over any
`ByteLink` opener (pyserial in `hw.drivers.scale_serial`, an emulator in `hw.simulators`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hw.errors import (
    DeviceOffline,
    ProtocolError,
    ScaleFault,
    UnstableWeight,
)
from hw.ports import ByteLink, Parity, ScaleReading, SerialSettings, Weight, WeightStatus
from hw.scales.link import DeviceLine, LinkOpener
from hw.scales.session import require_usable

logger = logging.getLogger(__name__)

STX: Final = 0x02
CR: Final = 0x0D

# Status byte bits (DIVA service manual §6.1.3); bit 6 is always set, bit 7 is the parity bit.
MOTION: Final = 0x01
OVER_CAPACITY: Final = 0x02
UNDER_ZERO: Final = 0x04
OUTSIDE_ZERO_RANGE: Final = 0x08
CENTRE_OF_ZERO: Final = 0x10
NET: Final = 0x20
ALWAYS: Final = 0x40

MAX_TARE_GRAMS: Final = 99_999  # `T` + 5 digits, implied WW.WWW kg

DEFAULT_SERIAL: Final = SerialSettings(port="", bytesize=7, parity=Parity.EVEN, timeout=0.5)
"""9600 baud, 7 data bits, even parity, 1 stop bit."""

_WEIGHT_RE: Final = re.compile(rb"\x02 *(\d{1,3})\.(\d{3})(N?)\r")
_STATUS_RE: Final = re.compile(rb"\x02\?(.)\r", re.DOTALL)
_ECHO_REPLY: Final = b"\x02E\r"


@dataclass(frozen=True, slots=True)
class Toledo8217Options:
    """Driver behaviour.

    Args:
        minimum_grams: below this a stable weight is `UNDER_LOAD` (20 e; 40 g for e = 2 g).
        settle_timeout: how long `read()` waits for a moving load to settle, in seconds.
        poll_interval: pause between two weight requests while the load moves.
        command_gap: the scale wants this much time between two commands (200 ms).
    """

    minimum_grams: int = 40
    settle_timeout: float = 3.0
    poll_interval: float = 0.2
    command_gap: float = 0.2


@dataclass(frozen=True, slots=True)
class StatusFlags:
    """A decoded 8217 status byte."""

    motion: bool
    over_capacity: bool
    under_zero: bool
    outside_zero_range: bool
    centre_of_zero: bool
    net: bool

    @classmethod
    def decode(cls, byte: int) -> StatusFlags:
        """Decode `byte` (parity bit ignored).

        Raises:
            ProtocolError: bit 6 is not set, so this is not a status byte.
        """
        byte &= 0x7F
        if not byte & ALWAYS:
            raise ProtocolError(f"invalid 8217 status byte 0x{byte:02x}")
        return cls(
            motion=bool(byte & MOTION),
            over_capacity=bool(byte & OVER_CAPACITY),
            under_zero=bool(byte & UNDER_ZERO),
            outside_zero_range=bool(byte & OUTSIDE_ZERO_RANGE),
            centre_of_zero=bool(byte & CENTRE_OF_ZERO),
            net=bool(byte & NET),
        )

    def encode(self) -> int:
        """The status byte (bit 7 clear)."""
        return (
            ALWAYS
            | (MOTION if self.motion else 0)
            | (OVER_CAPACITY if self.over_capacity else 0)
            | (UNDER_ZERO if self.under_zero else 0)
            | (OUTSIDE_ZERO_RANGE if self.outside_zero_range else 0)
            | (CENTRE_OF_ZERO if self.centre_of_zero else 0)
            | (NET if self.net else 0)
        )


def weight_frame(grams: int, *, net: bool = False) -> bytes:
    """`02 "WW.WWW" [N] 0D` for a non-negative weight in grams."""
    kg, g = divmod(grams, 1000)
    return b"\x02%02d.%03d%s\r" % (kg, g, b"N" if net else b"")


def status_frame(flags: StatusFlags) -> bytes:
    """`02 3F ss 0D`."""
    return bytes((STX, ord("?"), flags.encode(), CR))


def read_frame(link: ByteLink) -> bytes:
    """Read one `02 … 0D` reply (up to the link's timeout)."""
    return link.read_until(b"\r", 16)


class Toledo8217Scale:
    """A `WeighingScale` speaking the 8217 protocol.

    Args:
        opener: opens the link to the scale.
        name: the device, for messages.
        options: timings and minimum weight.
        clock: monotonic seconds (injected by tests).
        sleep: pauses (injected by tests).
    """

    def __init__(
        self,
        opener: LinkOpener,
        *,
        name: str = "balance Toledo 8217",
        options: Toledo8217Options | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._line = DeviceLine(opener, name=name)
        self.options = options or Toledo8217Options()
        self._clock = clock
        self._sleep = sleep
        self._last_command: float | None = None
        self._tare_grams = 0
        self.unit_price_cents = 0

    @property
    def name(self) -> str:
        """The device, for messages."""
        return self._line.name

    @property
    def minimum_grams(self) -> int:
        """Below this weight a stable reading is `UNDER_LOAD`."""
        return self.options.minimum_grams

    def reading(self) -> ScaleReading:
        """Ask for the weight once.

        Raises:
            DeviceOffline: the port is gone or the scale does not answer.
            ProtocolError: a garbled reply (the next request starts clean).
        """
        reply = self._frame(b"W")
        match = _WEIGHT_RE.fullmatch(reply)
        if match is not None:
            grams = int(match[1]) * 1000 + int(match[2])
            net = bool(match[3])
            if grams == 0:
                status = WeightStatus.ZERO
            elif grams < self.options.minimum_grams:
                status = WeightStatus.UNDER_LOAD
            else:
                status = WeightStatus.STABLE
            tare = self._tare_grams if net else 0
            return ScaleReading(status, grams, tare_grams=tare, net=net)
        flags = self._status(reply)
        if flags.over_capacity:
            status = WeightStatus.OVER_CAPACITY
        elif flags.under_zero:
            status = WeightStatus.UNDER_ZERO
        elif flags.motion:
            status = WeightStatus.MOTION
        else:
            raise ProtocolError(f"{self.name}: status 0x{flags.encode():02x} instead of a weight")
        return ScaleReading(status, net=flags.net, tare_grams=self._tare_grams if flags.net else 0)

    def read(self) -> Weight:
        """A stable weight, waiting at most `settle_timeout` for a moving load to settle.

        Raises:
            UnstableWeight: still moving after `settle_timeout`.
            UnderZero, OverCapacity, BelowMinimum: no usable weight.
            DeviceOffline, ProtocolError: the scale cannot be read.
        """
        deadline = self._clock() + self.options.settle_timeout
        while True:
            reading = self.reading()
            if reading.status is not WeightStatus.MOTION:
                return require_usable(reading)
            if self._clock() >= deadline:
                raise UnstableWeight(
                    f"{self.name}: not stable after {self.options.settle_timeout:.1f} s"
                )
            self._sleep(self.options.poll_interval)

    def set_article(self, unit_price_cents: int, text: str = "") -> None:
        """Remember the unit price (a weight-only scale does not need it)."""
        if not 0 <= unit_price_cents <= 999_999:
            raise ValueError(f"unit price out of range: {unit_price_cents}")
        self.unit_price_cents = unit_price_cents

    def zero(self) -> None:
        """Zero the empty scale.

        Raises:
            UnstableWeight: the load moves.
            ScaleFault: the load is outside the zero capture range.
            DeviceOffline, ProtocolError: the scale cannot be reached.
        """
        flags = self._status(self._frame(b"Z"))
        if flags.motion:
            raise UnstableWeight(f"{self.name}: cannot zero while moving")
        if flags.outside_zero_range:
            raise ScaleFault(
                f"{self.name}: outside the zero capture range",
                fr="Remise à zéro impossible : retirez la charge du plateau.",
            )

    def tare(self) -> None:
        """Take the stable load on the pan as tare.

        Raises:
            UnstableWeight, UnderZero, OverCapacity, BelowMinimum: no stable load to tare.
            DeviceOffline, ProtocolError: the scale cannot be reached.
        """
        reading = self.reading()
        if reading.status is WeightStatus.ZERO:
            raise ScaleFault(f"{self.name}: nothing to tare", fr="Rien à tarer sur la balance.")
        if reading.status is not WeightStatus.UNDER_LOAD:
            require_usable(reading)
        flags = self._status(self._frame(b"T"))
        if flags.motion:
            raise UnstableWeight(f"{self.name}: cannot tare while moving")
        self._tare_grams = reading.grams

    def preset_tare(self, grams: int) -> None:
        """Send a preset tare (`T` + 5 digits of grams).

        Raises:
            ValueError: outside 0..99999 g.
            UnstableWeight: the scale refused while moving.
            DeviceOffline, ProtocolError: the scale cannot be reached.
        """
        if not 0 <= grams <= MAX_TARE_GRAMS:
            raise ValueError(f"tare out of range: {grams} g")
        flags = self._status(self._frame(b"T%05d" % grams))
        if flags.motion:
            raise UnstableWeight(f"{self.name}: cannot tare while moving")
        self._tare_grams = grams

    def clear_tare(self) -> None:
        """Clear the tare (the scale ignores it while moving).

        Raises:
            UnstableWeight: the load moves.
            DeviceOffline, ProtocolError: the scale cannot be reached.
        """
        flags = self._status(self._frame(b"C"))
        if flags.motion:
            raise UnstableWeight(f"{self.name}: cannot clear the tare while moving")
        self._tare_grams = 0

    def probe(self) -> None:
        """The echo test Odoo uses to recognise an 8217 scale (`Ehello` → `02 45 0D hello`).

        Raises:
            DeviceOffline: no answer.
            ProtocolError: something else answered.
        """
        reply = self._command(b"Ehello", lambda link: link.read(len(_ECHO_REPLY) + 5))
        self._line.send(b"F")
        if reply != _ECHO_REPLY + b"hello":
            raise ProtocolError(f"{self.name}: echo test answered {reply!r}")

    def close(self) -> None:
        """Release the port."""
        self._line.close()

    # ------------------------------------------------------------ internals

    def _command(self, command: bytes, reader: Callable[[ByteLink], bytes] = read_frame) -> bytes:
        gap = self.options.command_gap
        if self._last_command is not None and gap > 0:
            wait = self._last_command + gap - self._clock()
            if wait > 0:
                self._sleep(wait)
        try:
            reply = self._line.request(command, reader)
        finally:
            self._last_command = self._clock()
        if not reply:
            raise DeviceOffline(f"{self.name}: no reply to {command[:1]!r}")
        return reply

    def _frame(self, command: bytes) -> bytes:
        reply = self._command(command)
        if not reply.endswith(b"\r"):
            raise ProtocolError(f"{self.name}: incomplete or garbled reply {reply!r}")
        return reply

    def _status(self, reply: bytes) -> StatusFlags:
        match = _STATUS_RE.fullmatch(reply)
        if match is None:
            raise ProtocolError(f"{self.name}: not a status frame: {reply!r}")
        return StatusFlags.decode(match[1][0])
