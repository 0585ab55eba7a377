"""The VM's side of the parts on a running board: wire the parts file's parts and the session's
(``protoboard sim add``) before a run, and answer the supervisor's live part requests."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from protoboard.partsfile import (
    PartsFileError,
    PartSpec,
    build,
    describe,
    set_attribute,
    suggest,
)
from protoboard.runtime.messages import (
    AddPart,
    ListParts,
    PartReply,
    PartsLoaded,
    RemovePart,
    SetPart,
    ToSupervisor,
)


def wire(
    target: Any,
    config: Any,
    write: Callable[[str], None],
    notify: Callable[[ToSupervisor], None],
) -> None:
    """Wire ``config.parts`` (or, if they fail, ``config.parts_fallback``), then the session's
    parts; say on the console what failed. Nothing to do on a board that is not simulated."""
    if not (config.parts or config.session_parts or config.removed_parts):
        return
    try:
        sim = target.backend.simulated_world()
    except Exception:
        return
    try:
        build(sim, list(config.parts))
        if config.parts_fallback is not None:
            notify(PartsLoaded(True, specs=tuple(config.parts)))
    except PartsFileError as exc:
        text = exc.message + (f"\n({exc.hint})" if exc.hint else "")
        write(f"{text}\nThe board keeps the parts it had before.\n")
        notify(PartsLoaded(False, error=exc.message))
        with contextlib.suppress(PartsFileError):
            build(sim, list(config.parts_fallback or ()))
    for spec in config.session_parts:
        with contextlib.suppress(PartsFileError):
            build(sim, [spec])
    for name in config.removed_parts:
        with contextlib.suppress(KeyError):
            sim.detach(name)


def answer(message: SetPart | AddPart | RemovePart | ListParts, target: Any) -> PartReply:
    """The VM's answer to one live request of the supervisor."""
    try:
        sim = target.backend.simulated_world()
        data = _do(message, sim)
    except PartsFileError as exc:
        return PartReply(message.id, ok=False, error=_text(exc))
    except Exception as exc:
        return PartReply(message.id, ok=False, error=f"{type(exc).__name__}: {exc}")
    return PartReply(message.id, ok=True, data=data)


def _text(exc: PartsFileError) -> str:
    return exc.message + (f" ({exc.hint})" if exc.hint else "")


def _part(sim: Any, name: str) -> Any:
    if name not in sim.parts:
        raise PartsFileError(
            f"no part named '{name}' is attached{suggest(name, sim.parts)}",
            f"attached: {', '.join(sim.parts) or 'none'} (protoboard sim parts lists them)",
        )
    return sim.parts[name]


def _do(message: SetPart | AddPart | RemovePart | ListParts, sim: Any) -> Any:
    if isinstance(message, SetPart):
        part = _part(sim, message.part)
        old, new = set_attribute(part, message.attribute, message.value)
        # An action (a key typed, a mouse move) happens once: not replayed at the next run.
        if message.attribute in getattr(type(part), "momentary", ()):
            return {"old": _plain(old), "new": _plain(new), "momentary": True}
        return {"old": _plain(old), "new": _plain(new)}
    if isinstance(message, AddPart):
        spec: PartSpec = message.spec
        (part,) = build(sim, [spec])
        return describe(part)
    if isinstance(message, RemovePart):
        _part(sim, message.name)
        sim.detach(message.name)
        return None
    return [describe(part) for part in sim.parts.values()]


def _plain(value: Any) -> Any:
    return value if isinstance(value, bool | int | float | str | None) else repr(value)
