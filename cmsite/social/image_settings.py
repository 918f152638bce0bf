"""`[social.images]` in cmsite.toml: the site's logo on the pictures sent to networks, and the shape
each network's copy is cropped to — checked when the site opens, read into typed values.

Checked without Pillow (a build or `cmsite check` never loads it): the logo is a PNG or SVG
file of the site folder, its place one of four corners, its size and margin fractions of the
picture's width; `[social.images.crop]` gives an installed network a shape ("4:5") or "none".
The pictures themselves are made in cmsite/social/styling.py, only when one is sent or previewed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.config import Range, SettingsErrors, read_table, table_at
from cmsite.digests import digest_bytes
from cmsite.errors import shorten

if TYPE_CHECKING:
    from cmsite.config import SiteConfig
    from cmsite.social.network import Network

POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right")
LOGO_TYPES = (".png", ".svg")
NO_CROP = "none"
PATH = ("social", "images")
_KINDS = {"logo": str, "logo_position": str, "logo_size": float, "logo_margin": float, "crop": dict}
_RANGES = {
    "logo_size": Range(0, 0.5, above=True),  # wider than half the picture, the logo is the picture
    "logo_margin": Range(0, 0.25),
}
_WIDEST = 10.0  # no network shows a picture wider than 10:1 (or taller than 1:10)


@dataclass(frozen=True)
class ImageSettings:
    """`[social.images]`, defaults filled in: no logo and each network's own `preferred_aspect`."""

    logo: Path | None = None
    logo_position: str = "bottom-right"
    logo_size: float = 0.15  # the logo's width, as a fraction of the picture's
    logo_margin: float = 0.03  # from the picture's edges, as a fraction of its width
    crop: dict[str, str] = field(default_factory=dict)  # network name → "W:H" or "none"

    def aspect(self, network: type[Network]) -> float | None:
        """The width-to-height ratio the network's copy is cropped to; None: not cropped."""
        shape = self.crop.get(network.name, network.preferred_aspect)
        return None if shape is None or shape == NO_CROP else parse_aspect(shape)

    def fingerprint(self) -> tuple[Any, ...]:
        """What a copy is made from besides its picture and shape: the logo's bytes and its place."""
        logo = digest_bytes(self.logo.read_bytes()) if self.logo else None
        return (logo, self.logo_position, self.logo_size, self.logo_margin)


def parse_aspect(shape: str) -> float:
    """A shape such as "16:9" → 16/9; ValueError (saying what to write) for anything else."""
    width, colon, height = shape.partition(":")
    try:
        ratio = float(width) / float(height) if colon else math.nan
    except (ValueError, ZeroDivisionError):
        ratio = math.nan
    if math.isnan(ratio):
        raise ValueError(f'{shorten(shape)} is not a shape; write it width:height, like "16:9", or "none"')
    if not 1 / _WIDEST <= ratio <= _WIDEST:
        raise ValueError(f"{shorten(shape)} is wider or taller than any network shows (10:1 at most)")
    return ratio


def image_settings(config: SiteConfig) -> ImageSettings:
    """`[social.images]` as checked when the site opened (`check_images`); a wrong value left out."""
    errors = SettingsErrors(config)
    return _read(config, errors, None)


def check_images(
    config: SiteConfig, errors: SettingsErrors, networks: Mapping[str, type[Network]], *, strict: bool
) -> None:
    """Every problem of `[social.images]`, at its line; a crop for a network no installed plugin
    provides is one only when `strict` (`cmsite check`), as a `[networks.NAME]` table is."""
    _read(config, errors, networks if strict else None)


def _read(
    config: SiteConfig, errors: SettingsErrors, networks: Mapping[str, type[Network]] | None
) -> ImageSettings:
    values = read_table(table_at(config.raw, PATH, errors), _KINDS, PATH, errors, _RANGES)
    if "logo" in values:
        values["logo"] = _logo(config, values["logo"], errors)
    if values.get("logo_position", POSITIONS[-1]) not in POSITIONS:
        errors.add(
            (*PATH, "logo_position"), f"[social.images] logo_position must be one of {', '.join(POSITIONS)}"
        )
        del values["logo_position"]
    values["crop"] = _crops(values.get("crop", {}), errors, networks)
    return ImageSettings(**values)


def _logo(config: SiteConfig, written: str, errors: SettingsErrors) -> Path | None:
    """The logo's file: a PNG or SVG inside the site folder."""
    root = config.root.resolve()
    file = (root / written).resolve()
    problem = None
    if not file.is_relative_to(root):
        problem = f"{shorten(written)} is outside the site folder; copy the logo into it"
    elif file.suffix.lower() not in LOGO_TYPES:
        problem = f"{shorten(written)} is not a PNG or SVG file; export the logo as one"
    elif not file.is_file():
        problem = f'{shorten(written)} does not exist; give the logo\'s path from the site folder, like "images/logo.svg"'
    if problem:
        errors.add((*PATH, "logo"), f"[social.images] logo: {problem}")
        return None
    return file


def _crops(
    table: Mapping[str, Any], errors: SettingsErrors, networks: Mapping[str, type[Network]] | None
) -> dict[str, str]:
    """`[social.images.crop]`: each network's shape, "W:H" or "none"."""
    crops = {}
    where = (*PATH, "crop")
    for name, shape in table.items():
        try:
            if not isinstance(shape, str):
                raise ValueError('write a shape in quotes, like "16:9", or "none"')
            if shape != NO_CROP:
                parse_aspect(shape)
        except ValueError as exc:
            errors.add((*where, name), f"[social.images.crop] {name}: {exc}")
            continue
        if networks is not None and name not in networks:
            installed = ", ".join(sorted(networks)) or "none"
            errors.add(
                (*where, name),
                f"[social.images.crop] {shorten(name)} is no installed network (installed: {installed}); "
                "fix the name or remove the line",
            )
            continue
        crops[name] = shape
    return crops
