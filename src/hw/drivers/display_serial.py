"""Serial pole displays (RS-232 or USB CDC-ACM): Epson-mode and CD5220 command sets."""

from __future__ import annotations

import logging

from hw.display.charset import DisplayCharset
from hw.display.vfd import Cd5220Display, EpsonDisplay
from hw.drivers.scale_serial import serial_opener
from hw.ports import SerialSettings

logger = logging.getLogger(__name__)


def open_epson_display(
    settings: SerialSettings,
    charset: DisplayCharset = DisplayCharset.PC858,
    table: int | None = None,
) -> EpsonDisplay:
    """An Epson-mode display on a serial port (opened on the first `show()`).

    Args:
        settings: the port.
        charset: the table to select with `ESC t n`.
        table: the `n` of that table on this model, when it differs from Epson's.
    """
    return EpsonDisplay(
        serial_opener(settings),
        charset=charset,
        table=table,
        name=f"afficheur client {settings.port}",
    )


def open_cd5220_display(
    settings: SerialSettings, charset: DisplayCharset = DisplayCharset.ASCII
) -> Cd5220Display:
    """A CD5220 display on a serial port; `charset` is the table set by its DIP switches."""
    return Cd5220Display(
        serial_opener(settings), charset=charset, name=f"afficheur client {settings.port}"
    )
