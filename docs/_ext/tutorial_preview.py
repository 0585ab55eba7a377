"""Run one tutorial on a fresh simulated board and save what a beginner would see.

``python tutorial_preview.py FOLDER OUT TIMEOUT TRACE [LIBS]`` (run by ``tutorials.py`` in a
process of its own, since a run changes process-wide state such as the working folder):
wires ``FOLDER/parts.toml``, runs ``FOLDER/code.py`` for ``TIMEOUT`` seconds from the folder (as
a board runs code.py from its drive's root) with ``LIBS`` as its ``lib/``, and writes
``OUT/console.txt`` (what it printed; with ``TRACE`` = 1 also the pin changes, as
``protoboard exec --trace`` shows them) and ``OUT/<part>.png`` for each display part.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

#: the most console lines a page shows
MAX_LINES = 14


def main(folder: Path, out: Path, timeout: float, trace: bool, libs: list[str]) -> int:
    from protoboard.partsfile import wire_folder
    from protoboard.testing import simulated_board
    from protoboard.trace import Tracer
    from protoboard.vm import run_file

    out.mkdir(parents=True, exist_ok=True)
    console = io.StringIO()
    with simulated_board() as sim:
        from protoboard import machine

        wire_folder(machine.current(), folder)
        if trace:
            Tracer(sim, lambda line: console.write(line + "\n")).start()
        os.chdir(folder)
        with contextlib.redirect_stdout(console):
            result = run_file(folder / "code.py", lib_paths=libs, timeout=timeout)
        if not result.ok:
            print(result.traceback, file=sys.stderr)
            return 1
        for name, part in sim.parts.items():
            if hasattr(part, "to_png") and hasattr(part, "lit_pixels"):
                part.to_png(out / f"{name}.png", scale=3)
    lines = console.getvalue().splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], "..."]
    if not lines:
        lines = [f"(nothing printed in the first {timeout:g} seconds)"]
    (out / "console.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    folder, out, timeout, trace, *libs = sys.argv[1:]
    raise SystemExit(main(Path(folder), Path(out), float(timeout), trace == "1", libs))
