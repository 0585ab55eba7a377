"""``protoboard bundle build``: the click command over :mod:`protoboard.bundler.build`.

The lead attaches :data:`build` under the ``bundle`` group. Every failure the user can fix is a
plain message and a hint on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from protoboard.bundler.build import DEFAULT_PYPI_URL, BundlerError

__all__ = ["build"]

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _fail(message: str, hint: str | None = None, status: int = 2) -> NoReturn:
    click.secho(f"protoboard: {message}", fg="red", err=True)
    if hint:
        click.echo(f"  {hint}", err=True)
    sys.exit(status)


def _parse_compilers(values: tuple[str, ...]) -> dict[int, Any]:
    """``N=PATH`` pairs into compilers (checked later, with the manifest's)."""
    from protoboard.bundler.mpycross import MpyCross

    compilers = {}
    for value in values:
        major, sep, path = value.partition("=")
        if not sep or not major.strip().isdigit() or not path:
            _fail(
                f"--mpy-cross {value!r}: expected N=PATH",
                "e.g. --mpy-cross 10=~/bin/mpy-cross-10.x (N is the CircuitPython major)",
            )
        compilers[int(major)] = MpyCross(int(major), Path(path).expanduser())
    return compilers


class _RichProgress:
    """One live rich display for the whole build: a bar per stage, plus one per download
    (the Fetcher's progress protocol), so the two never fight over the terminal."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.console = console
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task: Any = None
        self._download: Any = None

    # BuildProgress
    def stage(self, label: str, total: int | None = None) -> None:
        if self._task is not None:
            self.bar.remove_task(self._task)
        self._task = self.bar.add_task(label, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self.bar.advance(self._task, n)

    def note(self, message: str) -> None:
        from rich.markup import escape

        self.console.print(f"[yellow]note:[/] {escape(message)}", highlight=False)

    # fetch.Progress (downloads)
    def start(self, label: str, total: int | None) -> None:
        self.done()
        self._download = self.bar.add_task(f"downloading {label}", total=total)

    def done(self) -> None:
        if self._download is not None:
            self.bar.remove_task(self._download)
            self._download = None

    def download_advance(self, n: int) -> None:
        if self._download is not None:
            self.bar.advance(self._download, n)


class _DownloadProgress:
    """Adapts :class:`_RichProgress` to the Fetcher's ``start/advance/done`` protocol."""

    def __init__(self, shared: _RichProgress) -> None:
        self._shared = shared

    def start(self, label: str, total: int | None) -> None:
        self._shared.start(label, total)

    def advance(self, n: int) -> None:
        self._shared.download_advance(n)

    def done(self) -> None:
        self._shared.done()


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
    from protoboard.updater.fetch import Fetcher, default_cache_dir

    console = Console(stderr=True, quiet=quiet)
    compilers = _parse_compilers(mpy_cross)
    progress = _RichProgress(console)
    try:
        loaded = load_manifest(manifest, tag=tag)
        fetcher = Fetcher(offline=offline, progress=_DownloadProgress(progress))
        cache = None if no_compile_cache else default_cache_dir().parent / "mpy-cross-out"
        with progress.bar:
            result = build_bundle(
                loaded,
                out,
                compilers=compilers,
                fetcher=fetcher,
                pypi_url=pypi_url,
                jobs=jobs,
                progress=progress,
                compile_cache=cache,
            )
    except BundlerError as e:
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
