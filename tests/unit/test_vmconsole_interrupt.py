"""Ctrl-C reaches the program at once: the console drops what was typed ahead of it (as
CircuitPython clears its input buffer), whichever endpoint typed it (terminal, web, BLE)."""

from __future__ import annotations

from protoboard.runtime.vmconsole import TYPEAHEAD_LIMIT, VMConsole


def _queued(console: VMConsole) -> bytes:
    items = []
    while not console._typed.empty():
        items.append(console._typed.get_nowait())
    return b"".join(items)


def test_ctrl_c_drops_the_typed_ahead_input() -> None:
    console = VMConsole(lambda data: None)
    try:
        for _ in range(10):
            console.type(b"x" * 1000)  # a program that does not read: input piles up
        console.type(b"abc\x03def")
        assert _queued(console) == b"\x03def"
    finally:
        console.close()


def test_without_ctrl_c_input_is_kept_in_order_up_to_the_limit() -> None:
    console = VMConsole(lambda data: None)
    try:
        console.type(b"one ")
        console.type(b"two")
        assert _queued(console) == b"one two"
        for _ in range(TYPEAHEAD_LIMIT // 1000 + 5):
            console.type(b"y" * 1000)
        assert len(_queued(console)) <= TYPEAHEAD_LIMIT + 1000
    finally:
        console.close()
