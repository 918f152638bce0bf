"""The copy of a picture one network gets: cropped to the network's shape around the writer's focus
point, with the site's logo in a corner (`[social.images]`, cmsite/social/image_settings.py).

A brand's logo and a network's shape belong to what is sent, not to the picture: the source file
is only read, never written, and the site keeps showing it as it is. The copy is made with Pillow
(an SVG logo drawn by CairoSVG first) and kept in `.cmsite/social-images/DIGEST/NAME`, DIGEST
made of everything it comes from — the source's bytes, the shape, the focus point, the logo's
bytes and place — so that a preview and the send after it make it once, and a changed picture or
setting makes a new one. The upload then goes through `media.prepare` like any picture (a copy
over the network's limits is made smaller there). A moving GIF is sent as it is: a crop or a logo
would stop it. Networks that fetch pictures from the site's address (`fetches_media`, Threads)
get the published file, so no copy is made for them.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.digests import digest, digest_bytes
from cmsite.social.image_settings import ImageSettings, image_settings
from cmsite.social.media import MediaError, OutsideSite, media_file

if TYPE_CHECKING:
    from cmsite.site import Site
    from cmsite.social.network import Media, Network
    from cmsite.social.planner import PlannedPost

COPIES = "social-images"  # under the site's .cmsite/
MADE_BY = 1  # part of each copy's digest: raise it when copies are made differently
JPEG_QUALITY = 92  # a JPEG source's copy: close to the source; `prepare` lowers it if too big
CENTRE = (0.5, 0.5)


def social_copy(
    site: Site, network: type[Network], source: Path, focus: tuple[float, float] | None
) -> Path | None:
    """The copy of `source` that `network` gets, made if needed; None when the file goes as it is
    (no logo and no crop for this network, a moving GIF, or a network that fetches the file)."""
    if network.fetches_media:
        return None
    settings = image_settings(site.config)
    aspect = settings.aspect(network)
    if settings.logo is None and aspect is None:
        return None
    return styled_copy(source, site.cache_dir / COPIES, settings, aspect, focus)


def preview_copies(site: Site, post: PlannedPost) -> list[Path | None]:
    """For `cmsite preview`: the copy of each of the post's pictures its network gets, made now so
    that the send after finds it; None for one sent as it is, or that `cmsite check` refuses (it
    says why). A picture that cannot be read adds a warning to the post."""
    network = site.networks.get(post.network)
    copies: list[Path | None] = []
    for media in post.media:
        try:
            source = media_file(site, media.path)
            copy = social_copy(site, network, source, media.focus) if network and source.is_file() else None
        except OutsideSite:
            copy = None
        except MediaError as exc:
            post.warnings.append(str(exc))
            copy = None
        copies.append(copy)
    return copies


def served_at(site: Site, copy: Path) -> str:
    """Where `cmsite serve` shows a copy: under /_cmsite/social-images/, a path no built site has."""
    return f"/_cmsite/{COPIES}/{copy.relative_to(site.cache_dir / COPIES).as_posix()}"


def untouched_warnings(site: Site, network: type[Network], media: list[Media]) -> list[str]:
    """What `cmsite check` and `preview` say of pictures a network fetches from the site's address
    (`fetches_media`): it gets the published file, without the logo and crop `[social.images]` gives."""
    settings = image_settings(site.config)
    if not (media and network.fetches_media and (settings.logo or settings.aspect(network))):
        return []
    return [
        f"{network.label} fetches each picture from the site's address: it gets the file as it is, "
        "without the logo and crop of [social.images]; put them in the picture itself if they matter there"
    ]


def styled_copy(
    source: Path,
    folder: Path,
    settings: ImageSettings,
    aspect: float | None,
    focus: tuple[float, float] | None,
) -> Path | None:
    """The copy of `source` cropped to `aspect` around `focus`, with the logo of `settings`, kept in
    `folder` (made once); None for a moving picture. MediaError when a file cannot be read."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    key = digest(MADE_BY, _fingerprint(settings), aspect, focus or CENTRE)
    try:
        data = source.read_bytes()
        key = digest(key, digest_bytes(data))
        with Image.open(io.BytesIO(data)) as image:
            if getattr(image, "is_animated", False):
                return None
            jpeg = image.format in ("JPEG", "MPO")
            name = f"{source.stem}.{'jpg' if jpeg else 'png'}"
            made = folder / key / name
            if made.is_file():
                return made
            styled = ImageOps.exif_transpose(image)  # upright first: the focus is where people see it
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise MediaError(
            f"{source.name} cannot be read as a picture ({exc.__class__.__name__}); check the file, or export "
            "it again as JPEG or PNG"
        ) from None
    if aspect is not None:
        styled = styled.crop(crop_box(styled.size, aspect, focus or CENTRE))
    if settings.logo is not None:
        styled = with_logo(styled, settings)
    _write(made, styled, jpeg)
    return made


def _fingerprint(settings: ImageSettings) -> tuple[object, ...]:
    try:
        return settings.fingerprint()
    except OSError as exc:  # the logo was there when the site opened
        raise MediaError(
            f"the logo of [social.images] cannot be read ({exc.strerror}); check {settings.logo}"
        ) from None


def crop_box(size: tuple[int, int], aspect: float, focus: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest box of the shape `aspect` (width / height) inside a picture of `size` that holds
    the `focus` point (fractions of width and height), as centred on it as the edges let it be."""
    width, height = size
    crop_width = min(width, max(1, round(height * aspect)))
    crop_height = min(height, max(1, round(width / aspect)))
    left = _around(focus[0] * width, crop_width, width)
    top = _around(focus[1] * height, crop_height, height)
    return (left, top, left + crop_width, top + crop_height)


def _around(point: float, length: int, total: int) -> int:
    """Where a span of `length` centred on `point` starts, moved inside 0..`total` if it sticks out."""
    return min(max(0, round(point - length / 2)), total - length)


def with_logo(image: Any, settings: ImageSettings) -> Any:
    """The picture with the logo pasted in its corner: `logo_size` of its width wide, `logo_margin`
    of its width from both edges. Transparent parts of the logo show the picture."""
    assert settings.logo is not None
    width, height = image.size
    logo = _logo(settings.logo, max(1, round(width * settings.logo_size)))
    margin = round(width * settings.logo_margin)
    vertical, horizontal = settings.logo_position.split("-")
    x = margin if horizontal == "left" else max(0, width - margin - logo.width)
    y = margin if vertical == "top" else max(0, height - margin - logo.height)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    base = image.convert("RGBA" if has_alpha else "RGB")
    if has_alpha:  # the logo over the picture, its transparency kept where the logo is not
        base.alpha_composite(logo, (x, y))
    else:
        base.paste(logo, (x, y), logo)
    return base


def _logo(path: Path, width: int) -> Any:
    """The logo as an RGBA picture `width` pixels wide: an SVG drawn at that width, a PNG resized."""
    from PIL import Image, UnidentifiedImageError

    try:
        if path.suffix.lower() == ".svg":
            drawn = _cairosvg().svg2png(bytestring=path.read_bytes(), output_width=width)
            return Image.open(io.BytesIO(drawn)).convert("RGBA")
        with Image.open(path) as logo:
            rgba = logo.convert("RGBA")
    except (OSError, ValueError, SyntaxError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise MediaError(
            f"the logo {path.name} of [social.images] cannot be read ({exc.__class__.__name__}); "
            "export it again as PNG or SVG"
        ) from None
    height = max(1, round(rgba.height * width / rgba.width))
    return rgba.resize((width, height), Image.Resampling.LANCZOS)


def _cairosvg() -> Any:
    """CairoSVG, imported only for an SVG logo: it loads the system's Cairo, which may be missing."""
    try:
        import cairosvg
    except (ImportError, OSError):
        raise MediaError(
            "an SVG logo of [social.images] is drawn with Cairo, which is not installed here; install it "
            "(apt install libcairo2, brew install cairo) or give a PNG logo"
        ) from None
    return cairosvg


def _write(path: Path, image: Any, jpeg: bool) -> None:
    """Write the copy whole or not at all: a send running beside never reads half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    except OSError as exc:
        raise MediaError(f"cannot write the copy of {path.name} in {path.parent} ({exc.strerror})") from None
    try:
        with os.fdopen(handle, "wb") as file:
            if jpeg:
                image.convert("RGB").save(file, "JPEG", quality=JPEG_QUALITY)
            else:
                image.save(file, "PNG")
        os.replace(temporary, path)
    except OSError as exc:
        raise MediaError(f"cannot write the copy of {path.name} in {path.parent} ({exc.strerror})") from None
    finally:
        Path(temporary).unlink(missing_ok=True)  # left only when the copy was not put in place
