"""The pictures Instagram takes, checked from the file before Instagram fetches it.

IG User Media reference, "Image Specifications" (https://developers.facebook.com/docs/
instagram-platform/instagram-graph-api/reference/ig-user/media/): JPEG, 8 MB at most, an aspect
ratio "within a 4:5 to 1.91:1 range", 320 to 1440 pixels wide (scaled to fit: not an error). The
content publishing guide adds that extended JPEG formats such as MPO are not supported.
Instagram fetches the file from the deployed site as it is (`fetches_media`), so cmsite cannot
send a cropped or converted copy: a picture outside these limits is an error, at `cmsite check`
(through the `cmsite_excerpt` hook, which knows the site) and again before anything is sent.

Pillow reads only the header (size and format), never the pixels, and is imported only here.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

# Width over height: 4:5 (portrait) to 1.91:1 (landscape), both included.
NARROWEST = Fraction(4, 5)
WIDEST = Fraction(191, 100)


def picture_problem(path: Path, shown: str) -> str | None:
    """Why Instagram would refuse the picture at `path` (named `shown` in the message), or None.
    A file that is not there or not a picture is left to cmsite's own checks, which say so."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except (OSError, UnidentifiedImageError):
        return None
    if kind != "JPEG":  # Pillow names a camera's multi-picture JPEG "MPO"
        return (
            f"{shown} is {kind or 'not'} a plain JPEG, and Instagram takes only JPEG (no MPO or other "
            "extended JPEG); export it again as JPEG"
        )
    ratio = Fraction(width, height)
    if NARROWEST <= ratio <= WIDEST:
        return None
    shape = "tall" if ratio < NARROWEST else "wide"
    return (
        f"{shown} is {width}×{height} pixels, too {shape} for Instagram, which takes shapes from 4:5 "
        "(portrait) to 1.91:1 (landscape); crop it, for instance to 1080×1350, 1080×1080 or 1080×566"
    )
