"""Generate the support matrix from the board files, at build time.

When the builder starts, this reads every installed port (``protoboard.registry.ports()``), the
boards each port ships (``Port.boards``: :class:`protoboard.boards.BoardDef` objects read from
``ports/<port>/boards/*.toml``) and the built-in module table (``protoboard.modules.MODULES``),
and writes ``docs/_generated/support_matrix.rst``. ``support-matrix.rst`` includes that file, so
the tables are never edited by hand and never go stale.

The file is only rewritten when its text changes, so an unchanged build stays incremental.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

GENERATED = "_generated"
FILENAME = "support_matrix.rst"

YES = "yes"
NO = "--"

#: board-file capability names, as the pin table shows them
CAPABILITIES = {
    "analog_in": "analog input (``analogio.AnalogIn``)",
    "analog_out": "analog output (``analogio.AnalogOut``)",
    "pwm": "PWM (``pwmio.PWMOut``)",
    "touch": "touch",
}


def _escape(text: str) -> str:
    """Text that is safe inside reST inline markup-free cells."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`").replace("|", "\\|")


def _heading(text: str, char: str) -> list[str]:
    return [text, char * len(text), ""]


def _list_table(
    title: str,
    header: list[str],
    rows: Iterable[list[str]],
    *,
    widths: str | None = None,
    stub: bool = True,
) -> list[str]:
    lines = [f".. list-table:: {title}", "   :header-rows: 1"]
    if stub:
        lines.append("   :stub-columns: 1")
    if widths:
        lines.append(f"   :widths: {widths}")
    lines.append("")
    for row in [header, *rows]:
        for i, cell in enumerate(row):
            lines.append(f"   {'*' if i == 0 else ' '} - {cell or ' '}")
    lines.append("")
    return lines


def board_label(board_id: str) -> str:
    """The reST label of a board's section (``:ref:`board-protoboard_sim```)."""
    return f"board-{board_id}"


def _module_ref(name: str, docs_dir: Path) -> str:
    """A link to the module's API page when it has one, else the name as code."""
    if (docs_dir / "api" / f"{name}.rst").is_file():
        return f":doc:`{name} </api/{name}>`"
    return f"``{name}``"


def _module_status(module: Any, board: Any, port: Any) -> str:
    """How a board supports a module: enabled and implemented, enabled without an
    implementation on the port, or not enabled."""
    if module.name not in board.modules:
        return NO
    missing = [key for key in module.needs if key not in port.implementations]
    if missing:
        from protoboard.hal.base import contract_name

        lacks = ", ".join(f"``{contract_name(key)}``" for key in missing)
        return "enabled, but the port lacks " + lacks
    return YES


def _port_option(port: Any) -> str:
    """`` --port NAME`` for a port that is not chosen by default on a development machine."""
    return "" if port.name == "sim" else f" --port {port.name}"


def _board_section(board: Any, port: Any, modules: dict[str, Any], docs_dir: Path) -> list[str]:
    lines = [f".. _{board_label(board.board_id)}:", ""]
    lines += _heading(f"{board.name} (``{board.board_id}``)", "~")
    provided = [name for name in modules if name in board.modules]
    lines += [
        f":Port: ``{port.name}``",
        f":Microcontroller: {_escape(board.mcu)}",
        f":Non-volatile memory: {board.nvm_size} bytes",
        ":Built-in modules: " + (", ".join(_module_ref(m, docs_dir) for m in provided) or "none"),
        f":Use it: ``protoboard exec code.py{_port_option(port)} --board {board.board_id}``",
        "",
    ]
    rows = []
    for pin_id, names in board.pins.items():
        abilities = sorted(c for c, ids in board.capabilities.items() if pin_id in ids)
        rows.append(
            [
                ", ".join(f"``board.{name}``" for name in names) or "(none)",
                f"``microcontroller.pin.{pin_id}``",
                ", ".join(CAPABILITIES.get(a, a.replace("_", " ")) for a in abilities),
            ]
        )
    lines += _list_table(
        "Pins",
        ["Board names", "Microcontroller pin", "Also usable as"],
        rows,
        widths="40 35 25",
        stub=False,
    )
    if board.buses:
        rows = []
        for bus, pins in board.buses.items():
            wiring = ", ".join(
                f"{role} = ``board.{name}``" for role, name in pins.pins.items() if name
            )
            rows.append([f"``board.{bus.upper()}()``", wiring])
        lines += _list_table(
            "Default buses", ["Function", "Pins"], rows, widths="30 70", stub=False
        )
    if board.parts:
        rows = []
        for spec in board.parts:
            wiring = ", ".join(
                f"{key} = ``{value}``" for key, value in spec.items() if key not in ("type", "name")
            )
            name = spec.get("name", spec["type"])
            rows.append([f"``{name}``", f"``{spec['type']}``", wiring])
        lines += _list_table(
            "On-board parts (see :doc:`/simulator`)",
            ["Name", "Part", "Wiring and options"],
            rows,
            widths="25 25 50",
            stub=False,
        )
    return lines


def render(docs_dir: Path) -> str:
    """The whole generated page body."""
    from protoboard.boards import stub_board_ids
    from protoboard.modules import MODULES
    from protoboard.registry import ports

    lines = [
        ".. This file is generated by docs/_ext/support_matrix.py from the board files.",
        "   Do not edit it: change ports/<port>/boards/*.toml or protoboard/modules.py instead.",
        "",
    ]
    installed = dict(sorted(ports().items()))
    lines += _heading("Modules by board", "-")
    lines += [
        f"``{YES}`` means the board enables the module and its port implements it; ``{NO}`` means "
        "the board does not have it (``import`` fails, as on the real board).",
        "",
    ]
    for port in installed.values():
        boards = list(port.boards.values())
        if not boards:
            continue
        header = ["Module", *(f":ref:`{b.board_id} <{board_label(b.board_id)}>`" for b in boards)]
        rows = [
            [_module_ref(name, docs_dir), *(_module_status(module, b, port) for b in boards)]
            for name, module in MODULES.items()
        ]
        lines += _list_table(f"Port ``{port.name}``: {_escape(port.description)}", header, rows)

    stub_count = len(stub_board_ids())
    simulators = [p.name for p in installed.values() if p.any_stub_board]
    if simulators:
        lines += _heading("Real boards", "-")
        lines += [
            f"The ``{'``, ``'.join(simulators)}`` port can also simulate the pinout of any of the "
            f"**{stub_count}** real CircuitPython boards described by the "
            "`circuitpython-stubs <https://pypi.org/project/circuitpython-stubs/>`__ package "
            "(installed with Protoboard). Find a board's id with "
            "``protoboard boards --search WORD``, see its pins with "
            "``protoboard boards --show ID``, then run your program on it::",
            "",
            "   protoboard exec code.py --board adafruit_feather_rp2040",
            "",
            "Such a board has the real board's pin names, default buses and module list "
            "(limited to the modules Protoboard provides); it has no on-board parts.",
            "",
        ]

    lines += _heading("Board details", "-")
    for port in installed.values():
        for board in port.boards.values():
            lines += _board_section(board, port, MODULES, docs_dir)
    return "\n".join(lines).rstrip() + "\n"


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` unless it already holds it; return whether it wrote."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def generate(app: Any) -> None:
    docs_dir = Path(app.srcdir)
    write_if_changed(docs_dir / GENERATED / FILENAME, render(docs_dir))


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
