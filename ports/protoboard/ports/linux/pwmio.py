"""``pwmio`` on the kernel's sysfs PWM (``/sys/class/pwm``): hardware PWM, 16-bit duty in the
API, nanoseconds in the kernel. A Pi needs a device-tree overlay to route PWM to its pins."""

from __future__ import annotations

from protoboard.hal import pwmio as hal
from protoboard.hal.errors import HardwareError, UnsupportedFrequency
from protoboard.ports.linux import sysfs
from protoboard.ports.linux.backend import LinuxBackend, access_error, on_host

NS = 1_000_000_000


class PWMOut(hal.PWMOut):
    capabilities = hal.PWMCapabilities(min_frequency=1, max_frequency=NS // 2)

    @on_host
    def __init__(
        self,
        backend: LinuxBackend,
        pin: str,
        duty_cycle: int,
        frequency: int,
        variable_frequency: bool,
    ) -> None:
        super().__init__(backend, pin, duty_cycle, frequency, variable_frequency)
        chip, channel = backend.pwm_channel(pin)
        if not chip.is_dir():
            raise access_error("pwm", str(chip), FileNotFoundError(2, "missing"))
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
