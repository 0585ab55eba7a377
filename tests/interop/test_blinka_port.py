"""The Blinka port on Blinka's OS-agnostic test board (``BLINKA_OS_AGNOSTIC``): Blinka's board
module and its "generic agnostic board" chip code underneath (a real Blinka from PyPI), our
bindings' claims, checks and error messages on top.

What Blinka's agnostic chip code is (read in its source, adafruit_blinka 10.0.0): a model with
fixed behaviours per pin (``Dx_INPUT_TRUE`` reads True, ``Ax_INPUT_FIXED_INT_PI`` reads 31415,
``Ax_INPUT_WAVE_SINE`` steps through a sine of amplitude 100), a PWMOut that keeps what it is
given, an SPI that accepts writes and reads nothing back (buffers stay zero), a NeoPixel write
that drops the bytes, an I2C that can only *scan* (it returns three random addresses and has no
transfer methods at all), and no UART. So the tests check what crosses the bridge (values
Blinka keeps and reports, its refusals) and our contract on top; an I2C driver can only reach
the point where Blinka's fake bus has no transfer, which the bridge reports in plain words.

Blinka (and its top-level ``board``, ``digitalio``... modules) is installed in a venv of its own
and put on the program's path, as it is on a Pi where both are installed: the program's
``import board`` must still get Protoboard's.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

# A Blinka user's install: the drivers pull Blinka (and adafruit_bus_device...) from PyPI
BLINKA = [
    "adafruit-blinka==10.0.0",
    "adafruit-circuitpython-bme280==2.6.32",
    "adafruit-circuitpython-neopixel==6.4.2",
]
PROTOBOARD = Path(sys.executable).with_name("protoboard")

PROGRAM = textwrap.dedent(
    """
    import board
    import digitalio

    print("board", board.__name__)
    high = digitalio.DigitalInOut(board.Dx_INPUT_TRUE)
    print("input", high.value)
    try:
        digitalio.DigitalInOut(board.Dx_INPUT_TRUE)
    except ValueError as exc:
        print("claimed:", exc)
    low = digitalio.DigitalInOut(board.Dx_INPUT_FALSE)
    low.pull = digitalio.Pull.UP
    print("pulled", low.value)
    out = digitalio.DigitalInOut(board.Dx_OUTPUT)
    out.switch_to_output(value=True)
    print("output", out.value)
    try:
        out.pull = digitalio.Pull.UP
    except AttributeError as exc:
        print("pull on output:", exc)
    high.deinit()
    try:
        high.value
    except ValueError as exc:
        print("deinit:", exc)
    again = digitalio.DigitalInOut(board.Dx_INPUT_TRUE)
    print("reclaimed", again.value)
    """
)


def _run(
    tmp_path: Path, site_packages: Path, program: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "code.py").write_text(program)
    environment = {
        **os.environ,
        "BLINKA_OS_AGNOSTIC": "1",
        "PYTHONPATH": str(site_packages),
        "PROTOBOARD_NVM_FILE": str(tmp_path / "nvm.bin"),
        **env,
    }
    environment.pop("PROTOBOARD_PORT", None)
    return subprocess.run(
        [str(PROTOBOARD), "exec", "code.py", *args],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def blinka_site(tool_venv: Callable[[str, Sequence[str]], object]) -> Path:
    venv = tool_venv("blinka", BLINKA)
    (found,) = Path(str(venv.path)).glob("lib/python*/site-packages")  # type: ignore[attr-defined]
    assert (found / "board.py").exists()  # Blinka's own board module is there to shadow ours
    return found


def test_pins_claims_and_errors_through_blinka(tmp_path: Path, blinka_site: Path) -> None:
    result = _run(tmp_path, blinka_site, PROGRAM, "--port", "blinka")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "board protoboard.bindings.board",
        "input True",
        "claimed: Dx_INPUT_TRUE in use",
        "pulled False",
        "output True",
        "pull on output: Pull not used when direction is output.",
        "deinit: Object has been deinitialized and can no longer be used. Create a new object.",
        "reclaimed True",
    ]


def test_the_bridge_variable_selects_the_port(tmp_path: Path, blinka_site: Path) -> None:
    program = "import board\nprint(sorted(n for n in dir(board) if n.startswith('Dx_')))\n"
    result = _run(tmp_path, blinka_site, program)
    assert result.returncode == 0, result.stderr
    assert "Dx_INPUT_TOGGLE" in result.stdout


@pytest.mark.hostile
def test_a_board_blinka_does_not_detect_is_refused(tmp_path: Path, blinka_site: Path) -> None:
    result = _run(tmp_path, blinka_site, "print(1)\n", "--port", "blinka", "--board", "pi5")
    assert result.returncode == 2
    assert "Blinka detects the board 'OS_AGNOSTIC_BOARD' here, not 'pi5'" in result.stderr


def test_without_blinka_the_port_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text("print(1)\n")
    result = subprocess.run(
        [str(PROTOBOARD), "exec", "code.py", "--port", "blinka"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode == 0:
        pytest.skip("Blinka is installed in this venv")
    assert "pip install 'protoboard[blinka]'" in result.stderr


# -- what crosses the bridge -------------------------------------------------------------------

BRIDGE = textwrap.dedent(
    """
    import board, busio, digitalio, pwmio, analogio, microcontroller, nvm

    # microcontroller.pin: Blinka's chip names for the board's pins, the same objects
    print("chip names", microcontroller.pin.D4 is board.Dx_OUTPUT, microcontroller.pin.A1 is
          board.Ax_INPUT_FIXED_INT_PI, microcontroller.pin.SDA is board.SDA)

    # PWM: 16-bit duty and the frequency go to Blinka's PWMOut and come back from it
    pwm = pwmio.PWMOut(board.Dx_INPUT_FALSE, duty_cycle=0x8000, frequency=1000,
                       variable_frequency=True)
    print("pwm", pwm.duty_cycle, pwm.frequency)
    pwm.frequency = 2500
    pwm.duty_cycle = 65535
    print("pwm", pwm.duty_cycle, pwm.frequency)
    pwm.deinit()

    # ADC: Blinka's fixed pin, and its sine (clamped at 0, as an ADC clamps at its rail)
    adc = analogio.AnalogIn(board.Ax_INPUT_FIXED_INT_PI)
    print("adc", adc.value)
    wave = analogio.AnalogIn(board.Ax_INPUT_WAVE_SINE)
    readings = [wave.value for _ in range(20)]
    print("sine", min(readings) >= 0, max(readings) <= 100, len(set(readings)) > 5)
    dac = analogio.AnalogOut(board.Ax_OUTPUT)
    dac.value = 40000
    dac.deinit()

    # SPI: Blinka's agnostic SPI keeps the frequency and reads nothing back
    spi = busio.SPI(board.SCK, board.MOSI, board.MISO)
    while not spi.try_lock():
        pass
    spi.configure(baudrate=250000)
    print("spi", spi.frequency)
    received = bytearray(b"\\xff" * 4)
    spi.write_readinto(b"\\x01\\x02\\x03\\x04", received)
    print("spi read", bytes(received))
    spi.unlock()
    spi.deinit()

    # I2C: Blinka's agnostic I2C scans (random addresses) and has no transfers
    i2c = board.I2C()
    while not i2c.try_lock():
        pass
    found = i2c.scan()
    print("scan", found == sorted(found), all(0x08 <= a <= 0x77 for a in found))
    try:
        i2c.writeto(0x40, b"\\x00")
    except RuntimeError as exc:
        print("i2c write:", exc)
    i2c.unlock()

    try:
        busio.UART(board.UART_TX, board.UART_RX)
    except RuntimeError as exc:
        print("uart:", exc)

    print("uid", len(microcontroller.cpu.uid))
    nvm_before = microcontroller.nvm[0:3]
    microcontroller.nvm[0:3] = b"abc"
    print("nvm", bytes(nvm_before), bytes(microcontroller.nvm[0:3]))

    # Blinka's busio found its SPI port in Blinka's microcontroller.pin, loaded privately: the
    # program's modules are still Protoboard's
    print("ours", board.__name__, microcontroller.__name__, busio.__name__)
    """
)


def test_buses_pwm_analog_and_microcontroller_through_blinka(
    tmp_path: Path, blinka_site: Path
) -> None:
    result = _run(tmp_path, blinka_site, BRIDGE, "--port", "blinka")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "chip names True True True",
        # Blinka stores duty/65535 as a float and gives back int(fraction * 65535)
        f"pwm {int(0x8000 / 65535 * 65535)} 1000",
        "pwm 65535 2500",
        "adc 31415",
        "sine True True True",
        "spi 250000",
        "spi read b'\\x00\\x00\\x00\\x00'",
        "scan True True",
        "i2c write: busio.I2C write is not available on OS_AGNOSTIC_BOARD: Blinka's code for "
        "this board has no writeto",
        "uart: busio.UART is not available on OS_AGNOSTIC_BOARD: Blinka has no code for it on "
        "this board",
        "uid 8",
        "nvm b'\\xff\\xff\\xff' b'abc'",
        "ours protoboard.bindings.board protoboard.bindings.microcontroller "
        "protoboard.bindings.busio",
    ]
    assert (tmp_path / "nvm.bin").read_bytes()[:3] == b"abc"


# -- the same misuse, the same message on the sim and the blinka port ---------------------------

#: role -> board name, per port (the messages name the pin: compared with the role put back)
PINS = {
    "sim": {
        "digital": "D5",
        "pwm": "D6",
        "analog_in": "A1",
        "analog_out": "A0",
        "scl": "SCL",
        "sda": "SDA",
        "sck": "SCK",
        "mosi": "MOSI",
        "miso": "MISO",
    },
    "blinka": {
        "digital": "Dx_OUTPUT",
        "pwm": "Dx_INPUT_FALSE",
        "analog_in": "Ax_INPUT_FIXED_INT_PI",
        "analog_out": "Ax_OUTPUT",
        "scl": "SCL",
        "sda": "SDA",
        "sck": "SCK",
        "mosi": "MOSI",
        "miso": "MISO",
    },
}

MISUSE = textwrap.dedent(
    """
    import board, busio, digitalio, pwmio, analogio, neopixel_write

    P = {role: getattr(board, name) for role, name in NAMES.items()}
    CASES = []


    def case(function):
        CASES.append(function)
        return function


    def locked(bus):
        while not bus.try_lock():
            pass
        return bus


    @case
    def digital_pin_in_use():
        held = digitalio.DigitalInOut(P["digital"])
        try:
            digitalio.DigitalInOut(P["digital"])
        finally:
            held.deinit()


    @case
    def digital_after_deinit():
        pin = digitalio.DigitalInOut(P["digital"])
        pin.deinit()
        pin.value


    @case
    def digital_pull_on_output():
        pin = digitalio.DigitalInOut(P["digital"])
        try:
            pin.switch_to_output()
            pin.pull = digitalio.Pull.UP
        finally:
            pin.deinit()


    @case
    def i2c_claims_its_pins():
        i2c = busio.I2C(P["scl"], P["sda"])
        try:
            digitalio.DigitalInOut(P["sda"])
        finally:
            i2c.deinit()


    @case
    def i2c_scan_without_lock():
        with busio.I2C(P["scl"], P["sda"]) as i2c:
            i2c.scan()


    @case
    def i2c_writeto_without_lock():
        with busio.I2C(P["scl"], P["sda"]) as i2c:
            i2c.writeto(0x40, b"\\x00")


    @case
    def i2c_after_deinit():
        i2c = busio.I2C(P["scl"], P["sda"])
        i2c.deinit()
        i2c.scan()


    @case
    def i2c_one_pin_for_both():
        busio.I2C(P["scl"], P["scl"])


    @case
    def i2c_empty_read_buffer():
        with busio.I2C(P["scl"], P["sda"]) as i2c:
            locked(i2c).readfrom_into(0x40, bytearray(0))


    @case
    def i2c_frequency_zero():
        busio.I2C(P["scl"], P["sda"], frequency=0)


    @case
    def spi_configure_without_lock():
        with busio.SPI(P["sck"], P["mosi"], P["miso"]) as spi:
            spi.configure(baudrate=1000000)


    @case
    def spi_claims_its_clock():
        spi = busio.SPI(P["sck"], P["mosi"], P["miso"])
        try:
            digitalio.DigitalInOut(P["sck"])
        finally:
            spi.deinit()


    @case
    def spi_write_after_deinit():
        spi = busio.SPI(P["sck"], P["mosi"], P["miso"])
        spi.deinit()
        spi.write(b"\\x00")


    @case
    def spi_nine_bits():
        with busio.SPI(P["sck"], P["mosi"], P["miso"]) as spi:
            locked(spi).configure(bits=7)


    @case
    def pwm_duty_set_above_16_bits():
        with pwmio.PWMOut(P["pwm"]) as pwm:
            pwm.duty_cycle = 65536


    @case
    def pwm_duty_set_negative():
        with pwmio.PWMOut(P["pwm"]) as pwm:
            pwm.duty_cycle = -1


    @case
    def pwm_fixed_frequency():
        with pwmio.PWMOut(P["pwm"], frequency=1000) as pwm:
            pwm.frequency = 500


    @case
    def pwm_frequency_zero():
        pwmio.PWMOut(P["pwm"], frequency=0)


    @case
    def pwm_after_deinit():
        pwm = pwmio.PWMOut(P["pwm"])
        pwm.deinit()
        pwm.duty_cycle


    @case
    def pwm_on_a_held_pin():
        held = digitalio.DigitalInOut(P["pwm"])
        try:
            pwmio.PWMOut(P["pwm"])
        finally:
            held.deinit()


    @case
    def analog_in_after_deinit():
        adc = analogio.AnalogIn(P["analog_in"])
        adc.deinit()
        adc.value


    @case
    def analog_in_is_read_only():
        with analogio.AnalogIn(P["analog_in"]) as adc:
            adc.value = 3


    @case
    def analog_out_out_of_range():
        with analogio.AnalogOut(P["analog_out"]) as dac:
            dac.value = 70000


    @case
    def analog_in_on_a_held_pin():
        held = digitalio.DigitalInOut(P["analog_in"])
        try:
            analogio.AnalogIn(P["analog_in"])
        finally:
            held.deinit()


    @case
    def neopixel_write_needs_a_digitalinout():
        neopixel_write.neopixel_write(P["digital"], b"\\x00\\x00\\x00")


    @case
    def neopixel_write_after_deinit():
        pin = digitalio.DigitalInOut(P["digital"])
        pin.switch_to_output()
        pin.deinit()
        neopixel_write.neopixel_write(pin, b"\\x00\\x00\\x00")


    names = sorted(NAMES.items(), key=lambda item: -len(item[1]))
    for function in CASES:
        try:
            function()
        except Exception as exc:
            text = str(exc)
            for role, name in names:
                text = text.replace(name, "<" + role + ">")
            print(function.__name__ + "|" + type(exc).__name__ + "|" + text)
        else:
            print(function.__name__ + "|no error|")
    """
)
CASES = [
    line.partition("def ")[2].partition("(")[0]
    for line in MISUSE.splitlines()
    if line.startswith("def ") and not line.startswith(("def case", "def locked"))
]


@pytest.fixture(scope="module")
def misuse_reports(
    blinka_site: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, tuple[str, str]]]:
    """Case -> (exception type, message with pins named by role), per port."""
    reports = {}
    for port, names in PINS.items():
        program = f"NAMES = {json.dumps(names)}\n{MISUSE}"
        result = _run(tmp_path_factory.mktemp(port), blinka_site, program, "--port", port)
        assert result.returncode == 0, result.stderr
        lines = [line.split("|", 2) for line in result.stdout.splitlines()]
        reports[port] = {name: (kind, text) for name, kind, text in lines}
    return reports


#: CircuitPython's words for some of the cases (the rest: whatever the sim port says)
CIRCUITPYTHON = {
    "digital_pin_in_use": ("ValueError", "<digital> in use"),
    "digital_after_deinit": (
        "ValueError",
        "Object has been deinitialized and can no longer be used. Create a new object.",
    ),
    "i2c_claims_its_pins": ("ValueError", "<sda> in use"),
    "i2c_scan_without_lock": ("RuntimeError", "Function requires lock"),
    "spi_configure_without_lock": ("RuntimeError", "Function requires lock"),
    "pwm_on_a_held_pin": ("ValueError", "<pwm> in use"),
}


@pytest.mark.parametrize("case", CASES)
def test_the_same_misuse_says_the_same_on_sim_and_blinka(
    case: str, misuse_reports: dict[str, dict[str, tuple[str, str]]]
) -> None:
    sim, blinka = misuse_reports["sim"][case], misuse_reports["blinka"][case]
    assert sim[0] != "no error", f"{case} is not a misuse on the sim port"
    assert blinka == sim
    if case in CIRCUITPYTHON:
        assert blinka == CIRCUITPYTHON[case]


# -- unmodified Adafruit drivers, installed the Blinka way (pip), through the bridge ------------

DRIVERS = textwrap.dedent(
    """
    import board, digitalio
    import adafruit_bme280.basic
    import neopixel

    print("drivers", adafruit_bme280.__file__.count("site-packages"), neopixel.__file__.count(
        "site-packages"))
    pixels = neopixel.NeoPixel(board.NEOPIXEL, 8, auto_write=False)
    pixels.fill((255, 0, 0))
    pixels.show()  # down to Blinka's neopixel_write for the board (a sink on this one)
    try:
        digitalio.DigitalInOut(board.NEOPIXEL)
    except ValueError as exc:
        print("neopixel pin:", exc)
    pixels.deinit()

    i2c = board.I2C()
    try:
        adafruit_bme280.basic.Adafruit_BME280_I2C(i2c)
    except RuntimeError as exc:
        print("bme280:", exc)
    """
)


def test_unmodified_drivers_through_the_bridge(tmp_path: Path, blinka_site: Path) -> None:
    result = _run(tmp_path, blinka_site, DRIVERS, "--port", "blinka", PROTOBOARD_HOST_PACKAGES="*")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "drivers 1 1",
        "neopixel pin: NEOPIXEL in use",
        # adafruit_bus_device probes the address with an empty write: Blinka's agnostic I2C
        # has no transfers, and the bridge says so instead of an AttributeError
        "bme280: busio.I2C write is not available on OS_AGNOSTIC_BOARD: Blinka's code for "
        "this board has no writeto",
    ]


@pytest.mark.hostile
def test_an_nvm_file_that_cannot_be_written_is_a_plain_error(
    tmp_path: Path, blinka_site: Path
) -> None:
    program = textwrap.dedent(
        """
        import microcontroller
        try:
            microcontroller.nvm[0] = 1
        except RuntimeError as exc:
            print("nvm:", exc)
        """
    )
    blocked = tmp_path / "code.py" / "nvm.bin"  # under a file: no folder can be made there
    result = _run(
        tmp_path, blinka_site, program, "--port", "blinka", PROTOBOARD_NVM_FILE=str(blocked)
    )
    assert result.returncode == 0, result.stderr
    # (a write reads the file first, to keep the bytes it does not change)
    assert result.stdout == f"nvm: cannot read the NVM file {blocked}: Not a directory\n"
