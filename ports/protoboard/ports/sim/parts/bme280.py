"""Bosch BME280 temperature, humidity and pressure sensor (I2C, or SPI with :class:`BME280SPI`).

The model keeps the chip's register map: chip id ``0x60`` at ``0xD0``, soft reset at ``0xE0``,
``ctrl_hum`` (``0xF2``), ``status`` (``0xF3``), ``ctrl_meas`` (``0xF4``), ``config`` (``0xF5``),
factory calibration at ``0x88..0xA1`` and ``0xE1..0xE7``, and the raw ADC results at
``0xF7..0xFE``. The raw results are worked out from the part's settable :attr:`temperature`
(°C), :attr:`humidity` (%RH) and :attr:`pressure` (hPa) by inverting Bosch's compensation
formulas, so any driver that applies them (``adafruit_bme280`` does) reads back the set values
within the chip's resolution.

As on the chip, nothing is measured in sleep mode: writing forced mode to ``ctrl_meas`` starts one
measurement (``status`` bit 3 is set while it runs, for the datasheet's typical measurement time)
and then the chip returns to sleep; normal mode measures continuously. A channel whose
oversampling is 0 is skipped and reads ``0x80000`` (``0x8000`` for humidity), and the output
resolution follows the oversampling setting (16 bits at x1 up to 20 bits at x16 or with the IIR
filter on).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable

from protoboard.ports.sim.parts.base import RegisterI2CPart, SPIPart

CHIP_ID = 0x60
REG_CALIB00 = 0x88
REG_CHIP_ID = 0xD0
REG_RESET = 0xE0
REG_CALIB26 = 0xE1
REG_CTRL_HUM = 0xF2
REG_STATUS = 0xF3
REG_CTRL_MEAS = 0xF4
REG_CONFIG = 0xF5
REG_PRESS_MSB = 0xF7
REG_TEMP_MSB = 0xFA
REG_HUM_MSB = 0xFD
RESET_WORD = 0xB6

MODE_SLEEP = 0
MODE_FORCED = 1
MODE_NORMAL = 3

#: Calibration trimming of a real BME280 (Bosch's BMP280 datasheet example for temperature and
#: pressure, humidity coefficients typical of production parts).
DEFAULT_CALIBRATION: dict[str, int] = {
    "T1": 27504,
    "T2": 26435,
    "T3": -1000,
    "P1": 36477,
    "P2": -10685,
    "P3": 3024,
    "P4": 2855,
    "P5": 140,
    "P6": -7,
    "P7": 15500,
    "P8": -14600,
    "P9": 6000,
    "H1": 75,
    "H2": 362,
    "H3": 0,
    "H4": 313,
    "H5": 50,
    "H6": 30,
}

#: ``osrs_x`` register code -> oversampling factor (codes above 5 also mean x16)
_OVERSAMPLING = {0: 0, 1: 1, 2: 2, 3: 4, 4: 8, 5: 16, 6: 16, 7: 16}
#: ``t_sb`` code -> standby time in ms between normal-mode measurements
_STANDBY_MS = {0: 0.5, 1: 62.5, 2: 125, 3: 250, 4: 500, 5: 1000, 6: 10, 7: 20}


# -- Bosch's floating-point compensation (BME280 datasheet section 8.1, as adafruit_bme280) ----


def compensate_t_fine(adc_t: float, cal: dict[str, int]) -> int:
    """``t_fine`` for a raw 20-bit temperature reading (temperature = t_fine / 5120 °C)."""
    var1 = (adc_t / 16384.0 - cal["T1"] / 1024.0) * cal["T2"]
    var2 = (adc_t / 131072.0 - cal["T1"] / 8192.0) ** 2 * cal["T3"]
    return int(var1 + var2)


def compensate_pressure(adc_p: float, t_fine: int, cal: dict[str, int]) -> float:
    """Pressure in hPa for a raw 20-bit reading, given ``t_fine``."""
    var1 = t_fine / 2.0 - 64000.0
    var2 = var1 * var1 * cal["P6"] / 32768.0
    var2 += var1 * cal["P5"] * 2.0
    var2 = var2 / 4.0 + cal["P4"] * 65536.0
    var3 = cal["P3"] * var1 * var1 / 524288.0
    var1 = (var3 + cal["P2"] * var1) / 524288.0
    var1 = (1.0 + var1 / 32768.0) * cal["P1"]
    if not var1:
        return 0.0
    pressure = 1048576.0 - adc_p
    pressure = ((pressure - var2 / 4096.0) * 6250.0) / var1
    var1 = cal["P9"] * pressure * pressure / 2147483648.0
    var2 = pressure * cal["P8"] / 32768.0
    pressure += (var1 + var2 + cal["P7"]) / 16.0
    return pressure / 100.0


def compensate_humidity(adc_h: float, t_fine: int, cal: dict[str, int]) -> float:
    """Relative humidity in % for a raw 16-bit reading, given ``t_fine`` (not clamped)."""
    var1 = t_fine - 76800.0
    var2 = cal["H4"] * 64.0 + (cal["H5"] / 16384.0) * var1
    var3 = adc_h - var2
    var4 = cal["H2"] / 65536.0
    var5 = 1.0 + (cal["H3"] / 67108864.0) * var1
    var6 = 1.0 + (cal["H6"] / 67108864.0) * var1 * var5
    var6 = var3 * var4 * (var5 * var6)
    return var6 * (1.0 - cal["H1"] * var6 / 524288.0)


def _invert(
    function: Callable[[int], float], target: float, top: int, step: int, increasing: bool
) -> int:
    """The multiple of ``step`` in ``[0, top]`` whose ``function`` value is nearest ``target``
    (``function`` is monotonic)."""
    lo, hi = 0, top // step
    while lo < hi:
        mid = (lo + hi) // 2
        value = function(mid * step)
        below = value < target if increasing else value > target
        if below:
            lo = mid + 1
        else:
            hi = mid
    candidates = [k for k in (lo - 1, lo) if 0 <= k <= top // step]
    best = min(candidates, key=lambda k: abs(function(k * step) - target))
    return best * step


def pack_calibration(cal: dict[str, int]) -> tuple[bytes, bytes]:
    """The calibration registers: 26 bytes at ``0x88..0xA1`` and 7 bytes at ``0xE1..0xE7``."""
    block1 = struct.pack(
        "<HhhHhhhhhhhh",
        cal["T1"],
        cal["T2"],
        cal["T3"],
        cal["P1"],
        cal["P2"],
        cal["P3"],
        cal["P4"],
        cal["P5"],
        cal["P6"],
        cal["P7"],
        cal["P8"],
        cal["P9"],
    ) + bytes([0x00, cal["H1"] & 0xFF])
    h4, h5 = cal["H4"] & 0xFFF, cal["H5"] & 0xFFF
    block2 = struct.pack("<hB", cal["H2"], cal["H3"] & 0xFF) + bytes(
        [h4 >> 4, (h4 & 0x0F) | ((h5 & 0x0F) << 4), h5 >> 4, cal["H6"] & 0xFF]
    )
    return block1, block2


class _BME280Model:
    """The register file and measurement logic shared by the I2C and SPI parts."""

    registers: bytearray

    def _setup(
        self,
        temperature: float,
        humidity: float,
        pressure: float,
        calibration: dict[str, int] | None,
    ) -> None:
        cal = dict(DEFAULT_CALIBRATION)
        if calibration:
            unknown = set(calibration) - set(cal)
            if unknown:
                raise ValueError(f"unknown BME280 calibration names: {sorted(unknown)}")
            cal.update(calibration)
        self.calibration = cal
        self._temperature = 0.0
        self._humidity = 0.0
        self._pressure = 0.0
        self.temperature = temperature
        self.humidity = humidity
        self.pressure = pressure
        #: how many results reached the data registers (in normal mode, counted as the
        #: program reads them)
        self.measurements = 0
        self._power_on_reset()

    # -- settable environment --------------------------------------------------------------

    @property
    def temperature(self) -> float:
        """The air temperature the sensor is in, in °C (-40 to 85)."""
        return self._temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        if not -40.0 <= value <= 85.0:
            raise ValueError(f"BME280 temperature must be -40 to 85 °C, not {value}")
        self._temperature = float(value)

    @property
    def humidity(self) -> float:
        """Relative humidity around the sensor, in % (0 to 100)."""
        return self._humidity

    @humidity.setter
    def humidity(self, value: float) -> None:
        if not 0.0 <= value <= 100.0:
            raise ValueError(f"BME280 humidity must be 0 to 100 %RH, not {value}")
        self._humidity = float(value)

    relative_humidity = humidity

    @property
    def pressure(self) -> float:
        """Air pressure at the sensor, in hPa (300 to 1100)."""
        return self._pressure

    @pressure.setter
    def pressure(self, value: float) -> None:
        if not 300.0 <= value <= 1100.0:
            raise ValueError(f"BME280 pressure must be 300 to 1100 hPa, not {value}")
        self._pressure = float(value)

    # -- chip state --------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """``"sleep"``, ``"forced"`` or ``"normal"``, from ``ctrl_meas``."""
        names = {0: "sleep", 1: "forced", 2: "forced", 3: "normal"}
        return names[self.registers[REG_CTRL_MEAS] & 3]

    def _power_on_reset(self) -> None:
        regs = self.registers
        regs[:] = bytes(len(regs))
        block1, block2 = pack_calibration(self.calibration)
        regs[REG_CALIB00 : REG_CALIB00 + len(block1)] = block1
        regs[REG_CALIB26 : REG_CALIB26 + len(block2)] = block2
        regs[REG_CHIP_ID] = CHIP_ID
        regs[REG_PRESS_MSB : REG_PRESS_MSB + 8] = bytes([0x80, 0, 0, 0x80, 0, 0, 0x80, 0])
        self._osrs_h = 0  # ctrl_hum takes effect at the next ctrl_meas write
        self._busy_until = 0.0
        self._pending: tuple[float, float, float] | None = None
        self._normal_since: float | None = None
        self._normal_cycle = -1

    def _measurement_time(self) -> float:
        """Typical time of one measurement in seconds (datasheet section 9.1)."""
        ctrl = self.registers[REG_CTRL_MEAS]
        osrs_t = _OVERSAMPLING[ctrl >> 5]
        osrs_p = _OVERSAMPLING[(ctrl >> 2) & 7]
        osrs_h = _OVERSAMPLING[self._osrs_h]
        ms = 1.0 + 2.0 * osrs_t
        ms += 2.0 * osrs_p + 0.5 if osrs_p else 0.0
        ms += 2.0 * osrs_h + 0.5 if osrs_h else 0.0
        return ms / 1000.0

    def _start_forced(self) -> None:
        self._pending = (self._temperature, self._humidity, self._pressure)
        self._busy_until = time.monotonic() + self._measurement_time()

    def _settle(self) -> None:
        """Bring the chip's state up to now: finish a forced measurement whose time is up, and
        keep normal mode's results current."""
        now = time.monotonic()
        if self._pending is not None and now >= self._busy_until:
            values, self._pending = self._pending, None
            self._store(*values)
            self.registers[REG_CTRL_MEAS] &= 0xFC  # back to sleep after a forced measurement
        if (self.registers[REG_CTRL_MEAS] & 3) == MODE_NORMAL and self._normal_since is not None:
            # normal mode: a measurement, then t_standby, then the next measurement...
            measure = self._measurement_time()
            period = measure + _STANDBY_MS[self.registers[REG_CONFIG] >> 5] / 1000.0
            elapsed = now - self._normal_since - measure
            cycle = int(elapsed // period) if elapsed >= 0 else -1
            if cycle > self._normal_cycle:
                self._normal_cycle = cycle
                self._store(self._temperature, self._humidity, self._pressure)

    def _resolution_step(self, osrs_code: int) -> int:
        """LSB step in the 20-bit result: 16-bit output at x1 ... 20-bit at x16 or with IIR."""
        if (self.registers[REG_CONFIG] >> 2) & 7:
            return 1
        bits = 15 + min(max(osrs_code, 1), 5)
        return 1 << (20 - bits)

    def raw_values(
        self, temperature: float, humidity: float, pressure: float
    ) -> tuple[int, int, int]:
        """The raw ``(adc_T, adc_P, adc_H)`` the chip reports for these conditions with its
        current oversampling settings (20-bit, 20-bit, 16-bit)."""
        cal = self.calibration
        ctrl = self.registers[REG_CTRL_MEAS]
        t_step = self._resolution_step(ctrl >> 5)
        adc_t = _invert(
            lambda adc: compensate_t_fine(adc, cal) / 5120.0, temperature, 0xFFFFF, t_step, True
        )
        t_fine = compensate_t_fine(adc_t, cal)
        p_step = self._resolution_step((ctrl >> 2) & 7)
        adc_p = _invert(
            lambda adc: compensate_pressure(adc, t_fine, cal), pressure, 0xFFFFF, p_step, False
        )
        adc_h = _invert(
            lambda adc: compensate_humidity(adc, t_fine, cal), humidity, 0xFFFF, 1, True
        )
        return adc_t, adc_p, adc_h

    def _store(self, temperature: float, humidity: float, pressure: float) -> None:
        adc_t, adc_p, adc_h = self.raw_values(temperature, humidity, pressure)
        ctrl = self.registers[REG_CTRL_MEAS]
        if not ctrl >> 5:
            adc_t = 0x80000
        if not (ctrl >> 2) & 7 or not ctrl >> 5:
            adc_p = 0x80000  # pressure needs a temperature measurement too
        if not self._osrs_h or not ctrl >> 5:
            adc_h = 0x8000
        regs = self.registers
        regs[REG_PRESS_MSB : REG_PRESS_MSB + 3] = (adc_p << 4).to_bytes(3, "big")
        regs[REG_TEMP_MSB : REG_TEMP_MSB + 3] = (adc_t << 4).to_bytes(3, "big")
        regs[REG_HUM_MSB : REG_HUM_MSB + 2] = adc_h.to_bytes(2, "big")
        self.measurements += 1

    # -- register access -------------------------------------------------------------------

    def read_register(self, register: int) -> int:
        self._settle()
        if register == REG_STATUS:
            return 0x08 if self._pending is not None else 0x00
        if register == REG_RESET:
            return 0x00
        return self.registers[register]

    def write_register(self, register: int, value: int) -> None:
        self._settle()
        if register == REG_RESET:
            if value == RESET_WORD:
                self._power_on_reset()
            return
        if register == REG_CTRL_HUM:
            self.registers[register] = value & 0x07
        elif register == REG_CONFIG:
            if (self.registers[REG_CTRL_MEAS] & 3) != MODE_NORMAL:  # ignored in normal mode
                self.registers[register] = value & 0xFD
        elif register == REG_CTRL_MEAS:
            self.registers[register] = value
            self._osrs_h = self.registers[REG_CTRL_HUM] & 0x07
            mode = value & 3
            if mode in (1, 2):
                self._start_forced()
            self._normal_since = time.monotonic() if mode == MODE_NORMAL else None
            self._normal_cycle = -1
        # every other register (ids, calibration, results) is read-only


class BME280(_BME280Model, RegisterI2CPart):
    """Temperature, humidity and pressure sensor on I2C (``address`` 0x77, or 0x76).

    0x77 is SDO high, the default on Adafruit boards. Set the conditions it measures:
    ``temperature`` (°C), ``humidity`` (%RH), ``pressure`` (hPa); e.g.
    ``sim.part("BME280").temperature = 30.0``. ``calibration`` overrides some of the factory
    trimming coefficients (names ``"T1"``... ``"H6"``). ``mode`` and ``measurements`` show what
    the program asked the chip to do.
    """

    kind = "BME280"

    def __init__(
        self,
        *,
        name: str | None = None,
        address: int = 0x77,
        temperature: float = 22.0,
        humidity: float = 45.0,
        pressure: float = 1013.25,
        calibration: dict[str, int] | None = None,
    ) -> None:
        if address not in (0x76, 0x77):
            raise ValueError(f"a BME280's I2C address is 0x76 or 0x77, not {address:#x}")
        super().__init__(address, size=256, name=name)
        self._setup(temperature, humidity, pressure, calibration)

    def i2c_write(self, byte: int) -> bool:
        # Writes are (register, value) pairs: no auto-increment on write (datasheet 6.2.1).
        if self._expect_pointer:
            self._expect_pointer = False
            self.select(byte)
        else:
            self.write_register(self.pointer, byte)
            self._expect_pointer = True
        return True


class BME280SPI(_BME280Model, SPIPart):
    """Temperature, humidity and pressure sensor on SPI, selected by its ``cs`` pin.

    4-wire SPI, mode 0 or 3. Same settable values as :class:`BME280`. Register addresses go out
    with bit 7 set to read (auto-incrementing) and clear to write ``(register, value)`` pairs.
    """

    kind = "BME280"

    def __init__(
        self,
        *,
        name: str | None = None,
        temperature: float = 22.0,
        humidity: float = 45.0,
        pressure: float = 1013.25,
        calibration: dict[str, int] | None = None,
    ) -> None:
        super().__init__(name=name)
        self.registers = bytearray(256)
        self._pointer: int | None = None
        self._reading = False
        self._setup(temperature, humidity, pressure, calibration)

    def spi_select(self) -> None:
        self._pointer = None

    def spi_deselect(self) -> None:
        self._pointer = None

    def spi_transfer(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            if self._pointer is None:
                self._reading = bool(byte & 0x80)
                self._pointer = byte | 0x80  # bit 7 of the address is replaced by R/W
                out.append(0xFF)
            elif self._reading:
                out.append(self.read_register(self._pointer))
                self._pointer = 0x80 | ((self._pointer + 1) & 0x7F)
            else:
                self.write_register(self._pointer, byte)
                self._pointer = None
                out.append(0xFF)
        return bytes(out)
