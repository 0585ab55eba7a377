"""``protoboard gadget``: a Linux board with a USB device port as a CIRCUITPY board.

The USB gadget (:mod:`protoboard.ports.linux.gadget`) is set up, the board runs as with
``protoboard run --image`` with its console also on the gadget's serial port, and the gadget
is removed when the board stops (Ctrl-], SIGTERM, SIGINT, SIGHUP, an error). ``--stop`` removes
one left behind by a process that was killed.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from protoboard.cli import CONTEXT, _check_board, _console_list, fail

if TYPE_CHECKING:
    from protoboard.ports.linux.gadget import Gadget

#: how long to wait for the kernel to create /dev/ttyGSn after the ACM function was made
TTY_WAIT = 5.0


def _hex16(value: str) -> int:
    try:
        number = int(value, 0)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a number (e.g. 0x239A)") from None
    if not 0 <= number <= 0xFFFF:
        raise click.BadParameter(f"{value} is not a 16-bit USB id (0x0000-0xFFFF)")
    return number


def _default_image() -> Path:
    from platformdirs import user_data_path

    return user_data_path("protoboard", appauthor=False) / "CIRCUITPY.img"


@click.command("gadget", context_settings=CONTEXT)
@click.option(
    "--image",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="The CIRCUITPY drive, a FAT image file (created if missing; default: CIRCUITPY.img "
    "in root's data folder, printed at start).",
)
@click.option(
    "--image-size",
    type=int,
    default=2,
    show_default=True,
    metavar="MIB",
    help="Size of a new image.",
)
@click.option("--board", metavar="ID", help="Board to run as (default: the one detected).")
@click.option("--port", metavar="NAME", help="Port to run on (default: the best one found).")
@click.option(
    "--udc",
    metavar="NAME",
    help="The USB device controller to use (default: the only one, from /sys/class/udc).",
)
@click.option("--vid", default="0x239A", show_default=True, help="USB vendor id.")
@click.option("--pid", default="0x8000", show_default=True, help="USB product id.")
@click.option(
    "--console",
    "consoles",
    multiple=True,
    metavar="KIND",
    help="More places for the console besides the USB serial port and this terminal, as "
    "for 'protoboard run' ('pty', 'tcp:PORT', 'none' for no terminal).",
)
@click.option("--stop", is_flag=True, help="Remove a gadget left behind, and exit.")
@click.option(
    "--configfs",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("/sys/kernel/config"),
    show_default=True,
    hidden=True,
    help="Where configfs is mounted.",
)
def gadget(
    image: Path | None,
    image_size: int,
    board: str | None,
    port: str | None,
    udc: str | None,
    vid: str,
    pid: str,
    consoles: tuple[str, ...],
    stop: bool,
    configfs: Path,
) -> None:
    """Be a CircuitPython board over USB: the PC sees a CIRCUITPY drive and a serial port.

    \b
    Needs a USB device port (Pi Zero 2 W, 4 or 5 with dtoverlay=dwc2) and root:
      sudo protoboard gadget --image /home/pi/CIRCUITPY.img
    Save code.py on the PC's CIRCUITPY drive and it runs; its output is on the PC's serial
    port (/dev/ttyACM0, COM3...). Python's writes to the drive get "Read-only filesystem" while
    the PC has it, unless boot.py calls storage.remount("/", readonly=False) (then the PC sees
    it read-only). Ctrl-] (or Ctrl-C from outside) stops it and removes the gadget.
    """
    from protoboard.errors import UserError
    from protoboard.ports.linux.gadget import Gadget, GadgetConfig, load_modules, serial_number

    usb = Gadget(configfs)
    if stop:
        try:
            removed = usb.teardown()
        except UserError as exc:
            fail(exc.message, exc.hint)
        click.echo("USB gadget removed" if removed else "no Protoboard USB gadget is set up")
        return
    vendor, product = _hex16(vid), _hex16(pid)
    selected = _check_board(port, board)
    try:
        if not usb.ops.exists(configfs / "usb_gadget"):
            load_modules()
        controller = usb.check(udc)
    except UserError as exc:
        fail(exc.message, exc.hint)
    image = (image or _default_image()).expanduser().absolute()
    config = GadgetConfig(
        vid=vendor,
        pid=product,
        product=f"{selected.name} (Protoboard)",
        serial_number=serial_number(selected.board_id),
    )
    # Until the board installs its own handlers, SIGTERM and SIGHUP end the command through
    # the teardown below, like Ctrl-C.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, frame: sys.exit(128 + number))
    try:
        usb.setup(config)
    except UserError as exc:
        fail(exc.message, exc.hint)
    try:
        sys.exit(_serve(usb, controller, image, image_size, board, port, consoles))
    finally:
        try:
            usb.teardown()
        except UserError as exc:
            click.secho(f"protoboard: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(f"  {exc.hint}", err=True)


def _serve(
    usb: Gadget,
    controller: str,
    image: Path,
    image_size: int,
    board: str | None,
    port: str | None,
    consoles: tuple[str, ...],
) -> int:
    from protoboard.errors import UserError
    from protoboard.ports.linux.gadget import ACM
    from protoboard.runtime import vmserver
    from protoboard.runtime.drive import image_work_folder
    from protoboard.runtime.supervisor import RunOptions, Supervisor

    vmserver.start_early()
    number = usb.ops.read(usb.path / "functions" / ACM / "port_num")
    tty = Path(f"/dev/ttyGS{number}")
    deadline = time.monotonic() + TTY_WAIT
    while not tty.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if not tty.exists():
        fail(f"the gadget's serial port {tty} did not appear (is udev or devtmpfs running?)")
    try:
        usb.bind(controller)
    except UserError as exc:
        fail(exc.message, exc.hint)
    click.echo(
        f"protoboard: USB gadget on {controller}: the PC sees a CIRCUITPY drive ({image}) and "
        f"a serial port (here {tty})",
        err=True,
    )

    def give(state: str | None) -> None:
        usb.attach(image if state else None, read_only=state == "ro")

    options = RunOptions(
        drive=image_work_folder(image),
        port=port,
        board=board,
        image=image,
        image_size=image_size << 20,
        drive_size=None,
        consoles=(*_console_list(consoles), f"serial:{tty}"),
        usb_drive=give,
    )
    return Supervisor(options).run()
