"""Protoboard's side of the golden scenes: load ``scenes.py`` and render a scene's frame or
picture with Protoboard's displayio. Loaded by path from the tests (not a test module)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

from PIL import Image

from protoboard.bindings import displayio, terminalio, vectorio
from protoboard.displaycore import Colorspace, frame_to_image, panel_size, render
from protoboard.displaycore.render import render_tricolor, tricolor_image

HERE = Path(__file__).resolve().parent
MODULES = SimpleNamespace(displayio=displayio, vectorio=vectorio, terminalio=terminalio)


def load(name: str) -> ModuleType:
    """A module of this folder, loaded by path under a name of its own."""
    qualified = f"protoboard_golden_{name}"
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


SCENES: Any = load("scenes")


def frame(scene: Any) -> bytes:
    """The packed bytes the panel gets (e-paper: black plane then accent plane)."""
    if scene.kind == "tricolor":
        black, accent = render_tricolor(
            scene.group, scene.width, scene.height, rotation=scene.rotation
        )
        return black + accent
    return render(
        scene.group, Colorspace(depth=16), scene.width, scene.height, rotation=scene.rotation
    )


def image(scene: Any) -> Image.Image:
    """What the panel shows, in the panel's own orientation."""
    if scene.kind == "tricolor":
        black, accent = render_tricolor(
            scene.group, scene.width, scene.height, rotation=scene.rotation
        )
        return tricolor_image(black, accent, scene.width, scene.height)
    cs = Colorspace(depth=16)
    data = render(scene.group, cs, scene.width, scene.height, rotation=scene.rotation)
    return frame_to_image(data, cs, *panel_size(scene.width, scene.height, scene.rotation))


def terminal_scene() -> Any:
    """terminalio.Terminal (Protoboard only: Blinka has no Terminal) with escape sequences."""
    font = terminalio.FONT
    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x000000, 0xFFFFFF
    grid = displayio.TileGrid(
        font.bitmap, pixel_shader=palette, width=24, height=5, tile_width=6, tile_height=12
    )
    terminal = terminalio.Terminal(grid, font)
    terminal.write(b"Protoboard REPL\r\n>>> 1 + 1\r\n2\r\n\x1b[31mred\x1b[0m text\x1b[2D!!")
    group = displayio.Group()
    group.append(grid)
    return SCENES.Scene(group, 144, 60)


def repl_scene() -> Any:
    """displayio.CIRCUITPYTHON_TERMINAL laid out for a 240x135 screen, with a title and text."""
    from protoboard.bindings import _terminal_display

    terminal = _terminal_display.start_terminal(240, 135)
    terminal.write(b"\x1b]0;\xf0\x9f\x90\x8dcode.py | 10.0.0\x1b\\")
    terminal.write(b"Adafruit CircuitPython 10.0.0; Protoboard\r\n>>> print('hi')\r\nhi\r\n>>> ")
    return SCENES.Scene(displayio.CIRCUITPYTHON_TERMINAL, 240, 135)


#: every golden scene: the shared ones and Protoboard-only ones
ALL = {name: (lambda build=build: build(MODULES)) for name, build in SCENES.SHARED.items()}
ALL["terminal"] = terminal_scene
ALL["repl"] = repl_scene
