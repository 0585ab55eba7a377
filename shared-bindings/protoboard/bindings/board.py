"""Board specific pin names.

Common container for board base pin names. These will vary from board to board so don't expect
portability when using this module. The pins of the active board (``D13``, ``LED``, ``SCL``...)
are attributes of this module.

.. warning:: The board module varies by board. The APIs documented here may or may not be
   available on a specific board.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _validate

_BUS_KINDS = {"i2c": "I2C", "spi": "SPI", "uart": "UART"}


def _machine() -> Any:
    from protoboard.machine import current

    return current()


def _bus_singleton(function: str) -> Any:
    """The object for ``board.<function>()``: a singleton, rebuilt only after it was deinited.

    Functions naming the same pins (``I2C`` and ``STEMMA_I2C`` on many boards) share one object,
    as CircuitPython's board tables do."""
    machine = _machine()
    kind = function.lower().rsplit("_", 1)[-1].rstrip("0123456789")
    bus = machine.board.buses.get(function.lower())
    if bus is None:
        raise NotImplementedError(_validate.NO_DEFAULT_BUS.format(bus=_BUS_KINDS.get(kind, kind)))
    if not bus.pins:
        raise NotImplementedError(_validate.unknown_bus_pins(function, _BUS_KINDS.get(kind, kind)))
    key = f"board.{kind}:" + ",".join(f"{r}={p}" for r, p in sorted(bus.pins.items()))
    from protoboard.bindings import busio

    existing = machine.singletons.get(key)
    if isinstance(existing, busio.I2C | busio.SPI | busio.UART) and existing._impl is not None:
        return existing
    pins = {role: machine.board_pins[name] if name else None for role, name in bus.pins.items()}
    obj: busio.I2C | busio.SPI | busio.UART
    if kind == "i2c":
        obj = busio.I2C(pins["scl"], pins["sda"])
    elif kind == "spi":
        obj = busio.SPI(pins["clock"], pins.get("MOSI"), pins.get("MISO"))
    else:
        obj = busio.UART(pins.get("tx"), pins.get("rx"))
    machine.singletons[key] = obj
    return obj


def I2C() -> Any:
    """Returns the `busio.I2C` object for the board's designated I2C bus(es).
    The object created is a singleton, and uses the default parameter values for `busio.I2C`.
    """
    return _bus_singleton("I2C")


def SPI() -> Any:
    """Returns the `busio.SPI` object for the board's designated SPI bus(es).
    The object created is a singleton, and uses the default parameter values for `busio.SPI`.
    """
    return _bus_singleton("SPI")


def UART() -> Any:
    """Returns the `busio.UART` object for the board's designated UART bus(es).
    The object created is a singleton, and uses the default parameter values for `busio.UART`.
    """
    return _bus_singleton("UART")


def _extra_bus(function: str) -> Any:
    def make() -> Any:
        return _bus_singleton(function)

    make.__name__ = make.__qualname__ = function
    make.__doc__ = f"Returns the board's ``{function}`` bus object (a singleton)."
    return make


_STANDARD = {"I2C", "SPI", "UART"}


def __getattr__(name: str) -> Any:
    machine = _machine()
    if name == "board_id":
        return machine.board.board_id
    if name in machine.board_pins:
        return machine.board_pins[name]
    if name == "DISPLAY" and machine.board.display is not None:
        from protoboard.displaycore.board_display import board_display

        return board_display(machine)
    if name.lower() in machine.board.buses and name not in _STANDARD:
        return _extra_bus(name)
    if name == "__all__":
        return sorted(_names(machine))
    raise AttributeError(f"module 'board' has no attribute '{name}'")


def _names(machine: Any) -> set[str]:
    extra = {b.upper() for b in machine.board.buses} - {"I2C", "SPI", "UART"}
    display = {"DISPLAY"} if machine.board.display is not None else set()
    return {"board_id", "I2C", "SPI", "UART", *machine.board_pins, *extra, *display}


def __dir__() -> list[str]:
    return sorted(_names(_machine()) | {"__name__", "__doc__"})


board_id: str
"""Board ID string. The unique identifier for the board model in circuitpython, as well as on
circuitpython.org. Example: "hallowing_m0_express"."""
