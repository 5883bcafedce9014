"""A Mettler-Toledo 8217 scale emulator speaking the real bytes (hardware.md §6.2).

Knobs for tests and demos: `set_weight(grams, settle=s)` (the load moves for `s` seconds,
then settles), `never_stable`, `inject_garbage(n)` (the next n replies are noise), `silent`
(powered off: no reply at all), `tare_delay` (the real scale answers T/C/Z after ~150 ms).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from hw.scales.toledo8217 import (
    CR,
    STX,
    StatusFlags,
    status_frame,
    weight_frame,
)

logger = logging.getLogger(__name__)

GARBAGE: Final = b"\xff\x13\x7fW?\x9e\x00\r"
"""Line noise that is not a frame (it even ends with CR)."""


@dataclass(frozen=True, slots=True)
class Toledo8217Config:
    """The emulated scale.

    Args:
        capacity_grams: maximum capacity (15 kg).
        zero_range_grams: `Z` zeroes only within ± this much (2 % of capacity).
        tare_delay: seconds before the status reply to T, C and Z (≥ 0.15 on a real scale).
    """

    capacity_grams: int = 15_000
    zero_range_grams: int = 300
    tare_delay: float = 0.0


class Toledo8217Emulator:
    """The scale's brain: `feed(bytes) -> reply bytes`; thread-safe knobs.

    Args:
        config: capacity, zero range, delays.
        clock: monotonic seconds (the settling of a load is timed with it).
        sleep: used for `tare_delay`.
    """

    def __init__(
        self,
        config: Toledo8217Config | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config or Toledo8217Config()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.RLock()
        self._load = 0  # grams on the pan, as the cell measures them
        self._zero_offset = 0
        self._tare = 0
        self._moving_until = 0.0
        self.never_stable = False
        self.silent = False
        self._garbage: list[bytes] = []
        self._echo = False
        self._tested = False
        self._rx = bytearray()
        self.commands: list[bytes] = []

    # ------------------------------------------------------------ knobs

    def set_weight(self, grams: int, *, settle: float = 0.0) -> None:
        """Put `grams` on the pan (gross, before zero); it moves for `settle` seconds."""
        with self._lock:
            self._load = grams
            self._moving_until = self._clock() + settle if settle > 0 else 0.0

    def inject_garbage(self, count: int = 1, data: bytes = GARBAGE) -> None:
        """The next `count` replies are `data` instead of frames."""
        with self._lock:
            self._garbage.extend([data] * count)

    @property
    def gross(self) -> int:
        """Gross weight shown by the scale (load minus zero offset)."""
        return self._load - self._zero_offset

    @property
    def net(self) -> int:
        """Net weight (gross minus tare)."""
        return self.gross - self._tare

    @property
    def tare_grams(self) -> int:
        """The tare in force."""
        return self._tare

    @property
    def moving(self) -> bool:
        """True while the load moves."""
        return self.never_stable or self._clock() < self._moving_until

    # ------------------------------------------------------------ protocol

    def feed(self, data: bytes) -> bytes:
        """Process what the host wrote; return the scale's replies."""
        with self._lock:
            self._rx += data
            out = bytearray()
            while self._rx:
                reply = self._step()
                if reply is None:
                    break
                if reply and not self.silent:
                    out += self._garbage.pop(0) if self._garbage else reply
            return bytes(out)

    def _step(self) -> bytes | None:
        """Consume one command at the head of the buffer; None when it is incomplete."""
        byte = self._rx[0]
        if self._echo:
            del self._rx[0]
            if byte == ord("F"):
                self._echo = False
                return b""
            return bytes((byte,))
        command = chr(byte)
        if command == "T" and len(self._rx) > 1 and chr(self._rx[1]).isdigit():
            if len(self._rx) < 6:
                return None
            digits = bytes(self._rx[1:6])
            del self._rx[:6]
            if self._rx[:1] == bytes((CR,)):
                del self._rx[0]
            self.commands.append(b"T" + digits)
            if not digits.isdigit():
                return b""
            return self._after_delay(self._preset_tare(int(digits)))
        del self._rx[0]
        if command in "WZTCABE":
            self.commands.append(command.encode())
        if command == "W":
            return self._weight()
        if command == "Z":
            return self._after_delay(self._zero())
        if command == "T":
            return self._after_delay(self._take_tare())
        if command == "C":
            return self._after_delay(self._clear_tare())
        if command == "A":
            return bytes((STX, CR))
        if command == "B":
            result = 0x00 if self._tested else 0x40
            self._tested = True
            return bytes((STX, ord("?"), result, CR))
        if command == "E":
            self._echo = True
            return bytes((STX, ord("E"), CR))
        return b""  # unknown bytes are ignored

    def _after_delay(self, reply: bytes) -> bytes:
        if self.config.tare_delay > 0:
            self._sleep(self.config.tare_delay)
        return reply

    def _flags(self) -> StatusFlags:
        gross = self.gross
        return StatusFlags(
            motion=self.moving,
            over_capacity=gross > self.config.capacity_grams,
            under_zero=self.net < 0,
            outside_zero_range=abs(gross) > self.config.zero_range_grams,
            centre_of_zero=gross == 0,
            net=self._tare != 0,
        )

    def _weight(self) -> bytes:
        flags = self._flags()
        if flags.motion or flags.over_capacity or flags.under_zero:
            return status_frame(flags)
        return weight_frame(self.net, net=flags.net)

    def _zero(self) -> bytes:
        flags = self._flags()
        if not flags.motion and not flags.outside_zero_range and self._tare == 0:
            self._zero_offset = self._load
        return status_frame(self._flags())

    def _take_tare(self) -> bytes:
        flags = self._flags()
        if not flags.motion and self.gross > 0 and not flags.over_capacity:
            self._tare = self.gross
        return status_frame(self._flags())

    def _preset_tare(self, grams: int) -> bytes:
        if not self.moving:
            self._tare = grams
        return status_frame(self._flags())

    def _clear_tare(self) -> bytes:
        if not self.moving:
            self._tare = 0
        return status_frame(self._flags())
