"""The one base class of the errors a user can fix (a wrong name, no drive, no network, ...).

Every subsystem's expected failures derive from :class:`UserError`, so a command needs one
``except`` to turn any of them into a plain message and a hint (exit status 2) instead of a
traceback. Anything else that escapes is a bug and keeps its traceback.
"""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """A failure the user can act on: ``str()`` says what was wrong, ``hint`` (if any) what to
    do about it, both in plain words."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message
