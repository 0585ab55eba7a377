"""The displays a program has made, so ``displayio.release_displays()`` can release them.

A display class calls ``register(display)`` when it is constructed; ``release_all()`` calls each
one's ``_release()`` (stops refreshing, frees its bus and pins) and forgets them.
"""

from __future__ import annotations

from typing import Any

_DISPLAYS: list[Any] = []


def register(display: Any) -> None:
    if display not in _DISPLAYS:
        _DISPLAYS.append(display)


def unregister(display: Any) -> None:
    if display in _DISPLAYS:
        _DISPLAYS.remove(display)


def displays() -> tuple[Any, ...]:
    return tuple(_DISPLAYS)


def release_all() -> None:
    while _DISPLAYS:
        display = _DISPLAYS.pop()
        release = getattr(display, "_release", None)
        if release is not None:
            release()
