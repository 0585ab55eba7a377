"""One base class for the errors a user can fix, and the one wrapper that prints them."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from protoboard.ble.board import BoardError
from protoboard.ble.client import FileTransferError
from protoboard.ble.transport import TransportError
from protoboard.bundler.errors import BundlerError
from protoboard.bundler.mpycross import MpyCrossError
from protoboard.errors import UserError
from protoboard.updater.backends import BackendError
from protoboard.updater.bundle import BundleError
from protoboard.updater.catalog import CatalogError
from protoboard.updater.commands import friendly
from protoboard.updater.drives import DriveNotFound
from protoboard.updater.engine import UpdaterError
from protoboard.updater.fetch import FetchError
from protoboard.updater.sources import SourceError


@pytest.mark.parametrize(
    "error",
    [
        BackendError,
        BundleError,
        CatalogError,
        DriveNotFound,
        UpdaterError,
        FetchError,
        SourceError,
        BundlerError,
        MpyCrossError,
        TransportError,
        FileTransferError,
        BoardError,
    ],
)
def test_every_expected_error_is_a_user_error(error: type[Exception]) -> None:
    assert issubclass(error, UserError)


def test_a_user_error_keeps_its_message_and_hint() -> None:
    error = UserError("no drive found", "give --path")
    assert (str(error), error.hint) == ("no drive found", "give --path")
    assert TransportError("link lost", "retry").hint == "retry"
    assert isinstance(TransportError("link lost"), ConnectionError)


def test_friendly_prints_message_and_hint_with_status_2() -> None:
    @click.command()
    @friendly
    def broken() -> None:
        raise SourceError("no such bundle source 'x'", "list them: protoboard bundle list")

    result = CliRunner().invoke(broken, [])
    assert result.exit_code == 2
    assert "protoboard: no such bundle source 'x'\n  list them: protoboard bundle list" in (
        result.output
    )


def test_friendly_leaves_bugs_alone() -> None:
    @click.command()
    @friendly
    def buggy() -> None:
        raise KeyError("a bug")

    result = CliRunner().invoke(buggy, [])
    assert isinstance(result.exception, KeyError)
