"""Checks of the Linux port run INSIDE the test VM, against the kernel's gpio-sim and i2c-stub.

Run by the guest's venv Python (``/opt/venv/bin/python``, where ``protoboard[linux]`` is
installed from wheels): each ``check_*`` function runs on a fresh machine, and the outcome of
every check goes to ``results.json`` on the share for tests/vm/test_linux_vm.py to assert on. The
simulated side of each line (what a button or another chip would do) is driven through
gpio-sim's sysfs files.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
import traceback
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

SHARE = Path(sys.argv[1] if len(sys.argv) > 1 else "/mnt")
CONFIG = Path("/sys/kernel/config/gpio-sim/chip0")
VENV_PYTHON = "/opt/venv/bin/python"
PROTOBOARD = ["/opt/venv/bin/protoboard"]
BOARD = ["--port", "linux", "--board", "linux_gpio_sim"]


@functools.cache
def chip() -> str:
    """The gpio-sim chip's device name (gpiochip0)."""
    return (CONFIG / "bank0" / "chip_name").read_text().strip()


@functools.cache
def sim() -> Path:
    """The folder of the simulated side of the lines."""
    return Path("/sys/devices/platform") / (CONFIG / "dev_name").read_text().strip() / chip()


def level(line: int) -> str:
    """What the simulated line carries: "1" or "0"."""
    return (sim() / f"sim_gpio{line}" / "value").read_text().strip()


def outside(line: int, pull: str) -> None:
    """The world outside the chip pulls the line "pull-up" or "pull-down"."""
    (sim() / f"sim_gpio{line}" / "pull").write_text(pull)


def eventually(condition: Callable[[], bool], what: str, seconds: float = 5.0) -> None:
    """Wait for the edge thread (bounded) to have seen what the kernel reported."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.01)


@contextlib.contextmanager
def fresh() -> Iterator[object]:
    from protoboard import machine, testing

    with testing.activated(machine.create("linux", "linux_gpio_sim")) as target:
        yield target


CHECKS: dict[str, Callable[[], None]] = {}


def check(function: Callable[[], None]) -> Callable[[], None]:
    CHECKS[function.__name__.removeprefix("check_")] = function
    return function


@check
def check_output_drives_the_line() -> None:
    with fresh():
        import board
        import digitalio

        led = digitalio.DigitalInOut(board.LED)
        led.switch_to_output(value=True)
        assert level(13) == "1"
        led.value = False
        assert level(13) == "0" and led.value is False
        led.value = True
        assert level(13) == "1" and led.value is True
        led.deinit()


@check
def check_pin_claimed_twice_in_one_program() -> None:
    with fresh():
        import board
        import digitalio

        first = digitalio.DigitalInOut(board.D4)
        try:
            digitalio.DigitalInOut(board.D4)
        except ValueError as exc:
            assert str(exc) == "D4 in use", exc
        else:
            raise AssertionError("a second DigitalInOut(D4) was allowed")
        first.deinit()
        digitalio.DigitalInOut(board.D4).deinit()


HOLDER = """
import sys, gpiod
req = gpiod.request_lines(sys.argv[1], consumer="other-program", config={6: None})
print("held", flush=True)
sys.stdin.read()
"""


@check
def check_line_held_by_another_program_is_in_use_not_ebusy() -> None:
    holder = subprocess.Popen(
        [VENV_PYTHON, "-c", HOLDER, f"/dev/{chip()}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with fresh():
            import board
            import digitalio

            try:
                digitalio.DigitalInOut(board.D6)
            except ValueError as exc:
                assert str(exc) == "D6 in use", repr(exc)
            else:
                raise AssertionError("DigitalInOut(D6) succeeded while another program held it")
    finally:
        holder.communicate("", timeout=10)
    with fresh():
        import board
        import digitalio

        digitalio.DigitalInOut(board.D6).deinit()  # free again once the other program ended


@check
def check_pin_owned_by_a_kernel_driver_is_in_use() -> None:
    with fresh():
        import board
        import digitalio

        try:
            digitalio.DigitalInOut(board.D14)
        except ValueError as exc:
            assert str(exc) == "D14 in use", repr(exc)
        else:
            raise AssertionError("DigitalInOut(D14) succeeded on a line the kernel holds")


@check
def check_pulls_are_line_bias() -> None:
    with fresh():
        import board
        import digitalio

        pin = digitalio.DigitalInOut(board.D5)
        pin.switch_to_input(pull=digitalio.Pull.UP)
        assert pin.value is True and level(5) == "1" and pin.pull is digitalio.Pull.UP
        pin.pull = digitalio.Pull.DOWN
        assert pin.value is False and level(5) == "0"
        pin.pull = None
        outside(5, "pull-up")  # no bias: the outside decides
        assert pin.value is True
        outside(5, "pull-down")
        assert pin.value is False
        pin.deinit()


@check
def check_open_drain_is_the_line_drive() -> None:
    import gpiod
    from gpiod.line import Drive

    with fresh():
        import board
        import digitalio

        outside(7, "pull-up")
        pin = digitalio.DigitalInOut(board.D7)
        pin.switch_to_output(value=False, drive_mode=digitalio.DriveMode.OPEN_DRAIN)
        with gpiod.Chip(f"/dev/{chip()}") as controller:
            info = controller.get_line_info(7)
        assert info.drive is Drive.OPEN_DRAIN and info.consumer == "protoboard", info
        assert level(7) == "0"  # open drain pulls low against the pull-up
        outside(7, "pull-down")
        pin.value = True  # ... and lets go for True: it never drives high
        assert level(7) == "0"
        pin.drive_mode = digitalio.DriveMode.PUSH_PULL
        assert level(7) == "1"  # push-pull drives high against the pull-down
        with gpiod.Chip(f"/dev/{chip()}") as controller:
            assert controller.get_line_info(7).drive is Drive.PUSH_PULL
        pin.deinit()


@check
def check_countio_counts_kernel_edge_events() -> None:
    with fresh():
        import board
        import countio

        outside(8, "pull-down")
        counter = countio.Counter(board.D8, edge=countio.Edge.RISE)
        for _ in range(7):
            outside(8, "pull-up")
            outside(8, "pull-down")
        eventually(lambda: counter.count == 7, f"7 rising edges counted (got {counter.count})")
        time.sleep(0.1)
        assert counter.count == 7, counter.count
        counter.reset()
        assert counter.count == 0
        counter.deinit()


@check
def check_keypad_sees_a_press_and_release() -> None:
    with fresh():
        import board
        import keypad

        keys = keypad.Keys((board.D9,), value_when_pressed=False, pull=True)
        outside(9, "pull-down")  # the button connects the line to ground
        event = keypad.Event()
        eventually(lambda: keys.events.get_into(event), "a key event after the press")
        assert event.pressed and event.key_number == 0, event
        outside(9, "pull-up")
        eventually(lambda: keys.events.get_into(event), "a key event after the release")
        assert event.released, event
        keys.deinit()


@check
def check_rotaryio_decodes_quadrature() -> None:
    with fresh():
        import board
        import rotaryio

        outside(10, "pull-up")
        outside(11, "pull-up")
        encoder = rotaryio.IncrementalEncoder(board.D10, board.D11)
        one_detent = [(1, 0), (0, 0), (0, 1), (1, 1)]  # A leads B: one way
        for _ in range(2):
            for a, b in one_detent:
                outside(10, "pull-up" if a else "pull-down")
                outside(11, "pull-up" if b else "pull-down")
        eventually(lambda: abs(encoder.position) == 2, f"two detents (got {encoder.position})")
        forward = encoder.position
        for a, b in reversed([(1, 1), *one_detent[:-1]]):
            outside(10, "pull-up" if a else "pull-down")
            outside(11, "pull-up" if b else "pull-down")
        eventually(
            lambda: encoder.position == forward // 2, f"back one detent (got {encoder.position})"
        )
        encoder.deinit()


@check
def check_i2c_scan_and_nack() -> None:
    load_bme280_registers()
    with fresh():
        import board
        import busio

        i2c = busio.I2C(board.SCL, board.SDA)
        assert i2c.try_lock()
        assert i2c.scan() == [0x77], i2c.scan()
        try:
            i2c.writeto(0x42, b"\x00")
        except OSError as exc:
            assert exc.errno == 19 and exc.strerror == "No such device", repr(exc)
        else:
            raise AssertionError("a write to an absent device did not fail")
        buffer = bytearray(1)
        i2c.writeto_then_readfrom(0x77, b"\xd0", buffer)
        assert buffer[0] == 0x60, buffer
        # i2c-stub speaks SMBus only: what SMBus cannot do is refused in plain words
        for attempt in (lambda: i2c.readfrom_into(0x77, bytearray(40)),
                        lambda: i2c.writeto(0x77, bytes(40))):  # fmt: skip
            try:
                attempt()
            except RuntimeError as exc:
                assert "only does SMBus transfers" in str(exc), exc
            else:
                raise AssertionError("a transfer SMBus cannot do did not fail")
        i2c.unlock()
        i2c.deinit()


def load_bme280_registers() -> None:
    """i2c-stub is a register file: give it the registers of a BME280 that measured 22 °C."""
    from smbus2 import SMBus

    registers = json.loads((SHARE / "bme280_registers.json").read_text())
    bus = next(
        int(p.name.rpartition("-")[2])
        for p in Path("/sys/class/i2c-dev").iterdir()
        if "SMBus stub" in (p / "name").read_text()
    )
    with SMBus(bus) as smbus:
        for register, value in registers.items():
            smbus.write_byte_data(0x77, int(register), value)


BME280_PROGRAM = """
import board
from adafruit_bme280 import basic
sensor = basic.Adafruit_BME280_I2C(board.I2C())
print("READING", sensor.temperature, sensor.relative_humidity, sensor.pressure)
"""


@check
def check_bme280_driver_through_bus_device_and_exec() -> None:
    load_bme280_registers()
    program = Path("/tmp/bme280_code.py")
    program.write_text(BME280_PROGRAM)
    done = subprocess.run(
        [*PROTOBOARD, "exec", *BOARD, "--lib", "/drive/lib", str(program)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("READING"))
    temperature, humidity, pressure = (float(v) for v in line.split()[1:])
    assert abs(temperature - 22.0) < 0.01, line
    assert abs(humidity - 45.0) < 0.01, line
    assert abs(pressure - 1013.25) < 0.01, line


@check
def check_uart_through_a_pty() -> None:
    controller, device = pty.openpty()
    tty.setraw(device)
    os.environ["PROTOBOARD_UART"] = os.ttyname(device)
    try:
        with fresh():
            import board
            import busio

            uart = busio.UART(board.TX, board.RX, baudrate=115200, timeout=0.5)
            assert uart.write(b"hello\n") == 6
            received = b""
            while len(received) < 6:
                received += os.read(controller, 64)
            assert received == b"hello\n", received
            os.write(controller, b"world\nmore")
            assert uart.readline() == b"world\n"
            assert uart.read(4) == b"more"
            assert uart.read(1) is None  # nothing within the timeout, as CircuitPython says
            uart.deinit()
    finally:
        del os.environ["PROTOBOARD_UART"]
        os.close(controller)
        os.close(device)


WHICH_BOARD = """
import board, digitalio
print("BOARD", board.board_id, hasattr(board, "LED"), type(digitalio.DigitalInOut).__module__)
led = digitalio.DigitalInOut(board.LED)
led.switch_to_output(value=True)
"""


@check
def check_our_board_wins_over_pypi_board_and_blinka() -> None:
    # Both are installed in the venv: plain Python imports them ...
    plain = subprocess.run(
        [VENV_PYTHON, "-c", "import board, digitalio; print(board.__file__, digitalio.__file__)"],
        capture_output=True,
        text=True,
    )
    assert "site-packages/board.py" in plain.stdout, plain.stdout + plain.stderr
    assert "site-packages/digitalio.py" in plain.stdout, plain.stdout + plain.stderr
    # ... a program run by protoboard gets ours, even with every host package allowed.
    program = Path("/tmp/which_board.py")
    program.write_text(WHICH_BOARD)
    env = {**os.environ, "PROTOBOARD_HOST_PACKAGES": "*"}
    outside(13, "pull-down")
    done = subprocess.run(
        [*PROTOBOARD, "exec", *BOARD, str(program)], capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BOARD linux_gpio_sim True" in done.stdout, done.stdout


@check
def check_permission_error_names_the_group() -> None:
    device = Path(f"/dev/{chip()}")
    os.chown(device, 0, 997)  # root:gpio, as Raspberry Pi OS sets it
    os.chmod(device, 0o660)
    program = "import board, digitalio; digitalio.DigitalInOut(board.D2)"
    done = subprocess.run(
        [VENV_PYTHON, "-c", f"from protoboard import machine, testing\n"
         f"with testing.activated(machine.create('linux', 'linux_gpio_sim')):\n    {program}"],
        capture_output=True,
        text=True,
        user=1000,
        group=1000,
        extra_groups=[],
        env={"HOME": "/tmp", "PATH": "/bin"},
    )  # fmt: skip
    os.chmod(device, 0o600)
    assert done.returncode != 0
    assert "'gpio' group" in done.stderr and "usermod -aG gpio" in done.stderr, done.stderr


@check
def check_microcontroller_and_nvm_file() -> None:
    os.environ["PROTOBOARD_NVM_FILE"] = "/tmp/nvm.bin"
    with fresh():
        import microcontroller

        assert microcontroller.cpu.frequency > 0
        assert len(microcontroller.cpu.uid) == 8
        microcontroller.nvm[0:4] = b"abcd"
    with fresh():
        import microcontroller

        assert microcontroller.nvm[0:4] == b"abcd"
        assert len(microcontroller.nvm) == 4096


def high_fraction(line: int, seconds: float) -> tuple[float, int]:
    """Sample the simulated line's level for ``seconds``: the time-weighted fraction it was
    high, and how many rising edges the samples saw."""
    from itertools import pairwise

    value = sim() / f"sim_gpio{line}" / "value"
    samples = []
    end = time.monotonic() + seconds
    while (now := time.monotonic()) < end:
        samples.append((now, value.read_text().strip() == "1"))
        time.sleep(0.0005)  # a millisecond's resolution is plenty, and the PWM thread runs
    high = sum(b[0] - a[0] for a, b in pairwise(samples) if a[1])
    rises = sum(1 for a, b in pairwise(samples) if b[1] and not a[1])
    return high / (samples[-1][0] - samples[0][0]), rises


@check
def check_software_pwm_toggles_the_line_with_its_duty() -> None:
    import threading

    import gpiod

    with fresh():
        import board
        import pwmio

        # D15 has no hardware PWM channel: a thread switches the line. 10 Hz leaves the
        # thread's wake-ups (slow under software emulation) far inside each period.
        pwm = pwmio.PWMOut(board.D15, frequency=10, duty_cycle=0x3333, variable_frequency=True)
        low_duty, low_rises = high_fraction(15, 1.5)
        pwm.duty_cycle = 0xCCCC
        high_duty, high_rises = high_fraction(15, 1.5)
        figures = f"20 %: {low_duty:.3f} ({low_rises} rises); 80 %: {high_duty:.3f} ({high_rises})"
        print("software PWM at 10 Hz, measured", figures, flush=True)
        # Loose bounds (no timing threshold): it toggles, and the duty orders the high time.
        assert low_rises >= 3 and high_rises >= 3, figures
        assert 0 < low_duty < 0.5 < high_duty < 1, figures
        pwm.deinit()
        assert level(15) == "0"
        with gpiod.Chip(f"/dev/{chip()}") as controller:
            assert not controller.get_line_info(15).used  # the line is given back
        assert "protoboard-pwm-D15" not in {t.name for t in threading.enumerate()}


# -- the USB gadget: a PC and the board in one kernel, through dummy_hcd ---------------------

GADGET_DIR = Path("/tmp/gadget")
GADGET_IMAGE = GADGET_DIR / "CIRCUITPY.img"
PC_MOUNT = Path("/tmp/pc")
GADGET_CONFIGFS = Path("/sys/kernel/config/usb_gadget/protoboard")
#: the most any one step of the gadget checks may take (a bound, not a goal: under software
#: emulation on a busy machine a board's start alone can take a minute)
WAIT = 240.0


class GadgetSession:
    """One ``protoboard gadget`` process and the PC's side of it (the disk and the serial
    port the same kernel sees as a USB host), shared by the gadget checks in order."""

    def __init__(self) -> None:
        for module in ("dummy_hcd", "libcomposite", "usb_f_mass_storage", "usb_f_acm",
                       "crct10dif_generic", "crc64_rocksoft_generic", "sd_mod", "usb-storage",
                       "cdc-acm", "vfat", "nls_cp437", "nls_ascii"):  # fmt: skip
            subprocess.run(["modprobe", module], check=True)
        GADGET_DIR.mkdir(exist_ok=True)
        PC_MOUNT.mkdir(exist_ok=True)
        self.log = open(GADGET_DIR / "gadget.log", "wb")
        # It starts while the other checks run, at the lowest priority so that their timing
        # (software PWM) is not disturbed: the board gets what CPU they leave, and its full
        # share once the gadget checks begin (:meth:`full_speed`). Its own process group holds
        # the board's VM processes too.
        self.process = subprocess.Popen(
            [*PROTOBOARD, "gadget", "--image", str(GADGET_IMAGE), *BOARD, "--console", "none"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=lambda: os.nice(19),
        )  # fmt: skip
        self.disk = ""
        self.serial = -1
        self.seen = b""

    def full_speed(self) -> None:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PGRP, self.process.pid, 0)

    def text(self) -> str:
        return (GADGET_DIR / "gadget.log").read_text(errors="replace")

    def wait(self, condition: Callable[[], bool], what: str, seconds: float = WAIT) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if self.process.poll() is not None:
                raise AssertionError(f"protoboard gadget ended ({what}):\n{self.text()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {seconds} s: {what}\n{self.text()}")
            time.sleep(0.05)

    def find_disk(self) -> bool:
        for block in Path("/sys/block").glob("sd*"):
            with contextlib.suppress(OSError):
                if (block / "device" / "vendor").read_text().strip() == "Adafruit":
                    self.disk = block.name
                    return True
        return False

    def medium_size(self) -> int:
        """Open the disk (the host's media check runs on open, as a PC's polling does) and
        return its size in sectors (0: no medium)."""
        with contextlib.suppress(OSError):
            os.close(os.open(f"/dev/{self.disk}", os.O_RDONLY))
        return int((Path("/sys/block") / self.disk / "size").read_text())

    def open_serial(self) -> None:
        self.serial = os.open("/dev/ttyACM0", os.O_RDWR | os.O_NOCTTY)
        tty.setraw(self.serial)

    def read_until(self, marker: bytes, seconds: float = WAIT) -> bytes:
        """Console output up to and including ``marker`` (what came before is consumed)."""
        deadline = time.monotonic() + seconds
        while marker not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0 or self.process.poll() is not None:
                raise AssertionError(
                    f"{marker!r} not on /dev/ttyACM0 within {seconds} s; it said:\n"
                    f"{self.seen.decode(errors='replace')}\ngadget log:\n{self.text()}"
                )
            ready, _, _ = select.select([self.serial], [], [], min(left, 0.5))
            if ready:
                self.seen += os.read(self.serial, 4096)
        end = self.seen.index(marker) + len(marker)
        out, self.seen = self.seen[:end], self.seen[end:]
        return out

    def drain(self, quiet: float = 1.0) -> None:
        """Forget what the port said until it has been quiet for ``quiet`` seconds."""
        while select.select([self.serial], [], [], quiet)[0]:
            os.read(self.serial, 4096)
        self.seen = b""

    def pc_mount(self, *options: str) -> None:
        subprocess.run(
            ["mount", "-t", "vfat", *options, f"/dev/{self.disk}", str(PC_MOUNT)], check=True
        )

    def pc_write(self, name: str, text: str) -> None:
        """The PC saves a file and flushes it (as an editor's save and the OS's sync do)."""
        (PC_MOUNT / name).write_text(text)
        subprocess.run(["sync"], check=True)

    def stop(self) -> int:
        with contextlib.suppress(OSError):
            subprocess.run(["umount", str(PC_MOUNT)], capture_output=True)
        if self.serial >= 0:
            os.close(self.serial)
            self.serial = -1
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        self.log.close()
        return code


_gadget: list[GadgetSession] = []


def gadget() -> GadgetSession:
    if not _gadget:
        _gadget.append(GadgetSession())
    return _gadget[0]


def gadget_check() -> GadgetSession:
    """The session, at full priority (the checks that use it run now)."""
    session = gadget()
    session.full_speed()
    return session


@check
def check_gadget_pc_sees_circuitpy_drive_and_serial_port() -> None:
    session = gadget_check()
    session.wait(lambda: Path("/dev/ttyACM0").exists(), "the PC's /dev/ttyACM0")
    session.open_serial()  # at once: what the board said meanwhile is echoed until raw mode
    session.wait(session.find_disk, "a disk whose vendor is Adafruit")
    device = Path("/sys/block") / session.disk / "device"
    assert (device / "model").read_text().strip() == "CircuitPython"
    assert (device / "rev").read_text().strip() == "1.0"
    assert (Path("/sys/block") / session.disk / "removable").read_text().strip() == "1"
    session.wait(lambda: session.medium_size() > 0, "the drive after boot")
    assert (Path("/sys/block") / session.disk / "ro").read_text().strip() == "0"
    # What reached the port before it was raw was echoed back as typing: Ctrl-C, Ctrl-D (a
    # soft reload from wherever that left the board) and its end start the checks afresh.
    session.drain()
    os.write(session.serial, b"\x03")  # (one key at a time: the first may be "any key")
    session.read_until(b">>> ")
    os.write(session.serial, b"\x04")
    session.read_until(b"soft reboot")
    session.read_until(b"enter the REPL")
    session.pc_mount()
    assert (PC_MOUNT / "code.py").is_file() and (PC_MOUNT / "boot_out.txt").is_file()
    boot_out = (PC_MOUNT / "boot_out.txt").read_text()
    assert "Board ID:linux_gpio_sim" in boot_out
    # the USB serial number is the board's UID, which the PC matches the drive and port by
    usb_device = next(p for p in device.resolve().parents if (p / "idVendor").is_file())
    assert (usb_device / "idVendor").read_text().strip() == "239a"
    serial = (usb_device / "serial").read_text().strip()
    assert f"UID:{serial}" in boot_out, (serial, boot_out)


GADGET_CODE = """
print("GADGET RUN", 6 * 7)
try:
    with open("/written.txt", "w") as f:
        f.write("from code.py")
    print("WRITE DONE")
except OSError as e:
    print("WRITE REFUSED", e.errno, e)
"""


@check
def check_gadget_pc_save_runs_and_python_write_refused() -> None:
    session = gadget_check()
    assert session.disk, "the drive was not found"
    session.pc_write("code.py", GADGET_CODE)
    out = session.read_until(b"WRITE ")
    out += session.read_until(b"\n")
    assert b"GADGET RUN 42" in out, out
    assert b"WRITE REFUSED 30 [Errno 30] Read-only filesystem" in out, out
    assert not (PC_MOUNT / "written.txt").exists()


REMOUNT_BOOT = 'import storage\nstorage.remount("/", readonly=False)\n'


@check
def check_gadget_remount_hands_drive_to_python() -> None:
    session = gadget_check()
    assert session.disk, "the drive was not found"
    session.drain()  # (the end of the last run's output)
    session.pc_write("boot.py", REMOUNT_BOOT)
    # a new boot.py reloads code.py; boot.py itself runs at the next reset
    session.read_until(b"soft reboot")
    session.read_until(b"enter the REPL")
    subprocess.run(["umount", str(PC_MOUNT)], check=True)  # the user ejects the drive
    # The PC's unmount writes the drive too, which may reload code.py, as any write from the
    # PC does on a board; a reload that lands while the reset is typed cancels it: type again.
    out = b""
    for _attempt in range(3):
        session.drain(quiet=3.0)
        # the REPL over the serial port, then a hard reset: boot.py runs, hands the drive over
        os.write(session.serial, b"\r")
        session.read_until(b">>> ")
        os.write(session.serial, b"import microcontroller; microcontroller.reset()\r")
        out = session.read_until(b"WRITE ")
        out += session.read_until(b"\n")
        if b"WRITE DONE" in out:
            break
    assert b"WRITE DONE" in out, out
    lun = GADGET_CONFIGFS / "functions" / "mass_storage.usb0" / "lun.0"
    assert (lun / "ro").read_text().strip() == "1"
    assert (lun / "file").read_text().strip() == str(GADGET_IMAGE)
    # the PC sees the drive again, write-protected, with the program's file in it
    session.wait(lambda: session.medium_size() > 0, "the drive after the reset")
    assert (Path("/sys/block") / session.disk / "ro").read_text().strip() == "1"
    session.wait(lambda: "the PC sees the drive read-only" in session.text(), "the hand-over")

    def pc_sees_written() -> bool:  # the program's write reaches the image within a moment
        session.pc_mount("-o", "ro")
        try:
            return (PC_MOUNT / "written.txt").is_file()
        finally:
            subprocess.run(["umount", str(PC_MOUNT)], check=True)

    session.wait(pc_sees_written, "the program's file on the PC's drive")
    session.pc_mount("-o", "ro")
    assert (PC_MOUNT / "written.txt").read_text() == "from code.py"


@check
def check_gadget_teardown_on_sigterm_and_stop() -> None:
    session = gadget_check()
    code = session.stop()
    assert code == 0, session.text()
    assert not GADGET_CONFIGFS.exists(), list(GADGET_CONFIGFS.rglob("*"))
    done = subprocess.run([*PROTOBOARD, "gadget", "--stop"], capture_output=True, text=True)
    assert done.returncode == 0 and "no Protoboard USB gadget" in done.stdout, done


def main() -> None:
    only = os.environ.get("CHECKS", "")
    results = {}
    if any(name.startswith("gadget_") and (not only or name in only) for name in CHECKS):
        gadget()  # the board starts (the slowest step) while the other checks run
    for name, function in CHECKS.items():
        if only and name not in only.split(","):
            continue
        started = time.monotonic()
        try:
            function()
            results[name] = {"ok": True, "detail": ""}
        except BaseException:
            results[name] = {"ok": False, "detail": traceback.format_exc()}
        results[name]["seconds"] = round(time.monotonic() - started, 2)
        print(name, "ok" if results[name]["ok"] else "FAILED", flush=True)
    (SHARE / "results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
