"""Shared fixtures: small sites written into a temporary folder, built with a fixed clock."""

from __future__ import annotations

import os
import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cmsite.site import Site

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

CONFIG = """\
[site]
title = "Test site"
url = "https://blog.example.org"
description = "A site for tests."
lang = "{lang}"
timezone = "Europe/Paris"
author = "Test Author"

[build]
posts_per_page = {per_page}
"""


class SiteFolder:
    """A site on disk that a test fills with files, then builds."""

    def __init__(self, root: Path, lang: str = "en", per_page: int = 5):
        self.root = root
        self.write("cmsite.toml", CONFIG.format(lang=lang, per_page=per_page))

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def post(self, name: str, front: str, body: str = "Some text.\n") -> Path:
        return self.write(f"content/posts/{name}", f"---\n{textwrap.dedent(front).strip()}\n---\n{body}")

    def site(self, **options: object) -> Site:
        options.setdefault("now", NOW)
        return Site(self.root, **options)  # type: ignore[arg-type]

    def build(self, **options: object):
        output = options.pop("output", None)
        return self.site(**options).build(output)

    @property
    def output(self) -> Path:
        return self.root / "output"

    def read(self, relative: str) -> str:
        return (self.output / relative).read_text(encoding="utf-8")

    def all_output_text(self) -> str:
        return "\n".join(
            p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(self.output.rglob("*"))
            if p.is_file()
        )


@pytest.fixture
def site_folder(tmp_path: Path) -> SiteFolder:
    return SiteFolder(tmp_path / "site")


def missing_tool(what: str) -> None:
    """Skip on a laptop that lacks a tool; fail in CI, where CMSITE_REQUIRE_INTEGRATION=1."""
    if os.environ.get("CMSITE_REQUIRE_INTEGRATION") == "1":
        pytest.fail(f"{what} is required when CMSITE_REQUIRE_INTEGRATION=1 (run `python3 tests/run.py`)")
    pytest.skip(f"{what} not available; `python3 tests/run.py` installs it")


@pytest.fixture(scope="session")
def vnu_command() -> list[str]:
    """The Nu HTML checker: vnu.jar from npm's vnu-jar (in .tools/, or CMSITE_VNU_JAR) run by Java."""
    jar = Path(os.environ.get("CMSITE_VNU_JAR", REPO / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"))
    java = shutil.which("java")
    if not java or not jar.is_file():
        missing_tool("the Nu HTML checker (Java and npm's vnu-jar)")
    return [java, "-jar", str(jar)]
