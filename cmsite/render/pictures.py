"""Pictures in pages: each local picture a post shows gets its width and height (the page does
not jump as it loads), `loading="lazy"` after the first, and smaller copies in `srcset`, so that
a phone downloads a phone-sized file.

The copies are files of the build (`copies`, written in parallel like pages by the built-in
`pictures` plugin), made with Pillow and kept in `.cmsite/pictures/` under the digest of the
source's bytes and the width: a picture is resized once, and again only when it changes. A
copy is WIDTHS' widths narrower than the picture, beside it (`room.jpg` → `room-800w.jpg`).
GIFs (which may move) and SVGs (which have no pixels) keep their own file, with their size
when Pillow can read it.

The page's HTML is completed when a page is rendered (the `pictures` filter), from the
pictures as they are in this build; their sizes are part of the fingerprint of each page that
shows them (`stamp`), so a picture replaced by one of other proportions renders those pages again.
"""

from __future__ import annotations

import html
import io
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from cmsite.digests import digest, digest_bytes

if TYPE_CHECKING:
    from cmsite.content.item import Item
    from cmsite.site import Site

WIDTHS = (480, 800, 1200, 1600)
RESIZED = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP"}  # the formats copies are made in, as they are
SIZES = "(min-width: 50rem) 46rem, 100vw"  # how wide the default theme shows a picture of the text
PICTURE_KINDS = ("picture", "image")  # LocalLink kinds: in the body, and the front matter's `image:`
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)(?:\s*=\s*("[^"]*"|\'[^\']*\'|[^\s"\'>]+))?')
_ORIENTATION, _TURNED = 0x0112, (5, 6, 7, 8)  # EXIF orientations that swap width and height
MADE_BY = 1  # part of each copy's fingerprint: raise it when copies are made differently


@dataclass(frozen=True)
class Picture:
    """A local picture as this build finds it."""

    url: str  # as pages link it, the site's base path included
    source: Path
    width: int
    height: int
    format: str  # Pillow's name: JPEG, PNG, WEBP, GIF…
    stamp: str  # digest of the source's time and size: what copies and pages are made from

    @property
    def widths(self) -> list[int]:
        return [w for w in WIDTHS if w < self.width] if self.format in RESIZED else []

    def copy_url(self, width: int) -> str:
        stem, dot, extension = self.url.rpartition(".")
        return f"{stem}-{width}w.{extension}" if dot else f"{self.url}-{width}w"

    def srcset(self) -> str:
        copies = [f"{self.copy_url(w)} {w}w" for w in self.widths]
        return ", ".join([*copies, f"{self.url} {self.width}w"]) if copies else ""


class Pictures:
    """The site's local pictures by URL, each read once per build (Pillow reads the header only)."""

    def __init__(self, site: Site):
        self.site = site
        self.content = site.config.content_dir
        self.base_path = site.urls.base_path
        self.cache = site.cache_dir / "pictures"
        self._found: dict[str, Picture | None] = {}

    def get(self, url: str) -> Picture | None:
        """The picture at this page address, None if it is no readable picture of the content folder."""
        if url not in self._found:
            self._found[url] = self._read(url)
        return self._found[url]

    def _read(self, url: str) -> Picture | None:
        from PIL import Image, UnidentifiedImageError

        from cmsite.content.loader import may_read

        path = url[len(self.base_path) :] if self.base_path and url.startswith(self.base_path) else url
        file = self.content / html.unescape(path).lstrip("/")
        config = self.site.config
        if not file.is_file() or not may_read(
            file, self.content, self.site.root, links_outside=config.allow_links_outside
        ):
            return None
        try:
            with Image.open(file) as image:
                width, height, kind = image.width, image.height, image.format or ""
                if image.getexif().get(_ORIENTATION) in _TURNED:  # shown turned a quarter, as browsers do
                    width, height = height, width
        except (UnidentifiedImageError, OSError):
            return None  # an SVG, or not a picture at all: left as it is
        stat = file.stat()
        return Picture(url, file, width, height, kind, digest(str(file), stat.st_mtime_ns, stat.st_size))

    def of_items(self, items: Iterable[Item]) -> list[Picture]:
        """The local pictures these items show, each once."""
        found = {
            link.url: picture
            for item in items
            for link in item.local_links
            if link.kind in PICTURE_KINDS and link.url and (picture := self.get(link.url))
        }
        return list(found.values())

    def enrich(self, page_html: str, eager: int = 1, sizes: str = SIZES) -> Markup:
        """The HTML with each local `<img>` given its size, its copies (`sizes`: how wide the
        page shows it) and, after the first `eager` ones, `loading="lazy"`; attributes the writer
        set are kept."""
        seen = 0

        def complete(found: re.Match[str]) -> str:
            nonlocal seen
            tag = found.group(0)
            attributes = {name.lower(): value for name, value in _ATTRIBUTE.findall(tag[4:].rstrip("/>"))}
            source = attributes.get("src", "").strip("\"'")
            picture = self.get(html.unescape(source)) if source else None
            if picture is None:
                return tag
            seen += 1
            added = {"width": picture.width, "height": picture.height}
            if srcset := picture.srcset():
                added |= {"srcset": srcset, "sizes": sizes}
            if seen > eager:
                added |= {"loading": "lazy", "decoding": "async"}
            extra = "".join(
                f' {key}="{html.escape(str(value))}"' for key, value in added.items() if key not in attributes
            )
            return tag[:-1].rstrip("/").rstrip() + extra + ">"

        return Markup(_IMG.sub(complete, str(page_html)))

    def copy_bytes(self, picture: Picture, width: int) -> bytes:
        """The copy `width` pixels wide, from the cache or made now (and kept there)."""
        source = picture.source.read_bytes()
        kept = self.cache / f"{digest_bytes(source)}-{width}.{picture.format.lower()}"
        if kept.is_file():
            return kept.read_bytes()
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(source)) as image:
            upright = ImageOps.exif_transpose(image)
            height = round(upright.height * width / upright.width)
            resized = upright.resize((width, height), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            options = {"quality": 85, "optimize": True} if picture.format == "JPEG" else {"optimize": True}
            resized.save(buffer, RESIZED[picture.format], **options)
        made = buffer.getvalue()
        self.cache.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=self.cache, prefix=f".{kept.name}."
        )  # two workers may make it at once
        with os.fdopen(handle, "wb") as stream:
            stream.write(made)
        os.replace(temporary, kept)
        return made


def copy_fingerprint(picture: Picture, width: int) -> str:
    return digest(MADE_BY, picture.stamp, width)
