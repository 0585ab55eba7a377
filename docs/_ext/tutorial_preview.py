"""Run one tutorial on a fresh simulated board and save what a beginner would see.

``python tutorial_preview.py FOLDER OUT TIMEOUT TRACE BOARD SERVICE [LIBS]`` (run by
``tutorial_pages.py`` in a process of its own, since a run changes process-wide state such as the
working folder): on the simulated board ``BOARD`` (``-``: the default one), with the local
stand-in ``SERVICE`` running (``time``: :mod:`protoboard.testing.timeservice`, its address in
``TIME_URL``, and the simulated access point's name and password in ``CIRCUITPY_WIFI_SSID`` /
``CIRCUITPY_WIFI_PASSWORD`` as a beginner's settings.toml has them; ``-``: none), wires
``FOLDER/parts.toml``, runs ``FOLDER/code.py`` for ``TIMEOUT`` seconds from the folder (as
a board runs code.py from its drive's root) with ``LIBS`` as its ``lib/``, and writes
``OUT/console.txt`` (what it printed; with ``TRACE`` = 1 also the pin changes, as
``protoboard exec --trace`` shows them) and ``OUT/<part>.png`` for each display part.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import time
from pathlib import Path

#: the most console lines a page shows
MAX_LINES = 14


def main(
    folder: Path, out: Path, timeout: float, trace: bool, board: str, service: str, libs: list[str]
) -> int:
    from protoboard.partsfile import wire_folder
    from protoboard.testing import simulated_board
    from protoboard.trace import Tracer
    from protoboard.vm import run_file

    out.mkdir(parents=True, exist_ok=True)
    console = io.StringIO()
    with contextlib.ExitStack() as stack:
        if service == "time":
            from protoboard.testing.timeservice import TimeService

            # the docs' build time, so the picture shows when the docs were made
            now = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            running = stack.enter_context(TimeService(now, timezone="Etc/UTC"))
            os.environ["TIME_URL"] = running.url
            os.environ["CIRCUITPY_WIFI_SSID"] = "Protoboard"
            os.environ["CIRCUITPY_WIFI_PASSWORD"] = "circuitpython"
        elif service != "-":
            print(f"unknown stand-in service {service!r} (known: time)", file=sys.stderr)
            return 1
        sim = stack.enter_context(simulated_board(None if board == "-" else board))
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
            elif hasattr(part, "save_png") and hasattr(part, "render"):  # a colour screen
                part.save_png(out / f"{name}.png", scale=1 if part.width > 160 else 2)
    lines = console.getvalue().splitlines()
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], "..."]
    if not lines:
        lines = [f"(nothing printed in the first {timeout:g} seconds)"]
    (out / "console.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    folder, out, timeout, trace, board, service, *libs = sys.argv[1:]
    raise SystemExit(
        main(Path(folder), Path(out), float(timeout), trace == "1", board, service, libs)
    )
