"""The HTTP client protocol (``circuitpython_typing.http``)."""

from __future__ import annotations

from typing import Any, Protocol


class HTTPProtocol(Protocol):
    """Has ``get``, as ``adafruit_requests.Session``."""

    def get(self, url: str, **kw: Any) -> Any: ...
