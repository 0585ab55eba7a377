"""The strongest form: a tutorial's project bundle (as the docs build packs it) goes onto a
drive with ``protoboard project get``, its libraries from a bundle our bundler built from PyPI,
and runs in a real ``protoboard exec`` that wires the parts.toml the bundle brought."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tutorial_helpers import TUTORIALS, _interop

from protoboard.project.pack import pack_folder

pytestmark = pytest.mark.network

TAG = "20261206"
PREFIX = "tutorial-libs"
LIBRARIES = {
    "adafruit-circuitpython-busdevice": "5.2.17",
    "adafruit-circuitpython-register": "1.13.0",
    "adafruit-circuitpython-bme280": "2.6.32",
    "adafruit-circuitpython-ssd1306": "2.12.24",
    "adafruit-circuitpython-framebuf": "1.6.12",
}
DEAD = "http://127.0.0.1:9"


@pytest.fixture(scope="module")
def library_bundle(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("bundle")
    return _interop.build_py_bundle(work, LIBRARIES, PREFIX, TAG)


def protoboard(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PROTOBOARD_CACHE_DIR": str(tmp_path / "pb-cache"),
        "PROTOBOARD_CONFIG_DIR": str(tmp_path / "pb-config"),
        "PROTOBOARD_BACKUP_DIR": str(tmp_path / "pb-backups"),
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
        timeout=180,
        check=False,
    )


def test_weather_station_bundle_installs_and_runs(library_bundle: Path, tmp_path: Path) -> None:
    zipped, _ = pack_folder(TUTORIALS / "weather_station", tmp_path / "zips", (10,))
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    got = protoboard(
        tmp_path,
        "project",
        "get",
        str(zipped),
        "--path",
        str(drive),
        "--bundle",
        str(library_bundle),
        "--cpy-version",
        "protoboard",
    )
    assert got.returncode == 0, got.stdout + got.stderr
    for name in ("code.py", "parts.toml", "font5x8.bin"):
        assert (drive / name).read_bytes() == (TUTORIALS / "weather_station" / name).read_bytes()
    assert (drive / "lib" / "adafruit_bme280" / "basic.py").is_file()
    assert (drive / "lib" / "adafruit_ssd1306.py").is_file()
    assert (drive / "lib" / "adafruit_framebuf.py").is_file()

    ran = protoboard(tmp_path, "exec", str(drive / "code.py"), "--timeout", "2.5")
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.splitlines()[:2] == ["21.5 C  45 %  1013 hPa"] * 2
