"""How many of the Learn guides' CircuitPython projects import only what Protoboard provides.

Reads every ``code.py`` of a clone of adafruit/Adafruit_Learning_System_Guides (the yardstick
for "it runs real programs") and counts the projects whose imports are

(a) only built-in modules Protoboard has, CircuitPython's standard modules, frozen modules and
    the project's own files;
(b) as (a), but any library that is not a CircuitPython built-in module counts (it can be
    installed with ``protoboard install``);

then lists the built-in modules most projects still miss. Imports inside ``try: ... except
ImportError`` are optional and not counted.

Usage: ``python benchmarks/learn_guides.py PATH_TO_CLONE [--without MODULE ...]`` (a bare clone
works: files are read with ``git``). ``--without`` counts as if Protoboard lacked those
built-in modules (a before/after for new modules).
"""

from __future__ import annotations

import argparse
import ast
import subprocess
from collections import Counter, defaultdict
from pathlib import PurePosixPath

from protoboard.boardimport import BOARD_STANDARD
from protoboard.check.program import any_board_modules
from protoboard.check.reading import read_program
from protoboard.modules import MODULES, PYTHON_MODULES

FROZEN = {"circuitpython_typing"}
ALWAYS = {"__future__", "micropython"}


def _git(repo: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", repo, *args], capture_output=True, check=True).stdout


def own_modules(files: list[str]) -> dict[str, set[str]]:
    """For each folder, the module names its own files and sub-folders give."""
    found: dict[str, set[str]] = defaultdict(set)
    for name in files:
        path = PurePosixPath(name)
        for depth, parent in enumerate(path.parents):
            if depth == 0 and path.suffix == ".py":
                found[str(parent)].add(path.stem)
            elif depth > 0:
                found[str(parent)].add(path.parts[len(parent.parts)])
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo")
    parser.add_argument("--without", nargs="*", default=[])
    args = parser.parse_args()

    files = _git(args.repo, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
    codes = [f for f in files if PurePosixPath(f).name == "code.py"]
    local = own_modules(files)
    provided = (set(MODULES) | set(BOARD_STANDARD)) - set(args.without)
    provided |= set(PYTHON_MODULES) | FROZEN | ALWAYS
    builtins_anywhere = set(any_board_modules())
    only_provided = no_missing_builtin = 0
    missing: Counter[str] = Counter()
    for name in codes:
        try:
            tree = ast.parse(_git(args.repo, "show", f"HEAD:{name}"))
        except (SyntaxError, ValueError):
            continue
        imports, _ = read_program(tree)
        folder = str(PurePosixPath(name).parent)
        wanted = {u.name for u in imports if not u.optional} - local[folder]
        only_provided += wanted <= provided
        lacking = {n for n in wanted - provided if n in builtins_anywhere}
        no_missing_builtin += not lacking
        missing.update(lacking)
    total = len(codes)
    print(f"code.py files: {total}")
    print(
        f"(a) only what Protoboard provides (built-ins, standard, frozen, own files): "
        f"{only_provided} ({only_provided / total:.1%})"
    )
    print(
        f"(b) no built-in module Protoboard lacks (libraries installable): "
        f"{no_missing_builtin} ({no_missing_builtin / total:.1%})"
    )
    print("most wanted:", ", ".join(f"{n} {c}" for n, c in missing.most_common(15)))


if __name__ == "__main__":
    main()
