"""Set up everything the tests need, then run the whole suite: `python3 tests/run.py [pytest args]`.

1. a virtual environment in .venv with cmsite, the network plugins in plugins/, and
   their test dependencies;
2. the Nu HTML checker (npm package vnu-jar) in .tools/, when npm is available —
   the HTML validity tests also need Java; without them those tests skip on a laptop
   and fail in CI (CMSITE_REQUIRE_INTEGRATION=1);
3. pytest, in parallel on every core.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV = REPO / ".venv"
TOOLS = REPO / ".tools"
VNU_VERSION = "26.9.27"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*command: str | Path, **kwargs: object) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)  # type: ignore[call-overload]


def main() -> int:
    if not venv_python().exists():
        venv.create(VENV, with_pip=True)
    plugins = sorted((REPO / "plugins").glob("cmsite-*"))
    editables = [f"{REPO}[test]", *(f"{plugin}[test]" for plugin in plugins)]
    quiet = ("--quiet", "--disable-pip-version-check")
    run(venv_python(), "-m", "pip", "install", *quiet, *(arg for path in editables for arg in ("-e", path)))
    npm = shutil.which("npm")
    jar = TOOLS / "node_modules/vnu-jar/build/dist/vnu.jar"
    if npm and not jar.exists():
        TOOLS.mkdir(exist_ok=True)
        run(npm, "install", "--no-audit", "--no-fund", "--prefix", TOOLS, f"vnu-jar@{VNU_VERSION}")
    elif not npm:
        print("npm not found: the HTML validity tests will be skipped (install Node.js and Java to run them)")
    command = [str(venv_python()), "-m", "pytest", "-n", "auto", *sys.argv[1:]]
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=REPO).returncode


if __name__ == "__main__":
    sys.exit(main())
