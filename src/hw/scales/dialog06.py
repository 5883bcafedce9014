"""Dialog 06 price-computing scale protocol (hardware.md §3.3): records, checksum, driver.

The POS sends the article (unit price, optional tare and text), then asks for the result with
`EOT ENQ`; the scale answers record 02 (weight, unit price, price) once the load is stable, or
NAK, after which record 08 fetches the status (20 moving, 21 no movement since the last
weighing...). After power-on, every 50 weighings or an error, the scale asks for the checksum
handshake (record 11 → record 10). Its generator polynomial is a manufacturer secret handed to
approved POS vendors: it is a setting (`ChecksumKey`), and tests use a dummy one.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Final

from hw.errors import (
    ChecksumRefused,
    DeviceOffline,
    ProtocolError,
    ScaleFault,
    UnstableWeight,
    UnsupportedOperation,
)
from hw.ports import ByteLink, Parity, ScaleReading, SerialSettings, Weight, WeightStatus
from hw.scales.link import DeviceLine, LinkOpener
from hw.scales.session import MAX_UNIT_PRICE_CENTS, require_usable

logger = logging.getLogger(__name__)

STX: Final = b"\x02"
ETX: Final = b"\x03"
EOT: Final = b"\x04"
ENQ: Final = b"\x05"
ACK: Final = b"\x06"
NAK: Final = b"\x15"
ESC: Final = b"\x1b"

RESULT_REQUEST: Final = EOT + ENQ
STATUS_REQUEST: Final = EOT + STX + b"08" + ETX
UNIT_KG: Final = b"3"
TEXT_LENGTH: Final = 13
MAX_TARE_GRAMS: Final = 9999  # 4 digits
MAX_CHECKSUM_GROUPS: Final = 5

DEFAULT_SERIAL: Final = SerialSettings(port="", bytesize=7, parity=Parity.ODD, timeout=0.5)
"""9600 baud, 7 data bits, odd parity (Bizerba/Dibal style; Mettler Ariva uses even)."""


class Dialog06Status(IntEnum):
    """Record 09 status codes (DIVA manual, Cely PI100, Dibal DPOS400, Hive-Lab)."""

    NO_ERROR = 0
    GENERAL_ERROR = 1
    PARITY_OR_OVERFLOW = 2
    INVALID_RECORD = 10
    INVALID_UNIT_PRICE = 11
    INVALID_TARE = 12
    INVALID_TEXT = 13
    MOTION = 20
    NO_MOVEMENT = 21
    NOT_FINISHED = 22
    BELOW_MINIMUM = 30
    UNDER_ZERO = 31
    OVERLOAD = 32
    PRICE_OVERFLOW = 33
    INVALID_WEIGHT = 34


# ---------------------------------------------------------------- checksum handshake


def rotl16(value: int, bits: int) -> int:
    """Rotate a 16-bit value left."""
    bits %= 16
    value &= 0xFFFF
    return ((value << bits) | (value >> (16 - bits))) & 0xFFFF


def rotr16(value: int, bits: int) -> int:
    """Rotate a 16-bit value right."""
    return rotl16(value, 16 - bits % 16)


def correction_value(checksum: int, polynomial: int) -> int:
    """KW for a module checksum CS: the GF(2) remainder of CS·x¹⁶ by the generator, 16 bits.

    Args:
        checksum: CS, 16 bits.
        polynomial: the generator, bit i = coefficient of xⁱ (up to 32 bits, degree ≥ 1).

    Raises:
        ValueError: a polynomial of degree 0 or wider than 32 bits.
    """
    if not 2 <= polynomial <= 0xFFFF_FFFF:
        raise ValueError("the generator polynomial must have 2 to 32 bits")
    degree = polynomial.bit_length() - 1
    remainder = (checksum & 0xFFFF) << 16
    for bit in range(remainder.bit_length() - 1, degree - 1, -1):
        if remainder >> bit & 1:
            remainder ^= polynomial << (bit - degree)
    return remainder & 0xFFFF


@dataclass(frozen=True, slots=True)
class ChecksumKey:
    """What the POS needs for the handshake: the maker's polynomial and the module checksums.

    Args:
        polynomial: the generator polynomial supplied by the scale maker (a setting, never
            committed; tests use a dummy one).
        modules: CS of each POS program module (1 to 5 groups are sent).
    """

    polynomial: int
    modules: tuple[int, ...] = (0x5A17,)

    def __post_init__(self) -> None:
        if not 1 <= len(self.modules) <= MAX_CHECKSUM_GROUPS:
            raise ValueError("1 to 5 module checksums")
        correction_value(0, self.polynomial)  # validates the polynomial


def checksum_record(z: int, key: ChecksumKey) -> bytes:
    """Record 10 for the random number `z` (0..255) of record 11."""
    z1, z2 = z >> 4 & 0xF, z & 0xF
    groups = b"".join(
        b"%04X%04X" % (rotl16(cs, z1), rotr16(correction_value(cs, key.polynomial), z2))
        for cs in key.modules
    )
    return EOT + STX + b"10" + ESC + groups + ETX


def check_checksum_groups(groups: bytes, z: int, polynomial: int) -> bool:
    """The scale's side of record 10: True when every CS/KW group matches the polynomial."""
    z1, z2 = z >> 4 & 0xF, z & 0xF
    if not groups or len(groups) % 8 or len(groups) > 8 * MAX_CHECKSUM_GROUPS:
        return False
    try:
        for start in range(0, len(groups), 8):
            cs = rotr16(int(groups[start : start + 4], 16), z1)
            kw = rotl16(int(groups[start + 4 : start + 8], 16), z2)
            if kw != correction_value(cs, polynomial):
                return False
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------- records


def article_text(text: str) -> bytes:
    """The 13-character article text in 7-bit ASCII (accents dropped), padded with spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    ascii_text = "".join(c if " " <= c <= "~" else "?" for c in plain)
    return ascii_text[:TEXT_LENGTH].ljust(TEXT_LENGTH).encode("ascii")


def article_record(unit_price_cents: int, tare_grams: int = 0, text: str = "") -> bytes:
    """Record 01, 03, 04 or 05: unit price, with the tare and the text when given.

    Raises:
        ValueError: a price or tare outside its digits.
    """
    if not 0 <= unit_price_cents <= MAX_UNIT_PRICE_CENTS:
        raise ValueError(f"unit price out of range: {unit_price_cents}")
    if not 0 <= tare_grams <= MAX_TARE_GRAMS:
        raise ValueError(f"tare out of range: {tare_grams} g")
    fields = [b"%06d" % unit_price_cents]
    if tare_grams:
        fields.append(b"%04d" % tare_grams)
    if text:
        fields.append(article_text(text))
    number = {(False, False): b"01", (True, False): b"03", (False, True): b"04"}.get(
        (bool(tare_grams), bool(text)), b"05"
    )
    return EOT + STX + number + ESC + ESC.join(fields) + ETX


@dataclass(frozen=True, slots=True)
class Dialog06Result:
    """Record 02: what the scale weighed and priced."""

    grams: int
    unit_price_cents: int
    price_cents: int


def result_record(result: Dialog06Result) -> bytes:
    """Record 02 for a kg scale (`02 30 32 1B 33 1B W5 1B U6 1B Z6 03`)."""
    return b"\x0202\x1b3\x1b%05d\x1b%06d\x1b%06d\x03" % (
        result.grams,
        result.unit_price_cents,
        result.price_cents,
    )


def status_record(code: int) -> bytes:
    """Record 09."""
    return b"\x0209\x1b%02d\x03" % code


def parse_result(frame: bytes) -> Dialog06Result:
    """Decode record 02, splitting on ESC (5- and 6-digit unit prices both exist).

    Raises:
        ProtocolError: not a well-formed kg record 02.
    """
    fields = frame[1:-1].split(ESC)
    if len(fields) != 5 or fields[0] != b"02":
        raise ProtocolError(f"not a record 02: {frame!r}")
    unit, weight, unit_price, price = fields[1:]
    if unit != UNIT_KG:
        raise ProtocolError(f"scale not set to kg (unit code {unit!r})")
    if not (
        len(weight) == 5
        and len(unit_price) in (5, 6)
        and len(price) == 6
        and (weight + unit_price + price).isdigit()
    ):
        raise ProtocolError(f"malformed record 02: {frame!r}")
    return Dialog06Result(int(weight), int(unit_price), int(price))


def parse_status(frame: bytes) -> int:
    """Decode record 09 into its two-digit code.

    Raises:
        ProtocolError: not a record 09.
    """
    if len(frame) != 7 or frame[1:4] != b"09\x1b" or not frame[4:6].isdigit():
        raise ProtocolError(f"not a record 09: {frame!r}")
    return int(frame[4:6])


def read_reply(link: ByteLink) -> bytes:
    """One scale answer: ACK, NAK or an `02 … 03` record (garbage is returned as read)."""
    first = link.read(1)
    if first in (b"", ACK, NAK):
        return first
    return first + link.read_until(ETX, 64)


def _is_frame(reply: bytes) -> bool:
    return reply.startswith(STX) and reply.endswith(ETX)


# ---------------------------------------------------------------- driver


@dataclass(frozen=True, slots=True)
class Dialog06Options:
    """Driver behaviour.

    Args:
        minimum_grams: below this a weight is `UNDER_LOAD` (the scale also enforces its own).
        settle_timeout: how long `read()` retries while the scale reports motion, in seconds.
        poll_interval: pause before repeating `EOT ENQ` after status 20/22 (about 300 ms).
    """

    minimum_grams: int = 40
    settle_timeout: float = 3.0
    poll_interval: float = 0.3


class Dialog06Scale:
    """A `WeighingScale` speaking Dialog 06: the scale computes the price, printed as returned.

    Args:
        opener: opens the link to the scale.
        key: the checksum polynomial and module checksums; without it a handshake request
            raises `ChecksumRefused`.
        name: the device, for messages.
        options: timings and minimum weight.
        clock: monotonic seconds (injected by tests).
        sleep: pauses (injected by tests).
    """

    def __init__(
        self,
        opener: LinkOpener,
        *,
        key: ChecksumKey | None = None,
        name: str = "balance Dialog 06",
        options: Dialog06Options | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._line = DeviceLine(opener, name=name)
        self._key = key
        self.options = options or Dialog06Options()
        self._clock = clock
        self._sleep = sleep
        self._unit_price_cents = 0
        self._text = ""
        self._tare_grams = 0
        self._article_sent = False

    @property
    def name(self) -> str:
        """The device, for messages."""
        return self._line.name

    @property
    def minimum_grams(self) -> int:
        """Below this weight a reading is `UNDER_LOAD`."""
        return self.options.minimum_grams

    def set_article(self, unit_price_cents: int, text: str = "") -> None:
        """The article to price (sent with the next request).

        Raises:
            ValueError: a unit price outside 0..999999 cents.
        """
        article_record(unit_price_cents, self._tare_grams, text)  # validates
        self._unit_price_cents, self._text = unit_price_cents, text
        self._article_sent = False

    def reading(self) -> ScaleReading:
        """One weighing request: a priced weight, or the state that prevents it.

        A stable answer is a weighing for the scale: asking again without moving the load
        returns `UNCHANGED` (status 21).

        Raises:
            DeviceOffline: the port is gone or the scale does not answer.
            ProtocolError: a garbled reply or a refused record.
            ChecksumRefused: the scale refused the POS checksum.
            ScaleFault: price overflow or invalid weight reported by the scale.
        """
        if not self._article_sent:
            self._send_article()
        reply = self._exchange(RESULT_REQUEST)
        if reply == NAK:
            code = self._ask_status()
            if code in (Dialog06Status.GENERAL_ERROR, Dialog06Status.PARITY_OR_OVERFLOW):
                # note: the scale wants the dialogue restarted (after an error, or because the
                # checksum is due again): resend the article once, then ask again.
                self._send_article()
                reply = self._exchange(RESULT_REQUEST)
                if reply == NAK:
                    return self._reading_for(self._ask_status())
            else:
                return self._reading_for(code)
        if _is_frame(reply) and reply[1:3] == b"02":
            result = parse_result(reply)
            if result.unit_price_cents != self._unit_price_cents:
                self._article_sent = False
                raise ProtocolError(
                    f"{self.name}: priced at {result.unit_price_cents} c/kg, "
                    f"sent {self._unit_price_cents}"
                )
            if result.grams == 0:
                status = WeightStatus.ZERO
            elif result.grams < self.options.minimum_grams:
                status = WeightStatus.UNDER_LOAD
            else:
                status = WeightStatus.STABLE
            return ScaleReading(
                status,
                result.grams,
                tare_grams=self._tare_grams,
                net=bool(self._tare_grams),
                unit_price_cents=result.unit_price_cents,
                price_cents=result.price_cents,
                fresh=True,
            )
        raise self._garbled(reply)

    def read(self) -> Weight:
        """A stable priced weighing, retrying `EOT ENQ` while the scale reports motion.

        Raises:
            UnstableWeight: still moving after `settle_timeout`.
            SameWeighing: the load did not move since the last weighing (status 21).
            UnderZero, OverCapacity, BelowMinimum: no usable weight.
            DeviceOffline, ProtocolError, ChecksumRefused: the scale cannot be read.
        """
        deadline = self._clock() + self.options.settle_timeout
        while True:
            reading = self.reading()
            if reading.status is not WeightStatus.MOTION:
                return require_usable(reading)
            if self._clock() >= deadline:
                raise UnstableWeight(
                    f"{self.name}: not stable after {self.options.settle_timeout:.1f} s"
                )
            self._sleep(self.options.poll_interval)

    def zero(self) -> None:
        """Dialog 06 has no zero command: zero on the scale itself.

        Raises:
            UnsupportedOperation: always.
        """
        raise UnsupportedOperation(
            f"{self.name}: no zero command", fr="Remettez la balance à zéro sur la balance."
        )

    def tare(self) -> None:
        """Dialog 06 takes only preset tares.

        Raises:
            UnsupportedOperation: always.
        """
        raise UnsupportedOperation(
            f"{self.name}: no tare command; use a preset tare",
            fr="Tarez sur la balance, ou saisissez une tare.",
        )

    def preset_tare(self, grams: int) -> None:
        """The tare sent with the article (record 03/05); the scale subtracts it.

        Raises:
            ValueError: outside 0..9999 g.
        """
        article_record(self._unit_price_cents, grams)  # validates
        self._tare_grams = grams
        self._article_sent = False

    def clear_tare(self) -> None:
        """No tare with the next article."""
        self.preset_tare(0)

    def close(self) -> None:
        """Release the port."""
        self._line.close()

    # ------------------------------------------------------------ internals

    def _exchange(self, record: bytes) -> bytes:
        reply = self._line.request(record, read_reply)
        if not reply:
            self._article_sent = False
            raise DeviceOffline(f"{self.name}: no reply")
        return reply

    def _garbled(self, reply: bytes) -> ProtocolError:
        # note: the scale's state is unknown now; the next request resends the article.
        self._article_sent = False
        return ProtocolError(f"{self.name}: unexpected reply {reply!r}")

    def _send_article(self) -> None:
        record = article_record(self._unit_price_cents, self._tare_grams, self._text)
        for _ in range(3):
            reply = self._exchange(record)
            if reply == ACK:
                self._article_sent = True
                return
            if reply == NAK:
                code = self._ask_status()
                raise ProtocolError(f"{self.name}: article refused (status {code:02d})")
            if _is_frame(reply) and reply[1:5] == b"11\x1b2" and len(reply) == 8:
                self._handshake(reply[5:7])
                continue
            raise self._garbled(reply)
        raise ProtocolError(f"{self.name}: the scale keeps asking for the checksum")

    def _handshake(self, z_hex: bytes) -> None:
        if self._key is None:
            raise ChecksumRefused(f"{self.name}: checksum requested, no polynomial configured")
        try:
            z = int(z_hex, 16)
        except ValueError:
            raise self._garbled(z_hex) from None
        logger.info("%s: checksum handshake (Z=%02X)", self.name, z)
        reply = self._exchange(checksum_record(z, self._key))
        if reply != ACK:
            raise self._garbled(reply)
        reply = self._exchange(RESULT_REQUEST)
        if reply == STX + b"11" + ESC + b"1" + ETX:
            return
        if reply == STX + b"11" + ESC + b"0" + ETX:
            raise ChecksumRefused(f"{self.name}: checksum refused by the scale")
        raise self._garbled(reply)

    def _ask_status(self) -> int:
        reply = self._exchange(STATUS_REQUEST)
        if not _is_frame(reply):
            raise self._garbled(reply)
        return parse_status(reply)

    def _reading_for(self, code: int) -> ScaleReading:
        tare = self._tare_grams
        if code in (Dialog06Status.MOTION, Dialog06Status.NOT_FINISHED):
            return ScaleReading(WeightStatus.MOTION, tare_grams=tare)
        if code == Dialog06Status.NO_MOVEMENT:
            return ScaleReading(WeightStatus.UNCHANGED, tare_grams=tare)
        if code == Dialog06Status.BELOW_MINIMUM:
            return ScaleReading(WeightStatus.UNDER_LOAD, tare_grams=tare)
        if code == Dialog06Status.UNDER_ZERO:
            return ScaleReading(WeightStatus.UNDER_ZERO, tare_grams=tare)
        if code == Dialog06Status.OVERLOAD:
            return ScaleReading(WeightStatus.OVER_CAPACITY, tare_grams=tare)
        if code == Dialog06Status.PRICE_OVERFLOW:
            raise ScaleFault(
                f"{self.name}: price overflow", fr="Le prix dépasse ce que la balance affiche."
            )
        if code == Dialog06Status.INVALID_WEIGHT:
            raise ScaleFault(f"{self.name}: invalid weight")
        # note: 01/02 and 10-13 mean the article must be sent again.
        self._article_sent = False
        raise ProtocolError(f"{self.name}: scale status {code:02d}")
