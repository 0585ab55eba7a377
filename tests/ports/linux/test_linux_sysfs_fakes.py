"""The Linux port's PWM, ADC/DAC, SPI and microcontroller parts, against fakes at the kernel's
boundary (a sysfs tree in a temporary folder, a spidev model): no VM has a PWM provider, an IIO
device or an SPI controller. The GPIO, I2C and UART parts run on a real kernel in tests/vm."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

pytest.importorskip("gpiod", reason="the 'linux' extra is not installed")

from protoboard import machine, testing


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROTOBOARD_LINUX_ROOT", str(tmp_path))
    monkeypatch.setenv("PROTOBOARD_NVM_FILE", str(tmp_path / "nvm.bin"))
    return tmp_path


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def on_board(board: str = "linux_gpio_sim"):  # type: ignore[no-untyped-def]
    return testing.activated(machine.create("linux", board))


# -- PWM: /sys/class/pwm --------------------------------------------------------------------


def pwm_chip(root: Path) -> Path:
    chip = root / "sys/class/pwm/pwmchip0"
    for name, value in {"export": "", "unexport": "", "npwm": "2"}.items():
        write(chip / name, value)
    for name in ("period", "duty_cycle", "enable"):
        write(chip / "pwm0" / name, "0")  # as the kernel shows a channel once exported
    return chip


def test_pwm_writes_nanoseconds_and_reads_16_bit_duty(root: Path) -> None:
    chip = pwm_chip(root)
    with on_board():
        import board
        import pwmio

        pwm = pwmio.PWMOut(board.D12, frequency=1000, duty_cycle=0x8000, variable_frequency=True)
        assert (chip / "pwm0/period").read_text() == "1000000"
        assert (chip / "pwm0/duty_cycle").read_text() == str(1_000_000 * 0x8000 // 0xFFFF)
        assert (chip / "pwm0/enable").read_text() == "1"
        assert pwm.frequency == 1000 and pwm.duty_cycle == 0x8000
        pwm.duty_cycle = 0xFFFF
        assert (chip / "pwm0/duty_cycle").read_text() == "1000000"
        pwm.frequency = 50  # a servo's 20 ms period, keeping the duty fraction
        assert (chip / "pwm0/period").read_text() == "20000000"
        assert (chip / "pwm0/duty_cycle").read_text() == "20000000"
        pwm.deinit()
        assert (chip / "pwm0/enable").read_text() == "0"
        assert (chip / "unexport").read_text() == "0"


def test_pwm_frequency_change_needs_variable_frequency(root: Path) -> None:
    pwm_chip(root)
    with on_board():
        import board
        import pwmio

        pwm = pwmio.PWMOut(board.D12, frequency=1000)
        with pytest.raises(AttributeError):
            pwm.frequency = 2000
        pwm.deinit()


# A pin with no hardware channel, or whose overlay is not loaded, gets software PWM:
# tests/ports/linux/test_linux_softpwm.py


# -- ADC and DAC: IIO -------------------------------------------------------------------------


def iio_device(root: Path, raw: int) -> Path:
    device = root / "sys/bus/iio/devices/iio:device0"
    write(device / "in_voltage0_raw", f"{raw}\n")
    write(device / "in_voltage_scale", "0.805664062\n")  # mV per count: 3.3 V over 12 bits
    write(device / "out_voltage0_raw", "0\n")
    return device


def test_analogin_scales_the_channel_to_16_bits(root: Path) -> None:
    device = iio_device(root, 4095)
    with on_board():
        import analogio
        import board

        adc = analogio.AnalogIn(board.A0)
        assert adc.value == 65535
        write(device / "in_voltage0_raw", "2048\n")
        assert adc.value == 2048 * 65535 // 4095
        write(device / "in_voltage0_raw", "0\n")
        assert adc.value == 0
        assert adc.reference_voltage == pytest.approx(3.299, abs=0.001)
        adc.deinit()


def test_analogout_writes_the_dac_raw_count(root: Path) -> None:
    device = iio_device(root, 0)
    with on_board():
        import analogio
        import board

        dac = analogio.AnalogOut(board.A1)
        dac.value = 65535
        assert (device / "out_voltage0_raw").read_text() == "4095"
        dac.value = 32768
        assert (device / "out_voltage0_raw").read_text() == str(32768 * 4095 // 65535)


@pytest.mark.hostile
def test_analogin_without_the_adc_driver_says_so(root: Path) -> None:
    with on_board():
        import analogio
        import board

        with pytest.raises(RuntimeError, match="IIO device .* driver loaded"):
            analogio.AnalogIn(board.A0)


# -- SPI: spidev ------------------------------------------------------------------------------


class SpiDevModel:
    """A spidev device with MOSI wired to MISO (loopback); records the settings it is given."""

    instances: list[SpiDevModel] = []
    refuse: type[OSError] | None = None

    def __init__(self) -> None:
        self.path = ""
        self.mode = 0
        self.max_speed_hz = 0
        self.bits_per_word = 8
        self.no_cs = False
        self.sent: list[bytes] = []
        self.closed = False
        SpiDevModel.instances.append(self)

    def open_path(self, path: str) -> None:
        if SpiDevModel.refuse:
            raise SpiDevModel.refuse(13, "Permission denied")
        self.path = path

    def xfer3(self, data: bytes) -> tuple[int, ...]:
        self.sent.append(bytes(data))
        return tuple(data)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def spidev(monkeypatch: pytest.MonkeyPatch) -> type[SpiDevModel]:
    SpiDevModel.instances = []
    SpiDevModel.refuse = None
    monkeypatch.setitem(sys.modules, "spidev", types.SimpleNamespace(SpiDev=SpiDevModel))
    return SpiDevModel


def test_spi_maps_configure_to_spidev(root: Path, spidev: type[SpiDevModel]) -> None:
    with on_board():
        import board
        import busio

        spi = busio.SPI(board.SCK, MOSI=board.MOSI, MISO=board.MISO)
        device = spidev.instances[0]
        assert device.path == str(root / "dev/spidev0.0") and device.no_cs
        assert spi.try_lock()
        spi.configure(baudrate=2_000_000, polarity=1, phase=0, bits=8)
        assert (device.mode, device.max_speed_hz, device.bits_per_word) == (2, 2_000_000, 8)
        received = bytearray(3)
        spi.write_readinto(b"\x01\x02\x03", received)
        assert received == b"\x01\x02\x03"
        spi.readinto(received, write_value=0xA5)
        assert device.sent[-1] == b"\xa5\xa5\xa5"
        spi.unlock()
        spi.deinit()
        assert device.closed


@pytest.mark.hostile
def test_spi_permission_error_names_the_group(root: Path, spidev: type[SpiDevModel]) -> None:
    spidev.refuse = PermissionError
    with on_board():
        import board
        import busio

        with pytest.raises(RuntimeError, match="'spi' group.*usermod -aG spi"):
            busio.SPI(board.SCK, MOSI=board.MOSI)


# -- microcontroller --------------------------------------------------------------------------


def test_cpu_facts_come_from_sysfs_and_the_device_tree(root: Path) -> None:
    write(root / "sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1500000\n")
    write(root / "sys/class/thermal/thermal_zone0/type", "gpu-thermal\n")
    write(root / "sys/class/thermal/thermal_zone0/temp", "60000\n")
    write(root / "sys/class/thermal/thermal_zone1/type", "cpu-thermal\n")
    write(root / "sys/class/thermal/thermal_zone1/temp", "48312\n")
    write(root / "proc/device-tree/serial-number", "10000000abcdef01\0")
    with on_board():
        import microcontroller

        assert microcontroller.cpu.frequency == 1_500_000_000
        assert microcontroller.cpu.temperature == pytest.approx(48.312)
        assert microcontroller.cpu.uid == bytes.fromhex("10000000abcdef01")


def test_nvm_survives_a_new_machine(root: Path) -> None:
    with on_board():
        import microcontroller

        assert microcontroller.nvm[0:2] == b"\xff\xff"  # erased
        microcontroller.nvm[0:3] = b"abc"
    with on_board():
        import microcontroller

        assert microcontroller.nvm[0:3] == b"abc"
        assert len(microcontroller.nvm) == 4096


# -- GPIO chip discovery ----------------------------------------------------------------------


@pytest.mark.hostile
def test_a_board_whose_gpio_chip_is_missing_says_which_board(root: Path) -> None:
    (root / "dev").mkdir()
    with on_board("raspberrypi_pi4b"):
        import board
        import digitalio

        with pytest.raises(RuntimeError, match="no GPIO chip labelled pinctrl-bcm2711"):
            digitalio.DigitalInOut(board.D17)


def test_bus_pins_are_in_use_while_the_kernel_bus_is_enabled(root: Path) -> None:
    (root / "dev").mkdir()
    (root / "dev/i2c-1").write_text("")  # I2C enabled: the kernel's driver has GPIO2/3
    with on_board("raspberrypi_pi4b"):
        import board
        import digitalio

        with pytest.raises(ValueError, match="^D2 in use$"):
            digitalio.DigitalInOut(board.SDA)
        with pytest.raises(ValueError, match="^D3 in use$"):
            digitalio.DigitalInOut(board.D3)
        # SPI is not enabled (no /dev/spidev0.0): its pins are ordinary GPIOs, so this goes
        # on to look for the GPIO chip
        with pytest.raises(RuntimeError, match="no GPIO chip"):
            digitalio.DigitalInOut(board.MOSI)


def test_a_program_run_by_exec_reaches_the_computers_sysfs(root: Path, tmp_path: Path) -> None:
    """`protoboard exec` makes the program's `/` its drive; the port still reads the real
    /sys (here, the fake root) and keeps the NVM file where it belongs."""
    import os
    import subprocess

    iio_device(root, 4095)
    drive = tmp_path / "drive"
    drive.mkdir()
    program = drive / "code.py"
    program.write_text(
        "import os, analogio, board, microcontroller\n"
        "print(analogio.AnalogIn(board.A0).value, os.listdir('/'))\n"
        "microcontroller.nvm[0:2] = b'ok'\n"
    )
    command = ["exec", "--port", "linux", "--board", "linux_gpio_sim", str(program)]
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", *command],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "65535 ['code.py']"
    assert (root / "nvm.bin").read_bytes()[:2] == b"ok"
