"""The ``protoboard`` command's entry point: start the VM fork server before anything else
when the command is ``run`` (it is the slowest part of start-up), then hand over to the CLI."""

import sys


def main() -> None:
    if sys.argv[1:2] == ["run"] and "--help" not in sys.argv and "-h" not in sys.argv:
        from protoboard.runtime import vmserver

        vmserver.start_early()
    from protoboard.cli import main as cli

    cli()
