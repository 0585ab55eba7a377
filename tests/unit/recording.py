"""A port whose implementations record every call: the bindings' unit tests check what reaches
the port (validated, normalised arguments) and how port errors come back to the program.

``backend.log`` lists ``(contract, method, args)``; ``backend.fail[("busio.I2C", "write")] =
BusError(...)`` makes that call raise.
"""

from __future__ import annotations

from typing import Any

from protoboard.boards import BoardDef, BusPins
from protoboard.hal import (
    analogio,
    busio,
    countio,
    digitalio,
    microcontroller,
    neopixel_write,
    pwmio,
    rotaryio,
)
from protoboard.hal import backend as hal_backend
from protoboard.registry import Port


class Backend(hal_backend.Backend):
    def __init__(self, board: BoardDef) -> None:
        super().__init__(board)
        self.log: list[tuple[str, str, tuple[Any, ...]]] = []
        self.fail: dict[tuple[str, str], Exception] = {}
        self.reads: dict[str, Any] = {}
        self.cpu_count = 2

    def calls(self, contract: str, method: str | None = None) -> list[tuple[Any, ...]]:
        return [args for c, m, args in self.log if c == contract and (method in (None, m))]


class Recording:
    contract = ""
    backend: Any

    def _record(self, method: str, *args: Any) -> Any:
        backend: Backend = self.backend
        backend.log.append((self.contract, method, args))
        error = backend.fail.get((self.contract, method))
        if error is not None:
            raise error
        return backend.reads.get(f"{self.contract}.{method}")

    def deinit(self) -> None:
        self._record("deinit")


class DigitalInOut(Recording, digitalio.DigitalInOut):
    contract = "digitalio.DigitalInOut"

    def __init__(self, backend: Backend, pin: str) -> None:
        super().__init__(backend, pin)
        self._value = False
        self._record("__init__", pin)

    def switch_to_input(self, pull: digitalio.Pull | None) -> None:
        self._record("switch_to_input", pull)

    def switch_to_output(self, value: bool, drive_mode: digitalio.DriveMode) -> None:
        self._value = value
        self._record("switch_to_output", value, drive_mode)

    def set_value(self, value: bool) -> None:
        self._value = value
        self._record("set_value", value)

    def get_value(self) -> bool:
        self._record("get_value")
        return self._value

    def set_pull(self, pull: digitalio.Pull | None) -> None:
        self._record("set_pull", pull)

    def set_drive_mode(self, drive_mode: digitalio.DriveMode) -> None:
        self._record("set_drive_mode", drive_mode)


class I2C(Recording, busio.I2C):
    contract = "busio.I2C"

    def __init__(self, backend: Backend, scl: str, sda: str, frequency: int, timeout: int):
        super().__init__(backend, scl, sda, frequency, timeout)
        self._record("__init__", scl, sda, frequency, timeout)

    def probe(self, address: int) -> bool:
        return bool(self._record("probe", address))

    def write(self, address: int, data: bytes, *, stop: bool = True) -> None:
        self._record("write", address, data, stop)

    def read_into(self, address: int, buffer: memoryview) -> None:
        self._record("read_into", address, len(buffer))
        buffer[:] = bytes(range(1, len(buffer) + 1))


class SPI(Recording, busio.SPI):
    contract = "busio.SPI"

    def __init__(
        self, backend: Backend, clock: str, mosi: str | None, miso: str | None, half_duplex: bool
    ) -> None:
        super().__init__(backend, clock, mosi, miso, half_duplex)
        self._record("__init__", clock, mosi, miso, half_duplex)

    def configure(self, baudrate: int, polarity: int, phase: int, bits: int) -> int:
        self._record("configure", baudrate, polarity, phase, bits)
        return min(baudrate, 1_000_000)

    def write(self, data: bytes) -> None:
        self._record("write", data)

    def read_into(self, buffer: memoryview, write_value: int) -> None:
        self._record("read_into", len(buffer), write_value)
        buffer[:] = bytes(len(buffer))

    def transfer(self, data: bytes, buffer: memoryview) -> None:
        self._record("transfer", data)
        buffer[:] = data[::-1]


class UART(Recording, busio.UART):
    contract = "busio.UART"

    def __init__(self, backend: Backend, tx: str | None, rx: str | None, **settings: Any):
        super().__init__(backend, tx, rx, **settings)
        self._record("__init__", tx, rx, settings)

    def write(self, data: bytes) -> int:
        self._record("write", data)
        return len(data)

    def read(self, nbytes: int | None, timeout: float) -> bytes:
        return self._record("read", nbytes, timeout) or b""

    def readline(self, timeout: float) -> bytes:
        return self._record("readline", timeout) or b""

    def in_waiting(self) -> int:
        return self._record("in_waiting") or 0

    def reset_input_buffer(self) -> None:
        self._record("reset_input_buffer")

    def set_baudrate(self, baudrate: int) -> None:
        self._record("set_baudrate", baudrate)


class AnalogIn(Recording, analogio.AnalogIn):
    contract = "analogio.AnalogIn"

    def __init__(self, backend: Backend, pin: str) -> None:
        super().__init__(backend, pin)
        self._record("__init__", pin)

    def read(self) -> int:
        return self._record("read") or 0

    @property
    def reference_voltage(self) -> float | None:
        return self.backend.reads.get("analogio.AnalogIn.reference_voltage", 3.3)


class AnalogOut(Recording, analogio.AnalogOut):
    contract = "analogio.AnalogOut"

    def __init__(self, backend: Backend, pin: str) -> None:
        super().__init__(backend, pin)
        self._record("__init__", pin)

    def write(self, value: int) -> None:
        self._record("write", value)


class PWMOut(Recording, pwmio.PWMOut):
    contract = "pwmio.PWMOut"

    def __init__(
        self, backend: Backend, pin: str, duty_cycle: int, frequency: int, variable_frequency: bool
    ) -> None:
        super().__init__(backend, pin, duty_cycle, frequency, variable_frequency)
        self._duty, self._frequency = duty_cycle, frequency
        self._record("__init__", pin, duty_cycle, frequency, variable_frequency)

    def set_duty_cycle(self, duty_cycle: int) -> None:
        self._duty = duty_cycle
        self._record("set_duty_cycle", duty_cycle)

    def get_duty_cycle(self) -> int:
        return self._duty

    def set_frequency(self, frequency: int) -> None:
        self._frequency = frequency
        self._record("set_frequency", frequency)

    def get_frequency(self) -> int:
        return self._frequency


class NeoPixelWriter(Recording, neopixel_write.NeoPixelWriter):
    contract = "neopixel_write.NeoPixelWriter"

    def write(self, pin: str, data: bytes) -> None:
        self._record("write", pin, data)


class Processor(Recording, microcontroller.Processor):
    contract = "microcontroller.Processor"
    frequency = 48_000_000
    temperature = None
    voltage = 3.3
    uid = b"\x01\x02"


class NVM(Recording, microcontroller.NVM):
    contract = "microcontroller.NVM"

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.data = bytearray(16)

    @property
    def size(self) -> int:
        return len(self.data)

    def read(self, start: int, end: int) -> bytes:
        return bytes(self.data[start:end])

    def write(self, start: int, data: bytes) -> None:
        self._record("write", start, data)
        self.data[start : start + len(data)] = data


class Counter(Recording, countio.Counter):
    contract = "countio.Counter"

    def read(self) -> int:
        return self._record("read") or 0


class IncrementalEncoder(Recording, rotaryio.IncrementalEncoder):
    contract = "rotaryio.IncrementalEncoder"

    def read_quarter_steps(self) -> int:
        return self._record("read_quarter_steps") or 0


BOARD = BoardDef(
    board_id="recording_board",
    name="Recording board",
    mcu="REC",
    pins={f"P{i}": (f"D{i}",) for i in range(10)}
    | {"P20": ("A0", "DAC"), "P21": ("SCL",), "P22": ("SDA",)},
    modules=frozenset(
        {
            "board",
            "microcontroller",
            "nvm",
            "digitalio",
            "busio",
            "analogio",
            "pwmio",
            "neopixel_write",
            "micropython",
        }
    ),
    buses={"i2c": BusPins({"scl": "SCL", "sda": "SDA"})},
    nvm_size=16,
)

PORT = Port(
    name="recording",
    description="records every call (unit tests)",
    priority=-1,
    implementations={
        digitalio.DigitalInOut: DigitalInOut,
        busio.I2C: I2C,
        busio.SPI: SPI,
        busio.UART: UART,
        analogio.AnalogIn: AnalogIn,
        analogio.AnalogOut: AnalogOut,
        pwmio.PWMOut: PWMOut,
        neopixel_write.NeoPixelWriter: NeoPixelWriter,
        microcontroller.Processor: Processor,
        microcontroller.NVM: NVM,
        countio.Counter: Counter,
        rotaryio.IncrementalEncoder: IncrementalEncoder,
    },
    backend=Backend,
    boards_package="protoboard.ports.sim",
    default_board="recording_board",
)
