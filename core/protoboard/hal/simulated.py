"""The simulator's world as the runtime, the CLI and the pytest plugin see it.

A port whose backend is a simulation returns one of these from
:meth:`Backend.simulated_world() <protoboard.hal.backend.Backend.simulated_world>`. Parts are the
port's own classes, so they are typed ``Any`` here: a part's attributes (``temperature``,
``pixels``...) depend on what it models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol

LevelListener = Callable[["SimulatedPin", bool, int], None]
DataListener = Callable[["SimulatedPin", bytes, str], None]


class SimulatedPin(Protocol):
    """One simulated pin: its level, what the program uses it for, and its history."""

    @property
    def id(self) -> str:
        """The port's pin id (``GPIO13``)."""
        ...

    @property
    def names(self) -> tuple[str, ...]:
        """The board's names for it (``D13``, ``LED``)."""
        ...

    @property
    def mode(self) -> str:
        """What the program uses the pin for (``output``, ``input``, ``pwm``...)."""
        ...

    @property
    def level(self) -> bool: ...

    @property
    def history(self) -> Sequence[tuple[int, bool]]:
        """``(monotonic_ns, level)`` transitions, newest last."""
        ...

    def set_external(self, level: bool | None) -> None:
        """Drive the pin from outside the program; None lets it float."""

    def on_change(self, listener: LevelListener) -> Callable[[], None]:
        """Call ``listener(pin, level, monotonic_ns)`` on each level change; returns an
        unsubscribe function."""
        ...

    def on_data(self, listener: DataListener) -> Callable[[], None]:
        """Call ``listener(pin, data, kind)`` when a data stream is clocked out on the pin."""
        ...


class SimulatedWorld(Protocol):
    """A simulated board: pins and the parts wired to them."""

    @property
    def pins(self) -> Mapping[str, SimulatedPin]:
        """Every pin, by port pin id."""
        ...

    def pin(self, name: str) -> SimulatedPin:
        """A pin by board name (``"D13"``) or port id."""
        ...

    def part(self, name: str) -> Any:
        """An attached part by name; ``KeyError`` names the attached ones."""
        ...

    def display(self, name: str) -> Any:
        """A display part by name; its ``frame`` is the picture it shows."""
        ...

    def parts_on(self, pin_id: str) -> Iterator[Any]:
        """The parts wired to a pin."""
        ...

    def on_activity(self, listener: Callable[[Any], None]) -> Callable[[], None]:
        """Call ``listener(activity)`` for each PWM change, analog read or write and I2C
        transaction (an object with ``when``, ``where``, ``kind`` and ``data``); returns an
        unsubscribe function."""
        ...

    def pixels_on(self, pin_id: str) -> dict[str, list[tuple[int, ...]]]:
        """What each NeoPixel strip wired to a pin shows, by part name."""
        ...

    def add(self, part_type: str, **settings: Any) -> Any:
        """Create a catalog part by type name and wire it."""
        ...

    def attach(self, part: Any, **connections: str) -> Any:
        """Wire a part (a catalog part or your own) to board pins by role."""
        ...

    def detach(self, name: str) -> None: ...
