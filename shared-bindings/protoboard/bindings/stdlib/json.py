"""``json`` as CircuitPython has it: text that is not JSON raises ``ValueError: syntax error
in JSON`` (CPython's ``JSONDecodeError`` is a ``ValueError`` too, with another message).

``dumps``/``dump`` and the keyword arguments ``loads`` takes are CPython's (a superset of a
board's ``separators``); code written for a board runs unchanged.
"""

from __future__ import annotations

import json as _json
from typing import Any

__all__ = ["dump", "dumps", "load", "loads"]

dump = _json.dump
dumps = _json.dumps


def loads(s: Any, **kwargs: Any) -> Any:
    """Parse the JSON ``s`` and return an object. Raises ``ValueError`` if the string is not
    correctly formed."""
    try:
        return _json.loads(s, **kwargs)
    except _json.JSONDecodeError:
        raise ValueError("syntax error in JSON") from None


def load(stream: Any, **kwargs: Any) -> Any:
    """Parse the given ``stream``, interpreting it as a JSON string and deserialising the data
    to a Python object. Raises ``ValueError`` if the stream is not correctly formed."""
    return loads(stream.read(), **kwargs)
