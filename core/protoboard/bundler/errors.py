"""The one error of the bundle builder (:mod:`protoboard.bundler.build`).

It lives on its own so the manifest reader, the library readers and fetchers and the zip writer
can all raise it without importing each other.
"""

from __future__ import annotations

__all__ = ["BundlerError"]


class BundlerError(Exception):
    """A build that cannot go on; ``str()`` says what is wrong, ``hint`` how to fix it."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint
