#!/usr/bin/env python3
"""Set everything up and run Jinye. Needs only Python 3.11 (and Debian's chromium for browser tests).

    python3 jinye.py run     # install what is missing, build the demo city on first start, open the dashboard
    python3 jinye.py test    # install what is missing (chromium too, as root), run the whole test suite

Dependencies go into ./.venv and are reinstalled only when a requirements file changes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
CHROMIUM = "/usr/bin/chromium"
# A CJK font, so screenshots and browser tests show Chinese text rather than boxes.
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def say(text: str) -> None:
    print(f"[jinye] {text}", flush=True)


def ensure_venv(requirements: str) -> None:
    """Create .venv and install ``requirements`` unless the same set is installed already."""
    if sys.version_info[:2] < (3, 11):
        sys.exit(f"[jinye] Python 3.11 or newer is needed; this is {sys.version.split()[0]}")
    if not PY.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    files = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt", ROOT / "requirements-spark.txt"]
    digest = hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists())
                            + requirements.encode()).hexdigest()
    stamp = VENV / ".jinye-requirements"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say(f"installing {requirements} (first time takes a few minutes)")
    subprocess.run([str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q",
                    "-r", str(ROOT / requirements)], check=True)
    stamp.write_text(digest)


def ensure_chromium() -> None:
    """Install Debian's chromium (and a CJK font) for the browser tests when missing and we may."""
    if Path(CHROMIUM).exists() and Path(CJK_FONT).exists():
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say("chromium is missing and cannot be installed here: browser tests will fail under CI "
            "(install it with: sudo apt-get install -y chromium)")
        return
    say("installing chromium (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-wqy-microhei"], check=True, env=env)


def run(args: argparse.Namespace) -> int:
    ensure_venv("requirements.txt")
    env = {**os.environ}
    if args.db:
        env["JINYE_DB"] = str(Path(args.db).resolve())
    db = subprocess.run([str(PY), "-c", "from data.config import load_settings; print(load_settings().db_path)"],
                        cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout.strip()
    if not Path(db).exists():
        say(f"first start: building the demo city in {db}")
        subprocess.run([str(PY), "-m", "data", "generate", "--db", db], cwd=ROOT, env=env, check=True)
    say(f"dashboard on http://localhost:{args.port}  (Ctrl+C to stop)")
    return subprocess.call([str(PY), "-m", "streamlit", "run", "dashboard/app.py",
                            "--server.port", str(args.port), "--server.address", args.address],
                           cwd=ROOT, env=env)


def test(args: argparse.Namespace) -> int:
    ensure_venv("requirements-dev.txt")
    ensure_chromium()
    extra = list(args.pytest_args)
    if not any(a == "-n" or a.startswith(("-n=", "--numprocesses")) for a in extra):
        # One worker per core, a whole file per worker (a file's browser server and fixtures
        # are set up once): the suite is mostly waiting on DuckDB, models and browsers.
        extra = ["-n", "auto", "--dist", "loadfile", *extra]
    code = subprocess.call([str(PY), "-m", "pytest", *extra], cwd=ROOT)
    if code == 5:
        say("pytest collected no tests: that is a failure")
        return 1
    return code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="set up and start the dashboard on the demo city")
    r.add_argument("--port", type=int, default=8501)
    r.add_argument("--address", default="0.0.0.0")
    r.add_argument("--db", help="warehouse file (default: $JINYE_DB or var/jinye.duckdb)")
    r.set_defaults(func=run)
    t = sub.add_parser("test", help="set up and run the whole test suite")
    t.add_argument("pytest_args", nargs=argparse.REMAINDER, help="extra pytest arguments")
    t.set_defaults(func=test)
    args = parser.parse_args()
    try:
        return args.func(args)
    except subprocess.CalledProcessError as exc:
        say(f"failed: {' '.join(map(str, exc.cmd))} (exit {exc.returncode})")
        return exc.returncode or 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
