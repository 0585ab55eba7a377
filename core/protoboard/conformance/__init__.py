"""API conformance report: Protoboard's modules against CircuitPython's published stubs.

For each built-in module in :data:`~protoboard.conformance.scope.MODULES`, the public surface of
Protoboard's binding (imported under its CircuitPython name on a fresh simulated board) is compared
with the module's stub from the ``circuitpython-stubs`` package (``<module>-stubs/__init__.pyi``,
parsed with :mod:`ast`, never imported):

* module-level functions, attributes and classes;
* class members: methods, properties (read-only / write-only / read-write where the stub or
  CircuitPython's C source says), nested classes such as ``UART.Parity``, enum constants (which
  must be instances of their class);
* signatures of functions, methods and constructors: parameter names and order, kinds
  (positional or keyword-only), required/optional, and defaults where the stub's default is a
  literal or a name we can resolve (``sys.maxsize``, ``DriveMode.PUSH_PULL``).

A stub name counts as *matched* when it exists with the right kind and a conforming signature;
coverage is matched / names in the stub. Names in our module that the stub lacks are *extras*:
reported, never failures. Known inaccuracies of the stubs, where we deliberately follow
CircuitPython's C code instead, are listed in :data:`~protoboard.conformance.deviations.DEVIATIONS`
with their reasons.

``board`` is compared with the API common to every board (``board_id``, ``I2C``, ``SPI``,
``UART``); pins are per board, so ``--board ID`` checks separately that our ``board`` module for
that board exposes exactly the pin names of its stub in ``board_definitions/<id>/__init__.pyi``
(or, for a board the port ships as TOML, the names in that file).

The modules, from the stub up:

* :mod:`.scope`: which modules are compared, and the stub distribution;
* :mod:`.deviations`: where we follow CircuitPython's C code rather than its stubs, with reasons;
* :mod:`.stubs`: finding and parsing a module's stub into :class:`~.stubs.Stub`;
* :mod:`.signatures`: comparing one signature of ours with the stub's parameters;
* :mod:`.checker`: comparing one of our modules with its stub (:func:`~.checker.check_modules`);
* :mod:`.boards`: a board's pin names and bus functions (:func:`~.boards.check_board`);
* :mod:`.report`: the text and JSON report and its command line (:func:`~.report.main`).

Run ``protoboard conformance`` or ``python -m protoboard.conformance`` (``--json`` for machine
output, ``--board ID``, ``--board all``). The exit code is 1 when a module is below 100% or a board
check fails.
"""
