"""``protoboard check`` folded into a run: ``exec --check BOARD`` and ``run --check BOARD`` say,
before each run, what would stop the program on that real board. The program runs anyway: the
simulated board is more forgiving than the real one, and the point is to hear it early."""

from __future__ import annotations

from pathlib import Path

from protoboard.check.program import check_files
from protoboard.check.target import BoardError, target


def advice(files: list[Path], board_id: str, root: Path) -> str | None:
    """The findings for ``files`` on ``board_id`` as console text, or None when there are none.
    A board id that does not exist is itself the advice."""
    try:
        chosen = target(board_id)
    except BoardError as exc:
        return f"--check: {exc} (find a board id with: protoboard boards --search WORD)\n"
    findings = check_files(files, chosen, root)
    if not findings:
        return None
    errors = sum(f.severity == "error" for f in findings)
    verdict = f"would not run on {chosen.title}" if errors else f"has warnings for {chosen.title}"
    lines = [f"protoboard check: this program {verdict}:"]
    lines += [str(finding) for finding in findings]
    return "\n".join(lines) + "\n"


def program_files(root: Path, code: Path) -> list[Path]:
    """The code file and the other .py files of the drive's root (the program's own modules)."""
    others = sorted(p for p in root.glob("*.py") if p.is_file() and p != code)
    return [code, *others]
