"""Copy the theme's static files to /theme/, and every non-Markdown file of content/ (images…)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.urls import THEME_STATIC_URL


@hookimpl(trylast=True)
def cmsite_static_dirs(site: Any) -> list[tuple[Path, str]]:
    dirs = [(site.theme_dir / "static", THEME_STATIC_URL), (site.config.content_dir, "/")]
    return [(folder, prefix) for folder, prefix in dirs if folder.is_dir()]
