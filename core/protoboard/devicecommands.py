"""``protoboard devices`` and ``protoboard console``: real CircuitPython boards from the PC side."""

from __future__ import annotations

import json
import sys

import click

from protoboard.cli import CONTEXT, fail

NO_PYSERIAL = (
    "this command needs pyserial",
    "install it with: pip install 'protoboard[devices]'",
)


def _boards() -> list[object]:
    from protoboard import devices

    try:
        return list(devices.find_boards(devices.SOURCES))
    except ModuleNotFoundError as exc:
        if exc.name != "serial" and not (exc.name or "").startswith("serial."):
            raise
        fail(*NO_PYSERIAL)
        raise  # unreachable: fail() exits


@click.command("devices", context_settings=CONTEXT)
@click.option("--json", "as_json", is_flag=True, help="Print the list as JSON, for scripts.")
def devices(as_json: bool) -> None:
    """List the CircuitPython boards plugged into this computer, with their serial port (the
    REPL) and their CIRCUITPY drive."""
    from protoboard.devices import Board

    boards = [board for board in _boards() if isinstance(board, Board)]
    if as_json:
        click.echo(json.dumps([board.as_json() for board in boards], indent=2))
        return
    if not boards:
        click.echo(
            "No CircuitPython board found. Plug one in with a data USB cable (some cables only "
            "charge); if it still is not listed, double-click its reset button and check that "
            "CircuitPython is installed on it."
        )
        return
    for board in boards:
        version = f" (CircuitPython {board.version})" if board.version else ""
        click.secho(f"{board.name}{version}", bold=True)
        click.echo(f"  serial port: {board.port or 'none (the REPL is turned off in boot.py)'}")
        if board.data_port:
            click.echo(f"  data port:   {board.data_port}")
        click.echo(f"  drive:       {board.drive or 'not mounted'}")
        if board.board_id:
            click.echo(f"  board id:    {board.board_id}")
        click.echo(f"  usb id:      {board.vid:04x}:{board.pid:04x} serial {board.serial_number}")


def _looks_like_port(target: str) -> bool:
    return target.startswith("/dev/") or target.upper().startswith("COM")


@click.command("console", context_settings=CONTEXT)
@click.argument("target", required=False, metavar="[PORT|BOARD]")
def console(target: str | None) -> None:
    """Open a board's serial console (the REPL) in this terminal. Ctrl-] quits.

    With no argument, opens the only board connected. Otherwise name it by serial port
    (/dev/ttyACM0, COM3), board id, product name or serial number, as 'protoboard devices'
    shows them."""
    from protoboard import devices

    if target is not None and _looks_like_port(target):
        port = target
    else:
        found = [board for board in _boards() if isinstance(board, devices.Board)]
        try:
            board = devices.choose(found, target)
        except devices.ChoiceError as exc:
            fail(str(exc))
            return
        if board.port is None:
            fail(f"{board.name} has no REPL serial port", "boot.py turned it off (usb_cdc)")
            return
        port = board.port
    try:
        from protoboard.terminal import open_terminal
    except ModuleNotFoundError:
        fail(*NO_PYSERIAL)
        return
    sys.exit(open_terminal(port))
