"""Atexit Module

This module defines functions to register and unregister cleanup functions.
Functions thus registered are automatically executed upon normal vm termination.

These functions are run in the reverse order in which they were registered;
if you register ``A``, ``B``, and ``C``, they will be run in the order ``C``, ``B``, ``A``.

As on a board, they run when ``code.py`` ends: when it reaches its end, calls ``sys.exit()``,
raises an exception (after its traceback is printed) or is stopped with Ctrl-C, and before
``Code done running.``; functions registered at the REPL run when the REPL is left with
Ctrl-D. ``microcontroller.reset()`` restarts at once, without running them. Each run starts
with none: this is the board's ``atexit``, not the Python running Protoboard (whose own
``atexit`` a program never reaches).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "unregister"]

#: (function, args, kwargs) in registration order; None marks an unregistered entry
_callbacks: list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]] | None] = []


def register(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Callable[..., Any]:
    """Register func as a function to be executed at termination.

    Any optional arguments that are to be passed to func must be passed as arguments to
    `register()`. It is possible to register the same function and arguments more than once.

    At normal program termination (for instance, if `sys.exit()` is called or the vm execution
    completes), all functions registered are called in last in, first out order.

    If an exception is raised during execution of the exit handler, a traceback is printed
    (unless `SystemExit` is raised) and the next handler runs.

    This function returns func, which makes it possible to use it as a decorator.
    """
    if not callable(func):
        raise TypeError(f"'{type(func).__name__}' object isn't callable")
    _callbacks.append((func, args, dict(kwargs)))
    return func


def unregister(func: Callable[..., Any]) -> None:
    """Remove func from the list of functions to be run at termination.

    `unregister()` silently does nothing if func was not previously registered. If func has
    been registered more than once, every occurrence of that function in the atexit call stack
    will be removed.
    """
    for index, entry in enumerate(_callbacks):
        if entry is not None and entry[0] is func:
            _callbacks[index] = None


def _take() -> list[tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]]:
    """The registered calls, last registered first, and forget them (the runtime calls this
    when a run ends; a board's ``atexit_reset``)."""
    pending = [entry for entry in reversed(_callbacks) if entry is not None]
    _callbacks.clear()
    return pending
