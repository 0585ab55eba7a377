"""Helpers of the tutorial tests (conftest.py holds the fixtures; a module of its own because
``from conftest import`` would find another folder's conftest).

Run a tutorial's ``code.py``, unmodified, on the simulated board its ``parts.toml`` wires.

Fixtures:

* ``tutorial``: ``tutorial("dimmer", timeout=1.0)`` wires ``tutorials/dimmer/parts.toml`` to
  the test's ``sim`` board and runs ``tutorials/dimmer/code.py`` for ``timeout`` seconds (the
  tutorials loop forever, as a board's code.py does) with the Adafruit libraries from PyPI on
  its library path, as ``protoboard project get`` would install them. It returns the
  :class:`~protoboard.vm.RunResult`; what the program printed is in ``capsys``.
* ``adafruit_libs``: the interop suite's fixture (tests/interop/conftest.py), shared so both
  suites use one pinned install.

Tests change the world while the program runs from listeners the simulator calls in the
program's own thread (on the Nth analog read, when a pin goes high...): what happens follows
what the program did, never the wall clock.
"""

from __future__ import annotations

import importlib.util
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from protoboard import machine
from protoboard.partsfile import wire_folder
from protoboard.vm import RunResult, run_file

ROOT = Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"


def _interop_conftest() -> Any:
    spec = importlib.util.spec_from_file_location(
        "protoboard_interop_conftest", ROOT / "tests" / "interop" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_interop = _interop_conftest()
#: the interop suite's session fixture, re-exported by this folder's conftest
adafruit_libs = _interop.adafruit_libs


class Tutorial:
    """``wire(name)`` attaches a tutorial's parts (to set them up before it runs);
    ``tutorial(name, timeout=...)`` wires them if that was not done and runs its code.py."""

    def __init__(self, target: machine.Machine, request: pytest.FixtureRequest) -> None:
        self._target = target
        self._request = request
        self._wired: set[str] = set()

    def wire(self, name: str) -> None:
        if name not in self._wired:
            wire_folder(self._target, TUTORIALS / name)
            self._wired.add(name)

    def __call__(self, name: str, *, timeout: float, libraries: bool = True) -> RunResult:
        self.wire(name)
        libs = [self._request.getfixturevalue("adafruit_libs")] if libraries else []
        # A board runs code.py in the drive's root: relative paths (font5x8.bin) start there.
        self._request.getfixturevalue("monkeypatch").chdir(TUTORIALS / name)
        try:
            return run_file(TUTORIALS / name / "code.py", lib_paths=libs, timeout=timeout)
        finally:
            if libs:
                _interop.forget_drivers(libs[0])


def on_nth(sim: Any, kind: str, n: int, action: Callable[[], None]) -> None:
    """Call ``action`` once, at the program's ``n``-th activity of ``kind`` (``"analog_in"``,
    ``"pwm"``, ``"i2c"``...)."""
    seen = 0

    def listener(activity: Any) -> None:
        nonlocal seen
        if activity.kind != kind:
            return
        seen += 1
        if seen == n:
            action()

    sim.on_activity(listener)


def drawn_text(libs: Path, font: Path, size: tuple[int, int], lines: list[tuple[Any, ...]]) -> set:
    """The pixels adafruit_framebuf lights for ``lines`` (``(text, x, y)`` or
    ``(text, x, y, scale)``) on a ``size`` screen: what an OLED showing them must show."""
    saved = list(sys.path)
    sys.path.insert(0, str(libs))
    try:
        import adafruit_framebuf
    finally:
        sys.path[:] = saved
    width, height = size
    buffer = bytearray(width * height // 8)
    frame = adafruit_framebuf.FrameBuffer(buffer, width, height, adafruit_framebuf.MVLSB)
    for text, x, y, *scale in lines:
        frame.text(text, x, y, 1, font_name=str(font), size=scale[0] if scale else 1)
    lit = {(x, y) for x in range(width) for y in range(height) if frame.pixel(x, y)}
    _interop.forget_drivers(libs)
    return lit


class Console(io.StringIO):
    """The program's console: calls ``on_line(line)`` for each line it prints."""

    def __init__(self, on_line) -> None:
        super().__init__()
        self._on_line = on_line
        self._pending = ""

    def write(self, text: str) -> int:
        self._pending += text
        while "\n" in self._pending:
            line, self._pending = self._pending.split("\n", 1)
            self._on_line(line)
        return super().write(text)
