"""The libraries on offer: every bundle source's bundles, searched in order, with pins.

A :class:`BundleSet` is one release of one source: its ``py`` bundle (versions, dependencies,
requirements: always the reference, as in circup) and the bundle the files come from (the
``N.x-mpy`` zip for a real board, the ``py`` one for Protoboard or when no mpy zip exists).
A :class:`Catalog` holds the sets in priority order (user sources first, newest release of a
source before older cached ones), so ``name==version`` pins can be met from an older release.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from protoboard.errors import UserError
from protoboard.updater.bundle import (
    Bundle,
    BundleError,
    LibraryInfo,
    canonical_name,
    is_host_only,
)

__all__ = [
    "BundleSet",
    "Catalog",
    "CatalogError",
    "Pick",
    "Wanted",
    "parse_requirement",
    "parse_version_loose",
]


#: how deep dependencies may nest (Adafruit's nest 3 or 4 levels)
MAX_DEPENDENCY_DEPTH = 100


class CatalogError(UserError):
    """A name, pin or dependency the bundles cannot satisfy; the message says what to do."""


@dataclass(frozen=True)
class BundleSet:
    source: str
    tag: str | None
    py: Bundle
    files: Bundle
    flavour: str  # the flavour of ``files``: "py" or "N.x-mpy"


@dataclass(frozen=True)
class Wanted:
    """One requirement: ``adafruit_bme280`` or ``adafruit-circuitpython-bme280==2.6.4``."""

    name: str  # module name
    spec: SpecifierSet
    text: str

    def allows(self, version: str | None) -> bool:
        if not self.spec:
            return True
        parsed = parse_version_loose(version)
        return parsed is not None and self.spec.contains(parsed, prereleases=True)


@dataclass(frozen=True)
class Pick:
    """A library chosen from a bundle set."""

    info: LibraryInfo  # from the py bundle: version, dependencies
    set: BundleSet
    files_from: Bundle  # the bundle whose files are installed
    file_paths: tuple[str, ...]  # paths inside files_from ("lib/x.mpy", ...)
    flavour: str

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def version(self) -> str | None:
        return self.info.version

    def details(self) -> dict[str, str | bool | list[str] | None]:
        """What ``protoboard show`` tells about the library (also its ``--json``)."""
        info = self.info
        return {
            "name": info.name,
            "version": info.version,
            "source": self.set.source,
            "tag": self.set.tag,
            "package": info.package,
            "dependencies": list(info.dependencies),
            "external_dependencies": list(info.external_dependencies),
            "pypi_name": info.pypi_name,
            "repo": info.repo,
            "files": list(self.file_paths),
            "flavour": self.flavour,
        }


def parse_version_loose(text: str | None) -> Version | None:
    if not text:
        return None
    try:
        return Version(text.strip().lstrip("v"))
    except InvalidVersion:
        return None


_PLAIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:==([A-Za-z0-9.+!_-]+))?$")


def parse_requirement(text: str) -> Wanted:
    """A requirements line (comments stripped by the caller) as a :class:`Wanted`."""
    raw = text.strip()
    plain = _PLAIN.match(raw)
    if plain:  # the common case, without packaging's (slow to import) grammar
        spec = SpecifierSet(f"=={plain[2]}") if plain[2] else SpecifierSet()
        return Wanted(canonical_name(plain[1]), spec, raw)
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(raw)
    except InvalidRequirement:
        raise CatalogError(
            f"{raw!r} is not a library name (examples: adafruit_bme280, "
            "adafruit-circuitpython-bme280==2.6.4)"
        ) from None
    return Wanted(canonical_name(req.name), req.specifier, raw)


class Catalog:
    def __init__(self, sets: list[BundleSet]) -> None:
        self.sets = sets
        self._pypi: dict[str, str] | None = None

    def names(self) -> set[str]:
        return {name for s in self.sets for name in s.py.libraries}

    def newest(self, name: str) -> Pick | None:
        """The library from the first set that has it (no pin)."""
        for s in self.sets:
            info = s.py.libraries.get(name)
            if info is not None:
                return self._pick(s, info)
        return None

    def module_name(self, name: str) -> str:
        """A name as the bundles' JSON spells the PyPI name (``adafruit-circuitpython-
        connectionmanager``) to its module (``adafruit_connection_manager``)."""
        if self._pypi is None:
            self._pypi = {}
            for s in self.sets:
                for module, info in s.py.libraries.items():
                    if info.pypi_name:
                        self._pypi.setdefault(canonical_name(info.pypi_name), module)
        if any(name in s.py.libraries for s in self.sets):
            return name
        return self._pypi.get(name, name)

    def find(self, wanted: Wanted) -> Pick:
        wanted = Wanted(self.module_name(wanted.name), wanted.spec, wanted.text)
        available: list[str] = []
        for s in self.sets:
            info = s.py.libraries.get(wanted.name)
            if info is None:
                continue
            if wanted.allows(info.version):
                return self._pick(s, info)
            available.append(f"{info.version or '?'} ({s.source} {s.tag or ''})".replace(" )", ")"))
        if available:
            raise CatalogError(
                f"{wanted.text}: no bundle in the cache has that version; found "
                f"{', '.join(dict.fromkeys(available))}. Remove the pin, or add the bundle "
                "release that has it: protoboard bundle add PATH-OR-URL"
            )
        raise CatalogError(self.unknown_message(wanted.name))

    def unknown_message(self, name: str, lead: str | None = None) -> str:
        """ "no library called 'x' in adafruit, community. Did you mean ...?" (``lead``
        replaces the part before the hint)."""
        close = difflib.get_close_matches(name, sorted(self.names()), n=3, cutoff=0.8)
        hint = (
            f" Did you mean {', '.join(close)}?"
            if close
            else (" 'protoboard show WORD' searches the bundles.")
        )
        sources = ", ".join(dict.fromkeys(s.source for s in self.sets)) or "no bundle"
        lead = lead or f"no library called {name!r} in {sources}."
        return f"{lead}{hint}"

    def _pick(self, s: BundleSet, info: LibraryInfo) -> Pick:
        files_from, flavour = s.files, s.flavour
        try:
            paths = files_from.find(info.name).files if files_from is not s.py else info.files
        except BundleError:
            paths = ()
        if not paths:  # not in the mpy zip: its .py files then
            files_from, flavour, paths = s.py, "py", info.files
        if not paths:
            raise CatalogError(
                f"{info.name}: the bundle lists it but has no files for it "
                f"({s.py.source.name}); the bundle is damaged, refresh it with "
                "'protoboard bundle refresh'"
            )
        return Pick(info, s, files_from, tuple(paths), flavour)

    def resolve(self, wanted: list[Wanted], notes: list[str] | None = None) -> list[Pick]:
        """The wanted libraries and their dependencies, dependencies first, each once. Pins
        apply to the pinned name only; dependencies take the set of the library needing them
        when it has them, else the first set that does."""
        order: list[Pick] = []
        done: dict[str, Pick] = {}
        stack: list[str] = []
        pinned = {w.name: w for w in wanted}

        def visit(pick: Pick) -> None:
            if pick.name in done:
                return
            if pick.name in stack:
                cycle = [*stack[stack.index(pick.name) :], pick.name]
                raise CatalogError(
                    f"the bundle's dependencies go round in a circle: "
                    f"{' -> '.join(cycle)}; the bundle is broken, tell its "
                    "maintainers"
                )
            if len(stack) >= MAX_DEPENDENCY_DEPTH:
                raise CatalogError(
                    f"{wanted[0].text}: its dependencies nest more than "
                    f"{MAX_DEPENDENCY_DEPTH} deep ({' -> '.join(stack[:3])} -> ...); real "
                    "ones nest a few levels: the bundle is broken, remove it "
                    "(protoboard bundle remove NAME) or tell its maintainers"
                )
            stack.append(pick.name)
            for dep in (*pick.info.dependencies, *pick.info.external_dependencies):
                name = canonical_name(dep)
                if is_host_only(dep) or name in done:
                    continue
                dependency = self._dependency(pick, name, dep, pinned, notes)
                if dependency is not None:
                    visit(dependency)
            stack.pop()
            done[pick.name] = pick
            order.append(pick)

        for w in wanted:
            visit(self.find(w))
        return order

    def _dependency(
        self,
        parent: Pick,
        name: str,
        spelled: str,
        pinned: dict[str, Wanted],
        notes: list[str] | None,
    ) -> Pick | None:
        """None: an external requirement no bundle has (noted, not installed)."""
        if name in pinned:
            return self.find(pinned[name])
        info = parent.set.py.libraries.get(name)
        if info is not None:
            return self._pick(parent.set, info)
        pick = self.newest(name)
        if pick is None:
            message = (
                f"{parent.name} needs {spelled!r}, which is in none of the bundles "
                "(add the bundle that has it: protoboard bundle add ...)"
            )
            if spelled in parent.info.dependencies:
                raise CatalogError(message)
            if notes is not None:
                notes.append(message)
            return None
        return pick
