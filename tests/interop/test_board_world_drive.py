"""Unmodified Adafruit libraries on a drive filled by ``protoboard install`` from a bundle our
bundler built from PyPI, run in a real ``protoboard exec`` and ``protoboard run`` whose program
sees a board's world: nothing of the test environment (which has circuitpython_typing and
typing_extensions in tests/.cache, and click, watchdog... in the venv).

Before the isolation, adafruit_bus_device failed to import on such a drive with
``NameError: name 'WriteableBuffer' is not defined`` (CPython evaluated its annotations; the
typing names came from a ``try`` import that half failed), and adafruit_debouncer with
``'ROValueIO'``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_py_bundle

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "runtime"))
from board_process import BoardProcess  # noqa: E402  (tests/runtime's helper)

TAG = "20261121"
PREFIX = "board-world"
LIBRARIES = {
    "adafruit-circuitpython-busdevice": "5.2.17",
    "adafruit-circuitpython-debouncer": "2.0.15",
    "adafruit-circuitpython-ticks": "1.1.7",
}
DEAD = "http://127.0.0.1:9"

PROGRAM = """\
import board
import digitalio
from adafruit_bus_device.i2c_device import I2CDevice
from adafruit_bus_device.spi_device import SPIDevice
from adafruit_debouncer import Debouncer

try:
    I2CDevice(board.I2C(), 0x42)
except ValueError as e:
    print("probe:", e)
pin = digitalio.DigitalInOut(board.D5)
pin.switch_to_input(pull=digitalio.Pull.UP)
switch = Debouncer(pin)
switch.update()
print("debouncer:", switch.value)
try:
    import circuitpython_typing, typing_extensions
except ImportError as e:
    print("typing:", e)
print("done")
"""


@pytest.fixture(scope="module")
def bundle_zip(tmp_path_factory) -> Path:
    return build_py_bundle(tmp_path_factory.mktemp("bundle"), LIBRARIES, PREFIX, TAG)


def _protoboard(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PROTOBOARD_CACHE_DIR": str(tmp_path / "pb-cache"),
        "PROTOBOARD_CONFIG_DIR": str(tmp_path / "pb-config"),
        "PROTOBOARD_GITHUB_URL": DEAD,
        "NO_COLOR": "1",
    }
    env.pop("PROTOBOARD_HOST_PACKAGES", None)
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


@pytest.fixture
def drive(bundle_zip: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "CIRCUITPY"
    (folder / "lib").mkdir(parents=True)
    (folder / "code.py").write_text(PROGRAM)
    done = _protoboard(
        tmp_path,
        "install", "adafruit_bus_device", "adafruit_debouncer",
        "--path", str(folder), "--bundle", str(bundle_zip), "--cpy-version", "protoboard",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (folder / "lib" / "adafruit_bus_device" / "i2c_device.py").is_file()
    assert (folder / "lib" / "adafruit_ticks.py").is_file()  # the debouncer's dependency
    assert not list((folder / "lib").glob("*typing*"))  # host-only: not installed
    return folder


def _check_output(text: str) -> None:
    assert "probe: No I2C device at address: 0x42" in text
    assert "debouncer: True" in text
    assert "typing: no module named 'typing_extensions'" in text
    assert "done" in text
    assert "NameError" not in text


def test_installed_drivers_import_and_work_in_exec(drive: Path, tmp_path: Path) -> None:
    done = _protoboard(tmp_path, "exec", str(drive / "code.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    _check_output(done.stdout)


def test_installed_drivers_import_and_work_in_run(drive: Path) -> None:
    board = BoardProcess(drive)
    try:
        text = board.wait_for(r"Code done running\.", timeout=30)
        _check_output(text)
    finally:
        board.stop()
