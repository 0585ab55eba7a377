"""The port contract holds: every registered implementation is concrete and fulfils its
contract, and every module a board enables is implemented by its port."""

import inspect

import pytest

from protoboard.boards import BoardError, parse_board
from protoboard.hal.base import Implementation, contract_name
from protoboard.modules import CONTRACTS, MODULES
from protoboard.registry import load_ref, ports

PORTS = sorted(ports())


def test_the_sim_port_is_registered():
    assert "sim" in PORTS
    assert ports()["sim"].detected()


@pytest.mark.parametrize("port_name", PORTS)
def test_every_implementation_is_concrete_and_fulfils_its_contract(port_name):
    port = ports()[port_name]
    for contract, ref in port.implementations.items():
        name = contract_name(contract)
        assert contract in CONTRACTS, (
            f"{port_name}: '{name}' is not a contract in protoboard.modules"
        )
        cls = port.implementation(contract)
        assert issubclass(cls, contract), f"{ref} does not subclass {name}"
        assert not inspect.isabstract(cls), (
            f"{ref} leaves abstract: {sorted(cls.__abstractmethods__)}"
        )


@pytest.mark.parametrize("port_name", PORTS)
def test_every_board_module_is_implemented_by_its_port(port_name):
    port = ports()[port_name]
    boards = _blinka_model_boards() if port_name == "blinka" else port.boards
    assert boards, f"port {port_name} ships no board file"
    for board in boards.values():
        for module in board.modules:
            assert module in MODULES, f"{board.board_id} enables unknown module '{module}'"
            spec = MODULES[module]
            for contract in spec.needs:
                assert contract in port.implementations, (
                    f"{board.board_id} enables {module}, "
                    f"but port {port_name} has no {contract_name(contract)}"
                )
            for used in spec.uses:
                assert used in board.modules, f"{board.board_id}: {module} needs {used}"


def test_contracts_are_the_abstract_classes_of_the_module_table():
    assert CONTRACTS, "no contract in protoboard.modules"
    for contract in CONTRACTS:
        assert issubclass(contract, Implementation) and inspect.isabstract(contract), contract
        module = contract_name(contract).partition(".")[0]
        assert contract.__module__ == f"protoboard.hal.{module}"
        assert module in MODULES and contract in MODULES[module].needs


def test_a_missing_implementation_names_its_contract():
    from protoboard.hal.digitalio import DigitalInOut
    from protoboard.registry import Port

    empty = Port("empty", "no implementations", 0, {}, "x:y", "protoboard.ports.sim", "x")
    with pytest.raises(NotImplementedError, match="no implementation of digitalio.DigitalInOut"):
        empty.implementation(DigitalInOut)


def test_every_contract_module_has_a_binding():
    for module in MODULES.values():
        load_ref(f"{module.binding}:__name__")


def test_board_files_are_checked():
    good = {"board_id": "x", "modules": ["board"], "pins": {"P0": ["D0"]}}
    assert parse_board(good, "x.toml").board_names == {"D0": "P0"}
    with pytest.raises(BoardError, match="missing required key 'pins'"):
        parse_board({"board_id": "x", "modules": []}, "x.toml")
    with pytest.raises(BoardError, match="board name 'D0' is given to P0 and P1"):
        parse_board({**good, "pins": {"P0": ["D0"], "P1": ["D0"]}}, "x.toml")
    with pytest.raises(BoardError, match="bus 'i2c' uses unknown pin 'SCL'"):
        parse_board({**good, "buses": {"i2c": {"scl": "SCL", "sda": "D0"}}}, "x.toml")
    with pytest.raises(BoardError, match="capability 'pwm' names unknown pin 'D9'"):
        parse_board({**good, "capabilities": {"pwm": ["D9"]}}, "x.toml")


def test_a_taken_pin_is_a_hal_error_that_the_bindings_translate(rec):
    import board
    import digitalio

    from protoboard.hal.errors import PinInUse
    from protoboard.machine import current

    held = digitalio.DigitalInOut(board.D1)
    with pytest.raises(PinInUse) as caught:
        current().claim([board.D1])
    assert caught.value.pin_name == "D1"
    with pytest.raises(ValueError, match="^D1 in use$"):
        digitalio.DigitalInOut(board.D1)
    held.deinit()


def test_a_port_without_simulation_says_so(rec):
    from protoboard.hal.errors import NotSimulated

    with pytest.raises(NotSimulated, match="'recording_board' is not simulated"):
        rec.simulated_world()


def test_machine_create_builds_the_port_class_on_the_backend(rec):
    from protoboard.hal.analogio import AnalogIn
    from protoboard.machine import current

    made = current().create(AnalogIn, "P20")
    assert type(made).__name__ == "AnalogIn" and made.backend is rec
    assert rec.calls("analogio.AnalogIn", "__init__") == [("P20",)]


def _blinka_model_boards():
    """The blinka port's boards come from Blinka's board module at run time: a module shaped
    like one (pins are objects of a class named Pin with an id) stands in for it."""
    import types

    from protoboard.ports.blinka.boarddata import board_from_module

    class Pin:
        def __init__(self, pin_id):
            self.id = pin_id

    module = types.ModuleType("model_board")
    module.D4 = module.LED = Pin(4)
    module.board_id = "MODEL_BOARD"
    board = board_from_module(module)
    assert board.pins == {"P4": ("D4", "LED")}
    return {board.board_id: board}
