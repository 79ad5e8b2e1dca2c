"""Running ``python -m analytics`` in tests: as a user types it, or in this process."""

from __future__ import annotations

import subprocess

from analytics.cli import main
from tests.cli_runner import python_m


def run(*args: str) -> subprocess.CompletedProcess:
    """The command as a user types it, in its own process."""
    return python_m("analytics", *args)


def run_here(capsys, *args: str) -> subprocess.CompletedProcess:
    """The same entry point in this process (no interpreter start-up), for the many refusals."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse refuses bad arguments this way
        code = exc.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)
