"""The plugin manager: one per Site, with the built-in plugins and installed ones."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

import pluggy

from cmsite import hookspecs

# Built-in features, each a module of hook implementations (registered in this order).
DEFAULT_PLUGINS = (
    "markdown_extensions",
    "entries",
    "home",
    "taxonomies",
    "archives",
    "feeds",
    "sitemap",
    "meta",
    "not_found",
    "static_files",
)


def make_plugin_manager(disabled: Iterable[str] = (), extra: Iterable[object] = ()) -> pluggy.PluginManager:
    """A fresh manager: never a module global, so two sites (or two watch rebuilds) never share hooks."""
    pm = pluggy.PluginManager("cmsite")
    pm.add_hookspecs(hookspecs)
    for name in disabled:
        pm.set_blocked(name)
    for name in DEFAULT_PLUGINS:
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(f"cmsite.default_plugins.{name}"), name=name)
    pm.load_setuptools_entrypoints("cmsite")
    for plugin in extra:
        pm.register(plugin)
    pm.check_pending()
    return pm
