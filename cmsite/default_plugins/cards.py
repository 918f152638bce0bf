"""`[cards]`: a generated Open Graph card for each post without a picture of its own.

A shared link whose page names no picture shows as a bare line; a card gives it the post's
title, the site's name and logo, in the theme's colours (cmsite.render.cards draws it). Each
card is a file of the build beside the others, `/cards/<the post's path>.png`, named by the
post's `og:image` and `twitter:image` (cmsite.default_plugins.meta asks `card_url`).

Drawing a card takes about ten milliseconds, so a card is kept in `.cmsite/cards/` under a
digest of all it shows (`Look.key`): title, site name, date, colours, font and logo. A build
draws only new or changed cards, and the output only takes those whose bytes changed.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from cmsite.config import SettingsErrors, SettingsSection
from cmsite.content.item import Item
from cmsite.digests import digest, digest_bytes
from cmsite.errors import display_path, shorten
from cmsite.hookspecs import hookimpl
from cmsite.render.i18n import DateFormatter
from cmsite.render.outputs import File
from cmsite.social.image_settings import image_settings

if TYPE_CHECKING:
    from cmsite.render.cards import Card
    from cmsite.site import Site

SECTION = "cards"
MADE_BY = 1  # part of each card's key: raise it when cards are drawn differently
CACHE = "cards"  # in .cmsite/
# Each colour of a card, and the custom property of the theme's style.css it comes from.
COLOURS = {"background": "bg", "text": "text", "accent": "accent", "muted": "muted"}
DEFAULT_COLOURS = {"background": "#fbfaf7", "text": "#1c1e24", "accent": "#4b3bc4", "muted": "#5b6170"}
LOGO = ("social", "images", "logo")  # the site's logo, also put on the pictures sent to networks


def _check(values: dict[str, Any]) -> list[tuple[str, str]]:
    chosen = [key for key in COLOURS if values[key]]
    if not chosen:
        return []
    from cmsite.render.theme_colours import is_colour  # Pillow: only when a colour is set

    return [
        (key, f'{key} {shorten(values[key])} is not a colour; write one like "#4b3bc4" or "navy"')
        for key in chosen
        if not is_colour(values[key])
    ]


SETTINGS = SettingsSection(
    SECTION,
    {"enabled": (bool, True), "font": (str, ""), **{key: (str, "") for key in COLOURS}},
    check=_check,
)


@dataclass(frozen=True)
class Look:
    """What every card of a build shares: colours, font and logo (its file's bytes)."""

    colours: dict[str, str]
    font: Path
    font_digest: str
    logo: bytes | None
    logo_digest: str | None
    svg: bool = False  # the logo is an SVG

    def card(self, item: Item, site: Site) -> Card:
        """The card of one post, as it is now (a quick rebuild changes items in place)."""
        from cmsite.render.cards import Card, Colours

        colours = Colours.of(self.colours)
        return Card(item.title, site.config.title, _byline(item, site), colours, self.font, self.logo_image)

    @functools.cached_property
    def logo_image(self) -> Any:
        """The logo as a picture, read (an SVG drawn) once for every card a process draws."""
        from cmsite.render.cards import read_logo

        return read_logo(self.logo, self.svg) if self.logo is not None else None

    def key(self, item: Item, site: Site) -> str:
        """A digest of all the post's card shows."""
        shown = (item.title, site.config.title, _byline(item, site))
        return digest(MADE_BY, shown, self.colours, self.font_digest, self.logo_digest)


@hookimpl(trylast=True)
def cmsite_settings() -> list[SettingsSection]:
    return [SETTINGS]


@hookimpl(trylast=True)
def cmsite_watch_paths(site: Any) -> list[Path]:
    """The font and the logo, when the site gives its own: a new one draws the cards again."""
    font, logo = site.settings[SECTION]["font"], image_settings(site.config).logo
    return [path for path in (font and site.root / font, logo) if path]


@hookimpl(trylast=True)
def cmsite_files(site: Any) -> list[File]:
    """A card for each published post without `image:`."""
    if not site.settings[SECTION]["enabled"]:
        return []
    # One card per page address: two posts at one address are an error of their pages already.
    posts = list({post.url: post for post in reversed(site.posts) if not post.image}.values())[::-1]
    # The look is read (Pillow imported, the font read and checked) only when a card is drawn:
    # a blog whose posts all have their own pictures spends nothing on cards.
    look = _look(site) if posts else None
    keys = {post.url: look.key(post, site) for post in posts} if look is not None else {}
    if not site.read_only:
        _forget_others(site.cache_dir / CACHE, set(keys.values()))
    return [
        File(
            card_url(site, post),
            render=functools.partial(_card_bytes, site, look, post),
            fingerprint=keys[post.url],
            sources=(post.shown,),  # a quick rebuild of the post makes its card again
        )
        for post in posts
    ]


def card_url(site: Site, item: Item) -> str | None:
    """The URL of a post's card (`/posts/x/` → `/cards/posts/x.png`), or None when it has none:
    not a post, a picture of its own, or cards switched off."""
    if item.kind != "post" or item.image or not site.settings.get(SECTION, {}).get("enabled"):
        return None
    path = PurePosixPath(site.urls.output_path(item.url))
    name = path.parent if path.name == "index.html" else path.with_suffix("")
    return site.urls.url(f"/cards/{name.as_posix().strip('/') or 'index'}.png")


def _look(site: Site) -> Look:
    """The colours (settings over the theme's over cmsite's), the font and the logo; an error at
    cmsite.toml's line for a font or logo that cannot be read."""
    from cmsite.render.cards import FONT, check_font
    from cmsite.render.theme_colours import theme_colours

    settings = site.settings[SECTION]
    theme = theme_colours(site.theme_dir)
    colours = {key: settings[key] or theme.get(name) or DEFAULT_COLOURS[key] for key, name in COLOURS.items()}
    errors = SettingsErrors(site.config)
    font = site.root / settings["font"] if settings["font"] else FONT
    font_bytes = _read(site, font, errors, (SECTION, "font"), check_font)
    logo_path = image_settings(site.config).logo  # a PNG or SVG of the site, checked when it opened
    svg = logo_path is not None and logo_path.suffix.lower() == ".svg"
    logo = (
        _read(site, logo_path, errors, LOGO, functools.partial(_logo_problem, svg=svg)) if logo_path else None
    )
    errors.raise_any()
    assert font_bytes is not None
    logo_digest = digest_bytes(logo) if logo else None
    return Look(colours, font, digest_bytes(font_bytes), logo, logo_digest, svg)


def _read(
    site: Site,
    path: Path,
    errors: SettingsErrors,
    where: tuple[str, ...],
    check: Callable[[bytes], str | None],
) -> bytes | None:
    """The file's bytes if `check(bytes)` finds nothing wrong; else an error at `where`'s line."""
    setting = "[" + ".".join(where[:-1]) + "] " + where[-1]
    shown = display_path(path, site.root)
    try:
        data = path.read_bytes()
    except OSError as exc:
        errors.add(where, f"{setting}: cannot read {shown} ({exc.strerror}); give a file of the site folder")
        return None
    if problem := check(data):
        errors.add(where, f"{setting}: {shown} {problem}")
        return None
    return data


def _logo_problem(data: bytes, svg: bool) -> str | None:
    from cmsite.render.cards import logo_problem

    return logo_problem(data, svg)


def _byline(item: Item, site: Site) -> str:
    """The post's date, in its language and the site's time zone (`12 juin 2026`)."""
    return DateFormatter(item.lang, site.config.tz).date(item.date)


def _card_bytes(site: Site, look: Look, item: Item) -> bytes:
    """The card's PNG, from .cmsite/cards/ or drawn now (and kept there)."""
    from cmsite.render.cards import draw

    kept = site.cache_dir / CACHE / f"{look.key(item, site)}.png"
    with contextlib.suppress(OSError):
        return kept.read_bytes()
    data = draw(look.card(item, site))
    if not site.read_only:
        _keep(kept, data)
    return data


def _keep(path: Path, data: bytes) -> None:
    """Write a card to the cache (made by `_forget_others`), whole or not at all; a cache that
    cannot be written costs time only."""
    with contextlib.suppress(OSError):
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except OSError:
            Path(temporary).unlink(missing_ok=True)


def _forget_others(folder: Path, keys: set[str]) -> None:
    """Make the cache's folder, and remove the cards of titles, dates or looks the site no longer has."""
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
        for path in folder.iterdir():
            if path.stem not in keys:
                path.unlink(missing_ok=True)
