"""The one error of the bundle builder (:mod:`protoboard.bundler.build`).

It lives on its own so the manifest reader, the library readers and fetchers and the zip writer
can all raise it without importing each other.
"""

from __future__ import annotations

from protoboard.errors import UserError

__all__ = ["BundlerError"]


class BundlerError(UserError):
    """A build that cannot go on; ``str()`` says what is wrong, ``hint`` how to fix it."""
