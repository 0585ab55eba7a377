"""``digitalio`` on a kernel GPIO line (libgpiod v2): pulls as bias, open drain as drive."""

from __future__ import annotations

import fcntl

from protoboard.hal import digitalio as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.linux import gpio
from protoboard.ports.linux.backend import LinuxBackend

_ioctl = fcntl.ioctl


class DigitalInOut(hal.DigitalInOut):
    def __new__(cls, backend: LinuxBackend, pin: str) -> DigitalInOut:
        # The NeoPixel pin while SPI drives it: a handle for neopixel_write, not a GPIO line
        if cls is DigitalInOut and backend.held_for_neopixels(pin):
            return super().__new__(NeoPixelPin)
        return super().__new__(cls)

    def __init__(self, backend: LinuxBackend, pin: str) -> None:
        super().__init__(backend, pin)
        self._req, (self._offset,) = gpio.request(backend, {pin: gpio.input_settings(None)})
        self._fd = self._req.fd
        # The two possible writes, packed once: a write is then a single ioctl.
        self._on = gpio.VALUES.pack(1, 1)
        self._off = gpio.VALUES.pack(0, 1)
        self._values = gpio.LineValues(self._fd, 1)
        self._drive = False
        self._drive_mode = hal.DriveMode.PUSH_PULL

    def switch_to_input(self, pull: hal.Pull | None) -> None:
        gpio.reconfigure(self._req, self._offset, gpio.input_settings(pull))

    def switch_to_output(self, value: bool, drive_mode: hal.DriveMode) -> None:
        gpio.reconfigure(self._req, self._offset, gpio.output_settings(value, drive_mode))
        self._drive = value
        self._drive_mode = drive_mode

    def set_value(self, value: bool) -> None:
        self._drive = value
        _ioctl(self._fd, gpio.SET_VALUES, self._on if value else self._off)

    def get_value(self) -> bool:
        return bool(self._values.get_all())

    def set_pull(self, pull: hal.Pull | None) -> None:
        self.switch_to_input(pull)

    def set_drive_mode(self, drive_mode: hal.DriveMode) -> None:
        self.switch_to_output(self._drive, drive_mode)

    def deinit(self) -> None:
        self._req.release()


class NeoPixelPin(DigitalInOut):
    """``DigitalInOut`` on the board's NeoPixel pin (SPI0's MOSI) while the kernel's SPI driver
    owns it. The line is not taken (that would switch it away from SPI until a reboot): the
    object only names the pin for ``neopixel_write``, which is how Adafruit's ``neopixel``
    library uses it (make it an output, then write). Anything that needs the GPIO line says
    why it cannot have it."""

    def __init__(self, backend: LinuxBackend, pin: str) -> None:
        hal.DigitalInOut.__init__(self, backend, pin)
        self._name = backend.pin_name(pin)

    def _not_a_gpio(self) -> HardwareError:
        return HardwareError(
            f"{self._name} is SPI's MOSI while SPI is enabled, so it can only send NeoPixel data "
            "(neopixel_write); to use it as a GPIO, disable SPI (sudo raspi-config nonint "
            "do_spi 1, or remove dtparam=spi=on from config.txt) and reboot"
        )

    def switch_to_input(self, pull: hal.Pull | None) -> None:
        raise self._not_a_gpio()

    def switch_to_output(self, value: bool, drive_mode: hal.DriveMode) -> None:
        pass  # the SPI controller drives it (and idles it low)

    def set_value(self, value: bool) -> None:
        raise self._not_a_gpio()

    def get_value(self) -> bool:
        raise self._not_a_gpio()

    def set_pull(self, pull: hal.Pull | None) -> None:
        raise self._not_a_gpio()

    def set_drive_mode(self, drive_mode: hal.DriveMode) -> None:
        raise self._not_a_gpio()

    def deinit(self) -> None:
        pass  # nothing taken
