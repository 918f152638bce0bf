"""`cmsite plugin new NAME`: an installable plugin distribution with a passing test."""

from __future__ import annotations

import re
from pathlib import Path

from cmsite.scaffold import write_tree

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "cmsite-{name}"
version = "0.1.0"
description = "A cmsite plugin: {name}."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["cmsite"]

[project.optional-dependencies]
test = ["pytest"]

# This entry point is how cmsite finds the plugin once the distribution is installed.
[project.entry-points.cmsite]
{name} = "{module}"

[tool.hatch.build.targets.wheel]
packages = ["{module}"]
"""

MODULE = '''\
"""cmsite plugin {name}: every function marked @hookimpl runs at its hook (docs/plugins.md)."""

from __future__ import annotations

from markupsafe import Markup

from cmsite.hookspecs import hookimpl


@hookimpl
def cmsite_head_tags(page, site):
    """An example: a <meta> tag on every page. Replace it with what your plugin does."""
    return [Markup('<meta name="generator" content="cmsite with {name}">')]
'''

TEST = '''\
"""Tests for the {name} plugin, with the fixtures of cmsite.testing."""

import {module}


def test_the_plugin_adds_its_meta_tag(cmsite_site):
    cmsite_site.post("2026-01-01-hello.md", "title: Hello")
    cmsite_site.build(plugins=[{module}])
    assert 'content="cmsite with {name}"' in cmsite_site.read("posts/hello/index.html")
'''

README = """\
# cmsite-{name}

A plugin for [cmsite](https://pypi.org/project/cmsite/).

    pip install -e .          # cmsite finds it through its entry point
    cmsite plugins            # lists it
    pip install -e '.[test]' && pytest

Turn it off for one run with `CMSITE_DISABLE_PLUGINS={name}`, or for a site with
`[plugins] disable = ["{name}"]` in cmsite.toml.
"""

_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


def create_plugin(parent: Path, name: str) -> list[Path]:
    """Write `cmsite-NAME/` under `parent`; refuse bad names and existing folders."""
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a plugin name; use lower-case letters, digits, - and _")
    module = "cmsite_" + name.replace("-", "_")
    target = parent / f"cmsite-{name}"
    if target.exists():
        raise FileExistsError(f"{target} already exists; choose another name or folder")
    templates = {
        "pyproject.toml": PYPROJECT,
        f"{module}/__init__.py": MODULE,
        "tests/test_plugin.py": TEST,
        "README.md": README,
    }
    return write_tree(
        target, {path: text.format(name=name, module=module) for path, text in templates.items()}
    )
