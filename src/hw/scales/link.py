"""Serial lines shared by the scale, display and scanner drivers: reopen on demand, parse URLs.

Nothing here imports pyserial: a `DeviceLine` is given an opener (pyserial in `hw.drivers`, an
emulator in `hw.simulators`) and turns every `OSError` of the link into `DeviceOffline`, so an
unplugged device is one clear error and the next call reopens the port.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import parse_qsl

from hw.errors import DeviceOffline, HardwareError, InvalidDeviceUrl
from hw.ports import ByteLink, Parity, SerialSettings

logger = logging.getLogger(__name__)

LinkOpener = Callable[[], ByteLink]
"""Opens the link to a device; raises `OSError` (or a `HardwareError`) when it cannot."""

_PARITIES: Mapping[str, Parity] = {
    "n": Parity.NONE,
    "none": Parity.NONE,
    "e": Parity.EVEN,
    "even": Parity.EVEN,
    "o": Parity.ODD,
    "odd": Parity.ODD,
}


class DeviceLine:
    """The link to one device, opened on first use and reopened after a failure.

    Args:
        opener: opens the link (raises `OSError` or a `HardwareError`).
        name: the device, for messages ("balance Toledo 8217 /dev/ttyUSB0").
        on_open: bytes to send after each (re)connection, e.g. a display's initialisation.
    """

    def __init__(
        self,
        opener: LinkOpener,
        *,
        name: str,
        on_open: Callable[[ByteLink], None] | None = None,
    ) -> None:
        self._opener = opener
        self.name = name
        self._on_open = on_open
        self._link: ByteLink | None = None

    @property
    def is_open(self) -> bool:
        """True while a link is held (it may still turn out dead on the next write)."""
        return self._link is not None

    def link(self) -> ByteLink:
        """The open link, opening it if needed.

        Raises:
            DeviceOffline: the port cannot be opened (missing, unplugged, busy).
            InvalidDeviceUrl: the settings are refused by the serial library.
        """
        if self._link is not None:
            return self._link
        try:
            link = self._opener()
        except HardwareError:
            raise
        except ValueError as exc:
            raise InvalidDeviceUrl(f"{self.name}: {exc}") from exc
        except OSError as exc:
            raise DeviceOffline(f"{self.name}: cannot open: {exc}") from exc
        self._link = link
        logger.info("%s: link open", self.name)
        if self._on_open is not None:
            try:
                self._on_open(link)
            except OSError as exc:
                raise self.offline(exc, "initialise") from exc
        return link

    def send(self, data: bytes, *, flush_input: bool = False) -> ByteLink:
        """Write a request; a stale link (the device went away and came back) is reopened once.

        Args:
            data: the bytes to write.
            flush_input: drop unread input first (a late reply to an earlier request).

        Returns:
            The link written to, for reading the reply.

        Raises:
            DeviceOffline: the device cannot be reached.
        """
        link = self.link()
        try:
            self._write(link, data, flush_input)
        except OSError as exc:
            # note: nothing reached the device, so a retry on a fresh link cannot double a command.
            logger.info("%s: write failed (%s), reopening once", self.name, exc)
            self.drop()
            link = self.link()
            try:
                self._write(link, data, flush_input)
            except OSError as again:
                raise self.offline(again, "write") from again
        return link

    @staticmethod
    def _write(link: ByteLink, data: bytes, flush_input: bool) -> None:
        if flush_input:
            link.reset_input_buffer()
        link.write(data)

    def request(self, data: bytes, reply: Callable[[ByteLink], bytes]) -> bytes:
        """Send `data` (input flushed first) and return what `reply` reads from the link.

        Raises:
            DeviceOffline: the device cannot be reached or the link broke while reading.
        """
        link = self.send(data, flush_input=True)
        try:
            return reply(link)
        except OSError as exc:
            raise self.offline(exc, "read") from exc

    def offline(self, exc: OSError, doing: str) -> DeviceOffline:
        """Drop the link and return the `DeviceOffline` to raise for `exc`."""
        self.drop()
        return DeviceOffline(f"{self.name}: {doing} failed: {exc}")

    def drop(self) -> None:
        """Forget the link (closing it quietly); the next use reopens it."""
        link, self._link = self._link, None
        if link is not None:
            with contextlib.suppress(OSError):
                link.close()
            logger.info("%s: link closed", self.name)

    def close(self) -> None:
        """Close the link for good (a later use would reopen it)."""
        self.drop()


def parse_serial_url(
    url: str, defaults: SerialSettings
) -> tuple[str, SerialSettings, dict[str, str]]:
    """Split `scheme:PORT[?key=value&...]` into its scheme, serial settings and other options.

    Serial keys: `baudrate`, `bytesize` (7, 8), `parity` (none/even/odd or N/E/O), `stopbits`
    (1, 2), `timeout` (seconds). Other keys are returned for the device to interpret.
    `defaults.port` is ignored; PORT may be a path or a pyserial URL (`socket://host:port`).

    Raises:
        InvalidDeviceUrl: no scheme, no port or a malformed serial option.
    """
    scheme, sep, rest = url.partition(":")
    if not sep or not scheme:
        raise InvalidDeviceUrl(f"{url!r}: expected scheme:PORT")
    port, _, query = rest.partition("?")
    if not port:
        raise InvalidDeviceUrl(f"{url!r}: no serial port given")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError as exc:
        raise InvalidDeviceUrl(f"{url!r}: {exc}") from exc
    settings = replace(defaults, port=port)
    extra: dict[str, str] = {}
    for key, value in pairs:
        try:
            settings = _apply(settings, key, value)
        except KeyError:
            extra[key] = value
        except ValueError as exc:
            raise InvalidDeviceUrl(f"{url!r}: {key}={value!r}: {exc}") from exc
    return scheme, settings, extra


def _apply(settings: SerialSettings, key: str, value: str) -> SerialSettings:
    if key == "baudrate":
        baudrate = int(value)
        if baudrate <= 0:
            raise ValueError("must be positive")
        return replace(settings, baudrate=baudrate)
    if key == "bytesize":
        if value not in ("5", "6", "7", "8"):
            raise ValueError("must be 5 to 8")
        return replace(settings, bytesize=int(value))
    if key == "parity":
        parity = _PARITIES.get(value.lower())
        if parity is None:
            raise ValueError("must be none, even or odd")
        return replace(settings, parity=parity)
    if key == "stopbits":
        if value not in ("1", "2"):
            raise ValueError("must be 1 or 2")
        return replace(settings, stopbits=int(value))
    if key == "timeout":
        timeout = float(value)
        if not 0 < timeout <= 60:
            raise ValueError("must be in ]0, 60] seconds")
        return replace(settings, timeout=timeout)
    raise KeyError(key)
