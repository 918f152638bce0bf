"""Shared fixtures. Sites for tests come from cmsite.testing, the kit plugin authors use too."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

from cmsite.testing import FIXED_NOW as NOW
from cmsite.testing import TestSite as SiteFolder
from cmsite.testing import missing_tool

REPO = Path(__file__).resolve().parents[1]

__all__ = ["NOW", "REPO", "SiteFolder", "missing_tool"]


@pytest.fixture(autouse=True)
def without_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Core tests see only cmsite and the plugins they register, not the network plugins installed beside it."""
    names = [entry_point.name for entry_point in metadata.entry_points(group="cmsite")]
    monkeypatch.setenv("CMSITE_DISABLE_PLUGINS", ",".join(names))


@pytest.fixture
def site_folder(tmp_path: Path) -> SiteFolder:
    return SiteFolder(tmp_path / "site")


@pytest.fixture(scope="session")
def vnu_command() -> list[str]:
    """The Nu HTML checker: vnu.jar from npm's vnu-jar (in .tools/, or CMSITE_VNU_JAR) run by Java."""
    jar = Path(os.environ.get("CMSITE_VNU_JAR", REPO / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"))
    java = shutil.which("java")
    if not java or not jar.is_file():
        missing_tool("the Nu HTML checker (Java and npm's vnu-jar)")
    return [java, "-jar", str(jar)]


def nu_problems(vnu_command: list[str], folder: Path) -> list[str]:
    """What the Nu checker finds wrong in the HTML (and its CSS) under `folder`: errors and
    warnings, each as `file:line: type: message`; nothing when every page is valid."""
    result = subprocess.run(
        [*vnu_command, "--format", "json", "--also-check-css", "--skip-non-html", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        f"{m['url'].removeprefix('file:' + str(folder))}:{m.get('lastLine')}: {m['type']}: {m['message']}"
        for m in json.loads(result.stderr)["messages"]
        if m["type"] == "error" or m.get("subType") == "warning"
    ]
