"""The AirLift (ESP32SPI) part on its own, without adafruit_esp32spi: NINA frames as bytes,
the busy handshake, reset and the ROM bootloader strap, and malformed input."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.airlift import (
    ERROR_REPLY,
    FrameError,
    parse_frame,
    reply_frame,
)

pytestmark = pytest.mark.board("pyportal")


def test_frames_both_ways() -> None:
    assert parse_frame(
        bytes([0xE0, 0x11, 2, 3]) + b"abc" + bytes([2]) + b"xy" + b"\xee\x00\x00"
    ) == (
        0x11,
        [b"abc", b"xy"],
    )
    # the socket data commands carry two-byte lengths
    assert parse_frame(bytes([0xE0, 0x44, 1, 0, 2, 7, 8, 0xEE])) == (0x44, [b"\x07\x08"])
    assert reply_frame(0x37, [b"3.3.0\x00"]) == bytes(
        [0xE0, 0xB7, 1, 6]
    ) + b"3.3.0\x00\xee" + bytes(1)  # padded to 12
    assert reply_frame(0x45, [b"ab"], wide=True) == bytes(
        [0xE0, 0xC5, 1, 0, 2]
    ) + b"ab\xee" + bytes(0)
    assert len(ERROR_REPLY) % 4 == 0


@pytest.mark.parametrize(
    ("frame", "words"),
    [
        (b"\xe0\x37", "at least 4 bytes"),
        (b"\x00\x37\x00\xee", "not START_CMD"),
        (b"\xe0\xb7\x00\xee", "reply flag"),
        (b"\xe0\x37\x02\x01\x00", "ends before parameter 2"),
        (b"\xe0\x37\x01\x09\x00\xee", "says 9 bytes"),
        (b"\xe0\x37\x00\x00", "no END_CMD"),
    ],
)
def test_malformed_frames_say_what_is_wrong(frame: bytes, words: str) -> None:
    with pytest.raises(FrameError, match=words):
        parse_frame(frame)


class Host:
    """The program's side of the handshake, in plain digitalio and busio."""

    def __init__(self) -> None:
        import board
        import busio
        import digitalio

        self.spi = busio.SPI(board.SCK, board.MOSI, board.MISO)
        self.cs = digitalio.DigitalInOut(board.ESP_CS)
        self.cs.switch_to_output(True)
        self.busy = digitalio.DigitalInOut(board.ESP_BUSY)
        self.reset = digitalio.DigitalInOut(board.ESP_RESET)
        self.reset.switch_to_output(True)
        self.gpio0 = digitalio.DigitalInOut(board.ESP_GPIO0)
        while not self.spi.try_lock():
            pass

    def wait_ready(self, seconds: float = 2.0) -> bool:
        deadline = time.monotonic() + seconds
        while self.busy.value:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def transaction(self, out: bytes, reply_length: int = 0) -> bytes:
        assert self.wait_ready()
        self.cs.value = False
        assert self.busy.value  # the firmware raises busy as soon as it is selected
        self.spi.write(out)
        self.cs.value = True
        assert self.wait_ready()
        self.cs.value = False
        reply = bytearray(reply_length)
        self.spi.readinto(reply)
        self.cs.value = True
        return bytes(reply)


def test_commands_reset_and_the_bootloader_strap(sim) -> None:
    host = Host()
    version = bytes([0xE0, 0x37, 0, 0xEE])
    assert host.transaction(version, 12) == reply_frame(0x37, [b"3.3.0\x00"])
    # a frame with a parameter longer than the frame: the error reply, then business as usual
    assert host.transaction(bytes([0xE0, 0x37, 1, 200, 0xEE, 0, 0, 0]), 4) == ERROR_REPLY
    assert sim.part("ESP32").bad_frames == 1
    # a socket number the firmware does not have
    assert host.transaction(bytes([0xE0, 0x2B, 1, 1, 9, 0xEE, 0, 0]), 4) == ERROR_REPLY
    assert "socket 9 does not exist" in sim.part("ESP32").problems[-1]
    assert host.transaction(version, 12)[:4] == bytes([0xE0, 0xB7, 1, 6])

    # GPIO0 held low while reset ends: the ROM bootloader, which never answers
    host.gpio0.switch_to_output(False)
    host.reset.value = False
    assert host.busy.value
    host.reset.value = True
    assert not host.wait_ready(0.5)
    assert "ROM bootloader" in sim.part("ESP32").problems[-1]
    # GPIO0 let go (its pull-up) and another reset: NINA boots again
    host.gpio0.switch_to_input()
    host.reset.value = False
    host.reset.value = True
    assert host.busy.value  # booting
    assert host.transaction(version, 12) == reply_frame(0x37, [b"3.3.0\x00"])


@pytest.mark.board("metro_m4_airlift_lite")
def test_the_metro_m4_airlift_carries_one(sim) -> None:
    host = Host()
    reply = host.transaction(bytes([0xE0, 0x22, 1, 1, 0xFF, 0xEE, 0, 0]), 12)  # GET_MACADDR
    assert reply[:4] == bytes([0xE0, 0xA2, 1, 6])
    assert reply[4:10][::-1][:3] == bytes([0x24, 0x0A, 0xC4])  # Espressif's, last byte first
    assert sim.part("ESP32").commands["GET_MACADDR"] == 1
