"""A board's built-in display (``board.DISPLAY``), made from the board file's ``[display]``
table as CircuitPython's ``board_init()`` makes it at boot: the bus (an SPI of its own or the
board's), the display with its start-up bytes, the backlight.

The table::

    [display]
    driver = "busdisplay"          # or "epaperdisplay"
    bus = "fourwire"                 # or "paralleldisplaybus" (data0, write, read: pin names)
    spi = { clock = "TFT_SCK", MOSI = "TFT_MOSI" }   # or spi = "SPI": the board's board.SPI()
    command = "TFT_DC"
    chip_select = "TFT_CS"
    reset = "TFT_RESET"
    baudrate = 24000000
    init_sequence = "01 80 96 11 80 ff ..."          # hex (start_sequence/stop_sequence for
                                                     # e-paper)
    [display.options]                                # the display's keyword arguments; pin
    width = 240                                      # options name board pins
    backlight_pin = "TFT_BACKLIGHT"
"""

from __future__ import annotations

from typing import Any

from protoboard.displaycore import registry

KEY = "board.DISPLAY"
_SEQUENCES = ("init_sequence", "start_sequence", "stop_sequence")
_PIN_OPTIONS = ("backlight_pin", "busy_pin")


def _hex(text: str) -> bytes:
    return bytes.fromhex(text.replace(",", " "))


def _parallel_bus(machine: Any, spec: dict[str, Any]) -> Any:
    from protoboard.bindings.paralleldisplaybus import ParallelBus

    pins = machine.board_pins
    return ParallelBus(
        data0=pins[spec["data0"]],
        command=pins[spec["command"]],
        chip_select=pins[spec["chip_select"]],
        write=pins[spec["write"]],
        read=pins[spec["read"]] if spec.get("read") else None,
        reset=pins[spec["reset"]] if spec.get("reset") else None,
        frequency=int(spec.get("frequency", 30_000_000)) or 30_000_000,
    )


def _bus(machine: Any, spec: dict[str, Any]) -> Any:
    from protoboard.bindings import board, busio, fourwire

    if spec.get("bus") == "paralleldisplaybus":
        return _parallel_bus(machine, spec)
    pins = machine.board_pins
    spi_spec = spec.get("spi", "SPI")
    if spi_spec == "SPI":
        spi = board.SPI()
    else:
        spi = busio.SPI(
            pins[spi_spec["clock"]],
            MOSI=pins[spi_spec["MOSI"]] if spi_spec.get("MOSI") else None,
            MISO=pins[spi_spec["MISO"]] if spi_spec.get("MISO") else None,
        )
    return fourwire.FourWire(
        spi,
        command=pins[spec["command"]],
        chip_select=pins[spec["chip_select"]],
        reset=pins[spec["reset"]] if spec.get("reset") else None,
        baudrate=int(spec.get("baudrate", 24_000_000)),
    )


def build(machine: Any) -> Any:
    """Make the board's display; the same object for every later ``board.DISPLAY``."""
    spec = dict(machine.board.display)
    options = dict(spec.get("options", {}))
    for name in _PIN_OPTIONS:
        if name in options:
            options[name] = machine.board_pins[options[name]]
    bus = _bus(machine, spec)
    if spec.get("driver", "busdisplay") == "epaperdisplay":
        from protoboard.bindings.epaperdisplay import EPaperDisplay

        return EPaperDisplay(
            bus, _hex(spec["start_sequence"]), _hex(spec["stop_sequence"]), **options
        )
    from protoboard.bindings.busdisplay import BusDisplay

    return BusDisplay(bus, _hex(spec["init_sequence"]), **options)


class _Held:
    """How the machine holds the display: released (not deinited) when the machine closes."""

    def __init__(self, display: Any) -> None:
        self.display = display

    def deinit(self) -> None:
        if self.display in registry.displays():
            registry.unregister(self.display)
            self.display._release()


def board_display(machine: Any) -> Any:
    """``board.DISPLAY``: made on first use (or at boot), None once released by
    ``displayio.release_displays()`` (as on a board, it stays released for the run)."""
    held = machine.singletons.get(KEY)
    if isinstance(held, _Held):
        return held.display if held.display in registry.displays() else None
    display = build(machine)
    machine.singletons[KEY] = _Held(display)
    return display


def start(machine: Any) -> None:
    """At boot: a board with a display shows it (the terminal) before any program runs."""
    if machine.board.display is not None:
        board_display(machine)
