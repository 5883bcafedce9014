"""Serial barcode scanners (RS-232 or USB CDC-ACM): one code per line (hardware.md §4.2).

Scanners send each code followed by a configurable suffix (CR by default, often CRLF or LF,
sometimes ETX or another byte); GS (FNC1 of GS1 codes) arrives as the raw byte 1D and is kept.
With AIM symbology identifiers enabled on the scanner, `]E0`, `]C1`... are split off.
`serial-scanner:PORT[?suffix=cr|lf|crlf|any|hex:03&prefix=hex:02&aim=1]`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Final

from hw.drivers.scale_serial import serial_opener
from hw.errors import InvalidDeviceUrl
from hw.ports import ScannedCode, SerialSettings
from hw.scales.link import DeviceLine, LinkOpener, parse_serial_url

logger = logging.getLogger(__name__)

DEFAULT_SERIAL: Final = SerialSettings(port="", timeout=0.05)
"""9600 8N1; a short read timeout so that `read(timeout)` returns close to its deadline."""

SUFFIXES: Final = {
    "cr": (b"\r",),
    "lf": (b"\n",),
    "crlf": (b"\r\n",),
    "any": (b"\r", b"\n"),
}
MAX_LINE: Final = 4096
_AIM_LENGTH: Final = 3


class SerialScanner:
    """A `Scanner` reading one code per line from a serial port.

    Args:
        opener: opens the link to the scanner.
        terminators: a code ends at any of these (empty lines are skipped, so CR LF works
            with CR and LF as terminators).
        prefix: bytes the scanner puts before each code, removed when present.
        aim: split an AIM symbology identifier (`]E0`) off the front of each code.
        name: the device, for messages.
        clock: monotonic seconds (injected by tests).
    """

    def __init__(
        self,
        opener: LinkOpener,
        *,
        terminators: Sequence[bytes] = (b"\r", b"\n"),
        prefix: bytes = b"",
        aim: bool = False,
        name: str = "lecteur code-barres série",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not terminators or not all(terminators):
            raise ValueError("at least one non-empty terminator")
        self._line = DeviceLine(opener, name=name)
        self._terminators = tuple(terminators)
        self._prefix = prefix
        self._aim = aim
        self._clock = clock
        self._buffer = bytearray()

    @property
    def name(self) -> str:
        """The device, for messages."""
        return self._line.name

    def read(self, timeout: float) -> ScannedCode | None:
        """The next code, or None when none came within `timeout` seconds.

        A code cut by the timeout is kept and completed by the next call.

        Raises:
            DeviceOffline: the port disappeared (the next call reopens it).
        """
        deadline = self._clock() + timeout
        while True:
            code = self._pop_code()
            if code is not None:
                return code
            if self._clock() >= deadline:
                return None
            link = self._line.link()
            try:
                byte = link.read(1)
            except OSError as exc:
                raise self._line.offline(exc, "read") from exc
            if byte:
                self._buffer += byte
                if len(self._buffer) > MAX_LINE:
                    logger.warning("%s: %d bytes without a suffix dropped", self.name, MAX_LINE)
                    self._buffer.clear()

    def close(self) -> None:
        """Release the port."""
        self._line.close()

    def _pop_code(self) -> ScannedCode | None:
        while True:
            ends = [(i, len(t)) for t in self._terminators if (i := self._buffer.find(t)) >= 0]
            if not ends:
                return None
            end, size = min(ends)
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + size]
            if self._prefix and raw.startswith(self._prefix):
                raw = raw[len(self._prefix) :]
            if raw:
                return self._code(raw.decode("latin-1"))

    def _code(self, text: str) -> ScannedCode:
        if self._aim and len(text) > _AIM_LENGTH and text[0] == "]":
            return ScannedCode(text[_AIM_LENGTH:], symbology_id=text[:_AIM_LENGTH])
        return ScannedCode(text)


def _bytes_option(url: str, key: str, value: str) -> bytes:
    if value.startswith("hex:"):
        try:
            return bytes.fromhex(value[4:])
        except ValueError as exc:
            raise InvalidDeviceUrl(f"{url!r}: {key}={value!r} is not hexadecimal") from exc
    return value.encode("latin-1")


def open_serial_scanner(url: str) -> SerialScanner:
    """The scanner of a `serial-scanner:PORT[?suffix=...&prefix=...&aim=1]` URL.

    Raises:
        InvalidDeviceUrl: another scheme or a malformed option.
    """
    scheme, settings, extra = parse_serial_url(url, DEFAULT_SERIAL)
    if scheme != "serial-scanner":
        raise InvalidDeviceUrl(f"{url!r}: not a serial-scanner: URL")
    suffix = extra.pop("suffix", "any")
    terminators = SUFFIXES.get(suffix.lower()) or (_bytes_option(url, "suffix", suffix),)
    if not all(terminators):
        raise InvalidDeviceUrl(f"{url!r}: empty suffix")
    prefix = _bytes_option(url, "prefix", extra.pop("prefix", ""))
    aim = extra.pop("aim", "0").lower() in ("1", "true", "yes", "on")
    if extra:
        raise InvalidDeviceUrl(f"{url!r}: unknown options {', '.join(sorted(extra))}")
    return SerialScanner(
        serial_opener(settings),
        terminators=terminators,
        prefix=prefix,
        aim=aim,
        name=f"lecteur code-barres {settings.port}",
    )
