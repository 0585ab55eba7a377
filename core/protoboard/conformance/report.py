"""The report ``protoboard conformance`` prints (a text table or JSON) and its command line."""

from __future__ import annotations

import argparse
import json
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from protoboard.conformance.boards import BoardReport, all_board_ids, check_board
from protoboard.conformance.checker import ModuleReport, check_modules
from protoboard.conformance.scope import MODULES, STUBS_DISTRIBUTION
from protoboard.conformance.stubs import stubs_version


@dataclass
class ConformanceReport:
    """What one run checked: modules and/or boards (None: not checked)."""

    modules: list[ModuleReport] | None = None
    boards: list[BoardReport] | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.modules or ()) and all(b.ok for b in self.boards or ())

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "stubs_version": stubs_version(),
            "python": platform.python_version(),
        }
        if self.modules is not None:
            data["modules"] = [r.as_dict() for r in self.modules]
        if self.boards is not None:
            data["boards"] = [b.as_dict() for b in self.boards]
        data["ok"] = self.ok
        return data

    def text(self, *, verbose: bool = False) -> str:
        parts = []
        if self.modules is not None:
            parts.append(format_modules(self.modules, verbose=verbose))
        if self.boards is not None:
            parts.append(format_boards(self.boards, verbose=verbose))
        return "\n\n".join(parts)


def run(modules: Sequence[str] = (), boards: Sequence[str] = ()) -> ConformanceReport:
    """Check ``modules`` (all of :data:`MODULES` when neither modules nor boards are given) and
    ``boards`` (board ids; ``all`` is every board of the sim port)."""
    report = ConformanceReport()
    if modules or not boards:
        report.modules = check_modules(modules or MODULES)
    if boards:
        ids = all_board_ids() if "all" in boards else list(dict.fromkeys(boards))
        report.boards = [check_board(board_id) for board_id in ids]
    return report


def main(argv: Sequence[str] | None = None) -> int:
    """``protoboard conformance [MODULE...] [--board ID] [--json] [-v]``; 1 when a check fails."""
    parser = _parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    unknown = [m for m in args.modules if m not in MODULES]
    if unknown:
        parser.error(f"unknown module(s): {', '.join(unknown)} (choose from {', '.join(MODULES)})")
    report = run(args.modules, args.board or ())
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report.text(verbose=args.verbose))
    return 0 if report.ok else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="protoboard conformance",
        description="Compare Protoboard's modules with CircuitPython's stubs "
        f"({STUBS_DISTRIBUTION}).",
    )
    parser.add_argument(
        "modules",
        nargs="*",
        metavar="MODULE",
        help=f"modules to check (default: {' '.join(MODULES)})",
    )
    parser.add_argument(
        "--board",
        action="append",
        metavar="ID",
        help="check that `board` on this board exposes exactly its pin names "
        "(repeatable; 'all' checks every board)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also list accepted deviations, notes and stub sources",
    )
    return parser


# --- text ----------------------------------------------------------------------------------------


def format_modules(reports: Sequence[ModuleReport], *, verbose: bool = False) -> str:
    version = stubs_version() or "not installed"
    out = [
        f"Protoboard API conformance vs {STUBS_DISTRIBUTION} {version} "
        f"(Python {platform.python_version()})",
        "",
        _table(_module_rows(reports)),
    ]
    for r in reports:
        details = _module_details(r, verbose=verbose)
        if details:
            out += ["", f"{r.module}:", *details]
    failing = [r.module for r in reports if not r.ok]
    out += ["", "below 100%: " + ", ".join(failing) if failing else "all modules at 100%"]
    return "\n".join(out)


def _module_rows(reports: Sequence[ModuleReport]) -> list[tuple[str, ...]]:
    """The summary table: a header, a row per module, a TOTAL row."""
    rows: list[tuple[str, ...]] = [
        ("module", "in stub", "matched", "missing", "mismatched", "extras", "coverage")
    ]
    for r in reports:
        rows.append(
            (
                r.module,
                str(r.total),
                str(len(r.matched)),
                str(len(r.missing)),
                str(len(r.mismatches)),
                str(len(r.extras)),
                "error" if r.error else f"{r.coverage:.1f}%",
            )
        )
    total = sum(r.total for r in reports)
    matched = sum(len(r.matched) for r in reports)
    rows.append(
        (
            "TOTAL",
            str(total),
            str(matched),
            str(sum(len(r.missing) for r in reports)),
            str(sum(len(r.mismatches) for r in reports)),
            str(sum(len(r.extras) for r in reports)),
            f"{100.0 * matched / total if total else 100.0:.1f}%",
        )
    )
    return rows


def _module_details(r: ModuleReport, *, verbose: bool) -> list[str]:
    details = []
    if r.error:
        details.append(f"  error: {r.error}")
    if r.missing:
        details.append("  missing: " + ", ".join(r.missing))
    for m in r.mismatches:
        details.append(f"  mismatch {m.name}: " + "; ".join(m.problems))
    if r.extras:
        details.append("  extras (not failures): " + ", ".join(r.extras))
    if verbose:
        details += [f"  deviation {d}" for d in r.deviations]
        details += [f"  note: {n}" for n in r.notes]
        details.append(f"  source: {r.source}")
    return details


def _table(rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell: the first left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_boards(reports: Sequence[BoardReport], *, verbose: bool = False) -> str:
    out = []
    for r in reports:
        if r.ok and not r.bus_functions_missing and not verbose and len(reports) > 1:
            continue
        out += _board_lines(r)
    failing = sum(not r.ok for r in reports)
    warned = sum(bool(r.bus_functions_missing) for r in reports)
    out.append(
        f"{len(reports) - failing}/{len(reports)} boards expose exactly their pin names"
        + (f"; {warned} lack a bus function their definition has" if warned else "")
    )
    return "\n".join(out)


def _board_lines(r: BoardReport) -> list[str]:
    status = "ok" if r.ok else "FAIL"
    out = [f"board {r.board_id}: {status} ({len(r.expected)} pin names, source {r.source or '-'})"]
    if r.error:
        out.append(f"  error: {r.error}")
    if r.missing:
        out.append("  missing pins: " + ", ".join(r.missing))
    if r.extra:
        out.append("  extra pins: " + ", ".join(r.extra))
    if not r.board_id_ok:
        out.append("  board.board_id differs")
    if r.bus_functions_missing:
        out.append("  warning, missing bus functions: " + ", ".join(r.bus_functions_missing))
    return out
