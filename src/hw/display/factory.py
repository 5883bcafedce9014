"""Display URLs (cli.md) → customer displays: `epson-display:PORT`, `cd5220:PORT`, `sim:`.

Serial options as for scales (`baudrate`, `parity`...), plus `charset=ascii|pc437|pc850|pc858|
wpc1252` (the display's table; Epson default pc858, CD5220 default ascii) and, for Epson-mode
clones that number their tables differently, `table=N` (the `ESC t` number). `sim:` takes
`mode=epson|cd5220` and `transport=inprocess|pty|tcp`. `window:` (a second screen) belongs to
the UI and is not handled here. Drivers and simulators are imported lazily.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl

from hw.display import vfd
from hw.display.charset import DisplayCharset
from hw.display.screens import SaleScreens, ScreenTexts
from hw.display.vfd import VfdDisplay
from hw.errors import InvalidDeviceUrl
from hw.scales.link import parse_serial_url

if TYPE_CHECKING:
    from hw.simulators.display import DisplayEmulator
    from hw.simulators.endpoints import PtyEndpoint, TcpEndpoint

logger = logging.getLogger(__name__)

DISPLAY_SCHEMES: Final = frozenset({"epson-display", "cd5220", "sim"})


@dataclass(frozen=True, slots=True)
class DisplaySetup:
    """What the composition root adds to a display URL.

    Args:
        texts: the words of the sale screens.
        sim_dir: where `sim:?transport=pty` makes its pty link.
    """

    texts: ScreenTexts | None = None
    sim_dir: Path | None = None


@dataclass
class OpenedDisplay:
    """A display made from a URL, with its sale screens; `close()` also stops a simulator."""

    url: str
    display: VfdDisplay
    screens: SaleScreens
    emulator: DisplayEmulator | None = None
    endpoint: PtyEndpoint | TcpEndpoint | None = None

    def close(self) -> None:
        """Close the display and stop its emulator, if any."""
        try:
            self.display.close()
        finally:
            if self.endpoint is not None:
                self.endpoint.unplug()


DisplayFactory = Callable[[str, DisplaySetup], OpenedDisplay]


def _charset(url: str, extra: dict[str, str], default: DisplayCharset) -> DisplayCharset:
    name = extra.pop("charset", default.value).lower()
    try:
        charset = DisplayCharset(name)
    except ValueError:
        charset = DisplayCharset.UNICODE
    if charset is DisplayCharset.UNICODE:
        raise InvalidDeviceUrl(f"{url!r}: charset must be ascii, pc437, pc850, pc858 or wpc1252")
    return charset


def _table(url: str, extra: dict[str, str]) -> int | None:
    text = extra.pop("table", None)
    if text is None:
        return None
    if not text.isdigit() or int(text) > 255:
        raise InvalidDeviceUrl(f"{url!r}: table must be 0..255")
    return int(text)


def _no_more(url: str, extra: dict[str, str]) -> None:
    if extra:
        raise InvalidDeviceUrl(f"{url!r}: unknown options {', '.join(sorted(extra))}")


def _opened(url: str, display: VfdDisplay, setup: DisplaySetup) -> OpenedDisplay:
    return OpenedDisplay(
        url, display, SaleScreens(display, charset=display.charset, texts=setup.texts)
    )


def _epson(url: str, setup: DisplaySetup) -> OpenedDisplay:
    from hw.drivers.display_serial import open_epson_display

    _, settings, extra = parse_serial_url(url, vfd.DEFAULT_SERIAL)
    charset = _charset(url, extra, DisplayCharset.PC858)
    table = _table(url, extra)
    _no_more(url, extra)
    return _opened(url, open_epson_display(settings, charset, table), setup)


def _cd5220(url: str, setup: DisplaySetup) -> OpenedDisplay:
    from hw.drivers.display_serial import open_cd5220_display

    _, settings, extra = parse_serial_url(url, vfd.DEFAULT_SERIAL)
    charset = _charset(url, extra, DisplayCharset.ASCII)
    _no_more(url, extra)
    return _opened(url, open_cd5220_display(settings, charset), setup)


def _simulated(url: str, setup: DisplaySetup) -> OpenedDisplay:
    from hw.display.vfd import Cd5220Display
    from hw.simulators.display import DisplayEmulator, DisplayMode
    from hw.simulators.display_sim import SimulatedDisplay
    from hw.simulators.endpoints import PtyEndpoint, TcpEndpoint

    params = dict(parse_qsl(url.partition("?")[2]))
    mode = params.pop("mode", "epson")
    transport = params.pop("transport", "inprocess")
    if mode not in ("epson", "cd5220") or transport not in ("inprocess", "pty", "tcp"):
        raise InvalidDeviceUrl(f"{url!r}: mode is epson or cd5220, transport inprocess, pty or tcp")
    default = DisplayCharset.WPC1252 if mode == "epson" else DisplayCharset.PC858
    charset = _charset(url, params, default)
    _no_more(url, params)
    emulator = DisplayEmulator(DisplayMode(mode), charset=charset)
    if transport == "inprocess" and mode == "epson":
        sim = SimulatedDisplay(emulator, charset=charset)
        opened = _opened(url, sim, setup)
        opened.emulator = emulator
        return opened
    if transport == "inprocess":
        from hw.simulators.endpoints import InProcessPort

        port = InProcessPort(emulator)
        opened = _opened(url, Cd5220Display(port.open, charset=charset), setup)
        opened.emulator = emulator
        return opened

    from hw.drivers.display_serial import open_cd5220_display, open_epson_display

    endpoint: PtyEndpoint | TcpEndpoint
    if transport == "pty":
        if setup.sim_dir is None:
            raise InvalidDeviceUrl(f"{url!r}: a pty simulator needs a data directory")
        endpoint = PtyEndpoint(emulator, setup.sim_dir / "afficheur-simule.tty").plug()
        path = str(endpoint.path)
    else:
        endpoint = TcpEndpoint(emulator).plug()
        path = endpoint.url
    settings = replace(vfd.DEFAULT_SERIAL, port=path)
    display: VfdDisplay = (
        open_epson_display(settings, charset)
        if mode == "epson"
        else open_cd5220_display(settings, charset)
    )
    opened = _opened(url, display, setup)
    opened.emulator, opened.endpoint = emulator, endpoint
    return opened


DISPLAY_FACTORIES: Final[Mapping[str, DisplayFactory]] = MappingProxyType(
    {"epson-display": _epson, "cd5220": _cd5220, "sim": _simulated}
)


def open_display(url: str, setup: DisplaySetup | None = None) -> OpenedDisplay | None:
    """The display of a URL (None for `none` or an empty URL); `sim:` starts an emulator.

    Raises:
        InvalidDeviceUrl: an unknown scheme or a malformed option.
    """
    text = url.strip()
    if text in ("", "none", "none:"):
        return None
    factory = DISPLAY_FACTORIES.get(text.partition(":")[0])
    if factory is None:
        raise InvalidDeviceUrl(
            f"unknown display URL {url!r}; expected epson-display:PORT, cd5220:PORT or sim:",
            fr=f"Adresse d'afficheur inconnue « {url} » : "
            "utilisez epson-display:, cd5220: ou sim:.",
        )
    return factory(text, setup or DisplaySetup())


def register(registry: MutableMapping[str, DisplayFactory]) -> None:
    """Add the display schemes to a registry's table of display factories."""
    registry.update(DISPLAY_FACTORIES)
