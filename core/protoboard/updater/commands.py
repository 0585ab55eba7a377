"""``protoboard install | update | list | show | uninstall | freeze`` and ``protoboard bundle``.

Thin on purpose: options become a drive and a catalog (:mod:`.session`), the wanted
libraries (:mod:`.requirements`) and a plan (:mod:`.engine`); these commands only parse, call
and print. Every expected failure is a :class:`~protoboard.errors.UserError`, printed as a plain
message with what to do (exit status 2), never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from protoboard.cli import CONTEXT, fail
from protoboard.errors import UserError
from protoboard.version import __version__

if TYPE_CHECKING:  # loaded when a command runs: ``protoboard --help`` stays fast
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from protoboard.updater.catalog import Catalog
    from protoboard.updater.engine import Device, Plan
    from protoboard.updater.fetch import Fetcher

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
    """Expected errors of any layer become a plain message and hint, exit status 2."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except UserError as exc:
            fail(str(exc), exc.hint)
        except KeyboardInterrupt:
            fail(
                "interrupted. Nothing was left half-installed: run the command again to "
                "finish or to check."
            )

    return wrapper


# -- building blocks ------------------------------------------------------------------------


def _console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def note(message: str) -> None:
    click.secho(f"note: {message}", fg="yellow", err=True)


def _held(message: str) -> None:
    """A fetcher's warning kept for later (:func:`_catalog` shows it)."""


def open_target(
    path: Path | None,
    host: str | None,
    web_port: int,
    password: str | None,
    cpy_version: str | None,
    *,
    prefer_py: bool = False,
    deep: bool | None = None,
    need_firmware: bool = True,
) -> Device:
    """The drive the device options name, with its notes shown."""
    from protoboard.updater import session

    backend = session.open_backend(path, host, web_port, password)
    device = session.open_target(
        backend, cpy_version, prefer_py=prefer_py, deep=deep, need_firmware=need_firmware
    )
    for message in device.notes:
        note(message)
    return device


def make_fetcher(
    offline: bool, *, quiet: bool = False, on_warning: Callable[[str], None] | None = None
) -> Fetcher:
    from protoboard.updater.fetch import Fetcher, NullProgress, RichProgress

    progress = NullProgress() if quiet or not sys.stderr.isatty() else RichProgress(_console())
    return Fetcher(
        offline=offline, progress=progress, on_warning=on_warning or (None if quiet else note)
    )


def catalog_for(
    flavour: str,
    bundles: tuple[str, ...],
    offline: bool,
    refresh: bool,
    *,
    history: bool = False,
    quiet: bool = False,
) -> Catalog:
    """The catalog the source options name; its warnings shown only if it opened."""
    from protoboard.updater.session import open_catalog

    fetcher = make_fetcher(offline, quiet=quiet, on_warning=_held)
    catalog, warnings = open_catalog(flavour, bundles, fetcher, refresh=refresh, history=history)
    if not quiet:
        for warning in warnings:
            note(warning)
    return catalog


def _flavour_text(flavour: str) -> str:
    return ".py files" if flavour == "py" else f".mpy files for CircuitPython {flavour[:-6]}"


def show_plan(plan: Plan, *, as_json: bool, dry_run: bool, verb: str) -> None:
    if as_json:
        return
    for change in plan.changes:
        if change.action != "skip" and change.acts:
            old = f"{change.old_version} -> " if change.old_version and change.new_version else ""
            version = change.new_version or change.old_version or "?"
            detail = f" ({change.reason})" if change.action in ("repair", "reinstall") else ""
            files = len(change.writes) + len(change.deletes)
            click.echo(
                f"  {change.action:<9} {change.name} {old}{version}{detail}"
                f"  [{files} file{'s' if files != 1 else ''}]"
            )
    for message in plan.notes:
        note(message)
    if not plan.active:
        click.echo("Nothing to do: everything asked for is installed and up to date.")
    elif dry_run:
        click.echo(f"Dry run: nothing was {verb}.")


def run_plan(plan: Plan, *, as_json: bool, dry_run: bool, verb: str) -> None:
    from protoboard.updater.engine import apply, plan_json

    show_plan(plan, as_json=as_json, dry_run=dry_run, verb=verb)
    if not dry_run and plan.active:
        apply(plan, installer=INSTALLER, progress=ApplyProgress(plan.device.backend.label))
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
        click.echo(json.dumps(plan_json(plan, dry_run), indent=1))


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.1f} KiB"


class ApplyProgress:
    """A bar over the bytes written to the drive (only on a terminal)."""

    def __init__(self, label: str) -> None:
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._label = label

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
        if self._bar is not None and self._task is not None:
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
    names: tuple[str, ...],
    requirement: Path | None,
    auto: bool,
    upgrade: bool,
    prefer_py: bool,
    force: bool,
    dry_run: bool,
    path: Path | None,
    host: str | None,
    web_port: int,
    password: str | None,
    cpy_version: str | None,
    bundles: tuple[str, ...],
    offline: bool,
    refresh: bool,
    as_json: bool,
) -> None:
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
    from protoboard.updater.engine import plan_install
    from protoboard.updater.requirements import is_pinned, wanted_libraries

    device = open_target(path, host, web_port, password, cpy_version, prefer_py=prefer_py)
    history = is_pinned(names, requirement)
    catalog = catalog_for(device.flavour, bundles, offline, refresh, history=history, quiet=as_json)
    wanted = wanted_libraries(names, requirement, device.backend, catalog, auto=auto, note=note)
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
    names: tuple[str, ...],
    all_: bool,
    requirement: Path | None,
    prefer_py: bool,
    force: bool,
    dry_run: bool,
    path: Path | None,
    host: str | None,
    web_port: int,
    password: str | None,
    cpy_version: str | None,
    bundles: tuple[str, ...],
    offline: bool,
    refresh: bool,
    as_json: bool,
) -> None:
    """Update installed libraries to the bundles' versions (all, or those named).

    Also repairs libraries built for another CircuitPython version (the
    cause of 'incompatible .mpy file' errors), and adds dependencies that
    new versions need. Libraries in no bundle, and files you edited, are
    left alone (--force replaces edited ones).
    """
    from protoboard.updater.engine import plan_update
    from protoboard.updater.requirements import read_requirements

    device = open_target(path, host, web_port, password, cpy_version, prefer_py=prefer_py)
    pins = {}
    if requirement is not None:
        pins = {w.name: w for w in read_requirements(requirement) if w.spec}
    catalog = catalog_for(
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
    outdated: bool,
    path: Path | None,
    host: str | None,
    web_port: int,
    password: str | None,
    cpy_version: str | None,
    bundles: tuple[str, ...],
    offline: bool,
    refresh: bool,
    as_json: bool,
) -> None:
    """Installed libraries, their versions, and which need an update (and why)."""
    from protoboard.updater.engine import status

    device = open_target(path, host, web_port, password, cpy_version, deep=False)
    unchecked = None
    try:
        catalog: Catalog | None = catalog_for(
            device.flavour, bundles, offline, refresh, quiet=as_json
        )
    except UserError as exc:  # still worth showing what is installed
        catalog, unchecked = None, str(exc)
    rows = status(device, catalog)
    if outdated:
        rows = [r for r in rows if r["outdated"]]
    if as_json:
        report = {"device": device.info.describe(), "libraries": rows}
        click.echo(json.dumps({**report, "updates_unchecked": unchecked}, indent=1))
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
            else _bundle_state(r["in_bundles"])
        )
        if r["edited"]:
            state += " [magenta](edited)[/]"
        table.add_row(r["name"], r["installed"] or "?", r["latest"] or "-", state)
    from rich.console import Console

    Console(highlight=False).print(table)
    count = sum(r["outdated"] for r in rows)
    if count:
        click.echo(f"{count} to update: protoboard update")
    if unchecked:
        note(f"updates not checked: {unchecked}")


def _bundle_state(in_bundles: bool | None) -> str:
    if in_bundles is None:
        return "[dim]not checked[/]"
    return "[green]up to date[/]" if in_bundles else "[dim]not in the bundles[/]"


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
def show(
    word: str | None,
    flavour: str,
    bundles: tuple[str, ...],
    offline: bool,
    refresh: bool,
    as_json: bool,
) -> None:
    """Describe a library in the bundles, or search them (no board needed).

    \b
      protoboard show adafruit_bme280     version, dependencies, files
      protoboard show bme                 every library whose name contains 'bme'
    """
    from protoboard.updater.bundle import canonical_name
    from protoboard.updater.catalog import CatalogError

    catalog = catalog_for(flavour, bundles, offline, refresh, quiet=as_json)
    name = canonical_name(word) if word else None
    pick = catalog.newest(name) if name else None
    if pick is not None:
        data = pick.details()
        if as_json:
            click.echo(json.dumps(data, indent=1))
            return
        for key, value in data.items():
            shown = (", ".join(value) or "-") if isinstance(value, list) else value
            click.echo(f"{key.replace('_', ' ').capitalize() + ':':<24}{shown}")
        return
    matches = sorted(n for n in catalog.names() if not word or word.lower() in n.lower())
    if as_json:
        click.echo(json.dumps({"matches": matches}))
        return
    if not matches:
        raise CatalogError(catalog.unknown_message(name or ""))
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
def uninstall(
    names: tuple[str, ...],
    dry_run: bool,
    path: Path | None,
    host: str | None,
    web_port: int,
    password: str | None,
    cpy_version: str | None,
    as_json: bool,
) -> None:
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
def freeze(
    output: Path | None,
    path: Path | None,
    host: str | None,
    web_port: int,
    password: str | None,
    cpy_version: str | None,
) -> None:
    """Print the installed libraries as 'name==version' lines.

    Give the file to 'protoboard install -r FILE' to get the same versions
    on another board (pins are honoured).
    """
    from protoboard.updater.requirements import freeze_text

    device = open_target(
        path, host, web_port, password, cpy_version, deep=False, need_firmware=False
    )
    text, count = freeze_text(device.libraries)
    if output is None:
        click.echo(text, nl=False)
        return
    from protoboard.runtime.drive import atomic_write

    try:
        atomic_write(output, text.encode())
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"Wrote {count} libraries to {output}", err=True)


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
def bundle_list(as_json: bool) -> None:
    """The bundle sources, in search order, and what the cache holds."""
    from protoboard.updater.sources import cached_tags, load_sources

    fetcher = make_fetcher(True, quiet=True)
    sources = [(source, cached_tags(source, fetcher)) for source in load_sources()]
    if as_json:
        rows = [{**s.to_json(), "builtin": s.builtin, "cached": tags} for s, tags in sources]
        click.echo(json.dumps(rows, indent=1))
        return
    for s, tags in sources:
        cached = ", ".join(tags[:3]) or "nothing cached yet"
        click.echo(f"{s.name:<12} {s.kind:<7} {s.location}\n{'':<21}{cached}")


@bundle.command("add", context_settings=CONTEXT)
@click.argument("name")
@click.argument("location")
@friendly
def bundle_add(name: str, location: str) -> None:
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
def bundle_remove(name: str) -> None:
    """Remove a bundle source (a built-in one is switched off; 'reset' brings it back)."""
    from protoboard.updater.sources import remove_source

    source = remove_source(name)
    click.echo(f"Removed {source.describe()}.")


@bundle.command("reset", context_settings=CONTEXT)
@friendly
def bundle_reset() -> None:
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
def bundle_refresh(flavours: tuple[str, ...]) -> None:
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
