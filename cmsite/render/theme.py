"""Find a theme folder: the site's own `themes/<name>/` first, then the one cmsite ships.

Templates and translations are read by name, wherever a link in the theme leads: the theme is
checked whole, like the content, so that no link brings a file of the machine into a page.
"""

from __future__ import annotations

from pathlib import Path

from cmsite.config import SiteConfig
from cmsite.content.loader import files_under
from cmsite.errors import ContentError, ContentErrors

_PACKAGE = Path(__file__).resolve().parents[1]


def builtin_themes_dir() -> Path:
    """Installed wheels carry the theme inside the package; a source checkout has it at the top."""
    packaged = _PACKAGE / "themes"
    return packaged if packaged.is_dir() else _PACKAGE.parent / "themes"


def find_theme(config: SiteConfig) -> Path:
    """The theme folder; raise ContentErrors if it is missing or a link in it or in the site's
    own `templates/` leads where the site may not read."""
    for candidate in (config.root / "themes" / config.theme, builtin_themes_dir() / config.theme):
        if (candidate / "templates").is_dir():
            check_theme_files(config, candidate)
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


def check_theme_files(config: SiteConfig, theme: Path) -> None:
    """Walk the theme and the site's template overrides with the rules of content files."""
    errors = []
    for folder in (theme, config.root / "templates"):
        try:
            files_under(folder, config.root, links_outside=config.allow_links_outside, every=True)
        except ContentErrors as exc:
            errors += exc.errors
    if errors:
        raise ContentErrors(errors)
