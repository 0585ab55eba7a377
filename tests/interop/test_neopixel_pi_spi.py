"""The unmodified ``neopixel`` library on a Raspberry Pi board of the Linux port: its
``neopixel_write`` calls go out of SPI0's MOSI as WS2812 bits. A model spidev device (no SPI
controller on this machine) records the transfers; the test decodes them back into colours."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("gpiod", reason="the 'linux' extra is not installed")

from protoboard import machine, testing

pytestmark = pytest.mark.network

#: a 0 is high 250-380 ns, a 1 high 650-850 ns (the WS2812/WS2812B/WS2812B-V5 data sheets)
T0H, T1H = (250, 380), (650, 850)


class SpiDevRecorder:
    """A spidev device: keeps what it was set to and each transfer."""

    made: list[SpiDevRecorder] = []

    def __init__(self) -> None:
        self.max_speed_hz = 0
        self.mode = self.bits_per_word = 0
        self.no_cs = False
        self.frames: list[bytes] = []
        SpiDevRecorder.made.append(self)

    def open_path(self, path: str) -> None:
        assert Path(path).exists(), path

    def writebytes2(self, data: bytes) -> None:
        self.frames.append(bytes(data))

    def close(self) -> None:
        pass


def pixels_seen(frame: bytes, clock_hz: int) -> list[tuple[int, int, int]]:
    """(G, R, B) of each pixel a WS2812 chain reads from the frame: each SPI byte is one
    pulse whose high time says 0 or 1."""
    bits = []
    for byte in frame.lstrip(b"\x00"):
        high_ns = (8 - len(f"{byte:08b}".lstrip("1"))) * 1e9 / clock_hz
        assert T0H[0] <= high_ns <= T0H[1] or T1H[0] <= high_ns <= T1H[1], high_ns
        bits.append("1" if high_ns >= T1H[0] else "0")
    data = [int("".join(bits[i : i + 8]), 2) for i in range(0, len(bits), 8)]
    return [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 3)]


@pytest.fixture
def pi_with_libs(
    adafruit_libs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("PROTOBOARD_LINUX_ROOT", str(tmp_path))
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/spidev0.0").write_text("")  # SPI enabled
    SpiDevRecorder.made = []
    monkeypatch.setitem(sys.modules, "spidev", types.SimpleNamespace(SpiDev=SpiDevRecorder))
    monkeypatch.syspath_prepend(str(adafruit_libs))
    root = str(adafruit_libs.resolve())
    try:
        with testing.activated(machine.create("linux", "raspberrypi_pi4b")):
            yield
    finally:
        for name, module in list(sys.modules.items()):
            if (getattr(module, "__file__", None) or "").startswith(root):
                del sys.modules[name]


def test_neopixel_library_on_d10(pi_with_libs: None) -> None:
    import board
    import neopixel

    pixels = neopixel.NeoPixel(board.D10, 4, auto_write=False, pixel_order=neopixel.GRB)
    pixels.fill((255, 0, 16))
    pixels[2] = (1, 2, 3)
    pixels.show()
    (device,) = SpiDevRecorder.made
    frame = device.frames[-1]
    assert pixels_seen(frame, device.max_speed_hz) == [(0, 255, 16)] * 2 + [(2, 1, 3), (0, 255, 16)]
    pixels.deinit()  # the library blanks the strip and releases the pin
    assert pixels_seen(device.frames[-1], device.max_speed_hz) == [(0, 0, 0)] * 4
