"""``pwmio`` on Linux: the kernel's sysfs hardware PWM (``/sys/class/pwm``) on the pins the board
file maps to a PWM channel, else software PWM (:mod:`protoboard.ports.linux.softpwm`) on the GPIO
line. 16-bit duty in the API, nanoseconds in the kernel. A Pi needs a device-tree overlay to route
hardware PWM to its pins; without it those pins fall back to software PWM with a warning."""

from __future__ import annotations

import abc
import warnings
from pathlib import Path

import gpiod
from gpiod.line import Value

from protoboard.hal import pwmio as hal
from protoboard.hal.digitalio import DriveMode
from protoboard.hal.errors import HardwareError, InvalidPin, UnsupportedFrequency
from protoboard.ports.linux import gpio, softpwm, sysfs
from protoboard.ports.linux.backend import LinuxBackend, access_error, on_host

NS = 1_000_000_000
HARDWARE = hal.PWMCapabilities(min_frequency=1, max_frequency=NS // 2)
SOFTWARE = hal.PWMCapabilities(
    min_frequency=softpwm.MIN_FREQUENCY, max_frequency=softpwm.MAX_FREQUENCY
)


class PWMOut(hal.PWMOut):
    """A hardware channel where the board has one enabled, else a software one."""

    capabilities = HARDWARE

    def __init__(
        self,
        backend: LinuxBackend,
        pin: str,
        duty_cycle: int,
        frequency: int,
        variable_frequency: bool,
    ) -> None:
        super().__init__(backend, pin, duty_cycle, frequency, variable_frequency)
        self._out: _Output
        chip = _hardware_chip(backend, pin)
        if chip is not None:
            self._out = _Hardware(backend, pin, chip, duty_cycle, frequency)
        else:
            self.capabilities = SOFTWARE
            self._out = _Software(backend, pin, duty_cycle, frequency)

    @property
    def software(self) -> bool:
        return isinstance(self._out, _Software)

    def set_duty_cycle(self, duty_cycle: int) -> None:
        self._out.set_duty_cycle(duty_cycle)

    def get_duty_cycle(self) -> int:
        return self._out.get_duty_cycle()

    def set_frequency(self, frequency: int) -> None:
        self._out.set_frequency(frequency)

    def get_frequency(self) -> int:
        return self._out.get_frequency()

    def deinit(self) -> None:
        self._out.deinit()


@on_host
def _hardware_chip(backend: LinuxBackend, pin: str) -> tuple[Path, int] | None:
    """The sysfs PWM chip and channel of ``pin``, or None when it has none (or it is not
    enabled, which the warning says how to change)."""
    try:
        chip, channel = backend.pwm_channel(pin)
    except InvalidPin:
        return None
    if chip.is_dir():
        return chip, channel
    warnings.warn(
        f"{backend.pin_name(pin)} has hardware PWM once it is enabled ({chip} does not exist: "
        f"{_OVERLAY_HINT}); using software PWM, up to {softpwm.MAX_FREQUENCY} Hz",
        RuntimeWarning,
        stacklevel=1,
    )
    return None


_OVERLAY_HINT = "add dtoverlay=pwm-2chan to config.txt and reboot"


class _Output(abc.ABC):
    """One way of making the pulses (what PWMOut delegates to)."""

    @abc.abstractmethod
    def set_duty_cycle(self, duty_cycle: int) -> None: ...

    @abc.abstractmethod
    def get_duty_cycle(self) -> int: ...

    @abc.abstractmethod
    def set_frequency(self, frequency: int) -> None: ...

    @abc.abstractmethod
    def get_frequency(self) -> int: ...

    @abc.abstractmethod
    def deinit(self) -> None: ...


class _Software(_Output):
    """A thread switching the pin's GPIO line (claimed as an output, as DigitalInOut does)."""

    def __init__(self, backend: LinuxBackend, pin: str, duty_cycle: int, frequency: int) -> None:
        _check_software(frequency)
        self._req, (offset,) = gpio.request(
            backend, {pin: gpio.output_settings(False, DriveMode.PUSH_PULL)}
        )
        set_value = self._req.set_value

        def write(level: bool) -> None:
            set_value(offset, Value.ACTIVE if level else Value.INACTIVE)

        self._pwm = softpwm.SoftwarePWM(write, duty_cycle, frequency, backend.pin_name(pin))
        self._backend = backend
        backend.keep_running(self, self.deinit)

    def set_duty_cycle(self, duty_cycle: int) -> None:
        self._pwm.change(duty_cycle, self.get_frequency())

    def get_duty_cycle(self) -> int:
        return self._pwm.duty

    def set_frequency(self, frequency: int) -> None:
        _check_software(frequency)
        self._pwm.change(self._pwm.duty, frequency)

    def get_frequency(self) -> int:
        return round(NS / self._pwm.period_ns)

    def deinit(self) -> None:
        self._backend.stopped(self)
        if self._pwm.stop():
            req: gpiod.LineRequest = self._req
            req.release()


def _check_software(frequency: int) -> None:
    if not softpwm.MIN_FREQUENCY <= frequency <= softpwm.MAX_FREQUENCY:
        raise UnsupportedFrequency(frequency)


class _Hardware(_Output):
    """A sysfs PWM channel: exported, period and duty in nanoseconds, enabled."""

    @on_host
    def __init__(
        self,
        backend: LinuxBackend,
        pin: str,
        where: tuple[Path, int],
        duty_cycle: int,
        frequency: int,
    ) -> None:
        chip, channel = where
        self._channel = chip / f"pwm{channel}"
        self._chip = chip
        self._number = channel
        if not self._channel.is_dir():
            sysfs.write(chip / "export", channel)
        try:
            sysfs.wait_writable(self._channel / "period")
        except OSError as exc:
            raise access_error("pwm", str(self._channel / "period"), exc) from None
        self._period = 0
        self._duty_ns = 0
        self._duty = duty_cycle
        sysfs.write(self._channel / "enable", 0)
        self.set_frequency(frequency)
        sysfs.write(self._channel / "enable", 1)

    def set_duty_cycle(self, duty_cycle: int) -> None:
        self._duty = duty_cycle
        self._duty_ns = self._period * duty_cycle // 0xFFFF
        sysfs.write(self._channel / "duty_cycle", self._duty_ns)

    def get_duty_cycle(self) -> int:
        if self._period == 0:
            return 0
        return round(self._duty_ns * 0xFFFF / self._period)

    def set_frequency(self, frequency: int) -> None:
        period = round(NS / frequency)
        if period < 2:
            raise UnsupportedFrequency()
        duty_ns = period * self._duty // 0xFFFF
        # The kernel refuses a duty longer than the period: shrink before, grow after.
        if duty_ns < self._duty_ns or period < self._period:
            sysfs.write(self._channel / "duty_cycle", min(duty_ns, self._duty_ns))
        sysfs.write(self._channel / "period", period)
        sysfs.write(self._channel / "duty_cycle", duty_ns)
        self._period, self._duty_ns = period, duty_ns

    def get_frequency(self) -> int:
        if not self._period:
            raise HardwareError("the PWM channel has no period set")
        return round(NS / self._period)

    def deinit(self) -> None:
        sysfs.write(self._channel / "enable", 0)
        sysfs.write(self._chip / "unexport", self._number)
