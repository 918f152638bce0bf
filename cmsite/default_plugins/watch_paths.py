"""What watch mode watches: the settings, the content, the theme, templates (the site's and the
plugins') and local plugins."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cmsite.config import CONFIG_NAME
from cmsite.hookspecs import hookimpl


@hookimpl(trylast=True)
def cmsite_watch_paths(site: Any) -> list[Path]:
    from cmsite.render.templates import plugin_template_dirs  # with Jinja: not for every command

    config = site.config
    candidates = [site.root / CONFIG_NAME, config.content_dir, site.theme_dir, site.root / "templates"]
    candidates += plugin_template_dirs(site)
    if config.plugins_folder is not None:
        candidates.append(config.plugins_folder)
    return candidates  # watched even before they exist: a new templates/ folder takes effect at once
