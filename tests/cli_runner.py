"""Running the command lines (``python -m data``, ``python -m analytics``) in tests as a user
types them: a process of their own, from the checkout."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def python_m(module: str, *args, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """``python -m module args...`` from the checkout; output as text (UTF-8)."""
    return subprocess.run([sys.executable, "-m", module, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, env=env)
