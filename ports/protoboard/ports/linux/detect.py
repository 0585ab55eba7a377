"""Which Linux board this is, through adafruit-platformdetect (the detector Blinka uses)."""

from __future__ import annotations

import sys
from functools import cache

from protoboard.ports.linux.backend import on_host

#: PlatformDetect board id -> our board file, one per GPIO controller family
PI_BOARDS = {
    **dict.fromkeys(
        ("RASPBERRY_PI_5", "RASPBERRY_PI_500", "RASPBERRY_PI_CM5", "RASPBERRY_PI_CM5_LITE"),
        "raspberrypi_pi5",
    ),
    **dict.fromkeys(
        ("RASPBERRY_PI_4B", "RASPBERRY_PI_400", "RASPBERRY_PI_CM4", "RASPBERRY_PI_CM4S"),
        "raspberrypi_pi4b",
    ),
    **dict.fromkeys(
        (
            "RASPBERRY_PI_B_PLUS",
            "RASPBERRY_PI_A_PLUS",
            "RASPBERRY_PI_2B",
            "RASPBERRY_PI_3B",
            "RASPBERRY_PI_3B_PLUS",
            "RASPBERRY_PI_3A_PLUS",
            "RASPBERRY_PI_CM3",
            "RASPBERRY_PI_CM3_PLUS",
            "RASPBERRY_PI_ZERO",
            "RASPBERRY_PI_ZERO_W",
            "RASPBERRY_PI_ZERO_2_W",
        ),
        "raspberrypi_pi3b",
    ),
}


@cache
@on_host
def detected_board() -> str | None:
    """Our board id for this computer, or None when it is not a board we know."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        from adafruit_platformdetect import Detector
    except ImportError:  # the 'linux' extra is not installed
        return None
    try:
        board_id = Detector().board.id
    except Exception:  # a detector bug must not stop `protoboard` from starting
        return None
    return PI_BOARDS.get(str(board_id))


def detect() -> bool:
    return detected_board() is not None
