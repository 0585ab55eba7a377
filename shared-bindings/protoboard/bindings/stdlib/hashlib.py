"""`hashlib` module: hashing related functions, as CircuitPython has them.

A board has only ``hashlib.new(name, data)`` with ``'sha1'`` and ``'sha256'`` (no
``hashlib.sha256()`` constructors, no ``hexdigest``, no ``copy``); any other name raises
``ValueError: Unsupported hash algorithm``. The digests are computed by the computer's
``hashlib``, so they are the same bytes.
"""

from __future__ import annotations

import hashlib as _host
from typing import Any

__all__ = ["Hash", "new"]

_ALGORITHMS = ("sha1", "sha256")


class Hash:
    """In progress hash algorithm. This object is always created by a `hashlib.new()`. It has no
    user-visible constructor."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise TypeError("cannot create 'Hash' instances")

    @classmethod
    def _of(cls, algorithm: str) -> Hash:
        self = object.__new__(cls)
        self._hash = _host.new(algorithm)
        return self

    _hash: Any

    @property
    def digest_size(self) -> int:
        """Digest size in bytes"""
        size: int = self._hash.digest_size
        return size

    def update(self, data: Any) -> None:
        """Update the hash with the given bytes.

        :param ~circuitpython_typing.ReadableBuffer data: Update the hash from data in this buffer
        """
        try:
            view = memoryview(data)
        except TypeError:
            raise TypeError(
                f"object with buffer protocol required, not {type(data).__name__}"
            ) from None
        self._hash.update(view.cast("B") if view.ndim else view)

    def digest(self) -> bytes:
        """Returns the current digest as bytes() with a length of `hashlib.Hash.digest_size`."""
        digest: bytes = self._hash.digest()
        return digest


def new(name: str, data: bytes = b"") -> Hash:
    """Returns a Hash object setup for the named algorithm. Raises ValueError when the named
    algorithm is unsupported. Supported algorithms for ``name`` are ``'sha1'`` and ``'sha256'``.

    :return: a hash object for the given algorithm
    :rtype: hashlib.Hash"""
    if not isinstance(name, str):
        raise TypeError(f"can't convert {type(name).__name__} to str")
    if name not in _ALGORITHMS:
        raise ValueError("Unsupported hash algorithm")
    result = Hash._of(name)
    if data is not None:
        result.update(data)
    return result
