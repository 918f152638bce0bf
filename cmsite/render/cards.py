"""Open Graph cards: the 1200×630 picture a link preview shows for a post that has none.

Networks and chat apps show a big picture beside a shared link when the page names one
(`og:image`); a post without a picture would get a bare line. This draws one with Pillow:
the post's title (wrapped, shrunk to fit in at most three lines), the site's name and the
post's date in its language, the site's logo, in the theme's colours and a font that has
every Latin, Greek and Cyrillic letter (DejaVu Sans Bold ships with cmsite, fonts/LICENSE).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageColor, ImageDraw, ImageFont

SIZE = (1200, 630)  # what Facebook, LinkedIn, X and Bluesky show best (1.91:1)
FONT = Path(__file__).parent / "fonts" / "DejaVuSans-Bold.ttf"
MARGIN = 80
BAND = 16  # the accent band along the top edge
TITLE_SIZES = range(76, 39, -4)  # the largest that fits in MAX_LINES lines, in pixels
MAX_LINES = 3
LINE_HEIGHT = 1.22
FOOTER_SIZE = 32
LOGO_HEIGHT = 96
FOOTER_TOP = SIZE[1] - MARGIN - LOGO_HEIGHT  # the title keeps above it
_SPACES = re.compile(r"[ \t\r\n]+")  # not the no-break spaces French puts before ? ! : ;


@dataclass(frozen=True)
class Colours:
    """RGB colours of a card: its background, the title, the site's name and the date."""

    background: tuple[int, int, int]
    text: tuple[int, int, int]
    accent: tuple[int, int, int]
    muted: tuple[int, int, int]

    @classmethod
    def of(cls, written: Mapping[str, str]) -> Colours:
        """From colours as CSS writes them, by name: `{"background": "#fbfaf7", …}`."""
        return cls(**{key: ImageColor.getrgb(value)[:3] for key, value in written.items()})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Card:
    """What one card shows. `logo` is an RGBA picture, or None."""

    title: str
    site_name: str
    byline: str  # the post's date, in its language
    colours: Colours
    font: Path = FONT
    logo: Image.Image | None = None


@cache
def font_at(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """The font at one size; every card of a build asks for the same few."""
    return ImageFont.truetype(str(path), size)


def title_lines(title: str, font: Path, width: int = SIZE[0] - 2 * MARGIN) -> tuple[int, list[str]]:
    """The title's size and lines: the largest size at which it fits in MAX_LINES lines of
    `width`; at the smallest, the last line ends with "…" when there is more."""
    words = _words(title)
    for size in TITLE_SIZES:
        lines = list(_wrap(words, font_at(font, size), width))
        if len(lines) <= MAX_LINES:
            return size, lines
    return size, _cut(lines, font_at(font, size), width)


def draw(card: Card) -> bytes:
    """The card as PNG bytes."""
    image = Image.new("RGB", SIZE, card.colours.background)
    pen = ImageDraw.Draw(image)
    pen.rectangle((0, 0, SIZE[0], BAND), fill=card.colours.accent)
    size, lines = title_lines(card.title, card.font)
    font = font_at(card.font, size)
    step = round(size * LINE_HEIGHT)
    top = BAND + (FOOTER_TOP - BAND - step * len(lines)) // 2  # centred above the footer
    for number, line in enumerate(lines):
        pen.text((MARGIN, top + number * step), line, font=font, fill=card.colours.text)
    _footer(image, pen, card)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # a flat picture: level 1 is small enough, and 2× faster
    return buffer.getvalue()


def _footer(image: Image.Image, pen: ImageDraw.ImageDraw, card: Card) -> None:
    """The site's name and the date at the bottom left, the logo at the bottom right."""
    font = font_at(card.font, FOOTER_SIZE)
    room = SIZE[0] - 2 * MARGIN
    if card.logo is not None:
        logo = fit_logo(card.logo)
        image.paste(logo, (SIZE[0] - MARGIN - logo.width, SIZE[1] - MARGIN - logo.height), logo)
        room -= logo.width + MARGIN // 2
    baseline = SIZE[1] - MARGIN
    name = _cut([card.site_name], font, room)[0]
    pen.text(
        (MARGIN, baseline - round(FOOTER_SIZE * 2.4)), name, font=font, fill=card.colours.accent, anchor="ls"
    )
    if card.byline:
        pen.text((MARGIN, baseline), card.byline, font=font, fill=card.colours.muted, anchor="ls")


def fit_logo(logo: Image.Image) -> Image.Image:
    """The logo scaled to LOGO_HEIGHT, and never wider than a quarter of the card."""
    scale = min(LOGO_HEIGHT / logo.height, SIZE[0] / 4 / logo.width)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    return logo.convert("RGBA").resize(size, Image.Resampling.LANCZOS)


def _words(title: str) -> list[str]:
    """The title's words; punctuation that stands alone ("ça déçoit ?") stays with the word before."""
    words: list[str] = []
    for word in _SPACES.split(title.strip()):
        if words and all(unicodedata.category(c).startswith("P") for c in word):
            words[-1] += " " + word
        elif word:
            words.append(word)
    return words


def _wrap(words: list[str], font: ImageFont.FreeTypeFont, width: int) -> Iterator[str]:
    """Lines of at most `width` pixels; a word longer than a line is cut where it must."""
    line = ""
    for word in words:
        joined = f"{line} {word}" if line else word
        if font.getlength(joined) <= width:
            line = joined
            continue
        if line:
            yield line
        while font.getlength(word) > width:
            cut = _longest_prefix(word, font, width)
            yield word[:cut]
            word = word[cut:]
        line = word
    if line:
        yield line


def _longest_prefix(text: str, font: ImageFont.FreeTypeFont, width: int) -> int:
    """How many characters of `text` fit in `width` (at least one)."""
    fits = 1
    while fits < len(text) and font.getlength(text[: fits + 1]) <= width:
        fits += 1
    return fits


def _cut(lines: list[str], font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The first MAX_LINES lines, the last ending with "…" when text was left out or it is too wide."""
    if len(lines) <= MAX_LINES and all(font.getlength(line) <= width for line in lines):
        return lines
    kept = lines[:MAX_LINES]
    last = kept[-1]
    while last and font.getlength(last + "…") > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]  # a whole word when it can
    return [*kept[:-1], last.rstrip() + "…"]


def check_font(data: bytes) -> str | None:
    """What is wrong with a font file for cards, or None."""
    try:
        ImageFont.truetype(io.BytesIO(data), FOOTER_SIZE)
    except OSError:
        return "is not a TrueType or OpenType font; give a .ttf or .otf file"
    return None


def logo_problem(data: bytes, svg: bool) -> str | None:
    """What is wrong with a logo file for cards, or None."""
    try:
        read_logo(data, svg)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return "cannot be read as a picture; export it again as PNG or SVG"
    return None


def read_logo(data: bytes, svg: bool) -> Image.Image:
    """The logo as an RGBA picture; an SVG is drawn twice as high as cards show it."""
    if svg:
        import cairosvg  # only for an SVG logo: it loads the system's Cairo

        data = cairosvg.svg2png(bytestring=data, output_height=2 * LOGO_HEIGHT)
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGBA")
