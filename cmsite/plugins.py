"""The plugin manager: one per Site, with built-in, installed and local plugins.

Where plugins come from, in registration order:

1. built-in features (`cmsite/default_plugins/`), all `trylast`;
2. installed distributions with an entry point in the group `cmsite`;
3. the site's own plugin folder (`plugins/*.py` beside cmsite.toml; `[plugins] folder`);
4. plugin objects handed to `Site(plugins=[...])` (tests, scripts).

Which ones load: `[plugins] enable` (only these installed or local plugins) and
`[plugins] disable` (block any, built-ins included) in cmsite.toml, and the
environment switches CMSITE_LOAD_PLUGINS (comma list; empty loads none),
CMSITE_DISABLE_PLUGINS and CMSITE_TRACE_PLUGINS (print every hook call on stderr).
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pluggy

from cmsite import __version__, hookspecs
from cmsite.errors import ContentErrors
from cmsite.social.network import PublishError

ENTRY_POINT_GROUP = "cmsite"
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
    "watch_paths",
    "syndication",
)


class PluginError(Exception):
    """A plugin that cannot load, or that failed inside a hook; the message names it."""


@dataclass(frozen=True)
class PluginSource:
    """Where a registered plugin came from, for `cmsite plugins` and for error messages."""

    name: str
    source: str  # "built-in", "entry point", "local folder" or "object"
    distribution: str | None = None
    version: str | None = None
    path: str | None = None


@dataclass(frozen=True)
class PluginSelection:
    """Which plugins may load: from cmsite.toml and the environment."""

    enable: tuple[str, ...] | None = None
    disable: tuple[str, ...] = ()
    folder: Path | None = None
    trace: bool = False

    @classmethod
    def from_settings(
        cls, enable: Iterable[str] | None, disable: Iterable[str], folder: Path | None, env: Mapping[str, str]
    ) -> PluginSelection:
        load = env.get("CMSITE_LOAD_PLUGINS")
        if load is not None:
            enable = [name.strip() for name in load.split(",") if name.strip()]
        disabled = [
            *disable,
            *(n.strip() for n in env.get("CMSITE_DISABLE_PLUGINS", "").split(",") if n.strip()),
        ]
        trace = env.get("CMSITE_TRACE_PLUGINS", "") not in ("", "0")
        return cls(tuple(enable) if enable is not None else None, tuple(disabled), folder, trace)

    def allows(self, name: str) -> bool:
        return self.enable is None or name in self.enable


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, plus where each plugin came from."""

    def __init__(self) -> None:
        super().__init__("cmsite")
        self.add_hookspecs(hookspecs)
        self.sources: dict[str, PluginSource] = {}

    def add(self, plugin: object, source: PluginSource) -> None:
        if source.name in self.sources or self.get_plugin(source.name) is not None:
            raise PluginError(
                f"two plugins are named {source.name!r}: {_origin(self.sources[source.name])} and "
                f"{_origin(source)}; rename or disable one"
            )
        try:
            self.register(plugin, name=source.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {source.name} ({_origin(source)}): {_explain(exc)}") from None
        self.sources[source.name] = source


def make_plugin_manager(selection: PluginSelection, extra: Iterable[object] = ()) -> PluginManager:
    """A fresh manager: never a module global, so two sites (or two watch rebuilds) never share hooks."""
    pm = PluginManager()
    for name in selection.disable:
        pm.set_blocked(name)
    for name in DEFAULT_PLUGINS:
        if not pm.is_blocked(name):
            module = importlib.import_module(f"cmsite.default_plugins.{name}")
            pm.add(module, PluginSource(name, "built-in", "cmsite", __version__))
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if pm.is_blocked(entry_point.name) or not selection.allows(entry_point.name):
            continue
        dist = entry_point.dist
        source = PluginSource(
            entry_point.name, "entry point", dist.name if dist else None, dist.version if dist else None
        )
        pm.add(_load(entry_point.load, source), source)
    if selection.folder is not None and selection.folder.is_dir():
        for path in sorted(selection.folder.glob("*.py")):
            if (
                path.name.startswith(("_", "."))
                or pm.is_blocked(path.stem)
                or not selection.allows(path.stem)
            ):
                continue
            source = PluginSource(path.stem, "local folder", path=str(path))
            pm.add(_load(functools.partial(_import_file, path), source), source)
    for plugin in extra:
        if pm.is_registered(plugin):  # e.g. a plugin's own test passing its installed module
            continue
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        pm.add(plugin, PluginSource(name, "object"))
    _check_unknown_hooks(pm)
    _wrap_errors(pm)
    if selection.trace:
        pm.add_hookcall_monitoring(_trace_before, _trace_after)
    return pm


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a hook's implementations one by one, keeping which plugin gave which result.

    Used where cmsite must name the plugin behind a result (duplicate command or network names).
    """
    results = []
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):  # pluggy's call order
        result = impl.function(*(kwargs[arg] for arg in impl.argnames))
        if result is not None:
            results.append((impl.plugin_name, result))
    return results


def unique_results(
    pm: pluggy.PluginManager,
    hook_name: str,
    name_of: Callable[[Any], str],
    clash: Callable[[str, str, str], str],
    taken: Mapping[str, str] | None = None,
) -> list[Any]:
    """Every value of every plugin's list from a hook, where no two may share a name.

    `taken` names already owned (name → owner); `clash(plugin, name, owner)` words the
    error, which names both plugins. Used for commands, networks and settings sections.
    """
    owners = dict(taken or {})
    found = []
    for plugin, values in call_each(pm, hook_name):
        for value in values:
            name = name_of(value)
            if name in owners:
                raise PluginError(clash(plugin, name, owners[name]))
            owners[name] = plugin
            found.append(value)
    return found


def _load(loader: Callable[[], object], source: PluginSource) -> object:
    try:
        return loader()
    except Exception as exc:
        raise PluginError(f"plugin {source.name} ({_origin(source)}) failed to load: {exc}") from exc


def _import_file(path: Path) -> object:
    """Import a site's local plugin under a name unique to its folder (two sites never clash)."""
    digest = hashlib.sha1(str(path.parent.resolve()).encode()).hexdigest()[:10]
    name = f"cmsite_local_plugins_{digest}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _check_unknown_hooks(pm: PluginManager) -> None:
    """A misspelled hook name would silently never run: refuse it, with a suggestion."""
    known = [name for name in dir(hookspecs) if name.startswith("cmsite_")]
    problems = []
    for name, caller in vars(pm.hook).items():
        if caller.spec is not None:
            continue
        for impl in caller.get_hookimpls():
            guess = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean {guess[0]}?" if guess else "see docs/plugins.md for the hooks"
            problems.append(f"plugin {impl.plugin_name} ({_origin(pm.sources[impl.plugin_name])}): "
                            f"hook {name} matches no hookspec; {hint}")  # fmt: skip
    if problems:
        raise PluginError("\n".join(problems))


def _wrap_errors(pm: PluginManager) -> None:
    """Turn an exception inside a hook into `plugin NAME, hook HOOK, while processing PATH: message`.

    ContentErrors pass through: they are how a plugin reports a problem with a content file;
    so does PublishError, how a publish hook stops an entry.
    """
    for hook_name, caller in vars(pm.hook).items():
        for impl in caller.get_hookimpls():
            if impl.hookwrapper or impl.wrapper:
                continue
            impl.function = _guarded(impl.function, impl.plugin_name, hook_name, impl.argnames)


def _guarded(
    function: Callable[..., Any], plugin: str, hook: str, argnames: tuple[str, ...]
) -> Callable[..., Any]:
    @functools.wraps(function)
    def guarded(*args: Any) -> Any:
        try:
            return function(*args)
        except (ContentErrors, PluginError, PublishError):
            raise
        except Exception as exc:
            where = _processing(dict(zip(argnames, args, strict=False)))
            raise PluginError(f"plugin {plugin}, hook {hook}{where}: {type(exc).__name__}: {exc}") from exc

    return guarded


def _processing(arguments: dict[str, Any]) -> str:
    """Name the file a hook was working on, when its arguments say."""
    for key in ("item", "page", "path"):
        value = arguments.get(key)
        if value is None:
            continue
        shown = getattr(value, "shown", None) or (getattr(value, "sources", None) or (None,))[0]
        shown = (
            shown or getattr(value, "url", None) or (str(value) if isinstance(value, Path | str) else None)
        )
        if shown:
            return f", while processing {shown}"
    return ""


def _explain(exc: pluggy.PluginValidationError) -> str:
    message = str(exc)
    if "argument" in message:
        return f"{message}; a hook may only take the arguments its spec lists (docs/plugins.md)"
    return message


def _origin(source: PluginSource) -> str:
    if source.source == "entry point":
        return f"entry point of {source.distribution} {source.version}"
    if source.source == "local folder":
        return f"local file {source.path}"
    return source.source


def _trace_before(hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
    names = ", ".join(impl.plugin_name for impl in reversed(impls))
    print(f"[cmsite trace] {hook_name}({', '.join(kwargs)}) → {names}", file=sys.stderr)


def _trace_after(outcome: Any, hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
    if outcome.exception is not None:
        print(f"[cmsite trace] {hook_name} raised {outcome.exception!r}", file=sys.stderr)
