"""Imports run one way: each module of cmsite imports only from its own layer or the ones below
(docs/architecture.md). Imports for type hints alone (under `TYPE_CHECKING`) are free."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

# Bottom first. A module belongs to the first layer with a prefix of its name.
LAYERS = [
    (
        "foundation",
        [
            "cmsite",
            "cmsite.errors",
            "cmsite.inputs",
            "cmsite.digests",
            "cmsite.workers",
            "cmsite.cache_file",
            "cmsite.config",
            "cmsite.urls",
        ],
    ),
    ("content", ["cmsite.content", "cmsite.collections"]),
    ("render and social", ["cmsite.render", "cmsite.social"]),
    ("queue", ["cmsite.queue"]),
    ("calendar and report", ["cmsite.calendar", "cmsite.report"]),
    (
        "site",
        ["cmsite.site", "cmsite.plugins", "cmsite.hookspecs", "cmsite.scaffold", "cmsite.plugin_scaffold"],
    ),
    ("built-in plugins", ["cmsite.default_plugins"]),
    ("front ends", ["cmsite.serve", "cmsite.cli", "cmsite.__main__", "cmsite.testing"]),
]


def layer_of(module: str) -> int:
    matches = [
        (len(prefix), index)
        for index, (_, prefixes) in enumerate(LAYERS)
        for prefix in prefixes
        if module == prefix or module.startswith(prefix + ".")
    ]
    assert matches, f"{module} is in no layer: add it to LAYERS and to docs/architecture.md"
    return max(matches)[1]  # the longest prefix: `cmsite.content.x` is content, not foundation


def runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every cmsite import that runs, at the top or inside a function."""
    found = []
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("cmsite"):
            found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("cmsite")]
        found += runtime_imports(node)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def test_every_import_points_down_or_across():
    upward = []
    for path in sorted((REPO / "cmsite").rglob("*.py")):
        importer = module_name(path)
        for line, imported in runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if layer_of(imported) > layer_of(importer):
                upward.append(
                    f"{path.relative_to(REPO)}:{line}: {LAYERS[layer_of(importer)][0]} imports "
                    f"{imported} ({LAYERS[layer_of(imported)][0]})"
                )
    assert upward == []


def test_the_layers_are_the_ones_the_architecture_doc_names():
    doc = (REPO / "docs/architecture.md").read_text(encoding="utf-8")
    for name, prefixes in LAYERS:
        assert f"**{name}**" in doc
        for prefix in prefixes:
            assert f"`{prefix.replace('.', '/')}" in doc or prefix == "cmsite", prefix
