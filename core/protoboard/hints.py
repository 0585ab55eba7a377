"""Hints after a traceback: what went wrong, in plain words, and the command that fixes it.

A board prints only the traceback; a beginner then searches the web. Protoboard adds one line
after it, on every console the traceback goes to (``protoboard exec``, the ``run`` console, the
REPL, web and BLE): ``(Hint: ... More: docs, errors#anchor)``. The exception itself stays
CircuitPython's. One rule per case, in this module only; each rule may read what the runtime
knows (the drive, the active board, the exception's frames) and must never raise: a hint that
fails is left out.

Each ``anchor`` is a section of ``docs/errors.rst``.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import gc
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

#: how every hint starts and ends (:func:`without_hint` finds it)
PREFIX = "(Hint: "
#: where the docs page lives (a path of the docs site)
DOCS = "docs, errors#"

Hint = tuple[str, str]  # (text, docs anchor)


def for_exception(exc: BaseException, roots: Sequence[Path] = ()) -> str:
    """The hint lines for ``exc`` ("" when none applies). ``roots``: the program's folder, then
    its library folders (empty in the REPL: the drive's are used)."""
    for rule in _RULES:
        try:
            found = rule(exc, list(roots) or _drive_roots())
        except Exception:  # a hint must never hide the traceback it follows
            continue
        if found is not None:
            text, anchor = found
            return f"{PREFIX}{text} More: {DOCS}{anchor})\n"
    return ""


def without_hint(text: str) -> str:
    """A traceback without the hint :func:`for_exception` added (what
    ``supervisor.get_previous_traceback()`` returns, as on a board)."""
    at = text.rfind("\n" + PREFIX)
    return text[: at + 1] if at >= 0 else text


strip = without_hint  # the name the VM's reporting calls


def _drive_roots() -> list[Path]:
    from protoboard.runtime import state

    drive = state.current.drive
    return [drive, drive / "lib"] if drive is not None else []


# -- missing libraries, compiled libraries, other dialects -------------------------------------


def _missing_module(exc: BaseException, roots: list[Path]) -> Hint | None:
    if not isinstance(exc, ImportError) or not exc.name:
        return None
    if "no module named" not in str(exc).lower():
        return None
    top = exc.name.split(".")[0]
    left_out = _left_out_by_board(top)
    if left_out is not None:
        return (
            f"{top} is a CircuitPython module, but the {left_out} build leaves it out, so the "
            "simulated board has not either. Run on a board that has it (protoboard boards "
            "--show ID lists a board's modules), or do without it.",
            "module-not-on-board",
        )
    from protoboard.check import dialects

    advice = dialects.advice(top)
    if advice is not None:
        whose, instead = advice
        return (
            f"{top} is {whose} module; CircuitPython has none of that name: {instead}.",
            "other-dialects",
        )
    if top in sys.stdlib_module_names:
        return (
            f"{top} is part of Python on computers; a CircuitPython board does not have it, "
            "so the simulated board has not either. Look for a CircuitPython library that "
            "does the job (circuitpython.org/libraries), or do without it.",
            "computer-only-module",
        )
    install = _install_command(top, roots)
    compiled = _compiled(top, roots)
    if compiled is not None:
        return (
            f"{compiled} is a compiled library (.mpy) for a real board; Protoboard runs "
            f"Python source. {install} puts the .py version in its place.",
            "compiled-library",
        )
    return (
        f"{top} is a library that is not on the drive. Install it: {install} "
        f"({_install_command('--auto', roots)} installs everything code.py imports).",
        "missing-library",
    )


def _left_out_by_board(top: str) -> str | None:
    """The board id when ``top`` is a built-in module Protoboard has that this board's
    CircuitPython leaves out (``atexit`` on a small SAMD21 board), else None."""
    from protoboard import machine
    from protoboard.modules import MODULES

    if top not in MODULES:
        return None
    try:
        target = machine.current()
    except Exception:  # no active board: nothing to say about one
        return None
    return None if top in target.modules else target.board.board_id


def _install_command(name: str, roots: list[Path]) -> str:
    from protoboard.runtime import state

    if state.current.drive is None and roots:  # protoboard exec: the program's folder
        return f"protoboard install {name} --path {roots[0]}"
    return f"protoboard install {name}"


def _compiled(module: str, roots: list[Path]) -> str | None:
    """The drive-relative name of ``module``'s .mpy file (or package of them), if that is all
    there is."""
    for root in roots:
        for folder in (root, root / "lib"):
            if (folder / f"{module}.py").is_file():
                return None
            package = folder / module
            if (folder / f"{module}.mpy").is_file():
                return _shown(folder / f"{module}.mpy", roots)
            if package.is_dir() and not (package / "__init__.py").exists():
                if any(package.glob("*.mpy")):
                    return _shown(package, roots) + "/"
    return None


def _shown(path: Path, roots: list[Path]) -> str:
    with contextlib.suppress(ValueError, IndexError):
        return path.relative_to(roots[0]).as_posix()
    return str(path)


# -- board names -------------------------------------------------------------------------------

_NO_ATTRIBUTE = re.compile(r"module 'board' has no attribute '(\w+)'")
_NO_NAME = re.compile(r"(?:can't|cannot) import name '?(\w+)'?")


def _board_name(exc: BaseException, roots: list[Path]) -> Hint | None:
    wanted = _missing_board_name(exc)
    if wanted is None:
        return None
    from protoboard.machine import current

    machine = current()
    board_id = machine.board.board_id
    names = sorted({*machine.board_pins, "I2C", "SPI", "UART", "board_id"})
    near = nearest(wanted, names)
    guess = f"Did you mean {' or '.join('board.' + n for n in near)}? " if near else ""
    return (
        f"board.{wanted} is not a pin of this board ({board_id}). {guess}The board's names: "
        f"dir(board) at the REPL, or protoboard boards --show {board_id}.",
        "board-pin",
    )


def _missing_board_name(exc: BaseException) -> str | None:
    """The name a program wanted from ``board`` (``board.GP25``, ``from board import GP25``)."""
    if isinstance(exc, AttributeError):
        found = _NO_ATTRIBUTE.search(str(exc))
        return found.group(1) if found else None
    if not isinstance(exc, ImportError):
        return None
    named = _NO_NAME.search(str(exc))
    if named is None:
        return None
    frames = _frames(exc)
    line = ""
    if frames:  # CircuitPython's text does not say from where: the statement does
        import linecache

        last = frames[-1]
        line = linecache.getline(last.f_code.co_filename, last.f_lineno)
    from_board = exc.name == "board" or "'board'" in str(exc)
    return named.group(1) if from_board or re.match(r"\s*from\s+board\s+import", line) else None


def nearest(wanted: str, names: Sequence[str], count: int = 2) -> list[str]:
    """Names close to ``wanted``: first those with the same number (``GP25`` -> ``D25``), then
    those spelled alike."""
    digits = re.sub(r"\D", "", wanted)
    same_number = [n for n in names if digits and re.sub(r"\D", "", n) == digits]
    alike = difflib.get_close_matches(wanted.upper(), names, n=count, cutoff=0.6)
    ordered = list(dict.fromkeys([*same_number, *alike]))
    return ordered[:count]


# -- a pin used twice --------------------------------------------------------------------------

_IN_USE = re.compile(r"^(\S+) in use$")


def _pin_in_use(exc: BaseException, roots: list[Path]) -> Hint | None:
    found = _IN_USE.match(str(exc)) if isinstance(exc, ValueError) else None
    if found is None:
        return None
    from protoboard.machine import current

    machine = current()
    name = found.group(1)
    pin = machine.board_pins.get(name) or machine.pins.get(name)
    if pin is None:
        return None
    aliases = [n for n, p in machine.board_pins.items() if p is pin and n != name]
    also = f" (also called board.{', board.'.join(aliases)})" if aliases else ""
    variable, kind, made_at = _holder(pin, machine, _frames(exc))
    holder = f"{variable} ({kind})" if variable and kind else kind or "another object"
    if made_at is not None:
        holder += f", made at {relative(made_at[0], roots)} line {made_at[1]}"
    owner = variable or "that object"
    return (
        f"{name}{also} is already held by {holder}. Call {owner}.deinit() first (or make it "
        "in a with block), or use another pin.",
        "pin-in-use",
    )


Holder = tuple[str | None, str | None, tuple[str, int] | None]


def _holder(pin: Any, machine: Any, frames: list[FrameType]) -> Holder:
    """Who holds ``pin``: (the program's variable for it, the object's type, where the
    program made it), as far as found."""
    for key, obj in machine.singletons.items():
        if pin in getattr(obj, "_pins", ()):
            return None, f"the board.{key.split(':')[0].split('.')[1].upper()}() bus", None
    from protoboard.bindings._peripheral import Peripheral

    for obj in gc.get_objects():  # only after an error: the cost does not matter
        if isinstance(obj, Peripheral) and pin in obj._pins and obj._impl is not None:
            kind = f"a {type(obj).__module__}.{type(obj).__name__}"
            return _variable(obj, frames), kind, obj._made_at
    return None, None, None


def _variable(obj: object, frames: list[FrameType]) -> str | None:
    for frame in reversed(frames):
        for scope in (frame.f_locals, frame.f_globals):
            for name, value in scope.items():
                if value is obj and not name.startswith("_"):
                    return name
    return None


def _frames(exc: BaseException) -> list[FrameType]:
    tb = exc.__traceback__
    frames = []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    return frames


# -- swapped I2C pins --------------------------------------------------------------------------


def _i2c_pins(exc: BaseException, roots: list[Path]) -> Hint | None:
    if not isinstance(exc, ValueError) or str(exc) != "Invalid pins":
        return None
    for frame in _frames(exc):
        local = frame.f_locals
        if frame.f_code.co_name != "__init__" or not {"scl", "sda"} <= local.keys():
            continue
        scl, sda = local["scl"], local["sda"]
        scl_names, sda_names = set(_names_of(scl)), set(_names_of(sda))
        named = "SDA" in scl_names or "SCL" in sda_names
        if named or _fits_swapped(scl, sda):
            kind = type(local.get("self")).__module__.rsplit(".", 1)[-1]
            given = (
                "board.SCL, board.SDA"
                if named
                else f"board.{_first(sda_names)}, board.{_first(scl_names)}"
            )
            return (
                f"SDA and SCL look swapped: {kind}.I2C takes the clock first, "
                f"{kind}.I2C({given}){' (or use board.I2C())' if named else ''}. A real board "
                "refuses swapped pins, or its sensors never answer.",
                "i2c-pins",
            )
    return None


def _fits_swapped(scl: object, sda: object) -> bool:
    """Whether the board's I2C units take these pins the other way round."""
    from protoboard.machine import current

    scl_id, sda_id = getattr(scl, "_id", None), getattr(sda, "_id", None)
    if not isinstance(scl_id, str) or not isinstance(sda_id, str):
        return False
    board = current().board
    return not board.i2c_pins_ok(scl_id, sda_id) and board.i2c_pins_ok(sda_id, scl_id)


def _first(names: set[str]) -> str:
    return sorted(names, key=lambda n: (len(n), n))[0] if names else "?"


def _names_of(pin: object) -> list[str]:
    from protoboard.machine import current

    return [n for n, p in current().board_pins.items() if p is pin]


# -- a full drive ------------------------------------------------------------------------------


def drive_full_text(size: int | None, image: Path | None) -> str:
    """What to do when the drive is full: the same words for the one-time console line and the
    hint after the traceback."""
    from protoboard.runtime import state

    if state.current.drive is None:
        return "The computer's disk is full: free some space on it."
    shown = ""
    if size:
        shown = f" ({size / 2**20:g} MiB)" if size >= 2**20 else f" ({size >> 10} KiB)"
    if image is not None:
        return (
            f"CIRCUITPY is full: the image {image.name}{shown} has no room left. Delete files "
            "from it, or make a bigger image (protoboard run --image NEW.img --image-size MIB) "
            "and copy the files over."
        )
    return (
        f"CIRCUITPY is full: Protoboard gives a folder drive{shown}, as a board's flash holds "
        "a few MB. Delete files, or start protoboard run with a bigger --drive-size MIB "
        "(0: no limit)."
    )


def _drive_full(exc: BaseException, roots: list[Path]) -> Hint | None:
    if not isinstance(exc, OSError) or exc.errno != errno.ENOSPC:
        return None
    from protoboard.runtime import state

    context = state.current
    return drive_full_text(context.drive_size, context.image), "drive-full"


# -- syntax errors -----------------------------------------------------------------------------


def _syntax(exc: BaseException, roots: list[Path]) -> Hint | None:
    if not isinstance(exc, SyntaxError) or exc.lineno is None:
        return None
    where = relative(exc.filename or "", roots) if exc.filename else "the program"
    return (
        f"{where} line {exc.lineno} is not valid Python. The mistake is at the ^ or just "
        "before it: often a missing ':' , bracket or quote, or an indent that does not match.",
        "syntax-error",
    )


def relative(filename: str, roots: Sequence[Path]) -> str:
    """``filename`` as the drive shows it (``code.py``, ``lib/x.py``), if it is in a root."""
    for root in roots:
        with contextlib.suppress(ValueError, OSError):
            return Path(filename).resolve().relative_to(root.resolve()).as_posix()
    return filename


def drive_relative_syntax_error(exc: BaseException, roots: Sequence[Path]) -> None:
    """Show a SyntaxError's file as a drive path (``code.py``), as a board does."""
    if isinstance(exc, SyntaxError) and exc.filename and roots:
        exc.filename = relative(exc.filename, roots)


_RULES: tuple[Callable[[BaseException, list[Path]], Hint | None], ...] = (
    _missing_module,
    _board_name,
    _pin_in_use,
    _i2c_pins,
    _drive_full,
    _syntax,
)


#: every docs anchor a hint can print (a test checks docs/errors.rst has each)
ANCHORS = (
    *("missing-library", "compiled-library", "other-dialects", "board-pin"),
    *("pin-in-use", "i2c-pins", "drive-full", "syntax-error", "computer-only-module"),
    "module-not-on-board",
)
