"""The unmodified pure-Python ``adafruit_sdcard`` driver (PyPI) over ``busio.SPI`` against the
simulated SD card part, with ``storage.VfsFat`` and ``storage.mount``; what it writes is read
back from the card's image file with pyfatfs alone. Then a Learn-guide data logger
(``/sd/temperature.txt`` appended in a loop) in a real ``protoboard exec`` and ``protoboard
run``, with ``sdcardio`` and with ``adafruit_sdcard`` installed on the drive."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from protoboard.ports.sim.parts.sdcard import SDCard as SDCardPart

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "runtime"))
from board_process import BoardProcess  # noqa: E402  (tests/runtime's helper)


def read_with_pyfatfs(image: Path, path: str) -> bytes:
    """A file's bytes from a FAT image, with pyfatfs and nothing of Protoboard."""
    from pyfatfs.PyFat import PyFat

    pf = PyFat()
    pf.open(str(image), read_only=True)
    try:
        entry = pf.root_dir.get_entry(path)
        chain = pf.get_cluster_chain(entry.get_cluster())
        data = b"".join(pf.read_cluster_contents(cluster) for cluster in chain)
        return data[: entry.filesize]
    finally:
        pf.close()


def test_adafruit_sdcard_over_busio_with_vfsfat(sim, drivers, tmp_path) -> None:
    image = tmp_path / "card.img"
    sim.attach(SDCardPart(image=image), cs="D10")
    import adafruit_sdcard
    import board
    import digitalio
    import storage

    cs = digitalio.DigitalInOut(board.D10)
    card = adafruit_sdcard.SDCard(board.SPI(), cs)
    assert card.count() == 8 * 1024 * 1024 // 512
    vfs = storage.VfsFat(card)
    with vfs.open("/hello.txt", "w") as stream:
        stream.write("written by adafruit_sdcard\n")
    vfs.mkdir("/logs")
    with vfs.open("/logs/big.bin", "wb") as stream:
        stream.write(bytes(range(256)) * 40)  # several clusters: CMD25 multi-block writes
    assert read_with_pyfatfs(image, "hello.txt") == b"written by adafruit_sdcard\n"
    assert read_with_pyfatfs(image, "logs/big.bin") == bytes(range(256)) * 40
    # and a new VfsFat reads it back over CMD18 multi-block reads
    again = storage.VfsFat(adafruit_sdcard.SDCard(board.SPI(), cs))
    with again.open("/logs/big.bin", "rb") as stream:
        assert stream.read() == bytes(range(256)) * 40


LOGGER = """\
import time
import board
import busio
import digitalio
import microcontroller
import storage
CARD_SETUP
vfs = storage.VfsFat(sdcard)
storage.mount(vfs, "/sd")
print("mounted", storage.getmount("/sd").label)
for reading in range(3):
    with open("/sd/temperature.txt", "a") as fp:
        fp.write("{:d},{:.1f}\\n".format(reading, 20.5 + reading))
        fp.flush()
print(sorted(__import__("os").listdir("/sd")))
print(open("/sd/temperature.txt").read().count(chr(10)), "lines")
print("statvfs", __import__("os").statvfs("/sd")[0] > 0)
"""

SDCARDIO = """\
import sdcardio
sdcard = sdcardio.SDCard(board.SPI(), board.D10)
"""
ADAFRUIT = """\
import adafruit_sdcard
sdcard = adafruit_sdcard.SDCard(board.SPI(), digitalio.DigitalInOut(board.D10))
"""

PARTS = """\
[card]
type = "SDCard"
clock = "SCK"
mosi = "MOSI"
miso = "MISO"
cs = "D10"
image = "{image}"
"""


def _drive(tmp_path: Path, setup: str) -> tuple[Path, Path]:
    folder = tmp_path / "CIRCUITPY"
    (folder / "sd").mkdir(parents=True)
    (folder / "lib").mkdir()
    image = tmp_path / "card.img"
    (folder / "code.py").write_text(LOGGER.replace("CARD_SETUP\n", setup))
    (folder / "parts.toml").write_text(PARTS.format(image=image))
    return folder, image


def _exec(tmp_path: Path, code: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PROTOBOARD_CACHE_DIR": str(tmp_path / "pb-cache")}
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(code)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip


def _check(text: str, image: Path) -> None:
    assert "['temperature.txt']" in text
    assert "3 lines" in text
    assert "statvfs True" in text
    assert read_with_pyfatfs(image, "temperature.txt") == b"0,20.5\n1,21.5\n2,22.5\n"


def test_data_logger_with_sdcardio_in_exec(tmp_path) -> None:
    folder, image = _drive(tmp_path, SDCARDIO)
    done = _exec(tmp_path, folder / "code.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mounted SDCARD" in done.stdout
    _check(done.stdout, image)
    assert not (folder / "sd" / "temperature.txt").exists()  # on the card, not on CIRCUITPY
    assert not (tmp_path / "temperature.txt").exists()


def test_data_logger_with_adafruit_sdcard_in_exec(tmp_path, adafruit_libs) -> None:
    folder, image = _drive(tmp_path, ADAFRUIT)
    shutil.copy(Path(adafruit_libs) / "adafruit_sdcard.py", folder / "lib")
    shutil.copytree(
        Path(adafruit_libs) / "adafruit_bus_device", folder / "lib" / "adafruit_bus_device"
    )
    done = _exec(tmp_path, folder / "code.py")
    assert done.returncode == 0, done.stdout + done.stderr
    _check(done.stdout, image)


def test_data_logger_in_run(tmp_path) -> None:
    folder, image = _drive(tmp_path, SDCARDIO)
    board = BoardProcess(folder)
    try:
        text = board.wait_for(r"Code done running\.", timeout=60)
    finally:
        board.stop()
    _check(text, image)
