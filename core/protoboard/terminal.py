"""A serial terminal on pyserial's Miniterm: Ctrl-] quits, as in miniterm and screen users'
habits; the board's CRLF line ends are kept as they come."""

from __future__ import annotations

import sys

import click
import serial
from serial.tools.miniterm import Miniterm

EXIT_CHARACTER = "\x1d"  # Ctrl-]
MENU_CHARACTER = "\x14"  # Ctrl-T, miniterm's menu


def open_terminal(port: str) -> int:
    """Connect this terminal to ``port`` until Ctrl-]; returns the exit status."""
    try:
        link = serial.serial_for_url(port, 115200, timeout=1, do_not_open=True)
        link.open()
    except serial.SerialException as exc:
        click.secho(f"protoboard: cannot open {port}: {exc}", fg="red", err=True)
        if "ermission" in str(exc):
            click.echo(
                "  on Linux, add yourself to the 'dialout' group "
                "(sudo usermod -aG dialout $USER) and log in again",
                err=True,
            )
        return 2
    if not sys.stdin.isatty():
        link.close()
        click.secho("protoboard: the console needs a terminal to type in", fg="red", err=True)
        return 2
    terminal = Miniterm(link, echo=False, eol="crlf", filters=["direct"])
    terminal.exit_character = EXIT_CHARACTER
    terminal.menu_character = MENU_CHARACTER
    terminal.raw = True
    terminal.set_rx_encoding("utf-8")
    terminal.set_tx_encoding("utf-8")
    terminal.start()  # sets the terminal to pass keys through, so the message comes after
    click.echo(f"Connected to {port}. Ctrl-] quits; press Enter for the >>> prompt.", err=True)
    try:
        terminal.join(True)
    except KeyboardInterrupt:
        pass
    terminal.join()
    terminal.close()
    click.echo("\nDisconnected.", err=True)
    return 0
