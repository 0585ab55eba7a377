"""DS18B20 digital thermometer on a 1-Wire bus: CONVERT T (0x44), READ SCRATCHPAD (0xBE, nine
bytes ending with a CRC), WRITE SCRATCHPAD (0x4E: TH, TL, configuration), COPY and RECALL.

A conversion takes as long as on the chip (93.75 ms at 9 bits to 750 ms at 12 bits), on the
board's clock: read slots answer 0 until it is done, and the scratchpad holds the power-on 85 °C
until the first conversion, as the chip's does.
"""

from __future__ import annotations

import time
from typing import ClassVar

from protoboard.ports.sim.parts.onewire import RECEIVE, OneWireDevice, Protocol, crc8

CONVERT_T = 0x44
READ_SCRATCHPAD = 0xBE
WRITE_SCRATCHPAD = 0x4E
COPY_SCRATCHPAD = 0x48
RECALL_EEPROM = 0xB8
READ_POWER_SUPPLY = 0xB4
#: conversion time by resolution, in nanoseconds
CONVERSION_NS = {9: 93_750_000, 10: 187_500_000, 11: 375_000_000, 12: 750_000_000}
POWER_ON_CELSIUS = 85.0


class DS18B20(OneWireDevice):
    """A DS18B20 thermometer on the 1-Wire data ``pin`` (several may share it).

    Set ``temperature`` (-55 to 125 °C); a conversion reads it to the configured resolution
    (12 bits, 1/16 °C, by default). ``serial`` is the 48-bit serial number of its ROM code
    (family 0x28); give each sensor on a bus its own. ``conversions`` counts them.
    """

    kind = "DS18B20"
    family: ClassVar[int] = 0x28

    def __init__(
        self, *, serial: int = 1, temperature: float = 22.0, name: str | None = None
    ) -> None:
        super().__init__(serial, name=name)
        self._temperature = 0.0
        self.temperature = temperature
        self.th, self.tl, self.config = 0x4B, 0x46, 0x7F  # the factory EEPROM
        self._eeprom = (self.th, self.tl, self.config)
        self._register = self._raw(POWER_ON_CELSIUS)
        self._pending: int | None = None  # the conversion under way, stored when it ends
        self._done_at = 0
        self.conversions = 0

    @property
    def temperature(self) -> float:
        return self._temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"temperature is a number of °C, not {value!r}")
        if not -55.0 <= value <= 125.0:
            raise ValueError(f"a DS18B20 measures -55 to 125 °C, not {value:g}")
        self._temperature = float(value)

    @property
    def resolution(self) -> int:
        return 9 + (self.config >> 5 & 0x03)

    def _raw(self, celsius: float) -> int:
        sixteenths = round(celsius * 16)
        drop = 12 - self.resolution  # undefined low bits read 0
        return (sixteenths >> drop << drop) & 0xFFFF

    def scratchpad(self) -> bytes:
        """The nine bytes READ SCRATCHPAD sends (the last is the CRC of the other eight). During
        a conversion the temperature bytes still hold the previous result, as on the chip."""
        if self._pending is not None and self._converted():
            self._register, self._pending = self._pending, None
        body = self._register.to_bytes(2, "little") + bytes(
            [self.th, self.tl, self.config, 0xFF, 0x0C, 0x10]
        )
        return body + bytes([crc8(body)])

    def _converted(self) -> bool:
        return time.monotonic_ns() >= self._done_at

    def function(self) -> Protocol:
        command = yield from self.receive_byte()
        if command == CONVERT_T:
            self.conversions += 1
            self._pending = self._raw(self._temperature)
            self._done_at = time.monotonic_ns() + CONVERSION_NS[self.resolution]
            while True:  # read slots: 0 while converting, 1 once done
                yield self._converted
        elif command == READ_SCRATCHPAD:
            yield from self.send_bytes(self.scratchpad())
        elif command == WRITE_SCRATCHPAD:
            self.th = yield from self.receive_byte()
            self.tl = yield from self.receive_byte()
            self.config = ((yield from self.receive_byte()) & 0x60) | 0x1F
        elif command == COPY_SCRATCHPAD:
            self._eeprom = (self.th, self.tl, self.config)
        elif command == RECALL_EEPROM:
            self.th, self.tl, self.config = self._eeprom
            while True:
                yield True
        elif command == READ_POWER_SUPPLY:
            while True:
                yield True  # powered from VDD, not parasite power
        else:
            return
        while True:  # anything else until the next reset: the device stays silent
            yield RECEIVE
