"""The raw REPL: how tools drive a board (mpremote, Thonny, ampy, rshell, code editors).

Ctrl-A on an empty line at ``>>>`` enters it, as on a board (MicroPython's ``pyexec.c``, which
CircuitPython shares); the protocol is byte-exact, because tools parse it:

* the board says ``raw REPL; CTRL-B to exit`` and a ``>`` prompt; nothing typed is echoed;
* the tool sends source and Ctrl-D; the board answers ``OK``, runs it, then sends the output,
  ``\\x04``, the traceback if it failed, ``\\x04`` and ``>`` again;
* Ctrl-C empties what was sent so far, Ctrl-A starts over, Ctrl-B goes back to the friendly
  REPL, Ctrl-D with nothing sent is a soft reboot;
* **raw paste** (``\\x05A\\x01`` right after the prompt), which mpremote uses: the board answers
  ``R\\x01``, its window size (2 bytes, little-endian) and ``\\x01``; the tool sends at most a
  window of bytes ahead, and the board sends ``\\x01`` each time it has taken a window; Ctrl-D
  ends the source (the board answers ``\\x04``), then output and errors come as above, without
  ``OK``.
"""

from __future__ import annotations
import __future__

import struct
import sys
from collections.abc import Callable
from typing import Any

from protoboard.runtime.repl import SoftReboot

CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E = 1, 2, 3, 4, 5
#: (the console turns each "\n" into "\r\n", as a board's does: tools match these bytes exactly)
BANNER = "raw REPL; CTRL-B to exit\n"
#: raw paste's flow-control window (MicroPython's MICROPY_REPL_STDIN_BUFFER_MAX)
WINDOW = 256
#: the most source one command may hold (a board's heap would be full long before)
MAX_SOURCE = 4 << 20


class RawSoftReboot(SoftReboot):
    """Ctrl-D with nothing sent: a soft reboot that comes back to the raw REPL."""


Read = Callable[[], int]
Write = Callable[[str], None]


def run(
    read: Read,
    write: Write,
    namespace: dict[str, Any],
    keys: Callable[..., None] | None = None,
) -> None:
    """Serve the raw REPL until Ctrl-B (returns) or a soft reboot (raises SoftReboot).
    ``keys(interrupts=False)`` makes Ctrl-C a byte while a command is read (as a board's
    ``mp_hal_stdio_mode_raw``); it interrupts the command while it runs."""
    write(BANNER)
    while True:
        # Ctrl-C is a byte before the prompt is out: a tool sends its next command as soon as
        # it sees ">", and the terminal driver must not turn its Ctrl-C into a signal first
        if keys is not None:
            keys(interrupts=False)
        write(">")
        try:
            command = _command(read, write)
        finally:
            if keys is not None:
                keys(interrupts=True)
        if command is None:  # Ctrl-B
            write("\n")
            return
        if isinstance(command, str):  # Ctrl-A: the tool resets the raw REPL
            write(BANNER)
            continue
        source, pasted = command
        if not pasted:
            write("OK")
            if not source:
                write("\n")
                raise RawSoftReboot()
        _execute(source, namespace, write)


def _command(read: Read, write: Write) -> tuple[bytes, bool] | str | None:
    """What the tool sent: (source, by raw paste), ``"restart"``, or None for Ctrl-B."""
    line = bytearray()
    while True:
        key = _key(read)
        if key == CTRL_A:
            if line == bytes([CTRL_E, ord("A")]):
                return _raw_paste(read, write), True
            return "restart"
        if key == CTRL_B:
            return None
        if key == CTRL_C:
            line.clear()
        elif key == CTRL_D:
            return bytes(line), False
        elif len(line) < MAX_SOURCE:
            line.append(key)


def _raw_paste(read: Read, write: Write) -> bytes:
    """Raw paste: flow-controlled source until Ctrl-D. Ctrl-C cancels (KeyboardInterrupt is
    then reported as the command's error, as a board does)."""
    write("R\x01" + struct.pack("<H", WINDOW).decode("latin-1") + "\x01")
    source = bytearray()
    remain = WINDOW
    while True:
        key = _key(read)
        if key in (CTRL_C, CTRL_D):
            write("\x04")
            if key == CTRL_C:
                return b"raise KeyboardInterrupt\n"
            return bytes(source)
        if len(source) < MAX_SOURCE:
            source.append(key)
        remain -= 1
        if remain == 0:
            write("\x01")
            remain = WINDOW


def _key(read: Read) -> int:
    """The next byte; Ctrl-C as a byte even where the console turns it into an interrupt."""
    try:
        return read()
    except KeyboardInterrupt:
        return CTRL_C


def _execute(source: bytes, namespace: dict[str, Any], write: Write) -> None:
    """Run the source: its output, ``\\x04``, its traceback if any, ``\\x04``."""
    from protoboard.vm import format_traceback

    error = ""
    try:
        text = source.decode("utf-8")
        flags = __future__.annotations.compiler_flag
        code = compile(text, "<stdin>", "exec", flags=flags, dont_inherit=True)
        exec(code, namespace)
    except (SystemExit, SoftReboot):
        raise
    except BaseException as exc:
        if not isinstance(exc, Exception | KeyboardInterrupt):
            raise  # the board's own signals (reset, reload)
        error = format_traceback(_without_own_frame(exc), [])
    finally:
        sys.stdout.flush()
    write("\x04" + error + "\x04")


def _without_own_frame(exc: BaseException) -> BaseException:
    tb = exc.__traceback__
    if tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        return exc.with_traceback(tb.tb_next)
    return exc
