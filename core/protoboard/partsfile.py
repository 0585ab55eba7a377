"""The parts file: ``parts.toml`` on the drive wires simulated parts to the board's pins.

One table per part, named by the part's name (the name ``protoboard sim set NAME.attribute``
uses)::

    [knob]
    type = "Potentiometer"      # a catalog part (protoboard parts), or "myparts.py:MySensor"
    pin = "A1"                  # connections by role: pin, scl/sda, clock/cs/mosi/miso, tx/rx
    position = 0.5              # anything else is a setting of the part

:func:`read` checks a file against a board without running anything of the user's (types,
settings of catalog parts, pins, two parts driving one pin) and gives :class:`PartSpec` values
that cross a pipe; :func:`build` attaches them to a simulator (and imports the user's own part
classes, from a ``.py`` beside the file: only a VM or ``protoboard exec`` calls it). Every
error is a :class:`PartsFileError` naming the file, the line where there is one, and the fix.
"""

from __future__ import annotations

import difflib
import importlib.util
import inspect
import math
import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protoboard.errors import UserError

if TYPE_CHECKING:
    from protoboard.boards import BoardDef
    from protoboard.ports.sim.parts.base import Part

#: the parts file's name, at the drive's root (or beside the program, for ``protoboard exec``)
FILE_NAME = "parts.toml"
#: the longest parts file read, in bytes, and the most parts in it
MAX_FILE = 256 << 10
MAX_PARTS = 200
#: roles whose pin a part drives (a level or a voltage); two drivers on one pin fight. A part
#: class of your own says so with a ``drives`` class attribute.
DRIVES: dict[str, tuple[str, ...]] = {
    "Button": ("pin",),
    "Potentiometer": ("pin",),
    "RotaryEncoder": ("pin_a", "pin_b"),
    "LIS3DH": ("int1", "int2"),
    "HCSR04": ("echo",),
    "IRRemote": ("pin",),
    "ESP32SPI": ("busy",),
}
#: attributes of a part that are its wiring or identity, never settings to change
NOT_SETTABLE = frozenset({"name", "sim", "connections", "kind", "address", "roles"})
_TRUE = frozenset({"true", "yes", "on", "1"})
_FALSE = frozenset({"false", "no", "off", "0"})


class PartsFileError(UserError, ValueError):
    """A parts file (or a part added with ``protoboard sim add``) that cannot be wired."""


@dataclass(frozen=True)
class PartSpec:
    """One part to wire: ``type`` is a catalog name or ``file.py:Class`` (``folder`` holds
    the file); ``line`` is where its table starts in the parts file (0: not from a file)."""

    name: str
    type: str
    connections: dict[str, str] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    line: int = 0
    source: str = FILE_NAME
    folder: str = ""

    @property
    def where(self) -> str:
        return f"{self.source} line {self.line}" if self.line else self.source

    def describe(self) -> str:
        wiring = ", ".join(f"{role}={pin}" for role, pin in self.connections.items())
        return f"{self.name} ({self.type}{', ' + wiring if wiring else ''})"


def suggest(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``choices``, or ``""``."""
    options = list(choices)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in options}
        close = [lowered[word.lower()]] if word.lower() in lowered else []
    return f"; did you mean '{close[0]}'?" if close else ""


# -- reading -----------------------------------------------------------------------------------


def read(path: Path, board: BoardDef) -> list[PartSpec]:
    """The parts of the parts file at ``path`` (none if it does not exist), checked against
    ``board``; PartsFileError if anything is wrong."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise PartsFileError(f"can't read {path.name}: {exc.strerror}") from None
    if size > MAX_FILE:
        raise PartsFileError(
            f"{path.name} is {size} bytes; a parts file may have at most {MAX_FILE}",
            "describe fewer parts",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PartsFileError(f"can't read {path.name}: {exc}", "save it as UTF-8 text") from None
    return parse(text, board, source=path.name, folder=path.parent)


def parse(text: str, board: BoardDef, *, source: str, folder: Path) -> list[PartSpec]:
    """The parts described by ``text`` (a parts file's contents)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PartsFileError(
            f"{source} is not valid TOML: {exc}",
            'fix that line (a part is a [name] table with type = "..." and its pins)',
        ) from None
    if len(data) > MAX_PARTS:
        raise PartsFileError(f"{source} describes {len(data)} parts; at most {MAX_PARTS}")
    lines = _table_lines(text)
    specs = []
    for name, table in data.items():
        line = lines.get(name, 0)
        where = f"{source} line {line}" if line else source
        if not isinstance(table, dict):
            raise PartsFileError(
                f"{where}: '{name}' is a value, not a part",
                f'write each part as a table: [{name}] then type = "..." and its pins',
            )
        spec = spec_from(name, dict(table), board, where=where, folder=folder, line=line)
        specs.append(PartSpec(**{**spec.__dict__, "source": source}))
    check_drivers(specs, board)
    return specs


def _table_lines(text: str) -> dict[str, int]:
    """Where each ``[name]`` table starts (tomllib does not say)."""
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = re.match(r'\s*\[\s*("?)([^"\]]+)\1\s*\]', line)
        if match and not line.lstrip().startswith("[["):
            found.setdefault(match.group(2).strip(), number)
    return found


def spec_from(
    name: str, table: dict[str, Any], board: BoardDef, *, where: str, folder: Path, line: int = 0
) -> PartSpec:
    """One part from its table (or from ``protoboard sim add``'s words), checked."""
    kind = table.pop("type", None)
    if not isinstance(kind, str) or not kind:
        raise PartsFileError(
            f"{where}: the part '{name}' has no type",
            'add type = "Potentiometer" (protoboard parts lists them) or "myparts.py:MyPart"',
        )
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,63}", name):
        raise PartsFileError(
            f"{where}: '{name}' is not a usable part name",
            "use letters, digits and _ (it is the name in protoboard sim set NAME.attribute)",
        )
    roles, parameters = _roles_of(kind, where=where, folder=folder)
    connections = {key: table.pop(key) for key in list(table) if key in roles}
    for role, pin in connections.items():
        if not isinstance(pin, str):
            raise PartsFileError(f"{where}: {role} must be a pin name in quotes, not {pin!r}")
        check_pin(pin, board, where=f"{where}: {name}.{role}")
    if parameters is not None:
        for key in table:
            if key not in parameters:
                known = sorted(set(parameters) | set(roles))
                raise PartsFileError(
                    f"{where}: a {kind} has no setting or pin '{key}'{suggest(key, known)}",
                    f"its settings: {', '.join(parameters) or 'none'}; its pins: "
                    f"{', '.join(roles) or 'none'}",
                )
    return PartSpec(name, kind, connections, table, line=line, folder=str(folder))


def _roles_of(kind: str, *, where: str, folder: Path) -> tuple[tuple[str, ...], list[str] | None]:
    """(connection roles, settings or None if unknown before the part's class runs)."""
    if ":" in kind:
        _user_file(kind, where=where, folder=folder)
        # The user's class runs only in the board's VM: its roles are known there.
        common = ("pin", "pin_a", "pin_b", "scl", "sda", "clock", "mosi", "miso", "cs", "tx")
        return (*common, "rx", "int1", "int2", "button"), None
    from protoboard.ports.sim.parts import CATALOG, part_class

    if kind not in CATALOG:
        raise PartsFileError(
            f"{where}: unknown part type '{kind}'{suggest(kind, CATALOG)}",
            "'protoboard parts' lists the parts there are; a part of your own is "
            '"yourfile.py:YourClass", a .py beside the parts file',
        )
    cls = part_class(kind)
    roles = (*cls.roles, *cls.optional_roles)
    signature = inspect.signature(cls.__init__)
    takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    settings = [n for n in signature.parameters if n not in ("self", "name")]
    return roles, None if takes_any else settings


def _user_file(kind: str, *, where: str, folder: Path) -> tuple[Path, str]:
    file_name, _, class_name = kind.partition(":")
    if "/" in file_name or "\\" in file_name or not file_name.endswith(".py"):
        raise PartsFileError(
            f"{where}: '{kind}' must name a .py file beside the parts file, then : and a class",
            'for example type = "myparts.py:MySensor"',
        )
    if not class_name.isidentifier():
        raise PartsFileError(f"{where}: '{class_name}' in '{kind}' is not a class name")
    path = folder / file_name
    if not path.is_file():
        raise PartsFileError(
            f"{where}: there is no {file_name} beside the parts file (in {folder})",
            f"save your part class in {file_name} there",
        )
    return path, class_name


def check_pin(pin: str, board: BoardDef, *, where: str) -> str:
    """The pin id of ``pin`` on ``board``; PartsFileError if it has none such."""
    names = {name: pin_id for pin_id, aliases in board.pins.items() for name in aliases}
    if pin in names:
        return names[pin]
    if pin in board.pins:
        return pin
    raise PartsFileError(
        f"{where}: the board {board.board_id} has no pin '{pin}'{suggest(pin, names)}",
        f"'protoboard boards --show {board.board_id}' lists its pins",
    )


def check_drivers(specs: list[PartSpec], board: BoardDef) -> None:
    """Two parts that both drive one pin (two buttons, a knob and a button) fight: refused."""
    drivers: dict[str, str] = {}
    for spec in board.parts:
        roles = DRIVES.get(spec.get("type", ""), ())
        for role in roles:
            if role in spec:
                pin_id = check_pin(spec[role], board, where="board")
                drivers[pin_id] = f"the on-board {spec.get('name', spec['type'])}"
    for part in specs:
        for role in DRIVES.get(part.type, ()):
            if role not in part.connections:
                continue
            pin_id = check_pin(part.connections[role], board, where=part.where)
            other = drivers.get(pin_id)
            if other is not None:
                raise PartsFileError(
                    f"{part.where}: '{part.name}' and {other} would both drive pin "
                    f"{part.connections[role]}",
                    f"wire {part.name}.{role} to another pin",
                )
            drivers[pin_id] = f"'{part.name}'"


# -- building (in the board's VM, or protoboard exec) -------------------------------------------


def build(sim: Any, specs: list[PartSpec]) -> list[Part]:
    """Attach ``specs`` to the simulator ``sim``, all or none: if one fails, those attached by
    this call are taken off again and PartsFileError names the part."""
    attached: list[Part] = []
    try:
        for spec in specs:
            attached.append(_build_one(sim, spec))
    except PartsFileError:
        for part in attached:
            sim.detach(part.name)
        raise
    return attached


def _build_one(sim: Any, spec: PartSpec) -> Part:
    try:
        cls = _class_of(spec)
        settings = dict(spec.settings)
        part = cls(name=spec.name, **settings)
    except PartsFileError:
        raise
    except Exception as exc:
        raise PartsFileError(
            f"{spec.where}: the part '{spec.name}' ({spec.type}) failed to start: "
            f"{type(exc).__name__}: {exc}",
            f"fix its settings or the class in {spec.type.split(':')[0]}"
            if ":" in spec.type
            else "fix its settings",
        ) from None
    for role in spec.connections:
        if role in _drives_of(cls):
            _check_free(sim, spec, role)
    try:
        return sim.attach(part, **spec.connections)
    except Exception as exc:
        raise PartsFileError(
            f"{spec.where}: the part '{spec.name}' ({spec.type}) could not be wired: {exc}",
            "check its pins and name",
        ) from None


def _check_free(sim: Any, spec: PartSpec, role: str) -> None:
    pin_id = sim.pin(spec.connections[role]).id
    for other in sim.parts_on(pin_id):
        for other_role, other_pin in other.connections.items():
            if other_pin == pin_id and other_role in _drives_of(type(other)):
                raise PartsFileError(
                    f"{spec.where}: '{spec.name}' and '{other.name}' would both drive pin "
                    f"{spec.connections[role]}",
                    f"wire {spec.name}.{role} to another pin",
                )


def _drives_of(cls: type[Part]) -> tuple[str, ...]:
    return tuple(getattr(cls, "drives", ())) or DRIVES.get(cls.kind, ())


def _class_of(spec: PartSpec) -> type[Part]:
    if ":" not in spec.type:
        from protoboard.ports.sim.parts import part_class

        return part_class(spec.type)
    path, class_name = _user_file(spec.type, where=spec.where, folder=Path(spec.folder))
    module_name = f"_protoboard_parts_{path.stem}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise PartsFileError(f"{spec.where}: can't load {path.name}")
    module = importlib.util.module_from_spec(module_spec)
    try:
        sys.modules[module_name] = module
        module_spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise PartsFileError(
            f"{spec.where}: {path.name} failed to load: {type(exc).__name__}: {exc}",
            f"fix {path.name}",
        ) from None
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        classes = [n for n, v in vars(module).items() if isinstance(v, type)]
        raise PartsFileError(
            f"{spec.where}: {path.name} has no class {class_name}{suggest(class_name, classes)}"
        )
    from protoboard.ports.sim.parts.base import Part

    if not issubclass(cls, Part):
        raise PartsFileError(
            f"{spec.where}: {class_name} in {path.name} is not a part",
            "derive it from protoboard.ports.sim.parts.Part (or I2CPart, SPIPart...)",
        )
    return cls


def read_folder(folder: Path, board: BoardDef) -> list[PartSpec]:
    """The parts of a drive (or a program's folder): its ``parts.toml``, else a Wokwi
    ``diagram.json`` (:mod:`protoboard.wokwi`), else none."""
    from protoboard import wokwi

    if (folder / FILE_NAME).is_file() or not (folder / wokwi.FILE_NAME).is_file():
        return read(folder / FILE_NAME, board)
    return wokwi.read(folder / wokwi.FILE_NAME, board)


def wire_folder(target: Any, folder: Path) -> list[Part]:
    """``protoboard exec``: wire the parts file (or Wokwi diagram) beside the program, if there
    is one (and the board is simulated)."""
    from protoboard import wokwi

    path = folder / FILE_NAME
    if not path.is_file():
        path = folder / wokwi.FILE_NAME
    if not path.is_file():
        return []
    from protoboard.hal.errors import NotSimulated

    try:
        sim = target.backend.simulated_world()
    except NotSimulated:
        raise PartsFileError(
            f"{path} wires simulated parts, but this board is not simulated",
            "run on the sim port, or move the parts file away",
        ) from None
    return build(sim, read_folder(folder, target.board))


# -- settings of an attached part (protoboard sim set / parts) ----------------------------------


def settable(part: Any) -> dict[str, Any]:
    """A part's attributes ``protoboard sim set`` may change, with their values: properties
    with a setter and plain public values (numbers, text, True/False)."""
    found: dict[str, Any] = {}
    for klass in reversed(type(part).__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, property) and value.fset is not None:
                found[name] = None
    for name, value in vars(part).items():
        if isinstance(value, bool | int | float | str):
            found[name] = None
    result = {}
    for name in sorted(found):
        if name.startswith("_") or name in NOT_SETTABLE:
            continue
        try:
            result[name] = getattr(part, name)
        except Exception:  # a property that fails to read is still settable
            result[name] = None
    return result


def convert(value: Any, current: Any, *, what: str) -> Any:
    """``value`` (text from the command line, or JSON) as the type of ``current``."""
    if isinstance(current, bool):
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in _TRUE or word in _FALSE:
            return word in _TRUE
        raise PartsFileError(f"{what} is True or False, not {value!r}", "give true or false")
    if isinstance(current, int):
        try:
            number = value if isinstance(value, int) and not isinstance(value, bool) else None
            if number is None:
                number = int(str(value).strip(), 0)
            return number
        except ValueError:
            raise PartsFileError(f"{what} is a whole number, not {value!r}") from None
    if isinstance(current, float):
        try:
            real = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError):
            real = math.nan
        if not math.isfinite(real):
            raise PartsFileError(f"{what} is a number, not {value!r}", "for example 0.5")
        return real
    if isinstance(current, str):
        return str(value)
    if isinstance(value, str):  # a list, a colour tuple...: JSON, else the text as it is
        import json

        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def set_attribute(part: Any, attribute: str, value: Any) -> tuple[Any, Any]:
    """Set ``part.attribute`` (checked and converted); returns (old, new)."""
    attributes = settable(part)
    if attribute not in attributes:
        raise PartsFileError(
            f"the part '{part.name}' has no attribute '{attribute}' you can set"
            f"{suggest(attribute, attributes)}",
            f"it has: {', '.join(attributes) or 'none'}",
        )
    old = attributes[attribute]
    new = convert(value, old, what=f"{part.name}.{attribute}")
    try:
        setattr(part, attribute, new)
    except Exception as exc:
        raise PartsFileError(f"{part.name}.{attribute} refused {new!r}: {exc}") from None
    return old, getattr(part, attribute, new)


def describe(part: Any) -> dict[str, Any]:
    """JSON-ready: a part's name, type, wiring and settable attributes."""
    attributes = {}
    for name, value in settable(part).items():
        attributes[name] = value if isinstance(value, bool | int | float | str) else repr(value)
    sim = part.sim
    wiring = {role: sim.pins[pin].name if sim else pin for role, pin in part.connections.items()}
    return {"name": part.name, "type": type(part).kind, "wiring": wiring, "attributes": attributes}
