"""Wiring pictures of the Raspberry Pi pages, drawn at build time from parts files and the Pi's
board file (``ports/linux/boards/raspberrypi_pi4b.toml``) by :mod:`protoboard.wiring`, the same
drawing the tutorials use, so a picture cannot name a pin the board does not have.

Writes ``docs/_generated/raspberry-pi/<name>.svg`` for each entry of :data:`PICTURES`; the
pages include them with ``.. figure::``. A file is only rewritten when its text changes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BOARD = "raspberrypi_pi4b"

#: picture name -> (title, parts file text)
PICTURES = {
    "bme280": (
        "A BME280 on a Raspberry Pi's I2C pins",
        '[sensor]\ntype = "BME280"\nscl = "SCL"\nsda = "SDA"\n',
    ),
    "neopixels": (
        "NeoPixels on a Raspberry Pi's SPI MOSI pin (D10)",
        '[strip]\ntype = "NeoPixelStrip"\npin = "D10"\ncount = 8\n',
    ),
}


def render_all(docs_dir: Path) -> None:
    from protoboard.partsfile import parse
    from protoboard.registry import ports
    from protoboard.wiring import render

    linux = ports().get("linux")
    if linux is None:  # the port ships with Protoboard: only a broken install lacks it
        raise RuntimeError("the 'linux' port is not installed: cannot draw the Pi's wiring")
    board = linux.board(BOARD)
    out = docs_dir / "_generated" / "raspberry-pi"
    out.mkdir(parents=True, exist_ok=True)
    for name, (title, parts) in PICTURES.items():
        specs = parse(parts, board, source=f"{name} parts", folder=docs_dir)
        svg = render(board, specs, title=title)
        path = out / f"{name}.svg"
        if not path.is_file() or path.read_text(encoding="utf-8") != svg:
            path.write_text(svg, encoding="utf-8")


def _on_builder_inited(app: Any) -> None:
    render_all(Path(app.srcdir))


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
