"""The timed parts from a parts file, read by unmodified drivers that ``protoboard install``
put on the drive from a bundle our bundler built from PyPI, in a real ``protoboard exec``:
adafruit_hcsr04 at 150 cm, adafruit_dht on a DHT22, adafruit_irremote on a remote pressing a
code, adafruit_ds18x20 on two DS18B20s sharing a 1-Wire pin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import build_py_bundle
from test_board_world_drive import _protoboard

TAG = "20261206"
PREFIX = "timed-parts"
LIBRARIES = {
    "adafruit-circuitpython-hcsr04": "0.4.25",
    "adafruit-circuitpython-dht": "4.0.12",
    "adafruit-circuitpython-irremote": "5.0.8",
    "adafruit-circuitpython-onewire": "2.0.14",
    "adafruit-circuitpython-ds18x20": "1.4.9",
}

PARTS = """\
[sonar]
type = "HCSR04"
trigger = "D5"
echo = "D6"
distance_cm = 150.0

[weather]
type = "DHT22"
pin = "D9"
temperature = 18.7
humidity = 52.5

[remote]
type = "IRRemote"
pin = "D11"
code = 0x20DF10EF
interval_ms = 300

[indoor]
type = "DS18B20"
pin = "D4"
serial = 1
temperature = 21.5

[outdoor]
type = "DS18B20"
pin = "D4"
serial = 2
temperature = -3.25
"""

PROGRAM = """\
import board
import pulseio
import adafruit_hcsr04
import adafruit_dht
import adafruit_irremote
from adafruit_onewire.bus import OneWireBus
from adafruit_ds18x20 import DS18X20

sonar = adafruit_hcsr04.HCSR04(trigger_pin=board.D5, echo_pin=board.D6)
print("sonar:", [sonar.distance for _ in range(10)])
dht = adafruit_dht.DHT22(board.D9)
print("dht:", dht.temperature, dht.humidity)
pulses = pulseio.PulseIn(board.D11, maxlen=120, idle_state=True)
decoder = adafruit_irremote.GenericDecode()
# As on a board, listening may begin in the middle of a frame: skip the first burst heard (the
# gap after it, longer than read_pulses' window, ends it), then decode a whole frame.
decoder.read_pulses(pulses)
code = decoder.decode_bits(decoder.read_pulses(pulses))
print("ir:", ["%02X" % b for b in code])
bus = OneWireBus(board.D4)
print("ds18b20:", sorted(DS18X20(bus, d).temperature for d in bus.scan()))
"""


@pytest.fixture(scope="module")
def bundle_zip(tmp_path_factory) -> Path:
    return build_py_bundle(tmp_path_factory.mktemp("bundle"), LIBRARIES, PREFIX, TAG)


def test_timed_parts_from_a_parts_file_in_exec(bundle_zip: Path, tmp_path: Path) -> None:
    drive = tmp_path / "CIRCUITPY"
    (drive / "lib").mkdir(parents=True)
    (drive / "code.py").write_text(PROGRAM)
    (drive / "parts.toml").write_text(PARTS)
    done = _protoboard(
        tmp_path,
        "install", "adafruit_hcsr04", "adafruit_dht", "adafruit_irremote", "adafruit_ds18x20",
        "--path", str(drive), "--bundle", str(bundle_zip), "--cpy-version", "protoboard",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert (drive / "lib" / "adafruit_onewire" / "bus.py").is_file()  # ds18x20's dependency

    done = _protoboard(tmp_path, "exec", str(drive / "code.py"))
    assert done.returncode == 0, done.stdout + done.stderr
    text = done.stdout
    sonar = re.search(r"sonar: \[(.*)\]", text)
    assert sonar, text
    readings = [float(v) for v in sonar.group(1).split(",")]
    assert len(readings) == 10 and all(abs(cm - 150.0) <= 1.5 for cm in readings), readings
    assert "dht: 18.7 52.5" in text
    assert "ir: ['20', 'DF', '10', 'EF']" in text
    assert "ds18b20: [-3.25, 21.5]" in text
