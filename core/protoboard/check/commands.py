"""The ``protoboard check`` command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from protoboard.check.findings import Finding
from protoboard.check.libraries import library_findings
from protoboard.check.program import check_files
from protoboard.check.syntax import compiler
from protoboard.check.target import BoardError, Target, board_of_drive, target
from protoboard.cli import CONTEXT, fail

#: the files a board runs first, in its order (the first one found is the program)
CODE_FILES = ("code.txt", "code.py", "main.txt", "main.py")


def _program_files(root: Path) -> list[Path]:
    """The program of a drive: its code file, boot.py and the other .py files in its root."""
    if not any((root / name).is_file() for name in CODE_FILES):
        fail(
            f"no code.py in {root}",
            "name the files to check, or use --path with a CIRCUITPY folder",
        )
    return sorted(p for p in root.iterdir() if p.is_file() and p.suffix == ".py")


def _print(findings: list[Finding], board: Target) -> None:
    for finding in findings:
        colour = "red" if finding.severity == "error" else "yellow"
        where = f"{finding.file}:{finding.line}:{finding.column + 1}"
        click.echo(f"{where}: " + click.style(finding.severity, fg=colour) + f": {finding.message}")
        if finding.hint:
            click.echo(f"    {finding.hint}")
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if errors:
        click.secho(
            f"{errors} error(s), {warnings} warning(s): this would not run on {board.title}.",
            fg="red",
        )
    elif warnings:
        click.secho(f"{warnings} warning(s) for {board.title}.", fg="yellow")
    else:
        click.secho(f"No problems found for {board.title}.", fg="green")
    if compiler() is None:
        click.echo(
            "(Syntax was checked with CPython's parser; pip install 'protoboard[check]' adds "
            "the board's own compiler.)"
        )


@click.command(context_settings=CONTEXT)
@click.argument("files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--path",
    type=click.Path(path_type=Path, file_okay=False),
    help="The CIRCUITPY folder (default: this folder). Its lib/ and root hold the program's "
    "own modules; its boot_out.txt names the board.",
)
@click.option(
    "--board",
    metavar="ID",
    help="The board to check for, e.g. adafruit_feather_rp2040 (default: the board named in "
    "the drive's boot_out.txt, else Protoboard's simulated board).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (for editors).")
def check(files: tuple[Path, ...], path: Path | None, board: str | None, as_json: bool) -> None:
    """Will this program run on a real board? Check it without the board.

    \b
    Reports, with file, line and the fix:
      - syntax the board's compiler rejects,
      - modules the board does not have, and other dialects' (machine, RPi.GPIO),
      - modules only computers have (threading, subprocess...),
      - libraries missing from lib/, or built for another CircuitPython (.mpy),
      - board pins the board does not have (board.GP25 on a Feather).

    \b
    Examples:
      protoboard check                                  # code.py and friends, here
      protoboard check --path /media/me/CIRCUITPY       # a real board's drive
      protoboard check code.py --board adafruit_feather_rp2040

    Exit status: 1 if there are errors, else 0.
    """
    root = (path or (files[0].parent if files else Path.cwd())).resolve()
    program = [p.resolve() for p in files] or _program_files(root)
    for missing in (p for p in program if not p.is_file()):
        fail(f"no file {missing}")
    board_id = board or board_of_drive(root)
    try:
        chosen = target(board_id)
    except BoardError as exc:
        fail(str(exc), "find a board id with: protoboard boards --search WORD")
    findings = check_files(program, chosen, root) + library_findings(root)
    if as_json:
        report = {
            "board": chosen.board_id,
            "compiler": "mpy-cross" if compiler() else "cpython",
            "findings": [f.as_json() for f in findings],
        }
        click.echo(json.dumps(report, indent=2))
    else:
        _print(findings, chosen)
    sys.exit(1 if any(f.severity == "error" for f in findings) else 0)
