"""The `sim:` customer display: the Epson-mode driver wired to an in-process display emulator."""

from __future__ import annotations

import logging

from hw.display.charset import DisplayCharset
from hw.display.vfd import EpsonDisplay
from hw.simulators.display import DisplayEmulator, DisplayMode
from hw.simulators.endpoints import InProcessPort

logger = logging.getLogger(__name__)


class SimulatedDisplay(EpsonDisplay):
    """A `CustomerDisplay` whose bytes are decoded by an emulator; `lines()` shows the screen."""

    def __init__(
        self,
        emulator: DisplayEmulator | None = None,
        *,
        charset: DisplayCharset = DisplayCharset.WPC1252,
    ) -> None:
        self.emulator = emulator or DisplayEmulator(DisplayMode.EPSON)
        self.port = InProcessPort(self.emulator)
        super().__init__(self.port.open, charset=charset, name="afficheur client simulé")

    def lines(self) -> tuple[str, ...]:
        """What the customer reads."""
        return self.emulator.lines()

    def unplug(self) -> None:
        """The cable is pulled."""
        self.port.unplug()

    def plug(self) -> None:
        """The cable is back."""
        self.port.plug()
