"""Protoboard's version, as ``boot_out.txt``, the REPL banner and ``--version`` print it."""

__version__ = "0.1.0"
#: the date printed in boot_out.txt and the REPL banner, as a board prints its build date
__release_date__ = "2026-11-21"
#: the CircuitPython release whose API Protoboard follows (circuitpython-stubs 10.3.1): a
#: Learn project bundle's "CircuitPython 10.x" folder is the one for Protoboard's drive
CIRCUITPYTHON_API_MAJOR = 10
#: the CircuitPython version a program is told it runs on (``sys.implementation.version``,
#: ``os.uname().release``, the web workflow's version.json)
CIRCUITPYTHON_API_VERSION = "10.3.0"
