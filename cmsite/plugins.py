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

import dataclasses
import difflib
import functools
import hashlib
import importlib
import importlib.machinery
import importlib.util
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Any

import pluggy

from cmsite import __version__, hookspecs
from cmsite.config import CONFIG_NAME, load_config
from cmsite.errors import ContentErrors, PluginError
from cmsite.hookspecs import hookimpl
from cmsite.social.network import PublishError

ENTRY_POINT_GROUP = "cmsite"
HOOK_ERRORS = "cmsite:hook-errors"  # the name of cmsite's own wrapper plugin (see _HookErrors)
DEFAULT_PLUGINS = (
    "markdown_engines",
    "markdown_extensions",
    "entries",
    "collections",
    "home",
    "taxonomies",
    "archives",
    "feeds",
    "calendar_file",
    "pictures",
    "cards",
    "sitemap",
    "meta",
    "share",
    "not_found",
    "static_files",
    "watch_paths",
    "syndication",
    "report",
)


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
    builtins: bool = True  # False: none of cmsite's own features, which add no commands

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

    def refusal(self, source: PluginSource) -> str | None:
        """Why this plugin must not load, as `cmsite plugins` says it; None when it may load."""
        if source.name in self.disable:
            return "disabled ([plugins] disable or CMSITE_DISABLE_PLUGINS)"
        if source.source != "built-in" and self.enable is not None and source.name not in self.enable:
            return "not enabled ([plugins] enable or CMSITE_LOAD_PLUGINS)"
        return None


class PluginManager(pluggy.PluginManager):
    """pluggy's manager, plus where each plugin came from and which ones were found but left out."""

    def __init__(self, selection: PluginSelection | None = None) -> None:
        super().__init__("cmsite")
        self.add_hookspecs(hookspecs)
        self.selection = selection or PluginSelection()
        self.sources: dict[str, PluginSource] = {}  # the plugins that loaded, in registration order
        self.skipped: dict[str, PluginSource] = {}  # found, but disabled or not enabled

    def add(self, plugin: object, source: PluginSource) -> None:
        if source.name in self.sources:
            raise PluginError(
                f"two plugins are named {source.name!r}: {_origin(self.sources[source.name])} and "
                f"{_origin(source)}; rename or disable one"
            )
        try:
            registered = self.register(plugin, name=source.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {source.name} ({_origin(source)}): {_explain(exc)}") from None
        if registered is None:  # a disabled name, handed over as an object
            self.skipped[source.name] = source
        else:
            self.sources[source.name] = source

    def implementers(self, hook_name: str) -> list[str] | None:
        """The plugins behind a hook, in the order pluggy calls them; None when there is no such hook."""
        caller = getattr(self.hook, hook_name, None)
        if caller is None or caller.spec is None:
            return None
        return [
            impl.plugin_name for impl in reversed(caller.get_hookimpls()) if impl.plugin_name in self.sources
        ]

    def hooks_of(self, name: str) -> list[str]:
        """The hooks a loaded plugin implements, sorted."""
        return sorted(caller.name for caller in self.get_hookcallers(self.get_plugin(name)) or [])


def make_plugin_manager(selection: PluginSelection, extra: Iterable[object] = ()) -> PluginManager:
    """A fresh manager: never a module global, so two sites (or two watch rebuilds) never share hooks."""
    pm = PluginManager(selection)
    for name in selection.disable:
        pm.set_blocked(name)
    for source, load in _found(selection):
        if selection.refusal(source) is None:
            pm.add(_load(load, source), source)
        else:  # never imported: a disabled plugin can be broken, or slow to import
            pm.skipped[source.name] = source
    for plugin in extra:
        if pm.is_registered(plugin):  # e.g. a plugin's own test passing its installed module
            continue
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        pm.add(plugin, PluginSource(name, "object"))
    _check_unknown_hooks(pm)
    pm.register(_HookErrors(pm), name=HOOK_ERRORS)  # last, so that its wrappers run around every other
    if selection.trace:
        pm.add_hookcall_monitoring(_trace_before, _trace_after)
    return pm


def _found(selection: PluginSelection) -> Iterator[tuple[PluginSource, Callable[[], object]]]:
    """Every plugin cmsite can find, in registration order, each with what loads (imports) it."""
    for name in DEFAULT_PLUGINS if selection.builtins else ():
        module = f"cmsite.default_plugins.{name}"
        yield (
            PluginSource(name, "built-in", "cmsite", __version__),
            functools.partial(importlib.import_module, module),
        )
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = entry_point.dist
        shipped = (dist.name, dist.version) if dist else (None, None)  # distribution, version
        yield PluginSource(entry_point.name, "entry point", *shipped), entry_point.load
    folder = selection.folder
    if folder is not None and folder.is_dir():
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith(("_", ".")):
                yield (
                    PluginSource(path.stem, "local folder", path=str(path)),
                    functools.partial(_import_file, path),
                )


def site_selection(root: Path | None, env: Mapping[str, str]) -> PluginSelection:
    """What a site's `[plugins]` table and the environment let load, before the Site is opened
    (the command line looks up plugin commands first). Not the site's plugin folder: local
    plugins add no commands. Raises ContentErrors when cmsite.toml cannot be read."""
    if root is None or not (root / CONFIG_NAME).is_file():
        return PluginSelection.from_settings(None, (), None, env)
    config = load_config(root)
    return PluginSelection.from_settings(config.enabled_plugins, config.disabled_plugins, None, env)


def plugin_commands(root: Path | None, taken: Iterable[str]) -> list[Any]:
    """The click commands of the plugins the site at `root` lets load; `taken`: cmsite's own.

    Only installed plugins are loaded: the built-in ones add no commands, and importing them
    (Markdown, Jinja, feeds) would be most of what `cmsite --help` waits for."""
    selection = dataclasses.replace(site_selection(root, os.environ), builtins=False)
    pm = make_plugin_manager(selection)
    return unique_results(
        pm,
        "cmsite_commands",
        lambda command: command.name,
        lambda plugin, name, owner: (
            f"plugin {plugin} adds the command {name!r}, which {owner} already has; rename one"
        ),
        taken=dict.fromkeys(taken, "cmsite"),
    )


def listing(
    pm: PluginManager, *, show_all: bool = False, hook_name: str | None = None
) -> list[dict[str, Any]]:
    """The rows of `cmsite plugins`: where each plugin came from and its hooks.

    By default the plugins that loaded, built-ins left out; `show_all` adds the built-ins and
    the plugins found but left out (`disabled` says why; their hooks are unknown, as they were
    not imported); `hook_name`: the plugins behind one hook, built-ins included, in call order.
    """
    if hook_name is not None:
        return [_loaded_row(pm, name) for name in pm.implementers(hook_name) or []]
    rows = [
        _loaded_row(pm, name)
        for name, source in pm.sources.items()
        if show_all or source.source != "built-in"
    ]
    if show_all:
        rows += [
            {**dataclasses.asdict(source), "hooks": [], "disabled": pm.selection.refusal(source)}
            for source in pm.skipped.values()
        ]
    return rows


def _loaded_row(pm: PluginManager, name: str) -> dict[str, Any]:
    return {**dataclasses.asdict(pm.sources[name]), "hooks": pm.hooks_of(name), "disabled": None}


def call_each(pm: pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call a hook's implementations one by one, keeping which plugin gave which result.

    Used where cmsite must name the plugin behind a result (duplicate command or network names).
    Each call goes through pluggy with every other plugin left out, cmsite's error wrapper kept.
    """
    impls = [impl for impl in getattr(pm.hook, hook_name).get_hookimpls() if impl.plugin_name != HOOK_ERRORS]
    results = []
    for impl in reversed(impls):  # pluggy's call order
        if impl.wrapper or impl.hookwrapper:
            continue
        others = [other.plugin for other in impls if other.plugin is not impl.plugin]
        results += [
            (impl.plugin_name, result) for result in pm.subset_hook_caller(hook_name, others)(**kwargs)
        ]
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


class _SourceOnly(importlib.machinery.SourceFileLoader):
    """Reads a site's plugin and writes no `__pycache__/` beside it: the site folder is the
    user's, and `cmsite check` writes nothing in it (a plugin is small: compiled in no time)."""

    def set_data(self, path: str, data: bytes, *, _mode: int = 0o666) -> None:
        """Where the loader would save the compiled file: nothing is saved."""


def _import_file(path: Path) -> object:
    """Import a site's local plugin under a name unique to its folder (two sites never clash)."""
    digest = hashlib.sha1(str(path.parent.resolve()).encode()).hexdigest()[:10]
    name = f"cmsite_local_plugins_{digest}.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path, loader=_SourceOnly(name, str(path)))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _check_unknown_hooks(pm: PluginManager) -> None:
    """A misspelled hook name would silently never run: refuse it, with a suggestion."""
    known = _hook_names()
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


class _HookErrors:
    """cmsite's own plugin: one new-style wrapper per hook, around every other implementation,
    that turns an exception into `plugin NAME, hook HOOK, while processing PATH: message`.

    ContentErrors pass through: they are how a plugin reports a problem with a content file;
    so does PublishError, how a publish hook stops an entry; and a PluginError already named.
    """

    quick_rebuild_safe = True  # it only renames exceptions

    def __init__(self, pm: PluginManager) -> None:
        for name in _hook_names():
            setattr(self, name, _guard(pm, name, getattr(hookspecs, name)))


def _hook_names() -> list[str]:
    return [name for name in dir(hookspecs) if name.startswith("cmsite_")]


def _guard(pm: PluginManager, hook: str, spec: Callable[..., Any]) -> Callable[..., Any]:
    """The wrapper of one hook. It takes the hook's own arguments: `wraps(spec)` gives it the
    spec's signature, which is how pluggy knows what to pass."""
    argnames = tuple(inspect.signature(spec).parameters)

    @hookimpl(wrapper=True, tryfirst=True)
    @functools.wraps(spec, updated=())
    def guard(*args: Any) -> Generator[None, Any, Any]:
        try:
            return (yield)
        except (ContentErrors, PluginError, PublishError):
            raise
        except Exception as exc:
            impl = _raised_in(exc, getattr(pm.hook, hook).get_hookimpls())
            if impl is None:  # not from a plugin's code (pluggy's own checks)
                raise
            arguments = {
                name: value for name, value in zip(argnames, args, strict=True) if name in impl.argnames
            }
            where = _processing(arguments)
            raise PluginError(
                f"plugin {impl.plugin_name}, hook {hook}{where}: {type(exc).__name__}: {exc}"
            ) from exc

    return guard


def _raised_in(exc: BaseException, impls: list[pluggy.HookImpl]) -> pluggy.HookImpl | None:
    """The implementation whose code raised: the innermost frame of the traceback that runs a
    plugin's hook function (or a function it decorates), so that an exception passing through
    a plugin's wrapper is still the plugin's that raised it."""
    for frame, _ in reversed(list(traceback.walk_tb(exc.__traceback__))):
        for impl in impls:
            if impl.plugin_name != HOOK_ERRORS and _runs(frame, impl.function):
                return impl
    return None


def _runs(frame: FrameType, function: Callable[..., Any]) -> bool:
    """Whether `frame` runs `function` or a function it wraps; for a method, of this very object
    (two instances of one class are two plugins)."""
    owner = getattr(function, "__self__", None)
    while function is not None:
        code = getattr(getattr(function, "__func__", function), "__code__", None)
        if code is frame.f_code and (owner is None or _first_argument(frame) is owner):
            return True
        function = getattr(function, "__wrapped__", None)
    return False


def _first_argument(frame: FrameType) -> object:
    """What a frame's function was called with first: `self`, for a method."""
    code = frame.f_code
    return frame.f_locals.get(code.co_varnames[0]) if code.co_argcount else None


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
    names = ", ".join(impl.plugin_name for impl in reversed(impls) if impl.plugin_name != HOOK_ERRORS)
    print(f"[cmsite trace] {hook_name}({', '.join(kwargs)}) → {names}", file=sys.stderr)


def _trace_after(outcome: Any, hook_name: str, impls: list[Any], kwargs: dict[str, Any]) -> None:
    if outcome.exception is not None:
        print(f"[cmsite trace] {hook_name} raised {outcome.exception!r}", file=sys.stderr)
