"""1-Wire parts: devices that share one data pin and answer the host's time slots.

:class:`OneWirePart` is the bit-level interface (``ow_reset``, ``ow_write_bit``,
``ow_read_bit``); the bus is wired-AND, so a read slot reads 0 when any device pulls the line
low. :class:`OneWireDevice` adds what every Maxim device does: a 64-bit ROM code (family, serial,
CRC) and the ROM commands (READ, MATCH, SKIP, SEARCH), so several can share a bus; a subclass
writes its function commands as a generator (see :meth:`OneWireDevice.function`).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import ClassVar

from protoboard.ports.sim.parts.base import Part

READ_ROM = 0x33
MATCH_ROM = 0x55
SKIP_ROM = 0xCC
SEARCH_ROM = 0xF0


def crc8(data: bytes) -> int:
    """Maxim's 1-Wire CRC (x^8 + x^5 + x^4 + 1, reflected): 0 over data that ends with its CRC."""
    crc = 0
    for byte in data:
        for _ in range(8):
            mix = (crc ^ byte) & 1
            crc >>= 1
            if mix:
                crc ^= 0x8C
            byte >>= 1
    return crc


class OneWirePart(Part):
    """A 1-Wire device on the data ``pin``: override the three slot callbacks."""

    kind = "OneWirePart"
    roles: ClassVar[tuple[str, ...]] = ("pin",)

    def ow_reset(self) -> bool:
        """The host's reset pulse; return True to answer with a presence pulse."""
        return True

    def ow_write_bit(self, bit: bool) -> None:
        """A write slot from the host."""

    def ow_read_bit(self) -> bool:
        """A read slot: return False to pull the line low (a 0), True to leave it (a 1)."""
        return True


#: what a device's protocol generator yields: ``RECEIVE`` for the host's next bit, or the bit
#: (or a function giving it at the moment of the read slot) to send in the next read slot
RECEIVE = None
Outgoing = bool | Callable[[], bool] | None
Protocol = Generator[Outgoing, bool, None]


class OneWireDevice(OneWirePart):
    """A Maxim 1-Wire device with a ROM code: ``family`` byte and a 48-bit ``serial``.

    After a reset it follows the ROM commands; once selected (MATCH with its code, or SKIP) it
    runs :meth:`function`, a generator that yields ``RECEIVE`` to get the host's next bit (the
    value sent in), or a bit to put in the next read slot (or a function returning the bit when
    the slot happens, for a busy flag). Helpers :meth:`receive_byte` and :meth:`send_bytes`
    move whole bytes, least significant bit first.
    """

    kind = "OneWireDevice"
    family: ClassVar[int] = 0x00

    def __init__(self, serial: int, *, name: str | None = None) -> None:
        super().__init__(name=name)
        if isinstance(serial, bool) or not isinstance(serial, int) or not 0 <= serial < 1 << 48:
            raise ValueError(f"a 1-Wire serial number is 48 bits (0 to 0xFFFFFFFFFFFF): {serial!r}")
        body = bytes([self.family]) + serial.to_bytes(6, "little")
        self.rom = body + bytes([crc8(body)])
        self._session: Protocol | None = None
        self._outgoing: Outgoing = RECEIVE

    # -- slots ----------------------------------------------------------------------------------

    def ow_reset(self) -> bool:
        if self._session is not None:
            self._session.close()
        self._session = self._rom_layer()
        self._outgoing = next(self._session)
        return True

    def _advance(self, bit: bool) -> None:
        if self._session is None:
            return
        try:
            self._outgoing = self._session.send(bit)
        except StopIteration:
            self._session = None  # silent until the next reset

    def ow_write_bit(self, bit: bool) -> None:
        # A write slot while the device sends: the device sees its own bit slot pass.
        self._advance(bool(bit))

    def ow_read_bit(self) -> bool:
        if self._session is None:
            return True
        outgoing = self._outgoing
        if outgoing is RECEIVE:  # a read slot looks like a written 1 to a listening device
            self._advance(True)
            return True
        bit = outgoing() if callable(outgoing) else outgoing
        self._advance(bit)
        return bool(bit)

    # -- protocol -------------------------------------------------------------------------------

    @staticmethod
    def receive_byte() -> Generator[Outgoing, bool, int]:
        value = 0
        for index in range(8):
            bit = yield RECEIVE
            value |= int(bool(bit)) << index
        return value

    @staticmethod
    def send_bytes(data: bytes) -> Generator[Outgoing, bool, None]:
        for byte in data:
            for index in range(8):
                yield bool(byte >> index & 1)

    def _rom_layer(self) -> Protocol:
        command = yield from self.receive_byte()
        if command == READ_ROM:
            yield from self.send_bytes(self.rom)
        elif command == MATCH_ROM:
            for byte in self.rom:
                if (yield from self.receive_byte()) != byte:
                    return
        elif command == SEARCH_ROM:
            for index in range(64):
                bit = bool(self.rom[index // 8] >> (index % 8) & 1)
                yield bit
                yield not bit
                if bool((yield RECEIVE)) != bit:
                    return  # the host chose the other branch: drop out until the next reset
            return
        elif command != SKIP_ROM:
            return
        yield from self.function()

    def function(self) -> Protocol:
        """The device's function commands, after it was selected."""
        yield from ()
