"""Running ``python -m analytics`` in tests: as a user types it, or in this process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from analytics.cli import main

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    """The command as a user types it, in its own process."""
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def run_here(capsys, *args: str) -> subprocess.CompletedProcess:
    """The same entry point in this process (no interpreter start-up), for the many refusals."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse refuses bad arguments this way
        code = exc.code
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, captured.out, captured.err)
