"""A board module that is the host's module with a few names of its own.

``sys`` and ``os`` cannot be copies: a program that appends to ``sys.path``, replaces
``sys.stdout`` or calls ``os.listdir`` must act on the real ones (whose path functions the
runtime maps to the drive). So the board's version is a module whose own names (``sys.
implementation``, ``os.uname``) are CircuitPython's, and whose every other name, read or set,
is the host module's.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any

_OWN = frozenset({"__name__", "__doc__", "__spec__", "__loader__", "__package__", "__file__"})


class HostProxy(ModuleType):
    """Reads fall back to ``_host``; writes of names the module does not define go there."""

    _host: ModuleType

    def __getattr__(self, name: str) -> Any:
        return getattr(self._host, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if (
            name in _OWN
            or name in self.__dict__
            or isinstance(getattr(type(self), name, None), property)
        ):
            super().__setattr__(name, value)
        else:
            setattr(self._host, name, value)

    def __dir__(self) -> list[str]:
        own = [n for n in self.__dict__ if not n.startswith("_")]
        return sorted({*dir(self._host), *own})


def become_proxy(module_name: str, host: ModuleType, cls: type[HostProxy] = HostProxy) -> None:
    """Turn the module ``module_name`` (being executed) into a proxy of ``host`` (``cls``: a
    subclass with properties of its own)."""
    module = sys.modules[module_name]
    module.__dict__["_host"] = host
    module.__class__ = cls
