"""The smaller copies of the pictures posts show (cmsite.render.pictures), as files of the build:
made in parallel with the pages, skipped when the picture has not changed since the last build."""

from __future__ import annotations

import functools
from typing import Any

from cmsite.hookspecs import hookimpl
from cmsite.render.outputs import File, Page
from cmsite.render.pictures import Pictures, copy_fingerprint


@hookimpl(trylast=True)
def cmsite_files(site: Any, pages: list[Page]) -> list[File]:
    pictures = Pictures(site)
    shown = [item for item in site.items if site.is_published(item)]
    return [
        File(
            picture.copy_url(width),
            render=functools.partial(pictures.copy_bytes, picture, width),
            fingerprint=copy_fingerprint(picture, width),
            kind="static",
        )
        for picture in pictures.of_items(shown)
        for width in picture.widths
    ]
