"""`[social.images]`: the site's logo and each network's crop on the copies of pictures sent to
networks — crops around the writer's focus point up to the edges, the logo in each corner (PNG
and SVG), the copies kept in .cmsite/ and never the source, bad settings and focus points at
their line, `cmsite preview` listing the copies and `cmsite serve` showing them."""

from __future__ import annotations

import http.client
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from cmsite.cli import main
from cmsite.serve.reload import ReloadHub
from cmsite.serve.server import DevServer
from cmsite.social.image_settings import ImageSettings, parse_aspect
from cmsite.social.styling import COPIES, crop_box, styled_copy, untouched_warnings, with_logo
from cmsite.testing import make_picture

RED = (255, 0, 0)
WHITE = (255, 255, 255)

WALL = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published

class Wall(Network):
    name, label, max_length = "wall", "Wall", 500
    preferred_aspect = "1:1"

    def publish_one(self, session, part):
        return Published("1", "")

class Board(Network):
    name, label, max_length = "board", "Board", 500
    fetches_media = True

    def publish_one(self, session, part):
        return Published("1", "")

@hookimpl
def cmsite_networks():
    return [Wall, Board]
"""


def cmsite(site, *args):
    result = CliRunner().invoke(main, ["--site", str(site.root), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def configure(site, text: str) -> str:
    path = site.root / "cmsite.toml"
    path.write_text(path.read_text() + "\n" + textwrap.dedent(text))
    return path.read_text()


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def red_logo(path: Path, size: tuple[int, int] = (40, 20)) -> Path:
    Image.new("RGBA", size, (*RED, 255)).save(path)
    return path


def white(path: Path, size: tuple[int, int]) -> Path:
    Image.new("RGB", size, WHITE).save(path)
    return path


# Crops around the focus point


@pytest.mark.parametrize(
    ("size", "aspect", "focus", "box"),
    [
        ((1600, 900), 1.0, (0.5, 0.5), (350, 0, 1250, 900)),  # centred
        ((1600, 900), 1.0, (0.0, 0.5), (0, 0, 900, 900)),  # at the left edge: the box stops there
        ((1600, 900), 1.0, (1.0, 0.5), (700, 0, 1600, 900)),  # at the right edge
        ((1600, 900), 1.0, (0.2, 0.0), (0, 0, 900, 900)),  # 320 px from the left: less than half a box
        ((1600, 900), 1.0, (0.6, 1.0), (510, 0, 1410, 900)),  # centred on x; y has nowhere to move
        ((900, 1600), 16 / 9, (0.5, 0.0), (0, 0, 900, 506)),  # tall to wide: the top
        ((900, 1600), 16 / 9, (0.5, 1.0), (0, 1094, 900, 1600)),  # the bottom
        ((900, 1600), 16 / 9, (0.5, 0.3), (0, 227, 900, 733)),  # around 480 px down
        ((1200, 675), 16 / 9, (0.9, 0.1), (0, 0, 1200, 675)),  # already the shape: all of it
    ],
)
def test_the_crop_keeps_the_focus_as_centred_as_the_edges_let_it(size, aspect, focus, box):
    assert crop_box(size, aspect, focus) == box


@pytest.mark.parametrize("focus", [(x / 10, y / 10) for x in range(11) for y in range(11)])
@pytest.mark.parametrize(
    ("size", "aspect"), [((1600, 900), 4 / 5), ((640, 1280), 16 / 9), ((999, 333), 2 / 3)]
)
def test_every_focus_point_stays_inside_the_crop(size, aspect, focus):
    left, top, right, bottom = crop_box(size, aspect, focus)
    assert 0 <= left < right <= size[0] and 0 <= top < bottom <= size[1]
    assert left <= focus[0] * size[0] <= right and top <= focus[1] * size[1] <= bottom
    assert abs((right - left) / (bottom - top) - aspect) < 0.01
    assert right - left == size[0] or bottom - top == size[1]  # the largest box of that shape


# The logo in each corner


@pytest.mark.parametrize(
    ("position", "box"),
    [
        ("top-left", (20, 20, 119, 69)),
        ("top-right", (280, 20, 379, 69)),
        ("bottom-left", (20, 230, 119, 279)),
        ("bottom-right", (280, 230, 379, 279)),
    ],
)
def test_the_logo_goes_in_its_corner_at_its_size_and_margin(tmp_path, position, box):
    settings = ImageSettings(
        logo=red_logo(tmp_path / "logo.png"), logo_position=position, logo_size=0.25, logo_margin=0.05
    )
    styled = with_logo(Image.new("RGB", (400, 300), WHITE), settings)
    # 100 px wide (a quarter of 400), 50 tall (the logo's 2:1), 20 px (5% of 400) from both edges
    red = [(x, y) for x in range(400) for y in range(300) if styled.getpixel((x, y)) == RED]
    xs, ys = [x for x, _ in red], [y for _, y in red]
    assert (min(xs), min(ys), max(xs), max(ys)) == box
    assert len(red) == 100 * 50  # and nothing else is red
    assert all(styled.getpixel(p) == WHITE for p in [(x, y) for x in (0, 399) for y in (0, 299)])


def test_an_svg_logo_is_drawn_at_the_size_it_takes(tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
        '<circle cx="5" cy="5" r="5" fill="#00f"/></svg>'
    )
    settings = ImageSettings(logo=logo, logo_position="top-left", logo_size=0.5, logo_margin=0)
    styled = with_logo(Image.new("RGB", (400, 300), WHITE), settings)
    assert styled.getpixel((100, 100)) == (0, 0, 255)  # the circle's centre, drawn 200 px wide
    assert styled.getpixel((2, 2)) == WHITE  # its transparent corner shows the picture
    assert styled.getpixel((100, 205)) == WHITE  # below it


def test_a_transparent_picture_keeps_its_transparency_under_the_logo(tmp_path):
    settings = ImageSettings(logo=red_logo(tmp_path / "logo.png"), logo_position="top-left", logo_margin=0)
    styled = with_logo(Image.new("RGBA", (200, 100), (0, 0, 0, 0)), settings)
    assert styled.mode == "RGBA"
    assert styled.getpixel((5, 5)) == (*RED, 255) and styled.getpixel((150, 80))[3] == 0


# Copies: made once, never the source


def test_the_copy_is_cropped_and_branded_and_the_source_is_untouched(tmp_path):
    source = tmp_path / "room.jpg"
    picture = Image.new("RGB", (1600, 900), WHITE)
    picture.paste((0, 0, 255), (0, 0, 100, 900))  # a blue band at the left edge, where the focus is
    picture.save(source, quality=95)
    before = source.read_bytes()
    settings = ImageSettings(logo=red_logo(tmp_path / "logo.png"), logo_size=0.1, logo_margin=0.02)
    copy = styled_copy(source, tmp_path / "copies", settings, 1.0, (0.1, 0.5))
    assert copy is not None and copy.name == "room.jpg" and copy.is_relative_to(tmp_path / "copies")
    with Image.open(copy) as made:
        assert made.size == (900, 900) and made.format == "JPEG"
        r, g, b = made.getpixel((50, 450))
        assert r < 30 and g < 30 and b > 220  # the blue band: the crop kept the focus, not the centre
        r, g, b = made.getpixel((900 - 18 - 45, 900 - 18 - 22))  # the logo, bottom right by default
        assert r > 200 and g < 60 and b < 60
    assert source.read_bytes() == before


def test_a_copy_is_made_once_and_again_only_when_what_it_comes_from_changes(tmp_path):
    source = make_picture(tmp_path / "chart.png", 800, 600)
    logo = red_logo(tmp_path / "logo.png")
    folder = tmp_path / "copies"
    first = styled_copy(source, folder, ImageSettings(logo=logo), None, None)
    assert first is not None
    made = first.stat().st_mtime_ns
    assert styled_copy(source, folder, ImageSettings(logo=logo), None, None) == first
    assert first.stat().st_mtime_ns == made  # found, not made again
    others = {
        styled_copy(source, folder, ImageSettings(logo=logo, logo_position="top-left"), None, None),
        styled_copy(source, folder, ImageSettings(logo=logo), 1.0, None),
        styled_copy(source, folder, ImageSettings(logo=logo), 1.0, (0.2, 0.2)),
    }
    red_logo(logo, (30, 30))  # a new logo, same file name
    others.add(styled_copy(source, folder, ImageSettings(logo=logo), None, None))
    assert len(others | {first}) == 5
    assert not list(folder.rglob("*.part"))


def test_a_moving_gif_goes_as_it_is(tmp_path):
    frames = [Image.new("RGB", (64, 64), colour) for colour in (RED, WHITE)]
    gif = tmp_path / "moving.gif"
    frames[0].save(gif, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert styled_copy(gif, tmp_path / "copies", ImageSettings(), 1.0, None) is None


# Settings and focus points: errors at their line


@pytest.fixture
def site(site_folder):
    site_folder.write("plugins/wall.py", WALL)
    red_logo(site_folder.root / "logo.png")
    (site_folder.root / "notes.txt").write_text("not a logo")
    return site_folder


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('logo = "missing.png"', "[social.images] logo: 'missing.png' does not exist"),
        ('logo = "notes.txt"', "[social.images] logo: 'notes.txt' is not a PNG or SVG file"),
        ('logo = "../logo.png"', "[social.images] logo: '../logo.png' is outside the site folder"),
        ('logo_position = "centre"', "[social.images] logo_position must be one of top-left, top-right,"),
        ("logo_size = 0", "[social.images] logo_size must be over 0, not 0"),
        ("logo_size = 0.8", "[social.images] logo_size must be at most 0.5, not 0.8"),
        ("logo_margin = -0.1", "[social.images] logo_margin must be at least 0, not -0.1"),
        ('logo_size = "big"', "[social.images] logo_size must be a number"),
        ("size = 2", "[social.images] unknown setting 'size'; known settings: logo, logo_position,"),
    ],
)
def test_a_wrong_image_setting_is_an_error_at_its_line(site, setting, message):
    logo = "" if setting.startswith("logo =") else 'logo = "logo.png"\n'
    text = configure(site, f"[social.images]\n{logo}{setting}\n")
    result = cmsite(site, "check")
    assert result.exit_code == 1
    assert f"cmsite.toml:{line_of(text, setting)}: {message}" in result.output


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('wall = "16-9"', "[social.images.crop] wall: '16-9' is not a shape; write it width:height"),
        ('wall = "0:9"', "[social.images.crop] wall: '0:9' is wider or taller than any network shows"),
        ('wall = "30:1"', "[social.images.crop] wall: '30:1' is wider or taller"),
        ("wall = 1.5", '[social.images.crop] wall: write a shape in quotes, like "16:9", or "none"'),
        ('wal = "1:1"', "[social.images.crop] 'wal' is no installed network (installed: board, wall)"),
    ],
)
def test_a_wrong_crop_is_an_error_at_its_line(site, setting, message):
    text = configure(site, f"[social.images.crop]\n{setting}\n")
    result = cmsite(site, "check")
    assert result.exit_code == 1
    assert f"cmsite.toml:{line_of(text, setting)}: {message}" in result.output


def test_good_settings_pass(site):
    configure(
        site,
        """
        [social.images]
        logo = "logo.png"
        logo_position = "top-left"
        logo_size = 0.2
        logo_margin = 0

        [social.images.crop]
        wall = "none"
        board = "1.91:1"
        """,
    )
    assert cmsite(site, "check").exit_code == 0
    assert parse_aspect("1.91:1") == pytest.approx(1.91)


@pytest.mark.parametrize(
    "focus", ["1.5, 0.2", "0.3", "-0.1, 0.5", "left, top", "[0.2, 0.3, 0.4]", "nan, 0.5"]
)
def test_a_focus_point_outside_the_picture_is_an_error_at_its_line(site, focus):
    make_picture(site.root / "content/images/room.png", 400, 300)
    plan = site.write(
        "content/social/2026-11-20-room.md",
        f"""
        ---
        networks: [wall]
        at: 2026-11-20 10:00
        media:
          - path: /images/room.png
            alt: The meetup room
            focus: {focus}
        ---
        The room is ready.
        """,
    )
    result = cmsite(site, "check")
    assert result.exit_code == 1
    line = line_of(plan.read_text(), "media:")
    assert f"content/social/2026-11-20-room.md:{line}:" in result.output
    assert "is not a point of the picture; write two fractions of its width and height" in result.output


# Preview, serve, and networks that fetch the file


def plan_a_picture(site, networks: str = "[wall]") -> Path:
    source = make_picture(site.root / "content/images/room.png", 800, 400)
    site.write(
        "content/social/2026-11-20-room.md",
        f"""
        ---
        networks: {networks}
        at: 2026-11-20 10:00
        media:
          - path: /images/room.png
            alt: The meetup room
            focus: 0.1, 0.5
        ---
        The room is ready.
        """,
    )
    return source


def test_preview_lists_each_copy_and_serve_shows_it(site):
    configure(site, '[social.images]\nlogo = "logo.png"\n')
    source = plan_a_picture(site)
    before = source.read_bytes()
    result = cmsite(site, "preview", "--json")
    (row,) = json.loads(result.output)
    (media,) = row["media"]
    assert media["focus"] == [0.1, 0.5]
    copy = Path(media["copy"]["path"])
    assert copy.is_relative_to(site.root / ".cmsite" / COPIES)
    with Image.open(copy) as made:
        assert made.size == (400, 400)  # Wall's 1:1, the focus at the left
        assert made.getpixel((380, 380))[:3] == RED  # the logo, bottom right
    assert source.read_bytes() == before
    text = cmsite(site, "preview").output
    assert f"sent as {copy} (in `cmsite serve`: {media['copy']['url']})" in text

    server = DevServer(
        site.root / "output", ReloadHub(), port=0, social_images=site.root / ".cmsite" / COPIES
    )
    server.start()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
        for path, status in [
            (media["copy"]["url"], 200),
            (media["copy"]["url"].replace("room", "other"), 404),
            ("/_cmsite/social-images/../../cmsite.toml", 404),
        ]:
            connection.request("GET", path)
            answer = connection.getresponse()
            body = answer.read()
            assert answer.status == status, path
        connection.request("GET", media["copy"]["url"])
        answer = connection.getresponse()
        assert answer.getheader("Content-Type") == "image/png" and answer.read() == copy.read_bytes()
    finally:
        server.stop()
    assert body  # the last 404 had a body


def test_no_settings_no_copy(site):
    configure(site, '[social.images.crop]\nwall = "none"\n')
    plan_a_picture(site)
    (row,) = json.loads(cmsite(site, "preview", "--json").output)
    assert row["media"][0]["copy"] is None
    assert not (site.root / ".cmsite" / COPIES).exists()


def test_a_network_that_fetches_the_file_is_told_it_gets_it_as_it_is(site):
    configure(site, '[social.images]\nlogo = "logo.png"\n')
    plan_a_picture(site, "[board]")
    result = cmsite(site, "preview", "--json")
    (row,) = json.loads(result.output)
    assert row["media"][0]["copy"] is None
    assert any("Board fetches each picture from the site's address" in w for w in row["warnings"])


def test_nothing_to_say_without_settings(site):
    from cmsite.social.network import Media

    built = site.site()
    board = built.networks["board"]
    assert untouched_warnings(built, board, [Media("/images/room.png", "A room")]) == []
