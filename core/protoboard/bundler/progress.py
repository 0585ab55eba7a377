"""What ``protoboard bundle build`` shows while it works: one live rich display for the whole
build, a bar per stage plus one per download, so the two never fight over the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    from rich.progress import TaskID

__all__ = ["DownloadProgress", "RichProgress"]


class RichProgress:
    """The build's stages (:class:`~protoboard.bundler.build.BuildProgress`) and its
    downloads, on one display (``bar``: enter it around the build)."""

    def __init__(self, console: Console) -> None:
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
        self._task: TaskID | None = None
        self._download: TaskID | None = None

    # BuildProgress
    def stage(self, label: str, total: int | None = None) -> None:
        if self._task is not None:
            self.bar.remove_task(self._task)
        self._task = self.bar.add_task(label, total=total)

    def advance(self, n: int = 1) -> None:
        if self._task is not None:
            self.bar.advance(self._task, n)

    def note(self, message: str) -> None:
        self.console.print(f"[yellow]note:[/] {escape(message)}", highlight=False)

    # downloads
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


class DownloadProgress:
    """Adapts :class:`RichProgress` to the Fetcher's ``start/advance/done`` protocol."""

    def __init__(self, shared: RichProgress) -> None:
        self._shared = shared

    def start(self, label: str, total: int | None) -> None:
        self._shared.start(label, total)

    def advance(self, n: int) -> None:
        self._shared.download_advance(n)

    def done(self) -> None:
        self._shared.done()
