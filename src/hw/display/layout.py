"""Fitting text into the cells of a line display: cut, pad, centre, left/right columns, amounts."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def fit(text: str, width: int) -> str:
    """Exactly `width` characters: cut on the right, padded with spaces."""
    return text[:width].ljust(width)


def center(text: str, width: int) -> str:
    """Centred (cut on the right when too long)."""
    return text[:width].center(width)


def right(text: str, width: int) -> str:
    """Flushed right; a too long text keeps its end (where an amount's digits are)."""
    return text[-width:].rjust(width) if text else " " * width


def columns(left: str, right_text: str, width: int) -> str:
    """`left` flushed left and `right_text` flushed right; `left` is cut so `right_text` stays.

    At least one space separates them; when `right_text` alone fills the line, it wins.
    """
    if not right_text:
        return fit(left, width)
    if len(right_text) >= width:
        return right(right_text, width)
    room = width - len(right_text) - 1
    head = left[:room].rstrip() if room > 0 else ""
    return head + " " * (width - len(head) - len(right_text)) + right_text


def format_eur(cents: int) -> str:
    """`1 234,50 €` and `-2,50 €`, with plain spaces (displays have no no-break space)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    return f"{sign}{euros:,}".replace(",", " ") + f",{rest:02d} €"


def format_kg(grams: int) -> str:
    """`0,532 kg`."""
    sign = "-" if grams < 0 else ""
    kg, g = divmod(abs(grams), 1000)
    return f"{sign}{kg},{g:03d} kg"
