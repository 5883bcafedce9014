"""Serial scales: pyserial opens the port, `hw.scales` speaks Toledo 8217 or Dialog 06 over it.

`serial_opener()` is also used by the display and scanner drivers: it accepts a device path,
a pty path or a pyserial URL (`socket://127.0.0.1:7000`), and turns pyserial's errors into
`DeviceOffline` / `InvalidDeviceUrl`.
"""

from __future__ import annotations

import logging
import socket

import serial

from hw.errors import DeviceOffline, InvalidDeviceUrl
from hw.ports import ByteLink, SerialSettings
from hw.scales.dialog06 import ChecksumKey, Dialog06Options, Dialog06Scale
from hw.scales.link import LinkOpener
from hw.scales.toledo8217 import Toledo8217Options, Toledo8217Scale

logger = logging.getLogger(__name__)


try:
    import termios

    _TTY_ERRORS: tuple[type[Exception], ...] = (termios.error,)
except ImportError:  # pragma: no cover - Windows has no termios
    _TTY_ERRORS = ()


class PyserialLink:
    """A pyserial port as a `ByteLink`, with two pyserial 3.5 quirks fixed.

    `reset_input_buffer()` raises `termios.error` (not an `OSError`) on a tty that hung up
    (an unplugged USB adapter, a closed pty): it becomes a `SerialException`. The `socket://`
    handler's `close()` skips closing its socket when `shutdown()` fails (peer already gone):
    the socket is closed here.
    """

    def __init__(self, port: serial.Serial) -> None:
        self.port = port

    def write(self, data: bytes, /) -> int | None:
        return self.port.write(data)

    def read(self, size: int = 1, /) -> bytes:
        return self.port.read(size)

    def read_until(self, expected: bytes = b"\n", size: int | None = None) -> bytes:
        return self.port.read_until(expected, size)

    def reset_input_buffer(self) -> None:
        try:
            self.port.reset_input_buffer()
        except _TTY_ERRORS as exc:
            raise serial.SerialException(f"flush failed: {exc}") from exc

    def close(self) -> None:
        sock = getattr(self.port, "_socket", None)
        try:
            self.port.close()
        finally:
            if isinstance(sock, socket.socket):
                sock.close()


def open_serial(settings: SerialSettings) -> ByteLink:
    """Open the port now.

    Raises:
        DeviceOffline: the port is missing, unplugged or busy.
        InvalidDeviceUrl: settings the serial library refuses.
    """
    try:
        if "://" in settings.port:
            port = serial.serial_for_url(
                settings.port,
                baudrate=settings.baudrate,
                bytesize=settings.bytesize,
                parity=settings.parity.value,
                stopbits=settings.stopbits,
                timeout=settings.timeout,
                write_timeout=settings.write_timeout,
            )
        else:
            port = serial.Serial(
                settings.port,
                baudrate=settings.baudrate,
                bytesize=settings.bytesize,
                parity=settings.parity.value,
                stopbits=settings.stopbits,
                timeout=settings.timeout,
                write_timeout=settings.write_timeout,
            )
    except ValueError as exc:
        raise InvalidDeviceUrl(f"{settings.port}: {exc}") from exc
    except serial.SerialException as exc:
        raise DeviceOffline(f"{settings.port}: {exc}") from exc
    return PyserialLink(port)


def serial_opener(settings: SerialSettings) -> LinkOpener:
    """An opener for `DeviceLine`: opens `settings.port` each time it is called."""

    def open_link() -> ByteLink:
        return open_serial(settings)

    return open_link


def open_toledo8217(
    settings: SerialSettings, options: Toledo8217Options | None = None
) -> Toledo8217Scale:
    """A Toledo 8217 scale on a serial port (not opened until first used)."""
    return Toledo8217Scale(
        serial_opener(settings), name=f"balance Toledo 8217 {settings.port}", options=options
    )


def open_dialog06(
    settings: SerialSettings,
    key: ChecksumKey | None = None,
    options: Dialog06Options | None = None,
) -> Dialog06Scale:
    """A Dialog 06 scale on a serial port (not opened until first used)."""
    return Dialog06Scale(
        serial_opener(settings), key=key, name=f"balance Dialog 06 {settings.port}", options=options
    )
