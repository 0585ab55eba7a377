"""Run one user program against the active machine, as a CircuitPython VM runs ``code.py``.

Used in-process by ``protoboard exec`` and the pytest plugin; the supervisor (``protoboard run``)
runs it inside a fresh VM process per run. It sets up the import path CircuitPython uses (the
drive root, then ``/lib``), serves the built-in modules, and reports how the program ended with
a CircuitPython-style traceback.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from protoboard import boardimport


class Outcome(enum.Enum):
    SUCCESS = "success"  # ran to the end, or sys.exit()
    EXCEPTION = "exception"  # an uncaught exception (traceback in RunResult.traceback)
    INTERRUPTED = "interrupted"  # Ctrl-C
    TIMEOUT = "timeout"  # stopped by the caller's time limit
    RESET = "reset"  # microcontroller.reset()
    RELOAD = "reload"  # supervisor.reload() or an autoreload stopped the program
    DEEP_SLEEP = "deep_sleep"  # alarm.exit_and_deep_sleep_until_alarms() (alarms in .exception)


@dataclass
class RunResult:
    outcome: Outcome
    #: CircuitPython-style traceback text, when the program raised
    traceback: str | None = None
    exception: BaseException | None = None
    #: for RELOAD: the supervisor.RunReason name
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in (Outcome.SUCCESS, Outcome.TIMEOUT)


class RunTimeout(BaseException):
    """Raised inside the program when its time is up (a BaseException, so ``except Exception``
    in user code does not swallow it)."""


def _internal_roots() -> tuple[str, ...]:
    """Source folders of Protoboard itself, whose frames a user's traceback leaves out (as a
    board's traceback never shows its C core)."""
    import protoboard.bindings
    import protoboard.ports
    import protoboard.version

    # `protoboard` is a namespace package spread over three source roots: one module of each
    return tuple(
        str(Path(module.__file__ or "").resolve().parent)
        for module in (protoboard.version, protoboard.bindings, protoboard.ports)
    )


_INTERNAL = _internal_roots()
#: the standard library's folder: its modules are a board's built-in (C) modules, whose frames
#: a board's traceback never shows
_STDLIB = str(Path(contextlib.__file__).resolve().parent)
_HOST_PACKAGES = ("site-packages", "dist-packages")


def _hidden(filename: str, inside: bool) -> bool:
    """Whether a frame is the board's own (Protoboard, the standard library, or a host
    package Protoboard called) rather than the program's."""
    if filename.startswith(_INTERNAL) or filename.startswith("<frozen"):
        return True
    host_package = any(part in _HOST_PACKAGES for part in Path(filename).parts)
    if filename.startswith(_STDLIB) and not host_package:
        return True
    return inside and host_package


def format_traceback(exc: BaseException, roots: Sequence[Path]) -> str:
    """A traceback as CircuitPython prints it: user frames only, paths relative to the drive."""
    from protoboard import hints

    lines = ["Traceback (most recent call last):"]
    inside = False  # in Protoboard's own code: the host packages it calls are hidden too
    for frame in traceback.extract_tb(exc.__traceback__):
        filename = frame.filename
        if _hidden(filename, inside):
            inside = inside or filename.startswith((*_INTERNAL, "<frozen"))
            continue
        inside = False
        for root in roots:
            with contextlib.suppress(ValueError):
                filename = str(Path(filename).resolve().relative_to(root.resolve()))
                break
        lines.append(f'  File "{filename}", line {frame.lineno}, in {frame.name}')
    hints.drive_relative_syntax_error(exc, roots)
    message = "".join(traceback.format_exception_only(type(exc), exc)).rstrip()
    lines.append(message)
    return "\n".join(lines) + "\n" + hints.for_exception(exc, roots)


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`RunTimeout` in this thread after ``seconds`` (even inside time.sleep when
    this is the main thread)."""
    if seconds is None:
        yield
        return
    if threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer"):

        def expire(signum: int, frame: object) -> None:
            raise RunTimeout()

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        return
    import ctypes

    target = threading.get_ident()

    def expire_thread() -> None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(target), ctypes.py_object(RunTimeout)
        )

    timer = threading.Timer(seconds, expire_thread)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


@contextlib.contextmanager
def program_environment(
    root: Path,
    lib_paths: Sequence[Path] = (),
    host_packages: bool | Sequence[str] | None = None,
) -> Iterator[boardimport.World]:
    """The program's import world as on the board (see :mod:`protoboard.boardimport`): the
    built-in and standard modules, then the drive root, frozen modules and ``/lib``; nothing
    else of the host unless ``host_packages`` (None: the ``PROTOBOARD_HOST_PACKAGES`` opt-in)
    says so. Yields the :class:`~protoboard.boardimport.World`, whose ``builtins`` a REPL's
    namespace uses. The program's own modules are forgotten afterwards so the next run
    imports them fresh."""
    roots = [root, *(p for p in lib_paths)]
    host = boardimport.host_packages_setting(root) if host_packages is None else host_packages
    world = boardimport.World(root, list(lib_paths), host)
    saved_path = list(sys.path)
    saved_argv = list(sys.argv)
    before = set(sys.modules)
    boardimport.enter(world)
    try:
        yield world
    finally:
        boardimport.leave(world)
        sys.path[:] = saved_path
        sys.argv[:] = saved_argv
        resolved = [str(p.resolve()) for p in roots]
        for name in set(sys.modules) - before:
            filename = getattr(sys.modules[name], "__file__", None) or ""
            if any(filename.startswith(r) for r in resolved):
                del sys.modules[name]


def run_file(
    path: str | os.PathLike[str],
    *,
    lib_paths: Sequence[str | os.PathLike[str]] = (),
    timeout: float | None = None,
    contain: bool = True,
    host_packages: bool | Sequence[str] | None = None,
    show: Callable[[str], object] | None = None,
) -> RunResult:
    """Run ``path`` as ``__main__`` on the active machine; never raises for the program's own
    errors (they come back in the :class:`RunResult`). With ``contain``, every process the
    program started is killed when it ends, as at a board's soft reset (``protoboard run``'s
    VMs pass False: the supervisor does it when the run ends). ``host_packages``: host
    modules the program may import besides a board's (True: all; None: the
    ``PROTOBOARD_HOST_PACKAGES`` setting).

    When the program ends, the functions it registered with the board's ``atexit`` run (last
    first), as CircuitPython runs them after ``code.py``. ``show`` prints tracebacks at the
    moment a board prints them: the program's before its exit handlers run, then each failing
    handler's (without ``show``, handlers' tracebacks go to stderr and the caller prints the
    program's from the result)."""
    from protoboard.runtime import reaper

    with reaper.contained() if contain else contextlib.nullcontext():
        return _run_file(path, lib_paths, timeout, host_packages, show)


def _run_file(
    path: str | os.PathLike[str],
    lib_paths: Sequence[str | os.PathLike[str]],
    timeout: float | None,
    host_packages: bool | Sequence[str] | None = None,
    show: Callable[[str], object] | None = None,
) -> RunResult:
    program = Path(path).resolve()
    root = program.parent
    libs = [Path(p).resolve() for p in lib_paths]
    if not libs and (root / "lib").is_dir():
        libs = [root / "lib"]
    with program_environment(root, libs, host_packages) as world, _own_heap():
        sys.argv[:] = [program.name]
        exit_handlers(clear=True)  # a run starts with none (a board's atexit_reset)
        result = _run_main(world, program, timeout, [root, *libs])
        if show is not None and result.traceback:
            show(result.traceback)
        if result.outcome is not Outcome.RESET:  # a reset restarts at once
            result = run_exit_handlers([root, *libs], show, result)
    return result


#: one registered ``atexit`` call: the function, its arguments and keyword arguments
ExitCall = tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]


def exit_handlers(*, clear: bool = False) -> list[ExitCall]:
    """The calls the program registered with the board's ``atexit``, last first, taken from
    it (``clear``: just forget them)."""
    binding = sys.modules.get("protoboard.bindings.atexit")
    if binding is None:
        return []
    taken: list[ExitCall] = binding._take()
    return [] if clear else taken


def run_exit_handlers(
    roots: Sequence[Path], show: Callable[[str], object] | None, result: RunResult
) -> RunResult:
    """Run the registered ``atexit`` calls, last first. A failing one prints its traceback
    (not for ``SystemExit``) and the next runs; one that asks for deep sleep decides how the
    run ends, as on a board."""
    from protoboard.machine import ResetRequested
    from protoboard.runtime.state import DeepSleepRequest, ReloadRequested

    for func, args, kwargs in exit_handlers():
        try:
            func(*args, **kwargs)
        except SystemExit:
            pass
        except DeepSleepRequest as exc:
            result = RunResult(Outcome.DEEP_SLEEP, exception=exc)
        except ResetRequested:
            return RunResult(Outcome.RESET)
        except ReloadRequested as exc:  # a save on the drive: the run is over
            return RunResult(Outcome.RELOAD, reason=exc.reason)
        except BaseException as exc:  # the handler's own error, printed as a board does
            text = format_traceback(_strip(exc), roots)
            if show is not None:
                show(text)
            else:
                sys.stderr.write(text)
    return result


def _run_main(
    world: boardimport.World, program: Path, timeout: float | None, roots: list[Path]
) -> RunResult:
    """Run the program itself; how it ended."""
    from protoboard.machine import ResetRequested
    from protoboard.runtime.state import DeepSleepRequest, ReloadRequested

    root, libs = roots[0], roots[1:]
    try:
        with _time_limit(timeout):
            boardimport.run_main(world, program)
    except SystemExit as exc:
        if exc.code not in (None, 0) and not isinstance(exc.code, int):
            print(exc.code, file=sys.stderr)
        return RunResult(Outcome.SUCCESS)
    except RunTimeout:
        return RunResult(Outcome.TIMEOUT)
    except ResetRequested:
        return RunResult(Outcome.RESET)
    except ReloadRequested as exc:
        return RunResult(Outcome.RELOAD, reason=exc.reason)
    except DeepSleepRequest as exc:
        return RunResult(Outcome.DEEP_SLEEP, exception=exc)
    except KeyboardInterrupt as exc:
        return RunResult(Outcome.INTERRUPTED, format_traceback(exc, [root, *libs]), exc)
    except BaseException as exc:  # the program's own error, reported like the board does
        text = format_traceback(_strip(exc), [root, *libs])
        return RunResult(Outcome.EXCEPTION, text, exc)
    return RunResult(Outcome.SUCCESS)


@contextlib.contextmanager
def _own_heap() -> Iterator[None]:
    """The collector sees the program's objects only, as a board's does: the runtime's and the
    libraries' tens of thousands are frozen while the program runs. Learn-guide programs call
    ``gc.collect()`` in their loops; over the whole host heap each call took ~30-50 ms, over
    the program's own objects a few microseconds."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()  # back to the oldest generation: what the run left can be collected


def _strip(exc: BaseException) -> BaseException:
    """Drop runpy's own frames from the front of the traceback."""
    tb: TracebackType | None = exc.__traceback__
    while tb is not None and "runpy" in tb.tb_frame.f_code.co_filename:
        tb = tb.tb_next
    return exc.with_traceback(tb) if tb is not None else exc
