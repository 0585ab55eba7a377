"""The ``protoboard`` command."""

from __future__ import annotations

import difflib
import sys
from pathlib import Path
from typing import Any

import click

from protoboard.version import __version__

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str, hint: str | None = None) -> None:
    """Stop with a plain-language message (and what to do about it), exit status 2."""
    click.secho(f"protoboard: {message}", fg="red", err=True)
    if hint:
        click.echo(f"  {hint}", err=True)
    sys.exit(2)


def _check_board(port: str | None, board: str | None) -> Any:
    """The port and board definition, or a friendly exit (no machine is built)."""
    from protoboard.boards import BoardError
    from protoboard.registry import PortError, select_port

    try:
        selected = select_port(port)
        return selected.board(board)
    except PortError as exc:
        fail(str(exc))
    except BoardError as exc:
        _board_hint(exc, port, board)


def _board_hint(exc: Exception, port: str | None, board: str | None) -> None:
    from protoboard.registry import select_port

    hint = None
    if board:
        ids = select_port(port).board_ids()
        close = difflib.get_close_matches(board, ids, n=3, cutoff=0.6)
        hint = (
            f"did you mean: {', '.join(close)}?"
            if close
            else "run 'protoboard boards --search WORD' to find a board id"
        )
    fail(str(exc), hint)


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
        _board_hint(exc, port, board)


class _LazyGroup(click.Group):
    """Loads heavy command groups (``protoboard ble``) only when they are used, so other
    commands, ``protoboard run`` above all, start fast."""

    lazy = {
        "ble": "protoboard.ble.commands:ble",
        "bundle": "protoboard.updater.commands:bundle",
        "check": "protoboard.check.commands:check",
        "freeze": "protoboard.updater.commands:freeze",
        "install": "protoboard.updater.commands:install",
        "list": "protoboard.updater.commands:list_command",
        "project": "protoboard.project.commands:project",
        "show": "protoboard.updater.commands:show",
        "uninstall": "protoboard.updater.commands:uninstall",
        "update": "protoboard.updater.commands:update",
        "devices": "protoboard.devicecommands:devices",
        "console": "protoboard.devicecommands:console",
        "gadget": "protoboard.gadgetcommands:gadget",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            from protoboard.registry import load_ref

            return load_ref(self.lazy[name])
        return super().get_command(ctx, name)


@click.group(cls=_LazyGroup, context_settings=CONTEXT)
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
@click.option(
    "--board",
    "board",
    metavar="ID",
    help="Board to simulate (default: protoboard_sim). "
    "Any board id from 'protoboard boards' works.",
)
@click.option(
    "--port",
    metavar="NAME",
    help="Port to run on (default: the best one found; "
    "'sim' is always there). Also read from PROTOBOARD_PORT.",
)
@click.option(
    "--lib",
    "libs",
    multiple=True,
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="A library folder to import from, like CIRCUITPY/lib. "
    "Default: the lib/ folder next to FILE, if there is one. Repeatable.",
)
@click.option(
    "--timeout",
    type=float,
    metavar="SECONDS",
    help="Stop the program after this many seconds (it counts as a normal end).",
)
@click.option(
    "--check",
    "check_board",
    metavar="ID",
    help="First say what would stop FILE on that real board (as 'protoboard check "
    "--board ID' does); the program runs anyway.",
)
@click.option(
    "--trace", is_flag=True, help="Print every change of the simulated pins and parts to stderr."
)
def exec_command(
    file: Path,
    board: str | None,
    port: str | None,
    libs: tuple[Path, ...],
    timeout: float | None,
    check_board: str | None,
    trace: bool,
) -> None:
    """Run FILE once, the way a board runs code.py.

    `import board`, `digitalio`, `busio`... give Protoboard's uniform API for the chosen board
    (ahead of anything installed, such as Blinka). Errors print as CircuitPython prints them.
    Press Ctrl-C to stop a program that runs forever.
    """
    from protoboard import testing, vm
    from protoboard.runtime import deepsleep

    if not file.is_file():
        where = Path.cwd()
        fail(f"can't find the file '{file}'", f"check the name and folder (you are in {where})")
    for lib in libs:
        if not lib.is_dir():
            fail(f"library folder '{lib}' does not exist")
    if check_board:
        _advise(file.resolve(), check_board)
    target = _make_machine(port, board)
    with testing.activated(target):
        _wire_parts(target, file.parent)
        if trace:
            _start_trace(target)
        file, libs = file.resolve(), tuple(lib.resolve() for lib in libs)
        _board_filesystem(file.parent)
        result = deepsleep.run_with_sleep(
            lambda left: vm.run_file(file, lib_paths=libs, timeout=left, show=_show_traceback),
            timeout,
            click.echo,
        )
    sys.stdout.flush()
    if result.outcome is vm.Outcome.RESET:
        click.echo("microcontroller.reset() was called: the board would restart here.", err=True)
    if result.outcome is vm.Outcome.EXCEPTION:
        sys.exit(1)
    if result.outcome is vm.Outcome.INTERRUPTED:
        sys.exit(130)


def _show_traceback(text: str) -> None:
    """A traceback on stderr when the board would print it (before atexit handlers run)."""
    sys.stdout.flush()
    click.echo(text, err=True, nl=False)


def _advise(file: Path, board_id: str) -> None:
    from protoboard.check.advice import advice, program_files

    text = advice(program_files(file.parent, file), board_id, file.parent)
    if text:
        click.secho(text, fg="yellow", err=True, nl=False)


def _board_filesystem(folder: Path) -> None:
    """The program's folder is its drive, as in 'protoboard run': ``/`` and relative paths are
    drive paths, ``os.getenv`` reads its settings.toml. (This process only runs the program.)"""
    from protoboard.runtime import paths, settings

    paths.install(folder, None)
    settings.install_os_getenv(folder)


def _wire_parts(target: Any, folder: Path) -> None:
    """The parts file beside the program (parts.toml), wired as 'protoboard run' does."""
    from protoboard.errors import UserError
    from protoboard.partsfile import wire_folder

    try:
        wire_folder(target, folder)
    except UserError as exc:
        fail(exc.message, exc.hint)


def _start_trace(target: Any) -> None:
    """Print what the program does to a simulated board on stderr: pin levels, PWM, analog
    reads and writes, I2C transactions and NeoPixel frames."""
    from protoboard.hal.errors import NotSimulated
    from protoboard.trace import Tracer

    try:
        sim = target.backend.simulated_world()
    except NotSimulated:
        click.echo("protoboard: --trace only works on the simulated board", err=True)
        return
    Tracer(sim, lambda line: click.echo(line, err=True)).start()


@main.command(context_settings=CONTEXT)
@click.option(
    "--board",
    "board",
    metavar="ID",
    help="Board to simulate (default: protoboard_sim). Any id from 'protoboard boards'.",
)
@click.option("--port", metavar="NAME", help="Port to run on (default: the best one found).")
@click.option(
    "--drive",
    type=click.Path(path_type=Path, file_okay=False),
    metavar="DIR",
    help="The CIRCUITPY folder (default: one in your user data folder, printed at "
    "start). Created with a first code.py if it does not exist.",
)
@click.option(
    "--image",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Serve a FAT disk image labelled CIRCUITPY instead of a folder (created if "
    "missing), e.g. for a Linux board's USB gadget.",
)
@click.option(
    "--image-size",
    type=int,
    default=2,
    show_default=True,
    metavar="MIB",
    help="Size of a new --image.",
)
@click.option(
    "--drive-size",
    type=click.IntRange(min=0, max=2048),
    default=2,
    show_default=True,
    metavar="MIB",
    help="Size of a folder drive, as a board's flash: os.statvfs reports it and writes past "
    "it fail with 'No space left on device' (0: no limit).",
)
@click.option(
    "--console",
    "consoles",
    multiple=True,
    metavar="KIND",
    help="More places for the serial console, besides this terminal: 'pty' (a "
    "/dev/pts device for screen, tio or pyserial) or 'tcp:PORT' (pyserial's "
    "socket://, on 127.0.0.1; 'tcp:HOST:PORT' elsewhere, which needs a password) or "
    "'serial:DEVICE' (a serial device, such as a USB gadget's /dev/ttyGS0). "
    "Repeatable; every endpoint mirrors the same console and can type in it. 'none' "
    "leaves only those. A TCP client must first send the password in "
    "PROTOBOARD_CONSOLE_PASSWORD if it is set; one speaking HTTP is closed unread.",
)
@click.option(
    "--data",
    "data",
    multiple=True,
    metavar="KIND",
    help="Where usb_cdc.data goes (when boot.py enables it): 'pty' or 'tcp:PORT', as "
    "--console. Repeatable.",
)
@click.option(
    "--ble",
    is_flag=True,
    help="Offer the drive and the console over Bluetooth LE "
    "(CircuitPython's BLE workflow, for Glider, PyLeap or 'protoboard ble'); needs "
    "BlueZ and pip install 'protoboard[ble]'. Also on with CIRCUITPY_BLE_WORKFLOW = true "
    "in settings.toml.",
)
@click.option(
    "--web",
    "web",
    is_flag=False,
    flag_value=-1,
    default=None,
    type=click.IntRange(-1, 65535),
    metavar="[PORT]",
    help="Serve CircuitPython's web workflow (/fs/, /cp/serial/, /edit/, for circup --host "
    "and browsers) on 127.0.0.1, port PORT (default: CIRCUITPY_WEB_API_PORT, else 8080; 0: a "
    "free one). Also on with CIRCUITPY_WEB_API_PASSWORD in settings.toml.",
)
@click.option(
    "--web-host",
    default="127.0.0.1",
    show_default=True,
    metavar="HOST",
    help="The address the web workflow listens on; 0.0.0.0 lets other computers in (with "
    "the password or the printed token).",
)
@click.option(
    "--safe-mode",
    is_flag=True,
    help="Start in safe mode, as if reset was pressed during boot: boot.py and code.py do not run.",
)
@click.option(
    "--memory-limit",
    type=int,
    default=512,
    show_default=True,
    metavar="MIB",
    help="Memory each run may use before it gets a MemoryError (0: no limit).",
)
@click.option(
    "--check",
    "check_board",
    metavar="ID",
    help="Before each run, say what would stop code.py on that real board (as 'protoboard "
    "check --board ID' does); it runs anyway.",
)
@click.option(
    "--panel/--no-panel",
    default=None,
    help="The board in one line at the bottom of the terminal: LEDs, NeoPixels, buttons, "
    "knobs (default: on when the terminal can show it; never in a pipe).",
)
@click.option(
    "--show",
    "show_pins",
    metavar="PINS",
    help="Pins to show in that line too, e.g. --show D5,A1 (level or PWM duty).",
)
def run(
    board: str | None,
    port: str | None,
    drive: Path | None,
    image: Path | None,
    image_size: int,
    drive_size: int,
    consoles: tuple[str, ...],
    data: tuple[str, ...],
    ble: bool,
    web: int | None,
    web_host: str,
    safe_mode: bool,
    memory_limit: int,
    check_board: str | None,
    panel: bool | None,
    show_pins: str | None,
) -> None:
    """Be a board: run code.py from the CIRCUITPY drive, and again whenever you save.

    \b
    Save code.py and it runs at once. When it ends, press any key for the REPL
    (>>> prompt); Ctrl-D reloads. Ctrl-C stops the program. Ctrl-] quits.
    Change the simulated world while it runs, from another terminal:
      protoboard sim set BUTTON.pressed true
    """
    from protoboard.runtime import vmserver

    vmserver.start_early()  # the slowest thing to get ready: start it first
    from protoboard.runtime.drive import default_location, image_work_folder
    from protoboard.runtime.supervisor import RunOptions, Supervisor

    _check_board(port, board)
    if image is not None and drive is not None:
        fail("give --drive or --image, not both")
    if image is not None:
        drive = image_work_folder(image)
    options = RunOptions(
        drive=drive or default_location(),
        port=port,
        board=board,
        image=image,
        image_size=image_size << 20,
        drive_size=drive_size << 20 if drive_size and image is None else None,
        ble=ble,
        web=False if web is None else (True if web == -1 else web),
        web_host=web_host,
        consoles=_console_list(consoles),
        data=tuple(_console_list((*data, "none"))),
        safe_mode=safe_mode,
        memory_limit=memory_limit << 20 if memory_limit > 0 else None,
        check=check_board,
        panel=panel,
        panel_pins=tuple(p.strip() for p in (show_pins or "").split(",") if p.strip()),
    )
    sys.exit(Supervisor(options).run())


def _console_list(extra: tuple[str, ...]) -> tuple[str, ...]:
    """The terminal is always a console endpoint unless 'none' is given; a wrong 'tcp:'
    form stops here, before the board starts."""
    from protoboard.errors import UserError
    from protoboard.runtime.console.tcp import TcpSpec

    for spec in extra:
        if spec.startswith("tcp:"):
            try:
                TcpSpec.parse(spec)
            except UserError as exc:
                fail(exc.message, exc.hint)
    if "none" in extra:
        return tuple(c for c in extra if c != "none")
    return ("terminal", *(c for c in extra if c != "terminal"))


@main.group(context_settings=CONTEXT)
def sim() -> None:
    """Change the simulated world of a running board (protoboard run).

    The board is the one whose drive you are in, the one given with --drive, or else the
    only one running. Parts wired at every start go in the drive's parts.toml (see the docs).

    \b
    protoboard sim parts                                  what is wired, what can be set
    protoboard sim set BUTTON.pressed true
    protoboard sim add Potentiometer --name knob --pin A1 position=0.25
    protoboard sim set knob.position 0.5
    protoboard sim add BME280 temperature=30              (on board.I2C())
    protoboard sim remove knob
    protoboard sim world                                  settings that outlive reloads
    """


def _drive_option(function: Any) -> Any:
    return click.option(
        "--drive",
        type=click.Path(path_type=Path, file_okay=False),
        metavar="DIR",
        help="The drive of the board to change (default: the board whose drive you are in, "
        "else the only one running).",
    )(function)


def _ask_board(drive: Path | None, message: dict[str, Any]) -> dict[str, Any]:
    """Send ``message`` to the running board; stop with the board's reason if it refuses."""
    from protoboard.runtime import control

    try:
        where, _ = control.find_board(drive)
        reply = control.request_at(where, message, drive=drive)
    except ConnectionError as exc:
        fail(str(exc))
    if not reply.get("ok"):
        fail(reply.get("error", "the board refused"), reply.get("hint"))
    return reply


@sim.command("set", context_settings=CONTEXT)
@click.argument("target", metavar="PART.ATTRIBUTE")
@click.argument("value")
@_drive_option
def sim_set(target: str, value: str, drive: Path | None) -> None:
    """Set a part's attribute now; it stays set across reloads.

    VALUE is converted to the attribute's type: true/false/yes/no/on/off/1/0 for a switch,
    a number for a number. 'protoboard sim parts' lists what can be set.
    """
    part, dot, attribute = target.partition(".")
    if not dot or not part or not attribute:
        fail(f"'{target}' is not PART.ATTRIBUTE", "for example: BUTTON.pressed")
    message = {"op": "set", "part": part, "attribute": attribute, "value": value}
    reply = _ask_board(drive, message)
    if "old" in reply:
        click.echo(f"{part}.{attribute}: {reply['old']!r} -> {reply['new']!r}")
    else:
        click.echo(
            f"{part}.{attribute} = {value!r}" + (f" ({reply['note']})" if reply.get("note") else "")
        )


def _setting_value(text: str) -> Any:
    """A KEY=VALUE's value as in parts.toml (0.5, true, 0x76, "text"); a bare word is text."""
    import tomllib

    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


@sim.command("add", context_settings=CONTEXT)
@click.argument("kind", metavar="TYPE")
@click.argument("settings", nargs=-1, metavar="[KEY=VALUE]...")
@click.option("--name", help="The part's name, for 'sim set NAME.attribute' (default: TYPE).")
@click.option("--pin", "pin", metavar="PIN", help="The board pin of a one-pin part (pin=PIN).")
@_drive_option
def sim_add(
    kind: str, settings: tuple[str, ...], name: str | None, pin: str | None, drive: Path | None
) -> None:
    """Wire a part to the running board until 'protoboard run' stops.

    TYPE is a part from 'protoboard parts', or yourfile.py:YourClass (a .py on the drive).
    KEY=VALUE pairs are its pins by role (pin, scl, sda, pin_a, cs...) and its settings:

    \b
    protoboard sim add Potentiometer --name knob --pin A1 position=0.5
    protoboard sim add Button --name B2 pin=D5
    protoboard sim add BME280 scl=D3 sda=D2 temperature=30
    """
    values: dict[str, Any] = {}
    for item in settings:
        key, equals, text = item.partition("=")
        if not equals or not key:
            fail(f"'{item}' is not KEY=VALUE", "for example pin=A1 or position=0.5")
        values[key] = _setting_value(text)
    if pin is not None:
        values["pin"] = pin
    # Pins are told from settings by the board, which knows the part's roles.
    message: dict[str, Any] = {"op": "add", "name": name or kind.rpartition(":")[2]}
    message.update(type=kind, connections={}, settings=values)
    reply = _ask_board(drive, message)
    part = reply.get("part")
    if isinstance(part, dict):
        click.echo(f"added {_part_line(part)}")
    else:
        click.echo(f"added {message['name']} ({reply.get('note', '')})")


@sim.command("remove", context_settings=CONTEXT)
@click.argument("name")
@_drive_option
def sim_remove(name: str, drive: Path | None) -> None:
    """Take a part off the running board until 'protoboard run' stops."""
    reply = _ask_board(drive, {"op": "remove", "name": name})
    click.echo(f"removed {name}" + (f" ({reply['note']})" if reply.get("note") else ""))


def _part_line(part: dict[str, Any]) -> str:
    wiring = " ".join(f"{role}={pin}" for role, pin in part.get("wiring", {}).items())
    values = " ".join(f"{key}={value!r}" for key, value in part.get("attributes", {}).items())
    return f"{part.get('name')} ({part.get('type')}) {wiring}  {values}".rstrip()


@sim.command("parts", context_settings=CONTEXT)
@_drive_option
def sim_parts(drive: Path | None) -> None:
    """List the parts wired to the running board and the attributes 'sim set' can change."""
    reply = _ask_board(drive, {"op": "parts"})
    for part in reply.get("parts", []):
        click.echo(_part_line(part))


@sim.command("world", context_settings=CONTEXT)
@_drive_option
def sim_world(drive: Path | None) -> None:
    """Show the world settings that outlive reloads."""
    reply = _ask_board(drive, {"op": "world"})
    for part, attribute, value in reply.get("world", []):
        click.echo(f"{part}.{attribute} = {value!r}")


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
        ids = [
            b for b in ids if needle in b.lower() or (b in own and needle in own[b].name.lower())
        ]
    for board_id in ids:
        label = f"  {own[board_id].name}" if board_id in own else ""
        click.echo(f"{board_id}{label}")
    click.echo(
        f"\n{len(ids)} board(s) on port '{selected.name}'. Details: protoboard boards --show ID",
        err=True,
    )


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
    if board.assumed:
        click.echo(
            f"({', '.join(sorted(board.assumed))}: allowed on every pin, because the board's "
            "data (circuitpython-stubs) does not say which pins have them; the real board "
            "may refuse some with 'Invalid pin')"
        )
    provided = sorted(m for m in board.modules if m in MODULES)
    click.echo(f"modules: {', '.join(provided)}")
    for part in board.parts:
        click.echo(f"on-board part: {part.get('name', part['type'])} ({part['type']})")


@main.command(context_settings=CONTEXT)
def parts() -> None:
    """List the simulated parts you can attach (sim.attach(...) in tests and scripts).

    The docs' parts catalog has each part's settings and wiring."""
    import shutil
    import textwrap

    from protoboard.ports.sim.parts import CATALOG, summary

    width = max(40, shutil.get_terminal_size().columns - 1)
    for name in sorted(CATALOG):
        try:
            text = summary(name)
        except Exception as exc:  # a part module that fails to import must not hide the others
            text = f"(unavailable: {exc})"
        lines = textwrap.wrap(text, width - 17) or [""]
        click.echo(f"{name:<16} {lines[0]}")
        for line in lines[1:]:
            click.echo(" " * 17 + line)


@main.command(
    "conformance",
    context_settings={**CONTEXT, "ignore_unknown_options": True, "help_option_names": []},
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def conformance(args: tuple[str, ...]) -> None:
    """Compare Protoboard's modules with CircuitPython's (from circuitpython-stubs).

    Options are passed on: --json, --board ID (see `protoboard conformance --help`).
    """
    from protoboard.conformance.report import main as report

    sys.exit(report(list(args)))


if __name__ == "__main__":
    main()
