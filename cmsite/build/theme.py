"""Find a theme folder: the site's own `themes/<name>/` first, then the one cmsite ships."""

from __future__ import annotations

from pathlib import Path

from cmsite.config import SiteConfig
from cmsite.errors import ContentError, ContentErrors

_PACKAGE = Path(__file__).resolve().parents[1]


def builtin_themes_dir() -> Path:
    """Installed wheels carry the theme inside the package; a source checkout has it at the top."""
    packaged = _PACKAGE / "themes"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "themes"


def find_theme(config: SiteConfig) -> Path:
    for candidate in (config.root / "themes" / config.theme, builtin_themes_dir() / config.theme):
        if (candidate / "templates").is_dir():
            return candidate
    raise ContentErrors(
        [
            ContentError(
                "cmsite.toml",
                None,
                f"theme {config.theme!r} not found in themes/{config.theme}/templates; "
                'create it or set `theme = "default"` under [build]',
            )
        ]
    )
