"""The supervisor's typed protocol and its rooms: every message kind has exactly one handler,
messages cross a pipe, all state is set in __init__, and set_usb_identification() reaches the
supervisor and is kept as the board's USB identity."""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import pickle
import textwrap
from pathlib import Path
from typing import Any

import pytest

from protoboard.runtime import control, events, messages, vmpool, world
from protoboard.runtime.supervisor import Supervisor

RUNTIME = Path(vmpool.__file__).parent


def kinds(base: type) -> set[type]:
    """Every concrete message class below ``base`` in its module."""
    found: set[type] = set()
    todo = [base]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def handled(method_name: str) -> set[type]:
    method = Supervisor.__dict__[method_name]
    assert isinstance(method, functools.singledispatchmethod)
    return set(method.dispatcher.registry) - {object}


@pytest.mark.parametrize(
    ("base", "method_name"),
    [
        (messages.ToSupervisor, "_on_vm_message"),
        (messages.ControlRequest, "_on_control"),
        (events.Event, "_on_event"),
    ],
)
def test_every_message_kind_has_exactly_one_handler(base, method_name):
    registry = handled(method_name)
    registry.discard(base)  # the fallback, which raises
    missing = kinds(base) - registry
    assert not missing, f"no handler for {sorted(k.__name__ for k in missing)}"
    strays = {k for k in registry if not issubclass(k, base)}
    assert not strays, f"handlers for non-messages: {strays}"
    functions = [Supervisor.__dict__[method_name].dispatcher.registry[k] for k in kinds(base)]
    assert len(set(functions)) == len(functions), "one handler per kind"


def test_the_vm_side_understands_every_message_to_it():
    from protoboard.runtime import vmprocess

    source = inspect.getsource(vmprocess)
    for kind in kinds(messages.ToVM):
        assert f"isinstance(message, {kind.__name__})" in source


def test_messages_are_frozen_and_cross_a_pipe():
    for kind in kinds(messages.ToSupervisor) | kinds(messages.ToVM):
        if kind is messages.Go:
            continue  # carries a VMConfig, pickled in every spare start of the run tests
        params = inspect.signature(kind).parameters
        sample: dict[str, Any] = {
            name: {"str": "x", "int": 1, "bool": True}.get(str(p.annotation).split(" ")[0], {})
            for name, p in params.items()
            if p.default is inspect.Parameter.empty
        }
        message = kind(**sample)
        assert dataclasses.is_dataclass(message)
        assert kind.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert pickle.loads(pickle.dumps(message)) == message


def test_control_requests_are_parsed_into_their_types():
    assert messages.parse_request({"op": "world"}) == messages.WorldRequest()
    assert messages.parse_request({"op": "status"}) == messages.StatusRequest()
    assert messages.parse_request(
        {"op": "set", "part": "BME280", "attribute": "temperature", "value": 30}
    ) == messages.SetRequest("BME280", "temperature", 30)
    assert messages.parse_request({"op": "dance"}) == messages.UnknownRequest("dance")
    with pytest.raises(KeyError):
        messages.parse_request({"op": "set", "part": "BME280"})


ROOMS = [
    "supervisor.py",
    "vmpool.py",
    "vmconsole.py",
    "imagesync.py",
    "world.py",
    "worldrelay.py",
    "messages.py",
    "events.py",
    "ble_workflow.py",
    "control.py",
    "state.py",
    "vmprocess.py",
]


@pytest.mark.parametrize("name", ROOMS)
def test_all_state_is_set_in_init(name):
    tree = ast.parse((RUNTIME / name).read_text())
    late = []
    for cls in [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]:
        in_init: set[str] = set()
        elsewhere: dict[str, str] = {}
        for method in cls.body:
            if not isinstance(method, ast.FunctionDef):
                continue
            for node in ast.walk(method):
                if (
                    isinstance(node, ast.Attribute)
                    and isinstance(node.ctx, ast.Store)
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "self"
                ):
                    if method.name == "__init__":
                        in_init.add(node.attr)
                    else:
                        elsewhere.setdefault(node.attr, method.name)
        fields = {
            n.target.id
            for n in cls.body
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
        }
        late += [
            f"{cls.name}.{attr} (in {where})"
            for attr, where in elsewhere.items()
            if attr not in in_init and attr not in fields
        ]
    assert not late, f"first set outside __init__: {late}"


def test_usb_identity_takes_the_values_given():
    identity = world.UsbIdentity()
    identity = identity.updated(messages.UsbIdentification("Maker", None, 0x1234, -1))
    identity = identity.updated(messages.UsbIdentification(None, "Gadget", -1, 0x5678))
    assert identity == world.UsbIdentity("Maker", "Gadget", 0x1234, 0x5678)
    assert identity.describe() == {
        "manufacturer": "Maker",
        "product": "Gadget",
        "vid": 0x1234,
        "pid": 0x5678,
    }


BOOT_SETS_USB = textwrap.dedent("""
    import os, supervisor
    if 'usb.txt' in os.listdir('/'):
        supervisor.set_usb_identification('Maker', 'Gadget', 0x1234, 0x5678)
""")
DEFAULT_USB = {"manufacturer": None, "product": None, "vid": -1, "pid": -1}


def test_usb_identification_is_kept_until_a_hard_reset(start_board):
    board = start_board({"boot.py": BOOT_SETS_USB, "usb.txt": "", "code.py": "print('one')\n"})
    board.wait_for(r"one\n")
    board.wait_for("Press any key")
    status = control.request(board.drive, {"op": "status"})
    assert status["ok"] and status["board"] == "protoboard_sim"
    assert status["usb_identification"] == {
        "manufacturer": "Maker",
        "product": "Gadget",
        "vid": 0x1234,
        "pid": 0x5678,
    }
    # a soft reload keeps it (boot.py does not run again; the USB device stays enumerated)
    (board.drive / "usb.txt").unlink()
    board.save("code.py", "print('two')\n")
    board.wait_for(r"two\n")
    board.wait_for("Press any key")
    assert control.request(board.drive, {"op": "status"})["usb_identification"]["vid"] == 0x1234
    # a hard reset forgets it; boot.py now leaves the board's own identity
    board.type(b"\r")
    board.wait_for(">>> ")
    board.type(b"import microcontroller; microcontroller.reset()\r")
    board.wait_for(r"two\n")
    board.wait_for("Press any key")
    assert control.request(board.drive, {"op": "status"})["usb_identification"] == DEFAULT_USB
