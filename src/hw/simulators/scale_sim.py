"""The `sim:` scales: the real protocol drivers wired to in-process scale emulators.

Demo mode and tests get a scale that behaves like the hardware (settling, states, Dialog 06
pricing and checksum) without a port; `put()` lays a load on the pan.
"""

from __future__ import annotations

import logging

from hw.scales.dialog06 import ChecksumKey, Dialog06Options, Dialog06Scale
from hw.scales.toledo8217 import Toledo8217Options, Toledo8217Scale
from hw.simulators.endpoints import InProcessPort
from hw.simulators.scale_dialog06 import Dialog06Config, Dialog06Emulator
from hw.simulators.scale_toledo8217 import Toledo8217Emulator

logger = logging.getLogger(__name__)

SIM_TOLEDO_OPTIONS = Toledo8217Options(command_gap=0.0, poll_interval=0.05)
SIM_DIALOG06_OPTIONS = Dialog06Options(poll_interval=0.05)


class SimulatedScale(Toledo8217Scale):
    """A Toledo 8217 driver on an in-process emulator (`sim:`); `unplug()`/`plug()` for faults."""

    def __init__(
        self,
        emulator: Toledo8217Emulator | None = None,
        *,
        options: Toledo8217Options | None = None,
    ) -> None:
        self.emulator = emulator or Toledo8217Emulator()
        self.port = InProcessPort(self.emulator)
        super().__init__(
            self.port.open, name="balance simulée", options=options or SIM_TOLEDO_OPTIONS
        )

    def put(self, grams: int, *, settle: float = 0.0) -> None:
        """Lay `grams` on the pan (0 empties it); the load moves for `settle` seconds."""
        self.emulator.set_weight(grams, settle=settle)

    def unplug(self) -> None:
        """The cable is pulled."""
        self.port.unplug()

    def plug(self) -> None:
        """The cable is back."""
        self.port.plug()


class SimulatedDialog06Scale(Dialog06Scale):
    """A Dialog 06 driver on an in-process emulator (`sim:?protocol=dialog06`).

    The emulator and the driver share `key` (a dummy polynomial by default), so the checksum
    handshake runs as with a real scale.
    """

    DEMO_KEY = ChecksumKey(polynomial=0x1_8005, modules=(0x5A17,))

    def __init__(
        self,
        emulator: Dialog06Emulator | None = None,
        *,
        key: ChecksumKey | None = None,
        options: Dialog06Options | None = None,
    ) -> None:
        key = key or self.DEMO_KEY
        self.emulator = emulator or Dialog06Emulator(Dialog06Config(polynomial=key.polynomial))
        self.port = InProcessPort(self.emulator)
        super().__init__(
            self.port.open,
            key=key,
            name="balance simulée Dialog 06",
            options=options or SIM_DIALOG06_OPTIONS,
        )

    def put(self, grams: int, *, settle: float = 0.0) -> None:
        """Lay `grams` on the pan (0 empties it); the load moves for `settle` seconds."""
        self.emulator.set_weight(grams, settle=settle)

    def unplug(self) -> None:
        """The cable is pulled."""
        self.port.unplug()

    def plug(self) -> None:
        """The cable is back."""
        self.port.plug()
