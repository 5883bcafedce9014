"""Scale URLs (cli.md) → scales: `toledo8217:PORT`, `dialog06:PORT[?parity=odd]`, `sim:`.

Serial options: `baudrate`, `bytesize`, `parity` (none/even/odd), `stopbits`, `timeout`; scale
options: `minimum` (grams), `settle` (seconds `read()` waits for stability). `sim:` takes
`protocol=toledo8217|dialog06` and `transport=inprocess|pty|tcp` (pty and tcp run the emulator
on a thread and the real pyserial driver against it). The Dialog 06 checksum polynomial never
travels in a URL: it comes from the configuration through `ScaleSetup.checksum_key`.
Drivers and simulators are imported lazily, so parsing a URL never loads pyserial.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qsl

from hw.errors import InvalidDeviceUrl
from hw.ports import WeighingScale
from hw.scales import dialog06, toledo8217
from hw.scales.dialog06 import ChecksumKey, Dialog06Options
from hw.scales.link import parse_serial_url
from hw.scales.toledo8217 import Toledo8217Options

if TYPE_CHECKING:
    from hw.simulators.endpoints import PtyEndpoint, TcpEndpoint
    from hw.simulators.scale_dialog06 import Dialog06Emulator
    from hw.simulators.scale_toledo8217 import Toledo8217Emulator

logger = logging.getLogger(__name__)

SCALE_SCHEMES: Final = frozenset({"toledo8217", "dialog06", "sim"})


@dataclass(frozen=True, slots=True)
class ScaleSetup:
    """What the composition root adds to a scale URL.

    Args:
        checksum_key: the Dialog 06 maker's polynomial and module checksums (configuration).
        minimum_grams: smallest weight a sale may use.
        settle_timeout: how long `read()` waits for a moving load.
        sim_dir: where `sim:?transport=pty` makes its pty link.
    """

    checksum_key: ChecksumKey | None = None
    minimum_grams: int = 40
    settle_timeout: float = 3.0
    sim_dir: Path | None = None


@dataclass
class OpenedScale:
    """A scale made from a URL (the port opens on first use); `close()` also stops a simulator."""

    url: str
    scale: WeighingScale
    emulator: Toledo8217Emulator | Dialog06Emulator | None = None
    endpoint: PtyEndpoint | TcpEndpoint | None = None

    def close(self) -> None:
        """Close the scale and stop its emulator, if any."""
        try:
            self.scale.close()
        finally:
            if self.endpoint is not None:
                self.endpoint.unplug()


ScaleFactory = Callable[[str, ScaleSetup], OpenedScale]


def _scale_options(url: str, extra: dict[str, str], setup: ScaleSetup) -> tuple[int, float]:
    try:
        minimum = int(extra.pop("minimum", setup.minimum_grams))
        settle = float(extra.pop("settle", setup.settle_timeout))
    except ValueError as exc:
        raise InvalidDeviceUrl(f"{url!r}: {exc}") from exc
    if minimum < 0 or not 0 < settle <= 60:
        raise InvalidDeviceUrl(f"{url!r}: minimum must be ≥ 0 g, settle in ]0, 60] s")
    if extra:
        raise InvalidDeviceUrl(f"{url!r}: unknown options {', '.join(sorted(extra))}")
    return minimum, settle


def _toledo(url: str, setup: ScaleSetup) -> OpenedScale:
    from hw.drivers.scale_serial import open_toledo8217

    _, settings, extra = parse_serial_url(url, toledo8217.DEFAULT_SERIAL)
    minimum, settle = _scale_options(url, extra, setup)
    options = Toledo8217Options(minimum_grams=minimum, settle_timeout=settle)
    return OpenedScale(url, open_toledo8217(settings, options))


def _dialog06(url: str, setup: ScaleSetup) -> OpenedScale:
    from hw.drivers.scale_serial import open_dialog06

    _, settings, extra = parse_serial_url(url, dialog06.DEFAULT_SERIAL)
    minimum, settle = _scale_options(url, extra, setup)
    options = Dialog06Options(minimum_grams=minimum, settle_timeout=settle)
    return OpenedScale(url, open_dialog06(settings, setup.checksum_key, options))


def _simulated(url: str, setup: ScaleSetup) -> OpenedScale:
    from hw.simulators.endpoints import PtyEndpoint, TcpEndpoint
    from hw.simulators.scale_dialog06 import Dialog06Config, Dialog06Emulator
    from hw.simulators.scale_sim import (
        SIM_DIALOG06_OPTIONS,
        SIM_TOLEDO_OPTIONS,
        SimulatedDialog06Scale,
        SimulatedScale,
    )
    from hw.simulators.scale_toledo8217 import Toledo8217Emulator

    params = dict(parse_qsl(url.partition("?")[2]))
    protocol = params.pop("protocol", "toledo8217")
    transport = params.pop("transport", "inprocess")
    if protocol not in ("toledo8217", "dialog06") or transport not in ("inprocess", "pty", "tcp"):
        raise InvalidDeviceUrl(
            f"{url!r}: protocol is toledo8217 or dialog06, transport inprocess, pty or tcp"
        )
    minimum, settle = _scale_options(url, params, setup)
    key = setup.checksum_key or SimulatedDialog06Scale.DEMO_KEY
    if transport == "inprocess":
        if protocol == "dialog06":
            options = replace(SIM_DIALOG06_OPTIONS, minimum_grams=minimum, settle_timeout=settle)
            d06 = SimulatedDialog06Scale(key=key, options=options)
            return OpenedScale(url, d06, d06.emulator)
        toledo_options = replace(SIM_TOLEDO_OPTIONS, minimum_grams=minimum, settle_timeout=settle)
        sim = SimulatedScale(options=toledo_options)
        return OpenedScale(url, sim, sim.emulator)

    from hw.drivers.scale_serial import open_dialog06, open_toledo8217

    emulator: Toledo8217Emulator | Dialog06Emulator = (
        Dialog06Emulator(Dialog06Config(polynomial=key.polynomial))
        if protocol == "dialog06"
        else Toledo8217Emulator()
    )
    endpoint: PtyEndpoint | TcpEndpoint
    if transport == "pty":
        if setup.sim_dir is None:
            raise InvalidDeviceUrl(f"{url!r}: a pty simulator needs a data directory")
        endpoint = PtyEndpoint(emulator, setup.sim_dir / "balance-simulee.tty").plug()
        port = str(endpoint.path)
    else:
        endpoint = TcpEndpoint(emulator).plug()
        port = endpoint.url
    scale: WeighingScale
    if protocol == "dialog06":
        settings = replace(dialog06.DEFAULT_SERIAL, port=port)
        options = replace(SIM_DIALOG06_OPTIONS, minimum_grams=minimum, settle_timeout=settle)
        scale = open_dialog06(settings, key, options)
    else:
        settings = replace(toledo8217.DEFAULT_SERIAL, port=port)
        toledo_options = replace(SIM_TOLEDO_OPTIONS, minimum_grams=minimum, settle_timeout=settle)
        scale = open_toledo8217(settings, toledo_options)
    return OpenedScale(url, scale, emulator, endpoint)


SCALE_FACTORIES: Final[Mapping[str, ScaleFactory]] = MappingProxyType(
    {"toledo8217": _toledo, "dialog06": _dialog06, "sim": _simulated}
)


def open_scale(url: str, setup: ScaleSetup | None = None) -> OpenedScale | None:
    """The scale of a URL (None for `none` or an empty URL); `sim:` starts an emulator.

    Raises:
        InvalidDeviceUrl: an unknown scheme or a malformed option.
    """
    text = url.strip()
    if text in ("", "none", "none:"):
        return None
    scheme = text.partition(":")[0]
    factory = SCALE_FACTORIES.get(scheme)
    if factory is None:
        raise InvalidDeviceUrl(
            f"unknown scale URL {url!r}; expected toledo8217:PORT, dialog06:PORT or sim:",
            fr=f"Adresse de balance inconnue « {url} » : utilisez toledo8217:, dialog06: ou sim:.",
        )
    return factory(text, setup or ScaleSetup())


def register(registry: MutableMapping[str, ScaleFactory]) -> None:
    """Add the scale schemes to a registry's table of scale factories."""
    registry.update(SCALE_FACTORIES)
