"""The blinka port's board data from Blinka-shaped board and chip modules (Blinka itself is
exercised in tests/interop/test_blinka_port.py): pin ids are the chip's names, capabilities
come from the chip's lists, default buses from the board's names."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from protoboard.ports.blinka.boarddata import board_from_module, board_pins


class Pin:
    """Shaped as Blinka's pins: an ``id``, equal by id and so unhashable (as most are)."""

    def __init__(self, pin_id: Any = None) -> None:
        self.id = pin_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Pin) and self.id == other.id

    __hash__ = None  # type: ignore[assignment]


def _module(name: str, **attributes: Any) -> ModuleType:
    module = ModuleType(name)
    vars(module).update(attributes)
    return module


def _pi_like() -> tuple[ModuleType, ModuleType]:
    """A chip module that names a pin twice with separate objects (``D2``/``SDA`` both
    ``Pin(2)``, as Blinka's bcm283x does) and lists its PWM and I2C pins."""
    chip = _module("chip", D2=Pin(2), D3=Pin(3), D12=Pin(12), SDA=Pin(2), SCL=Pin(3))
    chip.pwmOuts = (((0, 0), chip.D12),)
    chip.i2cPorts = ((1, chip.SCL, chip.SDA),)
    board = _module(
        "board", board_id="PI_LIKE", D2=chip.D2, SDA=chip.SDA, D3=chip.D3, SCL=chip.SCL,
        D12=chip.D12,
    )  # fmt: skip
    return board, chip


def test_pins_are_named_by_the_chip_and_shared_ids_are_one_pin() -> None:
    board, chip = _pi_like()
    definition = board_from_module(board, chip)
    assert definition.pins == {"D2": ("D2", "SDA"), "D3": ("D3", "SCL"), "D12": ("D12",)}
    assert board_pins(board, chip)["D2"][0] is chip.D2


def test_pins_without_an_id_stay_apart() -> None:
    # Blinka's OS-agnostic chip makes its bus pins as Pin() with no id: each is its own pin
    chip = _module("chip", D0=Pin(0), SDA=Pin(), SCL=Pin(), SCK=Pin(), MOSI=Pin())
    board = _module(
        "board", board_id="AGNOSTIC_LIKE", Dx_IN=chip.D0, SDA=chip.SDA, SCL=chip.SCL,
        SCK=chip.SCK, MOSI=chip.MOSI,
    )  # fmt: skip
    definition = board_from_module(board, chip)
    assert definition.pins == {
        "D0": ("Dx_IN",),
        "SDA": ("SDA",),
        "SCL": ("SCL",),
        "SCK": ("SCK",),
        "MOSI": ("MOSI",),
    }
    assert dict(definition.buses["i2c"].pins) == {"scl": "SCL", "sda": "SDA"}
    assert dict(definition.buses["spi"].pins) == {"clock": "SCK", "MOSI": "MOSI", "MISO": None}
    assert "uart" not in definition.buses


def test_capabilities_come_from_the_chips_lists_else_blinka_decides() -> None:
    board, chip = _pi_like()
    definition = board_from_module(board, chip)
    assert definition.has("pwm", "D12") and not definition.has("pwm", "D2")
    # no analogIns/analogOuts lists: allowed on every pin, Blinka's code refuses or not
    assert definition.assumed == {"analog_in", "analog_out"}
    assert dict(definition.buses["i2c"].pins) == {"scl": "SCL", "sda": "SDA"}


def test_a_pin_the_chip_does_not_list_keeps_its_id() -> None:
    board = _module("board", board_id="BRIDGE", C0=Pin(8), LED=Pin((1, 5)))
    definition = board_from_module(board, None)
    assert definition.pins == {"P8": ("C0",), "P1_5": ("LED",)}
    assert definition.board_id == "BRIDGE"
