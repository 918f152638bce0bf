"""Pictures for social posts: where a site path's file is, what `cmsite check` says about it, and
the copy that fits one network's limits.

A picture within the network's limits is sent byte for byte. One over its byte or pixel
limit, or of a type it does not take, is re-encoded as a JPEG — metadata dropped, aspect
kept, quality then dimensions reduced step by step — into memory: the file on disk is
never touched. Pillow is imported only here, and only when a picture is sent, so building
and checking a site never load it.
"""

from __future__ import annotations

import io
import math
import mimetypes
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cmsite.site import Site
    from cmsite.social.network import Media, Network

# What cmsite can read and, if needed, convert (Pillow reads them all).
READABLE = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "image/tiff"})
QUALITIES = (85, 75, 65, 55)  # JPEG quality steps tried at each size
MIN_SIDE = 160  # below this a picture says nothing; give up rather than send a smudge
SHRINK_AT_LEAST = 0.85  # each round is at least this much smaller on each side


class MediaError(Exception):
    """A picture that cannot be read, or cannot be brought within a network's limits."""


@dataclass(frozen=True)
class Picture:
    """A picture as it goes over the wire: bytes, type, size in pixels, and its description."""

    data: bytes
    mime: str
    width: int
    height: int
    alt: str
    filename: str
    resized: bool = False


class OutsideSite(ValueError):
    """A plan's picture that is not a file the site may read: it is never opened nor sent."""


def media_file(site: Site, path: str) -> Path:
    """A plan's picture: a file of the content folder (`/images/x.png`), read by the rules of the
    build's own files — never a path outside the site, a link leading out of it or a file the
    system makes up (/proc/self/environ) — so that no plan uploads a secret to a network."""
    from cmsite.content.loader import may_read  # the loader's Markdown and YAML: not for every plugin import

    content = site.config.content_dir
    file = content / path.lstrip("/")
    if os.path.lexists(file) and not may_read(
        file, content, site.root, links_outside=site.config.allow_links_outside
    ):
        raise OutsideSite(
            f"{path} is not a file the site may read (a link out of the site folder, or a hidden or "
            "special file); copy the picture into the content folder"
        )
    return file


def located(site: Site, item: Media) -> Media:
    """The picture with the address the deployed site serves its file at (None if the build leaves it out)."""
    try:
        return replace(item, url=site.published_url(media_file(site, item.path)))
    except OutsideSite:
        return item  # `cmsite check` says why


def human_bytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def media_problems(
    network: type[Network], media: list[Media], locate: Callable[[str], Path]
) -> tuple[list[str], list[str]]:
    """(errors, warnings) about the files of a plan's pictures for one network, without opening them.

    Errors stop `cmsite check`; warnings say what will happen at upload (a smaller copy).
    """
    errors: list[str] = []
    warnings: list[str] = []
    for item in media:
        try:
            path = locate(item.path)
        except OutsideSite as exc:
            errors.append(str(exc))
            continue
        mime = mimetypes.guess_type(path.name)[0]
        if not path.is_file():
            errors.append(f"{item.path} does not exist; {_did_you_mean(item.path, path)}")
        elif mime not in READABLE:
            errors.append(
                f"{item.path} is not a picture cmsite can send ({mime or 'unknown type'}); "
                "save it as JPEG, PNG, GIF or WebP"
            )
        else:
            size = path.stat().st_size
            if mime not in network.media_types:
                misfit, copy, fix = (
                    f"{network.label} does not take {mime}",
                    f"{item.path} will be sent as a JPEG copy",
                    f"save {item.path} as {type_names(network.media_types)}",
                )
            elif size > network.max_media_bytes:
                misfit, copy, fix = (
                    f"{item.path} is {human_bytes(size)}, over {network.label}'s "
                    f"{human_bytes(network.max_media_bytes)} per picture",
                    "a smaller copy will be sent",
                    "make it smaller",
                )
            else:
                continue
            if network.fetches_media:  # the network gets the file itself: no copy can stand in for it
                errors.append(f"{misfit}, and it fetches the file from the site as it is; {fix}")
            else:
                warnings.append(f"{misfit}; {copy}")
    return errors, warnings


def _did_you_mean(written: str, path: Path) -> str:
    """What to do about a missing picture: the closest name of its folder, written as the plan
    wrote the path, when one is close (never the names of a folder out of the content folder)."""
    from cmsite.content.local_files import closest_name  # with Markdown: only once a picture is missing

    inside = ".." not in written.split("/")
    names = [entry.name for entry in path.parent.iterdir()] if inside and path.parent.is_dir() else []
    closest = closest_name(path.name, [name for name in names if not name.startswith(".")])
    if closest is None:
        return "put the picture in the content folder or fix `path:`"
    return f"did you mean {posixpath.join(posixpath.dirname(written), closest)}?"


def type_names(types: frozenset[str]) -> str:
    """`image/jpeg`, `image/png` → "JPEG or PNG", for messages."""
    return " or ".join(sorted(mime.split("/")[-1].upper() for mime in types))


def prepare(
    path: str | Path,
    alt: str,
    *,
    max_bytes: int,
    types: frozenset[str],
    max_pixels: int | None = None,
) -> Picture:
    """The picture at `path` within the limits: its own bytes when it fits, else a smaller JPEG."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            # A camera's MPO is a JPEG followed by more pictures: the first is what people see.
            mime = "image/jpeg" if image.format == "MPO" else Image.MIME.get(image.format or "", "")
            width, height = image.size
            fits = (
                mime in types and len(data) <= max_bytes and (not max_pixels or width * height <= max_pixels)
            )
            if fits:
                return Picture(data, mime, width, height, alt, path.name)
            if "image/jpeg" not in types:
                raise MediaError(f"{path.name} must be converted, and JPEG is not accepted here")
            image.load()
            return _shrunk(image, path, alt, max_bytes, max_pixels)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise MediaError(
            f"{path} cannot be read as a picture ({exc.__class__.__name__}); check the file, or export it "
            "again as JPEG or PNG"
        ) from None


def _shrunk(image: Any, path: Path, alt: str, max_bytes: int, max_pixels: int | None) -> Picture:
    """Re-encode as JPEG: lower quality first, then smaller dimensions, until it fits."""
    from PIL import ImageOps

    image = _flattened(ImageOps.exif_transpose(image))  # turned upright: the orientation tag is dropped
    width, height = image.size
    scale = min(1.0, math.sqrt(max_pixels / (width * height))) if max_pixels else 1.0
    while True:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        if size != image.size and min(size) < MIN_SIDE:  # a thin banner may still fit by quality alone
            raise MediaError(
                f"{path.name} cannot be brought under {human_bytes(max_bytes)} without shrinking it below "
                f"{MIN_SIDE} pixels; crop it or send a simpler picture"
            )
        resized = image if size == image.size else image.resize(size, _lanczos())
        for quality in QUALITIES:
            data = _jpeg(resized, quality)
            if len(data) <= max_bytes:
                return Picture(data, "image/jpeg", *size, alt, f"{path.stem}.jpg", resized=True)
        scale *= min(SHRINK_AT_LEAST, math.sqrt(max_bytes / len(data)))


def _flattened(image: Any) -> Any:
    """JPEG has no transparency and no palette: transparent parts go on white."""
    from PIL import Image

    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _jpeg(image: Any, quality: int) -> bytes:
    """JPEG bytes without EXIF, ICC or comments: only what the picture needs."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()


def _lanczos() -> Any:
    from PIL import Image

    return Image.Resampling.LANCZOS
