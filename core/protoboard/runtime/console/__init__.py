"""The serial console hub: one logical console mirrored to several endpoints.

The supervisor reads what the VM prints (from the VM's pty master) and calls
:meth:`ConsoleHub.write`; the hub copies it to every endpoint that has a peer at that moment:

* the **terminal** this process runs in (:meth:`ConsoleHub.add_terminal`),
* a **pty** that pyserial, ``screen``, ``tio`` or ``minicom`` can open (:meth:`ConsoleHub.add_pty`),
* a **TCP** listener speaking raw bytes, as pyserial's ``socket://`` does
  (:meth:`ConsoleHub.add_tcp`).

Whatever any endpoint types goes to ``on_input`` (the supervisor writes it into the VM's pty).

The modules, from the outside in: :mod:`.hub` (the hub, its I/O thread, threading, shutdown and
fork rules), :mod:`.terminal`, :mod:`.pty` and :mod:`.tcp` (one endpoint kind each, with what
``connected`` means for it; :mod:`.sniff` tells a TCP client speaking HTTP from one typing),
:mod:`.endpoint` (the only hub methods an endpoint may call), :mod:`.peer` (an output buffer
and what a slow peer costs), :mod:`.scrollback` (output replayed to late joiners) and
:mod:`.loop` (the selector loop).
"""

from protoboard.runtime.console.hub import DEFAULT_MAX_BUFFER, QUIT_KEY, ConsoleHub
from protoboard.runtime.console.pty import PTY_PROBE_INTERVAL

__all__ = ["DEFAULT_MAX_BUFFER", "PTY_PROBE_INTERVAL", "QUIT_KEY", "ConsoleHub"]
