"""ST LIS3DH three-axis accelerometer (I2C, or SPI with :class:`LIS3DHSPI`).

The model keeps the chip's register map: ``WHO_AM_I`` (``0x0F``) reads ``0x33``,
``CTRL_REG1..6`` (``0x20..0x25``), ``STATUS_REG`` (``0x27``), the outputs ``OUT_X_L..OUT_Z_H``
(``0x28..0x2D``), the auxiliary ADCs (``0x08..0x0D``, ``TEMP_CFG_REG`` ``0x1F``) and the click
(tap) engine (``CLICK_CFG`` ``0x38``, ``CLICK_SRC`` ``0x39``, ``CLICK_THS`` ``0x3A``,
``TIME_LIMIT``/``TIME_LATENCY``/``TIME_WINDOW`` ``0x3B..0x3D``). Over I2C, bit 7 of the register
address turns on auto-increment, as on the chip.

Outputs are 16-bit two's complement, left-justified, little-endian (big-endian with ``BLE``),
with the datasheet's sensitivities: in high-resolution mode (12 bits) 1, 2, 4 and 12 mg/digit at
±2, ±4, ±8 and ±16 g; normal mode has 10 bits and low-power mode 8 bits. Readings clip at full
scale. Note that ``adafruit_lis3dh`` divides by 16380 counts/g at ±2 g (it assumes
32760 counts for 2 g) where the chip gives 16000, so that driver reports 2.3 % less than the
set acceleration, as it does on real hardware.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from protoboard.ports.sim.parts.base import Part, RegisterI2CPart, SPIPart

#: m/s² per g (the conventional standard gravity)
STANDARD_GRAVITY = 9.80665

REG_STATUS_AUX = 0x07
REG_OUT_ADC1_L = 0x08
REG_WHO_AM_I = 0x0F
REG_CTRL0 = 0x1E
REG_TEMP_CFG = 0x1F
REG_CTRL1 = 0x20
REG_CTRL2 = 0x21
REG_CTRL3 = 0x22
REG_CTRL4 = 0x23
REG_CTRL5 = 0x24
REG_CTRL6 = 0x25
REG_STATUS = 0x27
REG_OUT_X_L = 0x28
REG_CLICK_CFG = 0x38
REG_CLICK_SRC = 0x39
REG_CLICK_THS = 0x3A

WHO_AM_I = 0x33

#: full scale code (CTRL_REG4 FS bits) -> (range in g, mg/digit in 12-bit high-res mode)
_SCALES = {0: (2, 1.0), 1: (4, 2.0), 2: (8, 4.0), 3: (16, 12.0)}
#: CTRL_REG1 ODR code -> sampling rate in Hz (0 = power-down)
_RATES = {0: 0, 1: 1, 2: 10, 3: 25, 4: 50, 5: 100, 6: 200, 7: 400, 8: 1600, 9: 1344}
_AXES = {"x": 0, "y": 1, "z": 2}
#: read-only registers
_READ_ONLY = frozenset(
    {
        REG_STATUS_AUX,
        *range(0x08, 0x10),
        REG_STATUS,
        *range(0x28, 0x2E),
        0x2F,
        0x31,
        0x35,
        REG_CLICK_SRC,
    }
)


class _LIS3DHModel(Part):
    """The register file, conversions and click engine shared by the I2C and SPI parts."""

    registers: bytearray

    def _setup(
        self, acceleration: Sequence[float], adc_mv: Sequence[float], temperature: float
    ) -> None:
        self._acceleration = (0.0, 0.0, 0.0)
        self.acceleration = acceleration
        self._adc_mv = (1200.0, 1200.0, 1200.0)
        self.adc_mv = adc_mv
        #: the chip's temperature in °C; ADC3 reports it relative to 25 °C when TEMP_EN is set
        self.temperature = float(temperature)
        #: taps the click engine registered
        self.clicks = 0
        self._int_levels: dict[str, bool | None] = {"int1": None, "int2": None}
        self._power_on_reset()

    def _power_on_reset(self) -> None:
        regs = self.registers
        regs[:] = bytes(len(regs))
        regs[REG_WHO_AM_I] = WHO_AM_I
        regs[REG_CTRL0] = 0x10
        regs[REG_CTRL1] = 0x07  # power-down, all axes enabled

    # -- settable environment --------------------------------------------------------------

    @property
    def acceleration(self) -> tuple[float, float, float]:
        """The acceleration the chip feels, ``(x, y, z)`` in m/s² (lying flat: z = +9.81)."""
        return self._acceleration

    @acceleration.setter
    def acceleration(self, value: Sequence[float]) -> None:
        x, y, z = (float(v) for v in value)
        self._acceleration = (x, y, z)

    @property
    def adc_mv(self) -> tuple[float, float, float]:
        """Voltages in mV on the three auxiliary ADC inputs (900-1800 mV range as
        ``adafruit_lis3dh`` maps it)."""
        return self._adc_mv

    @adc_mv.setter
    def adc_mv(self, value: Sequence[float]) -> None:
        a, b, c = (float(v) for v in value)
        self._adc_mv = (a, b, c)

    # -- derived chip state ------------------------------------------------------------------

    @property
    def range_g(self) -> int:
        """The full scale the program selected: 2, 4, 8 or 16 (g)."""
        return _SCALES[(self.registers[REG_CTRL4] >> 4) & 3][0]

    @property
    def data_rate(self) -> int:
        """The output data rate in Hz (0 in power-down)."""
        return _RATES.get(self.registers[REG_CTRL1] >> 4, 0)

    @property
    def resolution(self) -> int:
        """Output bits: 8 (low-power), 10 (normal) or 12 (high-resolution)."""
        if self.registers[REG_CTRL1] & 0x08:
            return 8
        return 12 if self.registers[REG_CTRL4] & 0x08 else 10

    def raw_acceleration(self) -> tuple[int, int, int]:
        """The signed 16-bit (left-justified) outputs for the current acceleration."""
        bits = self.resolution
        _, sensitivity = _SCALES[(self.registers[REG_CTRL4] >> 4) & 3]
        mg_per_digit = sensitivity * (1 << (12 - bits))
        top = (1 << (bits - 1)) - 1
        values = []
        for axis, value in enumerate(self._acceleration):
            if not self.registers[REG_CTRL1] & (1 << axis):
                values.append(0)
                continue
            counts = round(value / STANDARD_GRAVITY * 1000.0 / mg_per_digit)
            counts = max(-top - 1, min(top, counts))
            values.append(counts << (16 - bits))
        return values[0], values[1], values[2]

    def _sample(self) -> None:
        """Latch a new output sample (at the start of each read, while the chip is running)."""
        regs = self.registers
        big_endian = bool(regs[REG_CTRL4] & 0x40)
        order: Literal["big", "little"] = "big" if big_endian else "little"
        if self.data_rate:
            for i, value in enumerate(self.raw_acceleration()):
                regs[REG_OUT_X_L + 2 * i : REG_OUT_X_L + 2 * i + 2] = (value & 0xFFFF).to_bytes(
                    2, order
                )
            regs[REG_STATUS] = 0x0F
        if regs[REG_TEMP_CFG] & 0x80:
            bits = 8 if self.resolution == 8 else 10
            for i, mv in enumerate(self._adc_mv):
                raw = round(-32512 + (1800.0 - mv) * 65024 / 900)
                if i == 2 and regs[REG_TEMP_CFG] & 0x40:
                    raw = round(self.temperature - 25.0) << 8
                    raw = max(-32768, min(32767, raw))
                else:
                    step = 1 << (16 - bits)
                    raw = max(-32768, min(32767 - step + 1, raw // step * step))
                regs[REG_OUT_ADC1_L + 2 * i : REG_OUT_ADC1_L + 2 * i + 2] = (raw & 0xFFFF).to_bytes(
                    2, order
                )
            regs[REG_STATUS_AUX] = 0x0F
        else:
            regs[REG_OUT_ADC1_L : REG_OUT_ADC1_L + 6] = bytes(6)
            regs[REG_STATUS_AUX] = 0x00

    # -- the click (tap) engine ---------------------------------------------------------------

    def tap(
        self,
        double: bool = False,
        *,
        axis: str = "z",
        negative: bool = False,
        strength: float | None = None,
    ) -> bool:
        """A single (or ``double``) tap along ``axis``. ``strength`` is the peak acceleration
        in m/s² (None: a firm tap, above any threshold). If the click engine is enabled for
        this kind of tap (``CLICK_CFG``), the chip is running and the tap is above
        ``CLICK_THS``, ``CLICK_SRC`` latches it (and INT1/INT2 go active when routed); returns
        whether the chip registered it."""
        if axis not in _AXES:
            raise ValueError(f"axis must be 'x', 'y' or 'z', not {axis!r}")
        index = _AXES[axis]
        regs = self.registers
        enable_bit = 1 << (2 * index + (1 if double else 0))
        if not self.data_rate or not regs[REG_CLICK_CFG] & enable_bit:
            return False
        if strength is not None:
            full_scale = self.range_g * STANDARD_GRAVITY
            threshold = (regs[REG_CLICK_THS] & 0x7F) * full_scale / 128
            if abs(strength) <= threshold:
                return False
        source = 0x40 | (0x20 if double else 0x10) | (1 << index) | (0x08 if negative else 0)
        regs[REG_CLICK_SRC] = source
        self.clicks += 1
        self._update_interrupts()
        return True

    def _update_interrupts(self) -> None:
        if self.sim is None:
            return
        regs = self.registers
        active = bool(regs[REG_CLICK_SRC] & 0x40)
        active_low = bool(regs[REG_CTRL6] & 0x02)
        routes = {"int1": bool(regs[REG_CTRL3] & 0x80), "int2": bool(regs[REG_CTRL6] & 0x80)}
        for role, routed in routes.items():
            if role not in self.connections:
                continue
            level = (active and routed) != active_low
            if self._int_levels.get(role) != level:
                self._int_levels[role] = level
                self.pin(role).set_external(level)

    def on_attach(self) -> None:
        super().on_attach()
        self._int_levels = {"int1": None, "int2": None}
        self._update_interrupts()

    def on_detach(self) -> None:
        for role in ("int1", "int2"):
            if role in self.connections:
                self.pin(role).set_external(None)
        super().on_detach()

    # -- register access ---------------------------------------------------------------------

    def read_register(self, register: int) -> int:
        value = self.registers[register]
        if register == REG_CLICK_SRC and value & 0x40:
            self.registers[REG_CLICK_SRC] = value & ~0x40 & 0xFF  # reading clears the event
            self._update_interrupts()
        return value

    def write_register(self, register: int, value: int) -> None:
        if register in _READ_ONLY or register > 0x3F or register < 0x07:
            return
        if register == REG_CTRL5 and value & 0x80:
            # BOOT reloads the trimming values; the bit clears itself when done
            value &= 0x7F
        self.registers[register] = value
        if register in (REG_CTRL3, REG_CTRL6, REG_CLICK_CFG):
            self._update_interrupts()


class LIS3DH(_LIS3DHModel, RegisterI2CPart):
    """Three-axis accelerometer with tap detection on I2C (``address`` 0x18, or 0x19).

    0x18 is the default on Adafruit boards (0x19 with SDO high). Set ``acceleration`` as
    ``(x, y, z)`` in m/s², e.g. ``sim.part("LIS3DH").acceleration = (0, 0, 9.81)``; call
    :meth:`tap` to knock on it. Optional ``int1``/``int2`` connections carry the interrupt
    outputs (push-pull, active high unless ``CTRL_REG6`` says otherwise). ``adc_mv`` and
    ``temperature`` feed the auxiliary ADCs.
    """

    kind = "LIS3DH"
    optional_roles = ("int1", "int2")

    def __init__(
        self,
        *,
        name: str | None = None,
        address: int = 0x18,
        acceleration: Sequence[float] = (0.0, 0.0, STANDARD_GRAVITY),
        adc_mv: Sequence[float] = (1200.0, 1200.0, 1200.0),
        temperature: float = 25.0,
    ) -> None:
        if address not in (0x18, 0x19):
            raise ValueError(f"a LIS3DH's I2C address is 0x18 or 0x19, not {address:#x}")
        super().__init__(address, size=0x80, name=name)
        self._setup(acceleration, adc_mv, temperature)

    def select(self, byte: int) -> None:
        # The register address is 7 bits; bit 7 asks for auto-increment.
        self.pointer = byte & 0x7F
        self.auto_increment = bool(byte & 0x80)

    def i2c_start(self, read: bool) -> bool:
        if read:
            self._sample()
        return super().i2c_start(read)


class LIS3DHSPI(_LIS3DHModel, SPIPart):
    """Three-axis accelerometer with tap detection on SPI, selected by its ``cs`` pin.

    The first byte of a transfer is ``R/W`` (bit 7), ``M/S`` (bit 6, auto-increment) and the
    6-bit address. Same settable values as :class:`LIS3DH`."""

    kind = "LIS3DH"
    optional_roles = ("mosi", "miso", "int1", "int2")

    def __init__(
        self,
        *,
        name: str | None = None,
        acceleration: Sequence[float] = (0.0, 0.0, STANDARD_GRAVITY),
        adc_mv: Sequence[float] = (1200.0, 1200.0, 1200.0),
        temperature: float = 25.0,
    ) -> None:
        super().__init__(name=name)
        self.registers = bytearray(0x80)
        self._address: int | None = None
        self._reading = False
        self._increment = False
        self._setup(acceleration, adc_mv, temperature)

    def spi_select(self) -> None:
        self._address = None

    def spi_deselect(self) -> None:
        self._address = None

    def spi_transfer(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            if self._address is None:
                self._reading = bool(byte & 0x80)
                self._increment = bool(byte & 0x40)
                self._address = byte & 0x3F
                if self._reading:
                    self._sample()
                out.append(0xFF)
                continue
            if self._reading:
                out.append(self.read_register(self._address))
            else:
                self.write_register(self._address, byte)
                out.append(0xFF)
            if self._increment:
                self._address = (self._address + 1) & 0x3F
        return bytes(out)
