"""Open Graph cards: a post without a picture gets a 1200×630 PNG with its title, the site's
name and logo in the theme's colours, named by its link-preview tags, drawn once."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import SiteFolder
from PIL import Image, ImageDraw, ImageFont

from cmsite.errors import ContentErrors
from cmsite.render import cards
from cmsite.render.theme_colours import theme_colours
from cmsite.testing import missing_tool

TITLE = "Éditorial : l’été à Noël, ça déçoit ?"
BACKGROUND = (251, 250, 247)  # the default theme's --bg
TEXT = (28, 30, 36)  # its --text


def meta(html: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html)
    return found.group(1) if found else None


def card_of(site_folder, page: str) -> tuple[str, Path]:
    """The card URL a built page names, and the file the build wrote for it."""
    url = meta(site_folder.read(page), "og:image")
    assert url and url.startswith("https://blog.cmsite.info/")
    return url, site_folder.output / url.removeprefix("https://blog.cmsite.info/")


def find(line: Image.Image, card: Image.Image) -> tuple[int, int] | None:
    """Where `line` is in `card`, pixel for pixel: its first row is searched in each row of
    the card's bytes, and every place found is compared whole."""
    width, height = line.size
    first, whole = line.crop((0, 0, width, 1)).tobytes(), line.tobytes()
    for y in range(card.height - height + 1):
        row = card.crop((0, y, card.width, y + 1)).tobytes()
        start = row.find(first)
        while start != -1:
            x = start // 3
            if start % 3 == 0 and card.crop((x, y, x + width, y + height)).tobytes() == whole:
                return x, y
            start = row.find(first, start + 1)
    return None


def drawn_alone(
    text: str, size: int, colour: tuple[int, int, int] = TEXT, font_file: Path = cards.FONT
) -> Image.Image:
    """A line drawn by itself, with the card's font, size and colours, cut to its ink."""
    font = ImageFont.truetype(str(font_file), size)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("RGB", (right + 10, bottom + 10), BACKGROUND)
    ImageDraw.Draw(image).text((0, 0), text, font=font, fill=colour)
    return image.crop((left, top, right, bottom))


def test_a_french_post_gets_a_card_with_its_title_drawn(tmp_path):
    site_folder = SiteFolder(tmp_path / "site", lang="fr")
    site_folder.post("2026-06-12-edito.md", f'title: "{TITLE}"\ndate: 2026-06-12')
    site_folder.build()
    html = site_folder.read("posts/edito/index.html")
    url, path = card_of(site_folder, "posts/edito/index.html")
    assert url == "https://blog.cmsite.info/cards/posts/edito.png"
    assert meta(html, "twitter:image") == url
    assert meta(html, "twitter:card") == "summary_large_image"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "630")
    assert (
        meta(html, "og:image:alt")
        == meta(html, "twitter:image:alt")
        == "Éditorial : l’été à Noël, ça déçoit ?"
    )

    card = Image.open(path)
    assert (card.format, card.size) == ("PNG", (1200, 630))
    card = card.convert("RGB")
    colours = card.getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # not blank: text, anti-aliased
    assert max(colours)[1] == BACKGROUND  # mostly the theme's background

    size, lines = cards.title_lines(TITLE, cards.FONT)
    assert " ".join(lines) == TITLE
    places = [find(drawn_alone(line, size), card) for line in lines]
    assert None not in places, places
    assert len({x for x, _ in places}) == 1  # one left edge
    assert [y for _, y in places] == sorted(y for _, y in places)  # top to bottom
    # The site's name in the accent colour, the date in the muted one and the post's language.
    assert find(drawn_alone("Test site", cards.FOOTER_SIZE, (75, 59, 196)), card) is not None
    assert find(drawn_alone("12 juin 2026", cards.FOOTER_SIZE, (91, 97, 112)), card) is not None


@pytest.mark.parametrize(
    "text",
    [
        "ÉéÈèÊêËëÀàÂâÇçÎîÏïÔôŒœÙùÛûÜüŸÿ’«»",  # French
        "ĄąĆćĘęŁłŃńŚśŹźŻżŐőŰűČčŠšŽžĞğİıŞşẞßÅåØøÆæ",  # more Latin
        "ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώ",  # Greek
        "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюяЇїЄєІіЎў",  # Cyrillic
    ],
)
def test_the_font_draws_every_letter(text):
    """No letter falls back to the "missing glyph" box, and an accented letter is not drawn bare."""
    font = ImageFont.truetype(str(cards.FONT), 40)

    def drawn(char: str) -> bytes:
        mask = font.getmask(char)
        return bytes(mask) + repr(mask.size).encode()

    missing = drawn("\U000f0000")  # a private-use character no font has
    assert [c for c in text if drawn(c) == missing] == []
    assert drawn("É") != drawn("E") and drawn("ç") != drawn("c") and drawn("ё") != drawn("е")


def test_a_post_with_a_picture_a_draft_or_a_future_post_gets_no_card(site_folder):
    site_folder.write("content/images/photo.png", "")
    Image.new("RGB", (40, 20), "red").save(site_folder.root / "content/images/photo.png")
    site_folder.post("2026-06-01-pictured.md", "title: Pictured\nimage: /images/photo.png")
    site_folder.post("2026-06-02-bare.md", "title: Bare")
    site_folder.post("2026-06-03-draft.md", "title: Not yet\ndraft: true")
    site_folder.post("2027-01-01-future.md", "title: Later")  # not due: no card either
    site_folder.build()
    pictured = site_folder.read("posts/pictured/index.html")
    assert meta(pictured, "og:image") == "https://blog.cmsite.info/images/photo.png"
    assert meta(pictured, "twitter:image") == "https://blog.cmsite.info/images/photo.png"
    made = sorted(
        p.relative_to(site_folder.output).as_posix() for p in site_folder.output.rglob("cards/**/*.png")
    )
    assert made == ["cards/posts/bare.png"]


def test_a_blog_whose_posts_all_have_pictures_spends_nothing_on_cards(site_folder, monkeypatch):
    """No card to draw: Pillow is not asked for the font, the theme's stylesheet not read."""
    from cmsite.default_plugins import cards as cards_plugin

    def look(site):
        raise AssertionError("the cards' look was read with no card to draw")

    monkeypatch.setattr(cards_plugin, "_look", look)
    (site_folder.root / "content/images").mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 20), "red").save(site_folder.root / "content/images/photo.png")
    site_folder.post("2026-06-01-pictured.md", "title: Pictured\nimage: /images/photo.png")
    site_folder.build()
    assert meta(site_folder.read("posts/pictured/index.html"), "og:image").endswith("/images/photo.png")


def test_a_changed_title_changes_the_card_and_nothing_else_redraws_it(site_folder):
    post = site_folder.post("2026-06-12-edito.md", "title: First words")
    site_folder.post("2026-06-13-other.md", "title: Another post")
    card = site_folder.output / "cards/posts/edito.png"
    site_folder.build()
    first, written_at = card.read_bytes(), card.stat().st_mtime_ns

    site_folder.build()
    post.write_text(post.read_text().replace("Some text.", "Other text."))  # the body: same card
    body_only = site_folder.build()
    assert "posts/edito/index.html" in body_only.write.written
    assert "cards/posts/edito.png" not in body_only.write.written
    assert (card.read_bytes(), card.stat().st_mtime_ns) == (first, written_at)  # never rewritten
    site_folder.site().build(clean=True)  # everything made again: the card comes from the cache
    assert card.read_bytes() == first

    post.write_text(post.read_text().replace("First words", "Second thoughts"))
    changed = site_folder.build()
    assert "cards/posts/edito.png" in changed.write.written
    assert "cards/posts/other.png" not in changed.write.written
    assert card.read_bytes() != first
    # A title is not where a post is listed: that build was the quick one, which plans nothing and
    # so forgets no card; the next full build forgets the old one.
    assert changed.quick, changed
    site_folder.site().build(clean=True)
    assert len(list((site_folder.root / ".cmsite/cards").iterdir())) == 2


def test_a_quick_rebuild_draws_the_new_title(site_folder):
    """Watch mode: the saved post's card is made again from the post as it is now."""
    post = site_folder.post("2026-06-12-edito.md", "title: First words")
    site = site_folder.site()
    site.build()
    card = site_folder.output / "cards/posts/edito.png"
    first = card.read_bytes()
    post.write_text(post.read_text().replace("First words", "Second thoughts"))
    report = site.rebuild([post])
    assert "cards/posts/edito.png" in report.write.written
    size, lines = cards.title_lines("Second thoughts", cards.FONT)
    assert find(drawn_alone(lines[0], size), Image.open(card).convert("RGB")) is not None
    assert card.read_bytes() != first


def test_a_card_is_drawn_once_and_kept(site_folder):
    """A clean build into another folder takes the card from .cmsite/cards/, not drawn again."""
    site_folder.post("2026-06-12-edito.md", "title: Kept")
    site_folder.build()
    (kept,) = (site_folder.root / ".cmsite/cards").iterdir()
    kept.write_bytes(b"the cached card")
    site_folder.build(output=site_folder.root / "elsewhere")
    assert (site_folder.root / "elsewhere/cards/posts/edito.png").read_bytes() == b"the cached card"


def test_colours_come_from_the_theme_and_the_settings(site_folder, tmp_path):
    site_folder.post("2026-06-12-edito.md", "title: Coloured")
    site_folder.build()
    card = Image.open(site_folder.output / "cards/posts/edito.png").convert("RGB")
    assert card.getpixel((5, 300)) == BACKGROUND
    assert card.getpixel((5, 5)) == (75, 59, 196)  # the default theme's --accent, in the band on top
    (site_folder.root / "cmsite.toml").write_text(
        (site_folder.root / "cmsite.toml").read_text()
        + '\n[cards]\nbackground = "#102030"\naccent = "gold"\n'
    )
    site_folder.build()
    card = Image.open(site_folder.output / "cards/posts/edito.png").convert("RGB")
    assert (card.getpixel((5, 300)), card.getpixel((5, 5))) == ((16, 32, 48), (255, 215, 0))

    theme = tmp_path / "theme"
    (theme / "static").mkdir(parents=True)
    (theme / "static/style.css").write_text(
        ":root { --bg: #000000; --text: rgb(1, 2, 3); --radius: 4px; }\n"
        "@media (prefers-color-scheme: dark) { :root { --bg: #ffffff; } }\n"
    )
    assert theme_colours(theme) == {"bg": "#000000", "text": "rgb(1, 2, 3)"}
    assert theme_colours(tmp_path / "no-theme") == {}


def test_the_logo_is_on_the_card_and_a_new_logo_redraws_it(site_folder):
    Image.new("RGBA", (200, 100), (255, 0, 0, 255)).save(site_folder.root / "logo.png")
    (site_folder.root / "cmsite.toml").write_text(
        (site_folder.root / "cmsite.toml").read_text() + '\n[social.images]\nlogo = "logo.png"\n'
    )
    site_folder.post("2026-06-12-edito.md", "title: With a logo")
    site_folder.build()
    card_path = site_folder.output / "cards/posts/edito.png"
    card = Image.open(card_path).convert("RGB")
    margin = cards.MARGIN
    assert card.getpixel((1200 - margin - 5, 630 - margin - 5)) == (255, 0, 0)  # bottom right
    assert card.getpixel((1200 - margin - 5, 630 - margin - cards.LOGO_HEIGHT - 5)) == BACKGROUND

    Image.new("RGBA", (200, 100), (0, 0, 255, 255)).save(site_folder.root / "logo.png")
    report = site_folder.build()
    assert "cards/posts/edito.png" in report.write.written
    assert Image.open(card_path).convert("RGB").getpixel((1200 - margin - 5, 630 - margin - 5)) == (0, 0, 255)


@pytest.mark.parametrize(
    ("settings", "line", "message"),
    [
        (
            '[cards]\nbackground = "blurple"\n',
            2,
            "[cards] background 'blurple' is not a colour; write one like \"#4b3bc4\"",
        ),
        ('[cards]\nfont = "fonts/none.ttf"\n', 2, "[cards] font: cannot read fonts/none.ttf (No such file"),
        (
            '[cards]\nfont = "cmsite.toml"\n',
            2,
            "[cards] font: cmsite.toml is not a TrueType or OpenType font",
        ),
        (
            '[social.images]\nlogo = "logo.png"\n',
            2,
            "[social.images] logo: logo.png cannot be read as a picture",
        ),
    ],
)
def test_bad_settings_name_their_line(site_folder, settings, line, message):
    config = site_folder.root / "cmsite.toml"
    start = len(config.read_text().splitlines()) + 1
    config.write_text(config.read_text() + "\n" + settings)
    (site_folder.root / "logo.png").write_bytes(b"not a PNG")
    site_folder.post("2026-06-12-edito.md", "title: Any")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    (error,) = caught.value.errors
    assert (error.path, error.line) == ("cmsite.toml", start + line)
    assert error.message.startswith(message), error.message


def test_cards_switched_off(site_folder):
    (site_folder.root / "cmsite.toml").write_text(
        (site_folder.root / "cmsite.toml").read_text() + "\n[cards]\nenabled = false\n"
    )
    site_folder.post("2026-06-12-edito.md", "title: No card")
    site_folder.build()
    html = site_folder.read("posts/edito/index.html")
    assert meta(html, "og:image") is None and meta(html, "twitter:card") == "summary"
    assert not (site_folder.output / "cards").exists()


def test_titles_wrap_shrink_and_end_with_an_ellipsis():
    size, lines = cards.title_lines("Short", cards.FONT)
    assert (size, lines) == (max(cards.TITLE_SIZES), ["Short"])
    long = " ".join(["community"] * 40)
    size, lines = cards.title_lines(long, cards.FONT)
    assert size == min(cards.TITLE_SIZES) and len(lines) == cards.MAX_LINES
    assert lines[-1].endswith("community…")
    width = 1200 - 2 * cards.MARGIN
    font = ImageFont.truetype(str(cards.FONT), size)
    assert all(font.getlength(line) <= width for line in lines)
    _, lines = cards.title_lines("x" * 300, cards.FONT)  # one word longer than a line: cut
    assert len(lines) == 3 and lines[-1].endswith("…")
    # A no-break space, and a "?" after an ordinary space, never start a line.
    _, lines = cards.title_lines(
        "Pourquoi les équipes de communauté aiment-elles tant ça ? Vraiment ?", cards.FONT
    )
    assert not any(line.startswith(("?", "\u00a0")) for line in lines)
    _, lines = cards.title_lines("word " * 14 + "déçoit\u00a0?", cards.FONT)
    assert any(line.endswith("déçoit\u00a0?") for line in lines)


def test_a_card_is_a_valid_png_in_memory():
    colours = cards.Colours(BACKGROUND, TEXT, (75, 59, 196), (91, 97, 112))
    data = cards.draw(cards.Card("Ελληνικά и кириллица", "Site", "", colours))
    assert Image.open(io.BytesIO(data)).size == cards.SIZE


def test_an_svg_logo_is_drawn_on_the_card(site_folder):
    site_folder.write(
        "logo.svg",
        '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="#00ff00"/></svg>',
    )
    (site_folder.root / "cmsite.toml").write_text(
        (site_folder.root / "cmsite.toml").read_text() + '\n[social.images]\nlogo = "logo.svg"\n'
    )
    site_folder.post("2026-06-12-edito.md", "title: With a drawn logo")
    site_folder.build()
    card = Image.open(site_folder.output / "cards/posts/edito.png").convert("RGB")
    corner = (1200 - cards.MARGIN - 5, 630 - cards.MARGIN - 5)
    assert card.getpixel(corner) == (0, 255, 0)
    assert card.getpixel((corner[0] - 2 * cards.LOGO_HEIGHT - 10, corner[1])) == BACKGROUND  # 2:1, 96 high


def test_a_font_of_the_site(site_folder):
    serif = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")  # .ci/run installs fonts-dejavu-core
    if not serif.is_file():
        missing_tool("DejaVu Serif (Debian's fonts-dejavu-core)")
    (site_folder.root / "fonts").mkdir()
    (site_folder.root / "fonts/serif.ttf").write_bytes(serif.read_bytes())
    config = site_folder.root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[cards]\nfont = "fonts/serif.ttf"\n')
    site_folder.post("2026-06-12-edito.md", "title: Écrit en sérif")
    site_folder.build()
    card = Image.open(site_folder.output / "cards/posts/edito.png").convert("RGB")
    size, lines = cards.title_lines("Écrit en sérif", serif)
    assert find(drawn_alone(lines[0], size, font_file=serif), card) is not None
    assert find(drawn_alone(lines[0], size), card) is None  # not in the font cmsite ships
