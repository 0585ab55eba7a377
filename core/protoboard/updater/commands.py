"""``protoboard install | update | list | show | uninstall | freeze`` and ``protoboard bundle``.

Thin on purpose: options become a backend, a catalog and a plan; the decisions live in
:mod:`.updater`, the downloads in :mod:`.fetch` and :mod:`.sources`. Every expected failure
ends in a plain message with what to do (exit status 2), never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from protoboard.cli import CONTEXT, fail
from protoboard.version import __version__

INSTALLER = f"protoboard {__version__}"
PASSWORD_ENV = "PROTOBOARD_WEB_PASSWORD"

# -- shared options --------------------------------------------------------------------------


def device_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Which drive: --path, --host (web workflow), and what firmware it runs."""
    options = [
        click.option(
            "--path",
            type=click.Path(path_type=Path, file_okay=False),
            metavar="DIR",
            help="The CIRCUITPY drive's folder (default: the current folder if it is "
            "one, else the one mounted board, else Protoboard's own drive).",
        ),
        click.option(
            "--host",
            metavar="NAME",
            help="A board on the network, through its web "
            "workflow (e.g. cpy-123456.local or 192.168.1.42).",
        ),
        click.option(
            "--port",
            "web_port",
            type=int,
            default=80,
            show_default=True,
            help="The web workflow's port (with --host).",
        ),
        click.option(
            "--password",
            envvar=[PASSWORD_ENV, "CIRCUP_WEBWORKFLOW_PASSWORD"],
            metavar="PW",
            help=f"The board's CIRCUITPY_WEB_API_PASSWORD (with --host; or set {PASSWORD_ENV}).",
        ),
        click.option(
            "--cpy-version",
            metavar="VERSION",
            help="The CircuitPython version to "
            "install for, when boot_out.txt is missing or wrong (e.g. 10.0.3; "
            "'protoboard' for Protoboard's drive).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def source_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--bundle",
            "bundles",
            multiple=True,
            metavar="PATH|URL",
            help="Use this bundle (a zip, a folder, or a URL) instead of the "
            "configured sources. Repeatable.",
        ),
        click.option(
            "--offline",
            is_flag=True,
            help="Never use the network: only bundles already in the cache (or local ones).",
        ),
        click.option(
            "--refresh",
            is_flag=True,
            help="Check for new bundle releases now (otherwise at most once a day).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def json_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of tables."
    )(function)


def friendly(function: Callable[..., Any]) -> Callable[..., Any]:
    """Expected errors of any layer become a plain message, exit status 2."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from protoboard.updater.backends import BackendError
        from protoboard.updater.bundle import BundleError
        from protoboard.updater.catalog import CatalogError
        from protoboard.updater.drives import DriveNotFound
        from protoboard.updater.engine import UpdaterError
        from protoboard.updater.fetch import FetchError
        from protoboard.updater.sources import SourceError

        try:
            return function(*args, **kwargs)
        except (
            BackendError,
            BundleError,
            CatalogError,
            DriveNotFound,
            FetchError,
            SourceError,
            UpdaterError,
        ) as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            fail(
                "interrupted. Nothing was left half-installed: run the command again to "
                "finish or to check."
            )

    return wrapper


# -- building blocks ------------------------------------------------------------------------


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def open_backend(path: Path | None, host: str | None, web_port: int, password: str | None):
    from protoboard.updater.backends import DiskBackend

    if path is not None and host is not None:
        fail("give --path or --host, not both")
    if host is not None:
        from protoboard.updater.web_backend import WebBackend

        return WebBackend(host, web_port, password)
    if path is None:
        from protoboard.updater.drives import find_drive

        path = find_drive()
    return DiskBackend(path)


def open_target(
    path,
    host,
    web_port,
    password,
    cpy_version,
    *,
    prefer_py: bool = False,
    deep: bool | None = None,
    read_versions: bool = True,
    need_firmware: bool = True,
):
    from protoboard.updater.backends import device_info_from_override
    from protoboard.updater.engine import open_device

    backend = open_backend(path, host, web_port, password)
    info = device_info_from_override(cpy_version) if cpy_version else None
    if deep is None:
        deep = backend.cheap_reads
    device = open_device(
        backend,
        info,
        prefer_py=prefer_py,
        deep=deep,
        read_versions=read_versions,
        need_firmware=need_firmware,
    )
    for note in device.notes:
        _note(note)
    return device


def _note(message: str) -> None:
    click.secho(f"note: {message}", fg="yellow", err=True)


def make_fetcher(
    offline: bool, *, quiet: bool = False, on_warning: Callable[[str], None] | None = None
):
    from protoboard.updater.fetch import Fetcher, NullProgress, RichProgress

    progress = NullProgress() if quiet or not sys.stderr.isatty() else RichProgress(_console())
    return Fetcher(
        offline=offline, progress=progress, on_warning=on_warning or (None if quiet else _note)
    )


def open_catalog(
    flavour: str,
    bundles: tuple[str, ...],
    offline: bool,
    refresh: bool,
    *,
    history: bool = False,
    quiet: bool = False,
):
    """The catalog for a flavour: the ``--bundle`` ones, else the configured sources (newest
    release of each; with ``history`` older cached releases after them, for pins)."""
    from protoboard.updater.bundle import BundleError
    from protoboard.updater.catalog import Catalog
    from protoboard.updater.fetch import FetchError
    from protoboard.updater.sources import Source as SourceDef
    from protoboard.updater.sources import (
        SourceError,
        cached_tags,
        classify,
        load_sources,
        open_bundles,
        open_source,
    )

    warnings: list[str] = []  # shown only if a catalog comes out of it
    fetcher = make_fetcher(offline, quiet=quiet, on_warning=warnings.append)
    if bundles:
        sources = []
        for i, location in enumerate(bundles):
            try:
                kind, where = classify(location)
            except SourceError as exc:
                fail(f"--bundle {location}: {exc}")
            sources.append(
                SourceDef(f"bundle{i + 1}" if len(bundles) > 1 else "--bundle", kind, where)
            )
    else:
        sources = load_sources()
    opened = open_bundles(sources, fetcher, flavour, refresh=refresh)
    if not quiet:
        for warning in warnings:
            _note(warning)
    sets = [_bundle_set(sb) for sb in opened]
    if history:
        for sb in opened:
            for tag in cached_tags(sb.source, fetcher)[1:]:
                try:
                    sets.append(_bundle_set(open_source(sb.source, fetcher, flavour, tag=tag)))
                except (FetchError, BundleError):
                    continue  # an unusable old release is just not offered
    return Catalog(sets)


def _bundle_set(sb):
    from protoboard.updater.catalog import BundleSet

    return BundleSet(sb.source.name, sb.tag, sb.py, sb.files, "py" if sb.fallback else sb.flavour)


def _wanted(names: tuple[str, ...], requirement: Path | None, device, catalog, auto: bool):
    from protoboard.updater.catalog import CatalogError, parse_requirement
    from protoboard.updater.requirements import scan_imports

    wanted = [parse_requirement(n) for n in names]
    if requirement is not None:
        wanted += _read_requirements(requirement)
    if auto:

        def suggest(name: str) -> str:
            return catalog.unknown_message(
                name, f"{name} is imported by the code but is in none of the bundles."
            )

        found = scan_imports(device.backend, catalog.names(), suggest)
        if not found.files:
            _note("--auto: no code.py (or other .py file) in the drive's root to read")
        for message in found.unknown:
            _note(message)
        wanted += [parse_requirement(n) for n in found.found]
    if not wanted:
        raise CatalogError(
            "nothing to install: name libraries, or use -r requirements.txt "
            "or --auto (the imports of code.py)"
        )
    # one entry per library; a pinned mention wins
    merged: dict[str, Any] = {}
    for w in wanted:
        if w.name not in merged or w.spec:
            merged[w.name] = w
    return list(merged.values())


def _read_requirements(path: Path) -> list[Any]:
    from protoboard.updater.requirements import parse_requirements_text

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}")
    return parse_requirements_text(text, str(path))


def _flavour_text(flavour: str) -> str:
    return ".py files" if flavour == "py" else f".mpy files for CircuitPython {flavour[:-6]}"


def show_plan(plan, *, as_json: bool, dry_run: bool, verb: str) -> None:
    if as_json:
        return
    active = plan.active
    for change in plan.changes:
        if change.action == "skip":
            continue
        if change.acts:
            old = f"{change.old_version} -> " if change.old_version and change.new_version else ""
            version = change.new_version or change.old_version or "?"
            detail = f" ({change.reason})" if change.action in ("repair", "reinstall") else ""
            files = len(change.writes) + len(change.deletes)
            click.echo(
                f"  {change.action:<9} {change.name} {old}{version}{detail}"
                f"  [{files} file{'s' if files != 1 else ''}]"
            )
    for note in plan.notes:
        _note(note)
    if not active:
        click.echo("Nothing to do: everything asked for is installed and up to date.")
    elif dry_run:
        click.echo(f"Dry run: nothing was {verb}.")


def run_plan(plan, *, as_json: bool, dry_run: bool, verb: str) -> None:
    from protoboard.updater.engine import apply

    show_plan(plan, as_json=as_json, dry_run=dry_run, verb=verb)
    if not dry_run and plan.active:
        apply(plan, installer=INSTALLER, progress=_ApplyProgress(plan))
        if not as_json:
            count = len(plan.active)
            written = plan.bytes_to_write
            wrote = f", {_size(written)} written" if written else ""
            click.secho(
                f"Done: {count} librar{'y' if count == 1 else 'ies'} {verb} "
                f"({plan.device.backend.label}{wrote}).",
                fg="green",
            )
    if as_json:
        click.echo(json.dumps(_plan_json(plan, dry_run), indent=1))


def _plan_json(plan, dry_run: bool) -> dict[str, Any]:
    info = plan.device.info
    return {
        "device": {
            "label": plan.device.backend.label,
            "firmware": info.kind,
            "version": str(info.version) if info.version else None,
            "board_id": info.board_id,
            "flavour": plan.device.flavour,
        },
        "dry_run": dry_run,
        "changes": [
            {
                "name": c.name,
                "action": c.action,
                "reason": c.reason,
                "old_version": c.old_version,
                "new_version": c.new_version,
                "write": c.writes,
                "delete": c.deletes,
            }
            for c in plan.changes
        ],
        "bytes_to_write": plan.bytes_to_write,
        "notes": plan.notes,
    }


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.1f} KiB"


class _ApplyProgress:
    """A bar over the bytes written to the drive (only on a terminal)."""

    def __init__(self, plan) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._label = plan.device.backend.label

    def start(self, total_bytes: int) -> None:
        if not sys.stderr.isatty() or total_bytes <= 0:
            return
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

        self._bar = Progress(
            TextColumn("writing to {task.description}"),
            BarColumn(),
            DownloadColumn(),
            console=_console(),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self._label, total=total_bytes)

    def advance(self, path: str, size: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, size)

    def done(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


# -- commands --------------------------------------------------------------------------------


@click.command(context_settings=CONTEXT)
@click.argument("names", nargs=-1, metavar="[LIBRARY[==VERSION]]...")
@click.option(
    "-r",
    "--requirement",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Install the libraries listed in FILE (one per line, "
    "'name==version' pins honoured), e.g. one written by 'protoboard freeze'.",
)
@click.option(
    "-a",
    "--auto",
    is_flag=True,
    help="Install what code.py (and the other .py files in the drive's root) import.",
)
@click.option(
    "-U",
    "--upgrade",
    is_flag=True,
    help="Also update the named libraries (and their dependencies) if newer versions exist.",
)
@click.option(
    "--py",
    "prefer_py",
    is_flag=True,
    help="Install .py source even on a real "
    "board (bigger, slower to import, but readable and version-proof).",
)
@click.option(
    "--force", is_flag=True, help="Reinstall even if up to date, replacing files you edited."
)
@click.option("-n", "--dry-run", is_flag=True, help="Show what would happen; change nothing.")
@device_options
@source_options
@json_option
@friendly
def install(
    names,
    requirement,
    auto,
    upgrade,
    prefer_py,
    force,
    dry_run,
    path,
    host,
    web_port,
    password,
    cpy_version,
    bundles,
    offline,
    refresh,
    as_json,
):
    """Install libraries (and what they need) into the drive's lib/ folder.

    \b
    Examples:
      protoboard install adafruit_bme280
      protoboard install adafruit-circuitpython-bme280==2.6.4
      protoboard install --auto              (what code.py imports)
      protoboard install -r requirements.txt --path /media/me/CIRCUITPY
      protoboard install neopixel --host cpy-1a2b3c.local --password secret

    Protoboard's drive gets .py files; a real board gets the .mpy build for
    its CircuitPython version (read from boot_out.txt). Only files that
    change are written, and an interrupted install leaves the old version.
    """
    device = open_target(path, host, web_port, password, cpy_version, prefer_py=prefer_py)
    pinned = any("=" in n or "<" in n or ">" in n for n in names) or requirement is not None
    catalog = open_catalog(device.flavour, bundles, offline, refresh, history=pinned, quiet=as_json)
    wanted = _wanted(names, requirement, device, catalog, auto)
    from protoboard.updater.engine import plan_install

    if not as_json:
        click.echo(
            f"{device.backend.label}: {device.info.describe()}; installing "
            f"{_flavour_text(device.flavour)}"
        )
    plan = plan_install(device, catalog, wanted, upgrade=upgrade, force=force)
    run_plan(plan, as_json=as_json, dry_run=dry_run, verb="installed")


@click.command(context_settings=CONTEXT)
@click.argument("names", nargs=-1, metavar="[LIBRARY]...")
@click.option(
    "--all",
    "all_",
    is_flag=True,
    hidden=True,
    help="Update everything (the default when no names are given; accepted for circup habits).",
)
@click.option(
    "-r",
    "--requirement",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Honour the pins in FILE (libraries pinned there stay at their version).",
)
@click.option("--py", "prefer_py", is_flag=True, help="Switch the libraries to .py source.")
@click.option("--force", is_flag=True, help="Also replace libraries whose files you edited.")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would change; change nothing.")
@device_options
@source_options
@json_option
@friendly
def update(
    names,
    all_,
    requirement,
    prefer_py,
    force,
    dry_run,
    path,
    host,
    web_port,
    password,
    cpy_version,
    bundles,
    offline,
    refresh,
    as_json,
):
    """Update installed libraries to the bundles' versions (all, or those named).

    Also repairs libraries built for another CircuitPython version (the
    cause of 'incompatible .mpy file' errors), and adds dependencies that
    new versions need. Libraries in no bundle, and files you edited, are
    left alone (--force replaces edited ones).
    """
    from protoboard.updater.engine import plan_update

    device = open_target(path, host, web_port, password, cpy_version, prefer_py=prefer_py)
    pins = {}
    if requirement is not None:
        pins = {w.name: w for w in _read_requirements(requirement) if w.spec}
    catalog = open_catalog(
        device.flavour, bundles, offline, refresh, history=bool(pins), quiet=as_json
    )
    if not device.libraries:
        if as_json:
            click.echo(json.dumps({"changes": [], "notes": ["no libraries installed"]}))
        else:
            click.echo(f"No libraries in {device.backend.label}/lib yet: nothing to update.")
        return
    plan = plan_update(device, catalog, names, pins=pins, force=force)
    run_plan(plan, as_json=as_json, dry_run=dry_run, verb="updated")


@click.command("list", context_settings=CONTEXT)
@click.option("-o", "--outdated", is_flag=True, help="Only libraries that need an update.")
@device_options
@source_options
@json_option
@friendly
def list_command(
    outdated, path, host, web_port, password, cpy_version, bundles, offline, refresh, as_json
):
    """Installed libraries, their versions, and which need an update (and why)."""
    from protoboard.updater.engine import status

    device = open_target(path, host, web_port, password, cpy_version, deep=False)
    catalog = open_catalog(device.flavour, bundles, offline, refresh, quiet=as_json)
    rows = status(device, catalog)
    if outdated:
        rows = [r for r in rows if r["outdated"]]
    if as_json:
        click.echo(json.dumps({"device": device.info.describe(), "libraries": rows}, indent=1))
        return
    from rich.table import Table

    click.echo(f"{device.backend.label}: {device.info.describe()}")
    if not rows:
        click.echo("No libraries need an update." if outdated else "No libraries in lib/.")
        return
    table = Table(box=None, pad_edge=False)
    for heading in ("Library", "Installed", "Latest", "Status"):
        table.add_column(heading)
    for r in rows:
        state = (
            ("[yellow]update: " + r["reason"] + "[/]")
            if r["outdated"]
            else ("[dim]not in the bundles[/]" if not r["in_bundles"] else "[green]up to date[/]")
        )
        if r["edited"]:
            state += " [magenta](edited)[/]"
        table.add_row(r["name"], r["installed"] or "?", r["latest"] or "-", state)
    from rich.console import Console

    Console(highlight=False).print(table)
    count = sum(r["outdated"] for r in rows)
    if count:
        click.echo(f"{count} to update: protoboard update")


@click.command(context_settings=CONTEXT)
@click.argument("word", required=False)
@click.option(
    "--flavour",
    default="py",
    show_default=True,
    metavar="py|N.x-mpy",
    help="Which bundle to describe.",
)
@source_options
@json_option
@friendly
def show(word, flavour, bundles, offline, refresh, as_json):
    """Describe a library in the bundles, or search them (no board needed).

    \b
      protoboard show adafruit_bme280     version, dependencies, files
      protoboard show bme                 every library whose name contains 'bme'
    """
    from protoboard.updater.bundle import canonical_name

    catalog = open_catalog(flavour, bundles, offline, refresh, quiet=as_json)
    name = canonical_name(word) if word else None
    pick = catalog.newest(name) if name else None
    if pick is not None:
        info = pick.info
        data = {
            "name": info.name,
            "version": info.version,
            "source": pick.set.source,
            "tag": pick.set.tag,
            "package": info.package,
            "dependencies": list(info.dependencies),
            "external_dependencies": list(info.external_dependencies),
            "pypi_name": info.pypi_name,
            "repo": info.repo,
            "files": list(pick.file_paths),
            "flavour": pick.flavour,
        }
        if as_json:
            click.echo(json.dumps(data, indent=1))
            return
        for key, value in data.items():
            if isinstance(value, list):
                value = ", ".join(value) or "-"
            click.echo(f"{key.replace('_', ' ').capitalize() + ':':<24}{value}")
        return
    matches = sorted(n for n in catalog.names() if not word or word.lower() in n.lower())
    if as_json:
        click.echo(json.dumps({"matches": matches}))
        return
    if not matches:
        fail(catalog.unknown_message(name or ""))
    for n in matches:
        p = catalog.newest(n)
        click.echo(f"{n:<40} {p.version if p else ''}")
    click.echo(f"{len(matches)} librar{'y' if len(matches) == 1 else 'ies'}", err=True)


@click.command(context_settings=CONTEXT)
@click.argument("names", nargs=-1, required=True, metavar="LIBRARY...")
@click.option("-n", "--dry-run", is_flag=True, help="Show what would be deleted.")
@device_options
@json_option
@friendly
def uninstall(names, dry_run, path, host, web_port, password, cpy_version, as_json):
    """Remove libraries from the drive's lib/ folder.

    Deletes the files the library installed; files you added inside its
    folder stay. Dependencies that nothing needs any more are named, not
    removed.
    """
    from protoboard.updater.bundle import canonical_name
    from protoboard.updater.engine import plan_uninstall

    device = open_target(
        path, host, web_port, password, cpy_version, deep=True, need_firmware=False
    )
    plan = plan_uninstall(device, [canonical_name(n) for n in names])
    run_plan(plan, as_json=as_json, dry_run=dry_run, verb="removed")


@click.command(context_settings=CONTEXT)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar="FILE",
    help="Write to FILE (e.g. requirements.txt) instead of printing.",
)
@device_options
@friendly
def freeze(output, path, host, web_port, password, cpy_version):
    """Print the installed libraries as 'name==version' lines.

    Give the file to 'protoboard install -r FILE' to get the same versions
    on another board (pins are honoured).
    """
    device = open_target(
        path, host, web_port, password, cpy_version, deep=False, need_firmware=False
    )
    lines = []
    for name, lib in sorted(device.libraries.items()):
        if lib.version:
            lines.append(f"{name}=={lib.version}")
        else:
            lines.append(f"# {name}: version unknown")
    text = "".join(f"{line}\n" for line in lines)
    if output is None:
        click.echo(text, nl=False)
        return
    from protoboard.runtime.drive import atomic_write

    try:
        atomic_write(output, text.encode())
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"Wrote {len(lines)} libraries to {output}", err=True)


# -- bundle sources ------------------------------------------------------------------------


class _BundleGroup(click.Group):
    """``build`` is loaded only when used: the bundler's imports are not small."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "build"])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name == "build":
            from protoboard.bundler.commands import build

            return build
        return super().get_command(ctx, name)


@click.group(cls=_BundleGroup, context_settings=CONTEXT)
def bundle() -> None:
    """Where libraries come from (bundle sources), and building bundles.

    \b
    Built in: Adafruit's and the Community bundle (from GitHub releases).
    Add your own: a bundle zip or folder, a URL, or another GitHub repo.
    Downloads are cached, so everything works offline afterwards.
    """


@bundle.command("list", context_settings=CONTEXT)
@json_option
@friendly
def bundle_list(as_json):
    """The bundle sources, in search order, and what the cache holds."""
    from protoboard.updater.sources import cached_tags, load_sources

    fetcher = make_fetcher(True, quiet=True)
    rows = []
    for source in load_sources():
        rows.append(
            {**source.to_json(), "builtin": source.builtin, "cached": cached_tags(source, fetcher)}
        )
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    for r in rows:
        cached = ", ".join(r["cached"][:3]) or "nothing cached yet"
        click.echo(f"{r['name']:<12} {r['kind']:<7} {r['location']}\n{'':<21}{cached}")


@bundle.command("add", context_settings=CONTEXT)
@click.argument("name")
@click.argument("location")
@friendly
def bundle_add(name, location):
    """Add a bundle source, searched before the built-in ones.

    \b
    LOCATION is one of:
      ./my-bundle-py-20261121.zip or a folder   (a local bundle)
      https://example.org/x-bundle-py-20261121.zip
      owner/repo                                (GitHub releases, as Adafruit's)
    """
    from protoboard.updater.sources import add_source

    source = add_source(name, location)
    click.echo(f"Added {source.describe()}.")


@bundle.command("remove", context_settings=CONTEXT)
@click.argument("name")
@friendly
def bundle_remove(name):
    """Remove a bundle source (a built-in one is switched off; 'reset' brings it back)."""
    from protoboard.updater.sources import remove_source

    source = remove_source(name)
    click.echo(f"Removed {source.describe()}.")


@bundle.command("reset", context_settings=CONTEXT)
@friendly
def bundle_reset():
    """Back to the built-in sources only."""
    from protoboard.updater.sources import reset_sources

    reset_sources()
    click.echo("Bundle sources reset to Adafruit's and the Community bundle.")


@bundle.command("refresh", context_settings=CONTEXT)
@click.option(
    "--flavour",
    "flavours",
    multiple=True,
    metavar="py|N.x-mpy",
    help="Also fetch this build (e.g. 10.x-mpy). Repeatable.",
)
@friendly
def bundle_refresh(flavours):
    """Download the newest release of every source now (for use offline later)."""
    from protoboard.updater.sources import load_sources, open_bundles

    fetcher = make_fetcher(False)
    for flavour in flavours or ("py",):
        for sb in open_bundles(load_sources(), fetcher, flavour, refresh=True):
            click.echo(
                f"{sb.source.name}: {sb.tag or 'local'} ({flavour}, "
                f"{len(sb.py.libraries)} libraries)"
            )
            sb.close()


COMMANDS = {
    "install": install,
    "update": update,
    "list": list_command,
    "show": show,
    "uninstall": uninstall,
    "freeze": freeze,
    "bundle": bundle,
}
