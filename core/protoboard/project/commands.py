"""``protoboard project get | new``: Learn-style project bundles onto a drive, and new projects."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import click

from protoboard.cli import CONTEXT
from protoboard.updater.commands import (
    INSTALLER,
    ApplyProgress,
    catalog_for,
    device_options,
    friendly,
    json_option,
    note,
    open_target,
    show_plan,
    source_options,
)

TEMPLATES = ("blink", "button", "sensor")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@click.group(context_settings=CONTEXT)
def project() -> None:
    """Projects: a Learn guide's "Project Bundle" onto a drive, or a new project to start from.

    \b
    Examples:
      protoboard project get ~/Downloads/Clue_Plotter.zip
      protoboard project get https://example.org/project.zip --path /media/me/CIRCUITPY
      protoboard project new plant-monitor --template sensor
    """


@project.command("get", context_settings=CONTEXT)
@click.argument("location", metavar="ZIP|URL|FOLDER")
@click.option(
    "--folder",
    "major",
    type=int,
    metavar="N",
    help="Take the bundle's 'CircuitPython N.x' folder (default: the one for the drive).",
)
@click.option("-n", "--dry-run", is_flag=True, help="Show what would change; change nothing.")
@device_options
@source_options
@json_option
@friendly
def get(
    location: str,
    major: int | None,
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
    """Install a project bundle onto the drive: its code, assets and libraries.

    A Learn guide's "Download Project Bundle" zip has a folder per
    CircuitPython version; the one for your drive is taken (Protoboard's
    drive: CircuitPython 10.x). Libraries come from the library bundles in
    the form your drive needs (.py here, .mpy on a real board); code and
    assets are copied. Everything lands at once or not at all, and files it
    replaces (your old code.py...) are saved on this computer first.
    """
    from protoboard.project.install import backup, backup_root, choose_folder, plan_project
    from protoboard.project.source import open_project
    from protoboard.updater.engine import apply

    device = open_target(path, host, web_port, password, cpy_version)
    with open_project(location, offline=offline) as source:
        chosen = choose_folder(source, device, major)
        catalog = catalog_for(device.flavour, bundles, offline, refresh, quiet=as_json)
        result = plan_project(source, device, catalog, chosen)
        if not as_json:
            click.echo(
                f"{source.name}: the {result.folder_name} files onto {device.backend.label} "
                f"({device.info.describe()})"
            )
            _show(result)
            show_plan(result.plan, as_json=False, dry_run=dry_run, verb="installed")
        if not dry_run:
            saved = backup(result, backup_root())
            apply(result.plan, installer=INSTALLER, progress=ApplyProgress(device.backend.label))
            if not as_json:
                _done(result, saved)
        if as_json:
            click.echo(json.dumps({**result.as_json(), "dry_run": dry_run}, indent=1))


def _show(result: object) -> None:
    from protoboard.project.install import ProjectPlan

    assert isinstance(result, ProjectPlan)
    for label, paths in (("new", result.new), ("replace", result.replaced)):
        for path in paths:
            click.echo(f"  {label:<9} {path}")
    if result.unchanged:
        click.echo(f"  {'same':<9} {len(result.unchanged)} file(s) already as the project has them")
    for message in result.notes:
        note(message)


def _done(result: object, saved: Path | None) -> None:
    from protoboard.project.install import ProjectPlan

    assert isinstance(result, ProjectPlan)
    written = len(result.new) + len(result.replaced)
    libraries = len(result.plan.active)
    click.secho(
        f"Done: {written} file(s) copied, {libraries} librar{'y' if libraries == 1 else 'ies'} "
        "installed or updated.",
        fg="green",
    )
    if saved is not None:
        click.echo(f"The files it replaced are saved in {saved}")


@project.command("new", context_settings=CONTEXT)
@click.argument("name")
@click.option(
    "--template",
    type=click.Choice(TEMPLATES),
    default="blink",
    show_default=True,
    help="What the project starts as: blink (the LED), button (a button lights the LED), "
    "sensor (a BME280's readings; its library comes with 'project get').",
)
@click.option(
    "--in",
    "where",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    help="The folder to make it in (default: here).",
)
@friendly
def new(name: str, template: str, where: Path) -> None:
    """Start a project: a folder NAME with a code.py to change.

    \b
    Then:
      protoboard run --drive NAME          run it on the simulated board
      protoboard project get NAME          put it on a drive (libraries included)
    """
    from protoboard.project.source import ProjectError

    if not _NAME.match(name):
        raise ProjectError(
            f"{name!r} is not a good project name: use letters, digits, '-', '_' and '.', "
            "starting with a letter or digit (for example: plant-monitor)"
        )
    folder = where / name
    if folder.exists():
        raise ProjectError(f"{folder} already exists: pick another name, or another --in folder")
    files = resources.files("protoboard.project").joinpath("templates", template)
    folder.mkdir(parents=True)
    made = []
    for item in sorted(files.iterdir(), key=lambda i: i.name):
        if item.is_file():
            text = item.read_text(encoding="utf-8").replace("{name}", name)
            (folder / item.name).write_text(text, encoding="utf-8")
            made.append(item.name)
    click.echo(f"Made {folder}/ ({', '.join(made)}) from the {template} template.")
    click.echo(f"Run it on the simulated board:  protoboard run --drive {folder}")
    click.echo(f"Put it on a board's drive:      protoboard project get {folder}")


@project.command("pack", context_settings=CONTEXT)
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="The folder to write NAME.zip in.",
)
@click.option(
    "--cpy",
    "majors",
    type=int,
    multiple=True,
    metavar="N",
    help="A 'CircuitPython N.x' folder to make (repeatable; default: 10, the version "
    "Protoboard follows).",
)
@friendly
def pack(folder: Path, out: Path, majors: tuple[int, ...]) -> None:
    """Make a Learn-style project bundle (a zip) of a project folder.

    The zip holds NAME/CircuitPython N.x/ with the folder's files, as a Learn
    guide's "Download Project Bundle" does, so 'protoboard project get' (here
    or on another computer) installs it, libraries included: they are found
    from the code's imports. Hidden files and __pycache__ are left out.
    """
    from protoboard.project.pack import pack_folder

    path, count = pack_folder(folder, out, majors or (10,))
    click.echo(f"Wrote {path} ({count} file(s) in each version folder).")
