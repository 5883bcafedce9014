"""Keyboard-wedge scan detection: a pure state machine fed (character, timestamp) key events.

A wedge scanner types like a keyboard, much faster than a person, and usually ends with Enter
(hardware.md §4.1). The UI's application-wide key filter feeds every printable key and its
time to `KeyboardWedgeDecoder.feed`; the decoder answers with what the keys were: a `Scan`
(swallow the keys, look the code up) or `Typed` text (let it through to the focused field).
It also repairs scans made with a US-layout scanner on a French AZERTY machine, where digits
arrive as `&é"'(-è_çà`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

logger = logging.getLogger(__name__)

AZERTY_DIGITS: Final = MappingProxyType(dict(zip("&é\"'(-è_çà", "1234567890", strict=True)))
"""The unshifted AZERTY top row and the digit a US-layout scanner meant by each key."""

GS: Final = "\x1d"
_EPSILON: Final = 1e-9  # float timestamps: a gap of exactly max_gap stays in the burst


class AzertyMode(StrEnum):
    AUTO = "auto"  # map only scans that hold no ASCII digit but some top-row characters
    ALWAYS = "always"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class WedgeConfig:
    """How the store's scanners are programmed.

    Args:
        max_gap: the longest pause between two keys of one scan, in seconds.
        min_length: the shortest scan (without prefix and suffix).
        prefix: characters the scanner sends before each code ("" when none).
        suffixes: characters that end a code (Enter by default; Tab too).
        azerty: how to repair AZERTY top-row characters.
        gs_substitute: a printable character the scanner sends in place of FNC1/GS, if any.
    """

    max_gap: float = 0.05
    min_length: int = 6
    prefix: str = ""
    suffixes: frozenset[str] = frozenset({"\r", "\n", "\t"})
    azerty: AzertyMode = AzertyMode.AUTO
    gs_substitute: str | None = None


@dataclass(frozen=True, slots=True)
class Scan:
    """A code read by the scanner (AZERTY repaired, prefix and suffix removed)."""

    code: str


@dataclass(frozen=True, slots=True)
class Typed:
    """Keys typed by a person: to be delivered to the focused widget, in order."""

    text: str


WedgeOutput = Scan | Typed


def repair_azerty(code: str, mode: AzertyMode = AzertyMode.AUTO) -> str:
    """Map AZERTY top-row characters back to digits (see `AzertyMode`)."""
    if mode is AzertyMode.NEVER:
        return code
    if mode is AzertyMode.AUTO and (
        any(c.isascii() and c.isdigit() for c in code) or not any(c in AZERTY_DIGITS for c in code)
    ):
        return code
    return "".join(AZERTY_DIGITS.get(c, c) for c in code)


class KeyboardWedgeDecoder:
    """Tells scans from typing by inter-key timing, prefix and suffix.

    Feed every key with `feed(char, t)` (t in seconds from any monotonic clock); call
    `flush(t)` from a timer when no key came for a while (scanners without a suffix).
    """

    def __init__(self, config: WedgeConfig | None = None) -> None:
        self.config = config or WedgeConfig()
        self._buffer: list[str] = []
        self._last: float | None = None
        self._burst = True  # every gap in the buffer so far was short

    def _take(self) -> str:
        text = "".join(self._buffer)
        self._buffer.clear()
        self._burst = True
        return text

    def _finish(self, ended_by_suffix: bool) -> list[WedgeOutput]:
        cfg = self.config
        text = self._take()
        body = text
        has_prefix = bool(cfg.prefix) and body.startswith(cfg.prefix)
        if has_prefix:
            body = body[len(cfg.prefix) :]
        if cfg.prefix:
            is_scan = has_prefix and (ended_by_suffix or self._burst)
        else:
            is_scan = self._burst and len(body) >= cfg.min_length
        if not is_scan or not body:
            return [Typed(text)] if text else []
        if cfg.gs_substitute:
            body = body.replace(cfg.gs_substitute, GS)
        return [Scan(repair_azerty(body, cfg.azerty))]

    def feed(self, char: str, t: float) -> list[WedgeOutput]:
        """One key; returns what is now known (usually nothing until the end of a burst).

        A suffix key ends the buffer: a scan if it came fast enough (or after the prefix), else
        typing, which then includes the suffix key itself.
        """
        cfg = self.config
        out: list[WedgeOutput] = []
        gap = None if self._last is None else t - self._last
        self._last = t
        if gap is not None and gap > cfg.max_gap + _EPSILON and self._buffer:
            if cfg.prefix and self._buffer and "".join(self._buffer).startswith(cfg.prefix):
                self._burst = False  # a slow prefixed scan still ends with its suffix
            else:
                out.extend(self._finish(ended_by_suffix=False))
        if char in cfg.suffixes:
            if not self._buffer:
                return [*out, Typed(char)]
            results = self._finish(ended_by_suffix=True)
            if results and isinstance(results[-1], Typed):
                results[-1] = Typed(results[-1].text + char)
            return out + results
        self._buffer.append(char)
        return out

    def flush(self, t: float) -> list[WedgeOutput]:
        """Call when no key came for `max_gap`: a suffix-less burst becomes a scan."""
        if not self._buffer or self._last is None or t - self._last <= self.config.max_gap:
            return []
        return self._finish(ended_by_suffix=False)

    @property
    def pending(self) -> str:
        """Keys held back while deciding (for a UI that shows them)."""
        return "".join(self._buffer)
