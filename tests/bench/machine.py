"""What the benchmarks print next to their timings: the machine is shared, and a busy neighbour
stretches every figure, so each one goes out with the load average it was taken at."""

from __future__ import annotations

import os
import resource
from pathlib import Path


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as text."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mb() -> float:
    """This process's peak resident set so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
