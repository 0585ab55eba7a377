"""The Linux port's registration, board files and detection (no hardware needed)."""

from __future__ import annotations

import errno

import pytest

from protoboard.boards import BoardError
from protoboard.registry import ports, select_port

PI_BOARDS = ("raspberrypi_pi3b", "raspberrypi_pi4b", "raspberrypi_pi5")


def test_the_linux_port_is_registered_and_named() -> None:
    port = select_port("linux")
    assert port is ports()["linux"]
    assert set(PI_BOARDS) <= set(port.board_ids())


@pytest.mark.parametrize("board_id", PI_BOARDS)
def test_pi_boards_have_the_40_pin_header(board_id: str) -> None:
    from protoboard.ports.linux.backend import linux_table

    board = select_port("linux").board(board_id)
    names = board.board_names
    assert [names[f"D{n}"] for n in range(28)] == [f"GPIO{n}" for n in range(28)]
    assert (names["SDA"], names["SCL"]) == ("GPIO2", "GPIO3")
    assert (names["SCK"], names["MOSI"], names["MISO"]) == ("GPIO11", "GPIO10", "GPIO9")
    assert (names["TX"], names["RX"]) == ("GPIO14", "GPIO15")
    table = linux_table(board)
    assert table["gpiochip_labels"] and table["i2c"][0]["bus"] == 1
    assert "analogio" not in board.modules  # a Pi has no ADC


@pytest.mark.parametrize("board_id", (*PI_BOARDS, "linux_gpio_sim"))
def test_each_hardware_pwm_channel_drives_one_pin(board_id: str) -> None:
    # Two pins on one channel would make PWMOut on one of them drive the other (on a Pi 4,
    # channel 0 goes to GPIO12 or GPIO18, whichever the overlay routes it to).
    from protoboard.ports.linux.backend import linux_table

    channels = [
        (e["chip"], e["channel"])
        for e in linux_table(select_port("linux").board(board_id)).get("pwm", [])
    ]
    assert len(channels) == len(set(channels))


def test_detection_maps_platformdetect_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("adafruit_platformdetect")
    from protoboard.ports.linux import PORT, detect

    class Board:
        id = "RASPBERRY_PI_ZERO_2_W"

    class Detector:
        board = Board()

    monkeypatch.setattr("adafruit_platformdetect.Detector", Detector)
    detect.detected_board.cache_clear()
    try:
        assert detect.detect() and PORT.board(None).board_id == "raspberrypi_pi3b"
        Board.id = "RASPBERRY_PI_5"
        detect.detected_board.cache_clear()
        assert PORT.board(None).board_id == "raspberrypi_pi5"
        Board.id = "GENERIC_LINUX_PC"
        detect.detected_board.cache_clear()
        assert not detect.detect()
        with pytest.raises(BoardError, match="not a board the 'linux' port recognises"):
            PORT.board(None)
    finally:
        detect.detected_board.cache_clear()


def test_nack_errnos_become_circuitpythons_enodev() -> None:
    from protoboard.hal.errors import BusError
    from protoboard.ports.linux.busio import _bus_error

    for code in (errno.ENXIO, errno.EREMOTEIO):
        assert _bus_error(OSError(code, "x"), 0x40).errno == errno.ENODEV
    assert _bus_error(OSError(errno.ETIMEDOUT, "x"), 0x40).errno == errno.ETIMEDOUT
    assert _bus_error(OSError(errno.EPROTO, "x"), 0x40).errno == errno.EIO
    busy = _bus_error(OSError(errno.EBUSY, "x"), 0x68)
    assert not isinstance(
        busy, BusError
    ) and "kernel driver is using the I2C device at 0x68" in str(busy)


@pytest.mark.hardware
def test_on_a_real_pi_blink_and_scan() -> None:
    """On a Raspberry Pi with the 'linux' extra: D17 toggles and I2C bus 1 scans."""
    from protoboard import machine, testing

    with testing.activated(machine.create("linux")):
        import board
        import busio
        import digitalio

        pin = digitalio.DigitalInOut(board.D17)
        pin.switch_to_output(value=True)
        assert pin.value is True
        pin.value = False
        assert pin.value is False
        pin.deinit()
        i2c = busio.I2C(board.SCL, board.SDA)
        assert i2c.try_lock()
        assert all(0x08 <= address <= 0x77 for address in i2c.scan())
        i2c.unlock()
