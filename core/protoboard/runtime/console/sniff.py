"""Is a TCP console client speaking HTTP (or TLS) instead of typing?

A web page cannot open a raw socket, but it can make the browser send an HTTP request to any
local port (``fetch('http://127.0.0.1:7777/', {method: 'POST', mode: 'no-cors', body})``).
The request's body would be typed into the REPL line by line. The first line of such a request
is always a request line (``POST / HTTP/1.1``), so the TCP endpoint looks at the first line of
every connection and closes it when it is HTTP, as Redis does for ``POST`` and ``Host:``.

:func:`classify` decides from the bytes received so far, as early as it can, so that someone
typing (Ctrl-C, Enter, ``print(1)``) is not held up: a first byte that cannot begin an HTTP
line (a control key, a bracket...) decides at once.
"""

from __future__ import annotations

import re
from enum import Enum

#: a first line still undecided at this length is let through (no browser request line is
#: ambiguous this long: its method decides it in a few bytes)
MAX_FIRST_LINE = 4096

#: HTTP methods (case matters in HTTP; browsers send them in capitals), WebDAV's included
METHODS = frozenset(
    b"GET HEAD POST PUT DELETE CONNECT OPTIONS TRACE PATCH PRI PROPFIND PROPPATCH MKCOL "
    b"COPY MOVE LOCK UNLOCK SEARCH REPORT".split()
)
#: request header names a browser or an HTTP library sends (any name with a '-' counts too:
#: no Python statement starts with ``name-name:``)
HEADERS = frozenset(
    b"host accept authorization connection cookie expect origin pragma range referer te "
    b"upgrade via dnt priority".split()
)
#: an HTTP token (a method or a header name); a regex, as input may come one byte per read
_WORD = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]*")
_REQUEST_LINE = re.compile(rb"^\S+ \S+ HTTP/\d")


class Verdict(Enum):
    HTTP = "http"
    NOT_HTTP = "not http"
    UNDECIDED = "undecided"


def classify(data: bytes) -> tuple[Verdict, str]:
    """The verdict on what a client sent first, and (for HTTP) what gave it away."""
    if not data:
        return Verdict.UNDECIDED, ""
    if data[0] == 0x16:  # a TLS record: https:// to this port
        if len(data) == 1:
            return Verdict.UNDECIDED, ""
        return (Verdict.HTTP, "a TLS handshake (https://)") if data[1] == 3 else _NOT
    end = _line_end(data)
    line = data[:end] if end >= 0 else data
    complete = end >= 0 or len(line) >= MAX_FIRST_LINE
    word = _WORD.match(line)
    word_end = word.end() if word else 0
    if word_end == 0:
        return _NOT  # a control key, a bracket, a space...: typing, not HTTP
    method, rest = line[:word_end], line[word_end:]
    if not rest:
        return _NOT if complete else _WAIT
    if rest[:1] == b":":
        return _header(method)
    if rest[:1] != b" ":
        return _NOT  # print(, x=, a.b... (token characters include '.')
    if method in METHODS and rest[1:2] in (b"/", b"*"):
        return Verdict.HTTP, f"a request line ({_show(line)})"
    if not complete:
        return _WAIT
    if _REQUEST_LINE.match(line):
        return Verdict.HTTP, f"a request line ({_show(line)})"
    return _NOT


_NOT = (Verdict.NOT_HTTP, "")
_WAIT = (Verdict.UNDECIDED, "")


def _header(word: bytes) -> tuple[Verdict, str]:
    name = word.lower()
    if name in HEADERS or b"-" in name:
        return Verdict.HTTP, f"a header line ({_show(word)}:)"
    return _NOT  # try:, else:, x: int = 1


def _line_end(data: bytes) -> int:
    ends = [i for i in (data.find(b"\r"), data.find(b"\n")) if i >= 0]
    return min(ends) if ends else -1


def _show(text: bytes) -> str:
    """A short printable form of what the client sent, for the log."""
    shown = text[:60].decode("ascii", "replace")
    return "".join(c if c.isprintable() else "?" for c in shown) + ("..." if len(text) > 60 else "")
