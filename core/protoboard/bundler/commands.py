"""``protoboard bundle build``: the click command over :mod:`protoboard.bundler.build`.

It only parses, calls and prints (the display is :mod:`.progress`). The ``bundle`` group of
:mod:`protoboard.updater.commands` loads it when used. Every failure the user can fix is a
:class:`~protoboard.errors.UserError`: a plain message and a hint on stderr with exit status 2,
never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

from protoboard.bundler.build import DEFAULT_PYPI_URL
from protoboard.errors import UserError

__all__ = ["build"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str, hint: str | None = None, status: int = 2) -> NoReturn:
    click.secho(f"protoboard: {message}", fg="red", err=True)
    if hint:
        click.echo(f"  {hint}", err=True)
    sys.exit(status)


def _size(n: int) -> str:
    return f"{n / 1024:.1f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"


@click.command("build", context_settings=CONTEXT)
@click.argument("manifest", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("dist"),
    show_default=True,
    help="Folder for the zips and JSON (created if needed; files of the same name "
    "are replaced only when the whole build succeeded).",
)
@click.option(
    "--tag",
    metavar="YYYYMMDD",
    help="Bundle tag (in every file name). Default: the manifest's tag, else "
    "SOURCE_DATE_EPOCH's date, else today.",
)
@click.option(
    "--mpy-cross",
    "mpy_cross",
    multiple=True,
    metavar="N=PATH",
    help="CircuitPython N's mpy-cross executable, to build the N.x-mpy zip "
    "(overrides the manifest's [mpy-cross]). Repeatable.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(1, 64),
    metavar="N",
    help="Files compiled at once (default: CPU count + 2).",
)
@click.option(
    "--offline", is_flag=True, help="Use only downloads already in the cache (no network)."
)
@click.option(
    "--pypi-url",
    default=DEFAULT_PYPI_URL,
    show_default=True,
    metavar="URL",
    help="PyPI's JSON API (a mirror with the same API works).",
)
@click.option(
    "--no-compile-cache",
    is_flag=True,
    help="Compile every file again instead of reusing identical earlier compiles.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
def build(
    manifest: Path,
    out: Path,
    tag: str | None,
    mpy_cross: tuple[str, ...],
    jobs: int | None,
    offline: bool,
    pypi_url: str,
    no_compile_cache: bool,
    quiet: bool,
) -> None:
    """Build an Adafruit-format library bundle from MANIFEST (a bundles/*.toml file).

    \b
    Writes into --out, for prefix P and tag T:
      P-py-T.zip          the libraries as .py (any CircuitPython version, and Protoboard)
      P-N.x-mpy-T.zip     compiled for CircuitPython N, for each N with an mpy-cross
      P-examples-T.zip    every library's examples/
      P-T.json            metadata: versions, dependencies (for Adafruit's tools)

    circup and `protoboard` read these zips as they read Adafruit's own bundles. The same
    manifest and sources always give byte-identical files.

    \b
    Examples:
      protoboard bundle build bundles/starter.toml --out dist
      protoboard bundle build bundles/starter.toml --mpy-cross 10=~/bin/mpy-cross-10.x
      SOURCE_DATE_EPOCH=1763683200 protoboard bundle build my.toml -o dist

    The manifest format is in bundles/README.md. Libraries come from folders, PyPI (exact
    versions; downloads are verified and cached) or git (needs the git program).
    """
    from rich.console import Console

    from protoboard.bundler.build import build_bundle, load_manifest
    from protoboard.bundler.mpycross import default_compile_cache, parse_options
    from protoboard.bundler.progress import DownloadProgress, RichProgress
    from protoboard.updater.fetch import Fetcher

    console = Console(stderr=True, quiet=quiet)
    progress = RichProgress(console)
    try:
        compilers = parse_options(mpy_cross)
        loaded = load_manifest(manifest, tag=tag)
        fetcher = Fetcher(offline=offline, progress=DownloadProgress(progress))
        with progress.bar:
            result = build_bundle(
                loaded,
                out,
                compilers=compilers,
                fetcher=fetcher,
                pypi_url=pypi_url,
                jobs=jobs,
                progress=progress,
                compile_cache=None if no_compile_cache else default_compile_cache(),
            )
    except UserError as e:
        _fail(str(e), e.hint)
    except KeyboardInterrupt:
        _fail(f"interrupted: nothing was written to {out}", status=130)
    modules = sum(len(lib.modules) for lib in result.libraries)
    console.print(
        f"[green]built[/] {loaded.prefix} {result.tag}: {len(result.libraries)} "
        f"libraries, {modules} modules",
        highlight=False,
    )
    for path in result.files:
        console.print(f"  {path}  ({_size(path.stat().st_size)})", highlight=False)
