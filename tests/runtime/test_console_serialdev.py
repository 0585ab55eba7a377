"""The console served on a serial device (``--console serial:DEVICE``, the USB gadget's
/dev/ttyGS0): a pty's slave stands for the device, its master for the PC's side."""

from __future__ import annotations

import os
import queue
import select
import termios
from pathlib import Path

import pytest

from protoboard.runtime.console import ConsoleHub


def _read_until(fd: int, wanted: bytes) -> bytes:
    seen = b""
    while wanted not in seen:
        ready, _, _ = select.select([fd], [], [], 30)
        assert ready, f"no {wanted!r} from the device; got {seen!r}"
        seen += os.read(fd, 4096)
    return seen


def test_output_and_input_go_through_the_device_in_raw_mode() -> None:
    pc, device = os.openpty()
    typed: queue.Queue[bytes] = queue.Queue()
    hub = ConsoleHub(typed.put)
    try:
        hub.add_serial(os.ttyname(device))
        hub.write(b"code.py output:\r\nHello World!\r\n")
        assert b"Hello World!\r\n" in _read_until(pc, b"Hello World!\r\n")
        os.write(pc, b"\x03\x04")  # Ctrl-C, Ctrl-D reach the board as bytes (raw mode)
        got = b""
        while len(got) < 2:
            got += typed.get(timeout=30)
        assert got == b"\x03\x04"
        attrs = termios.tcgetattr(device)
        assert not attrs[3] & (termios.ECHO | termios.ICANON | termios.ISIG)
        assert hub.connected
    finally:
        hub.close()
        os.close(pc)
        os.close(device)


def test_a_path_that_is_not_a_tty_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "ttyGS0"
    plain.write_bytes(b"")
    hub = ConsoleHub(lambda data: None)
    try:
        with pytest.raises(OSError, match="not a serial device"):
            hub.add_serial(str(plain))
        with pytest.raises(FileNotFoundError):
            hub.add_serial(str(tmp_path / "missing"))
    finally:
        hub.close()
