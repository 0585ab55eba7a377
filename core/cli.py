"""The ``protoboard`` command."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

import click

from protoboard import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, hint: str | None = None) -> None:
    """Stop with a plain-language message (and what to do about it), exit status 2."""
    click.secho(f"protoboard: {message}", fg="red", err=True)
    if hint:
        click.echo(f"  {hint}", err=True)
    sys.exit(2)


def _make_machine(port: str | None, board: str | None) -> Any:
    from protoboard import machine
    from protoboard.boards import BoardError
    from protoboard.registry import PortError, select_port

    try:
        selected = select_port(port)
        return machine.Machine(selected, selected.board(board))
    except PortError as exc:
        fail(str(exc))
    except BoardError as exc:
        hint = None
        if board:
            ids = select_port(port).board_ids()
            close = difflib.get_close_matches(board, ids, n=3, cutoff=0.6)
            hint = (f"did you mean: {', '.join(close)}?" if close
                    else "run 'protoboard boards --search WORD' to find a board id")
        fail(str(exc), hint)


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="protoboard")
def main() -> None:
    """Protoboard: CircuitPython's way of programming hardware, on a simulated board or a real
    one.

    \b
    Start here:
      protoboard exec examples/blink/code.py     run a program on the simulated board
      protoboard boards --search feather         find a real board to simulate
      protoboard exec code.py --board adafruit_feather_rp2040 --trace

    Every command has its own --help.
    """


@main.command("exec", context_settings=CONTEXT)
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--board", "board", metavar="ID", help="Board to simulate (default: protoboard_sim). "
              "Any board id from 'protoboard boards' works.")
@click.option("--port", metavar="NAME", help="Port to run on (default: the best one found; "
              "'sim' is always there). Also read from PROTOBOARD_PORT.")
@click.option("--lib", "libs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR", help="A library folder to import from, like CIRCUITPY/lib. "
              "Default: the lib/ folder next to FILE, if there is one. Repeatable.")
@click.option("--timeout", type=float, metavar="SECONDS",
              help="Stop the program after this many seconds (it counts as a normal end).")
@click.option("--trace", is_flag=True,
              help="Print every change of the simulated pins and parts to stderr.")
def exec_command(
    file: Path, board: str | None, port: str | None, libs: tuple[Path, ...],
    timeout: float | None, trace: bool,
) -> None:
    """Run FILE once, the way a board runs code.py.

    `import board`, `digitalio`, `busio`... give Protoboard's uniform API for the chosen board
    (ahead of anything installed, such as Blinka). Errors print as CircuitPython prints them.
    Press Ctrl-C to stop a program that runs forever.
    """
    from protoboard import testing, vm

    if not file.is_file():
        where = Path.cwd()
        fail(f"can't find the file '{file}'", f"check the name and folder (you are in {where})")
    for lib in libs:
        if not lib.is_dir():
            fail(f"library folder '{lib}' does not exist")
    target = _make_machine(port, board)
    with testing.activated(target):
        if trace:
            _start_trace(target)
        result = vm.run_file(file, lib_paths=libs, timeout=timeout)
    sys.stdout.flush()
    if result.traceback:
        click.echo(result.traceback, err=True, nl=False)
    if result.outcome is vm.Outcome.RESET:
        click.echo("microcontroller.reset() was called: the board would restart here.", err=True)
    if result.outcome is vm.Outcome.EXCEPTION:
        sys.exit(1)
    if result.outcome is vm.Outcome.INTERRUPTED:
        sys.exit(130)


def _start_trace(target: Any) -> None:
    """Print pin level changes and NeoPixel frames of a simulated board to stderr."""
    sim = target.backend
    pins = getattr(sim, "pins", None)
    if pins is None:
        click.echo("protoboard: --trace only works on the simulated board", err=True)
        return
    start: list[int] = []

    def stamp(when: int) -> str:
        if not start:
            start.append(when)
        return f"{(when - start[0]) / 1e9:9.3f}s"

    def on_level(pin: Any, level: bool, when: int) -> None:
        if pin.mode in ("output", "input", "pwm"):
            names = "/".join(pin.names) or pin.id
            click.echo(f"[sim {stamp(when)}] {names} -> {'high' if level else 'low'}", err=True)

    def on_data(pin: Any, data: bytes, kind: str) -> None:
        import time

        if kind == "neopixel":
            for part in sim.parts_on(pin.id):
                if hasattr(part, "pixels"):
                    click.echo(f"[sim {stamp(time.monotonic_ns())}] {part.name} pixels "
                               f"{part.pixels}", err=True)

    for pin in pins.values():
        pin.on_change(on_level)
        pin.on_data(on_data)


@main.command(context_settings=CONTEXT)
@click.option("--port", metavar="NAME", help="Port whose boards to list (default: best found).")
@click.option("--search", metavar="TEXT", help="Only boards whose id or name contains TEXT.")
@click.option("--show", metavar="ID", help="Show one board: pins, buses, modules and parts.")
def boards(port: str | None, search: str | None, show: str | None) -> None:
    """List the boards you can run on.

    The simulated port offers its own boards plus the pinout of every real CircuitPython board
    described by the circuitpython-stubs package (~640).
    """
    from protoboard.registry import PortError, select_port

    try:
        selected = select_port(port)
    except PortError as exc:
        fail(str(exc))
    if show:
        target = _make_machine(selected.name, show)
        _show_board(target.board)
        return
    own = selected.boards
    ids = selected.board_ids()
    if search:
        needle = search.lower()
        ids = [b for b in ids if needle in b.lower()
               or (b in own and needle in own[b].name.lower())]
    for board_id in ids:
        label = f"  {own[board_id].name}" if board_id in own else ""
        click.echo(f"{board_id}{label}")
    click.echo(f"\n{len(ids)} board(s) on port '{selected.name}'. "
               "Details: protoboard boards --show ID", err=True)


def _show_board(board: Any) -> None:
    from protoboard.modules import MODULES

    click.secho(f"{board.name} ({board.board_id}), MCU {board.mcu}", bold=True)
    click.echo("pins:")
    for pin_id, names in board.pins.items():
        extra = [c for c, ids in board.capabilities.items() if pin_id in ids]
        note = f"  [{', '.join(sorted(extra))}]" if extra else ""
        click.echo(f"  {' / '.join(names):<22} {pin_id}{note}")
    if board.buses:
        click.echo("default buses:")
        for name, bus in board.buses.items():
            wiring = ", ".join(f"{role}={pin}" for role, pin in bus.pins.items() if pin)
            click.echo(f"  board.{name.upper()}(): {wiring}")
    provided = sorted(m for m in board.modules if m in MODULES)
    click.echo(f"modules: {', '.join(provided)}")
    for part in board.parts:
        click.echo(f"on-board part: {part.get('name', part['type'])} ({part['type']})")


@main.command(context_settings=CONTEXT)
def parts() -> None:
    """List the simulated parts you can attach (sim.attach(...) in tests and scripts)."""
    from protoboard.ports.sim.parts import CATALOG, part_class

    for name in sorted(CATALOG):
        try:
            doc = (part_class(name).__doc__ or "").strip().splitlines()[0]
        except Exception as exc:  # a part module that fails to import must not hide the others
            doc = f"(unavailable: {exc})"
        click.echo(f"{name:<16} {doc}")


@main.command(
    "conformance",
    context_settings={**CONTEXT, "ignore_unknown_options": True, "help_option_names": []},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def conformance(args: tuple[str, ...]) -> None:
    """Compare Protoboard's modules with CircuitPython's (from circuitpython-stubs).

    Options are passed on: --json, --board ID (see `protoboard conformance --help`).
    """
    from protoboard.conformance import main as report

    sys.exit(report(list(args)))


if __name__ == "__main__":
    main()
