"""Where device emulators are plugged: a pty, a loopback TCP port or in-process.

An emulator is a `ByteDevice`: bytes in, reply bytes out. `PtyEndpoint` serves it behind
`os.openpty()` with a stable symlink to the slave (the real driver opens that path with
pyserial); `unplug()` closes both ends so the driver gets EIO, `plug()` opens a new pty and
points the same symlink at it. `TcpEndpoint` serves it on 127.0.0.1 (`socket://` URLs).
`InProcessPort` hands out `ByteLink`s that call the emulator directly (the `sim:` devices and
fast unit tests), with the same unplug/replug behaviour.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import threading
import tty
from pathlib import Path
from typing import Protocol, Self

from hw.ports import ByteLink

logger = logging.getLogger(__name__)


class ByteDevice(Protocol):
    """A device emulator: fed what the host writes, returns what the device answers."""

    def feed(self, data: bytes) -> bytes: ...


class PtyEndpoint:
    """Serves a `ByteDevice` on a pseudo-terminal; `path` is a stable symlink to the slave.

    Args:
        device: the emulator.
        path: where the symlink is made (e.g. `tmp_path / "ttySCALE"`).
    """

    def __init__(self, device: ByteDevice, path: Path) -> None:
        self.device = device
        self.path = path
        self._thread: threading.Thread | None = None
        self._fds: tuple[int, int, int, int] | None = None  # master, slave, wake_r, wake_w

    @property
    def plugged(self) -> bool:
        """True while the pty exists."""
        return self._thread is not None

    @property
    def slave_name(self) -> str:
        """The real `/dev/pts/N` behind `path` (changes at each `plug()`)."""
        if self._fds is None:
            raise RuntimeError("not plugged")
        return os.ttyname(self._fds[1])

    def plug(self) -> Self:
        """Open a new pty, point `path` at it and start serving; returns self."""
        if self._thread is not None:
            return self
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        wake_r, wake_w = os.pipe()
        self._fds = (master, slave, wake_r, wake_w)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(os.ttyname(slave))
        tmp.replace(self.path)
        self._thread = threading.Thread(target=self._run, name=f"pty-{self.path.name}", daemon=True)
        self._thread.start()
        logger.debug("%s plugged at %s", self.path, os.ttyname(slave))
        return self

    def _run(self) -> None:
        if self._fds is None:
            return
        master, _, wake, _ = self._fds
        while True:
            ready, _, _ = select.select([master, wake], [], [])
            if wake in ready:
                return
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            reply = self.device.feed(data)
            if reply:
                try:
                    os.write(master, reply)
                except OSError:
                    return

    def send(self, data: bytes) -> None:
        """The device speaks unprompted (a scanner sending a code).

        Raises:
            RuntimeError: the endpoint is unplugged.
        """
        if self._fds is None:
            raise RuntimeError("not plugged")
        os.write(self._fds[0], data)

    def unplug(self) -> None:
        """Close the pty (the driver's next read or write fails) and remove the symlink."""
        if self._thread is None or self._fds is None:
            return
        os.write(self._fds[3], b"x")
        self._thread.join()
        self._thread = None
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        logger.debug("%s unplugged", self.path)

    def __enter__(self) -> Self:
        return self.plug()

    def __exit__(self, *exc_info: object) -> None:
        self.unplug()


class TcpEndpoint:
    """Serves a `ByteDevice` on 127.0.0.1, one client at a time (`socket://127.0.0.1:PORT`).

    `port=0` picks a free port on the first `plug()`; later plugs reuse it.
    """

    def __init__(self, device: ByteDevice, port: int = 0) -> None:
        self.device = device
        self.host = "127.0.0.1"
        self.port = port
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._clients: list[socket.socket] = []
        self._stopping = threading.Event()

    @property
    def url(self) -> str:
        """The pyserial URL of the endpoint."""
        return f"socket://{self.host}:{self.port}"

    def plug(self) -> Self:
        """Listen and serve; returns self."""
        if self._thread is not None:
            return self
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(1)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="tcp-device-sim", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        listener = self._listener
        while listener is not None and not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            self._clients.append(client)
            try:
                self._handle(client)
            finally:
                self._clients.remove(client)
                with contextlib.suppress(OSError):
                    client.close()

    def _handle(self, client: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                data = client.recv(4096)
            except OSError:
                return
            if not data:
                return
            reply = self.device.feed(data)
            if reply:
                try:
                    client.sendall(reply)
                except OSError:
                    return

    def unplug(self) -> None:
        """Stop listening and drop the clients."""
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for client in list(self._clients):
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Self:
        return self.plug()

    def __exit__(self, *exc_info: object) -> None:
        self.unplug()


class InProcessPort:
    """A port whose links call the emulator directly; it can be unplugged and plugged back."""

    def __init__(self, device: ByteDevice) -> None:
        self.device = device
        self.plugged = True
        self._generation = 0
        self._lock = threading.Lock()

    def open(self) -> ByteLink:
        """A new link, as pyserial would open the port.

        Raises:
            FileNotFoundError: the port is unplugged.
        """
        if not self.plugged:
            raise FileNotFoundError("simulated port unplugged")
        return _InProcessLink(self, self._generation)

    def unplug(self) -> None:
        """Every open link breaks; `open()` fails until `plug()`."""
        self.plugged = False
        self._generation += 1

    def plug(self) -> None:
        """The port is back (links opened before the unplug stay broken)."""
        self.plugged = True

    def _alive(self, generation: int) -> bool:
        return self.plugged and generation == self._generation

    def _feed(self, data: bytes) -> bytes:
        with self._lock:
            return self.device.feed(data)


class _InProcessLink:
    """A `ByteLink` on an `InProcessPort`: replies are buffered as soon as a request is written."""

    def __init__(self, port: InProcessPort, generation: int) -> None:
        self._port = port
        self._generation = generation
        self._rx = bytearray()
        self._closed = False

    def _check(self) -> None:
        if self._closed or not self._port._alive(self._generation):
            raise OSError(5, "Input/output error (simulated unplug)")

    def write(self, data: bytes, /) -> int | None:
        self._check()
        self._rx += self._port._feed(bytes(data))
        return len(data)

    def read(self, size: int = 1, /) -> bytes:
        self._check()
        out = bytes(self._rx[:size])
        del self._rx[:size]
        return out

    def read_until(self, expected: bytes = b"\n", size: int | None = None) -> bytes:
        self._check()
        end = self._rx.find(expected)
        stop = len(self._rx) if end < 0 else end + len(expected)
        if size is not None:
            stop = min(stop, size)
        out = bytes(self._rx[:stop])
        del self._rx[:stop]
        return out

    def reset_input_buffer(self) -> None:
        self._check()
        self._rx.clear()

    def close(self) -> None:
        self._closed = True
