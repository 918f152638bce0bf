"""Pictures: copies that fit a network's limits, and what `cmsite check` and `preview` say about them."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from click.testing import CliRunner
from PIL import Image

from cmsite.cli import main
from cmsite.social.media import MediaError, prepare
from cmsite.social.network import Media, Network, Published, SocialPost
from cmsite.testing import make_picture

PICTURE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("limit", [1_000_000, 4_000_000, 5_000_000])  # Bluesky, Facebook, X
def test_a_big_picture_gets_under_the_limit_keeping_its_aspect(tmp_path, limit):
    source = make_picture(tmp_path / "wide.png", 2400, 1350, noisy=True)
    before = digest(source)
    assert source.stat().st_size > limit
    picture = prepare(source, "Noise", max_bytes=limit, types=PICTURE_TYPES)
    assert len(picture.data) <= limit and picture.resized and picture.mime == "image/jpeg"
    with Image.open(io.BytesIO(picture.data)) as copy:
        copy.verify()  # a whole, valid file
    with Image.open(io.BytesIO(picture.data)) as copy:
        assert copy.format == "JPEG" and copy.size == (picture.width, picture.height)
        assert abs(copy.width / copy.height - 2400 / 1350) < 0.01
    assert digest(source) == before  # the file itself is never changed
    assert picture.filename == "wide.jpg" and picture.alt == "Noise"


def test_metadata_is_dropped_from_a_resized_copy(tmp_path):
    source = make_picture(tmp_path / "camera.jpg", 1600, 1200, noisy=True)
    with Image.open(source) as original:
        assert original.getexif()  # the source carries a camera name
    picture = prepare(source, "Noise", max_bytes=source.stat().st_size // 2, types=PICTURE_TYPES)
    with Image.open(io.BytesIO(picture.data)) as copy:
        assert not copy.getexif() and "icc_profile" not in copy.info


def test_a_small_picture_is_sent_byte_for_byte(tmp_path):
    source = make_picture(tmp_path / "chart.png", 640, 360)
    picture = prepare(source, "A chart", max_bytes=1_000_000, types=PICTURE_TYPES)
    assert picture.data == source.read_bytes()
    assert (picture.mime, picture.width, picture.height, picture.resized) == ("image/png", 640, 360, False)


def test_a_type_the_network_does_not_take_becomes_a_jpeg(tmp_path):
    source = tmp_path / "logo.webp"
    Image.new("RGBA", (300, 200), (200, 30, 30, 128)).save(source)
    picture = prepare(source, "Logo", max_bytes=1_000_000, types=frozenset({"image/jpeg", "image/png"}))
    assert picture.mime == "image/jpeg" and (picture.width, picture.height) == (300, 200)
    with Image.open(io.BytesIO(picture.data)) as copy:
        assert copy.mode == "RGB"  # transparency flattened on white


def test_a_pixel_limit_is_kept(tmp_path):
    source = make_picture(tmp_path / "big.png", 3000, 2000)
    picture = prepare(source, "Big", max_bytes=10_000_000, types=PICTURE_TYPES, max_pixels=1_500_000)
    assert picture.width * picture.height <= 1_500_000 and picture.resized


def test_a_thin_banner_is_converted_without_being_shrunk(tmp_path):
    source = make_picture(tmp_path / "banner.bmp", 3000, 100)
    picture = prepare(source, "A banner", max_bytes=1_000_000, types=frozenset({"image/jpeg"}))
    assert (picture.mime, picture.width, picture.height) == ("image/jpeg", 3000, 100)


def test_a_picture_that_cannot_fit_is_a_clear_error(tmp_path):
    source = make_picture(tmp_path / "noise.png", 800, 800, noisy=True)
    with pytest.raises(MediaError, match=r"noise.png cannot be brought under 5 kB .* crop it"):
        prepare(source, "Noise", max_bytes=5000, types=PICTURE_TYPES)


def test_a_file_that_is_not_a_picture_is_a_clear_error(tmp_path):
    source = tmp_path / "notes.png"
    source.write_text("not a picture at all")
    with pytest.raises(MediaError, match=r"notes.png cannot be read as a picture"):
        prepare(source, "Notes", max_bytes=1_000_000, types=PICTURE_TYPES)
    with pytest.raises(MediaError, match=r"missing.png cannot be read as a picture"):
        prepare(tmp_path / "missing.png", "Gone", max_bytes=1_000_000, types=PICTURE_TYPES)


class _Strict(Network):
    name, label, max_length = "strict", "Strict", 500
    max_media, max_media_bytes, max_alt_length, alt_counting = 2, 1_000_000, 20, "graphemes"
    media_types = frozenset({"image/jpeg", "image/png"})

    def publish_one(self, session, part):
        return Published("1", "https://strict.example/1")


def test_pictures_turns_a_media_error_into_a_refusal_that_is_not_retried(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 truncated")
    network = _Strict("default", {}, {})  # type: ignore[arg-type]
    with pytest.raises(Exception) as caught:
        network.pictures(SocialPost(["x"], media=[Media(str(broken), "Broken")]))
    assert type(caught.value).__name__ == "PublishError" and not caught.value.retry
    assert str(caught.value).startswith("Strict: ") and "broken.jpg cannot be read" in str(caught.value)


def test_alt_text_is_counted_as_the_network_counts_it():
    family = "👩‍👩‍👧‍👦" * 20  # 20 graphemes, 140 code points
    assert _Strict.validate(SocialPost(["x"], media=[Media("a.png", family)])) == []
    problems = _Strict.validate(SocialPost(["x"], media=[Media("a.png", family + "!")]))
    assert problems == ["the alt text of a.png is 21 characters, over Strict's limit of 20; shorten it"]


NETWORKS = """
from cmsite.hookspecs import hookimpl
from cmsite.social.network import Network, Published

class Strict(Network):
    name, label, max_length = "strict", "Strict", 500
    max_media, max_media_bytes, max_alt_length = 2, 1_000_000, 40
    media_types = frozenset({"image/jpeg", "image/png"})
    def publish_one(self, session, part):
        return Published("1", "https://strict.example/1")

@hookimpl
def cmsite_networks():
    return [Strict]
"""


@pytest.fixture
def media_site(site_folder):
    site_folder.write("plugins/networks.py", NETWORKS)
    make_picture(site_folder.root / "content/images/chart.png", 400, 300)
    make_picture(site_folder.root / "content/images/photo.jpg", 1800, 1200, noisy=True)
    make_picture(site_folder.root / "content/images/logo.gif", 100, 100)
    site_folder.write("content/images/diagram.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    return site_folder


def run(site, *args):
    return CliRunner().invoke(main, ["--site", str(site.root), *args])


def test_check_names_each_picture_problem_with_its_line(media_site):
    media_site.post(
        "2026-05-04-pictures.md",
        "title: Pictures\nsocial:\n"
        "  - network: strict\n    media: [/images/chart.png, /images/chart.png, /images/chart.png]\n"
        "    alt: A chart\n"
        "  - network: strict\n    media: [{path: /images/gone.png, alt: Gone}]\n"
        "  - network: strict\n    media: [{path: /images/diagram.svg, alt: A diagram}]\n"
        f"  - network: strict\n    media: [{{path: /images/chart.png, alt: {'long ' * 10}}}]\n",
    )
    result = run(media_site, "check")
    assert result.exit_code == 1
    where = "content/posts/2026-05-04-pictures.md"  # line 1 is the `---` fence; YAML drops the last space
    expected = [
        f"{where}:4: 3 pictures, and Strict takes at most 2; remove `media:` for this network",
        f"{where}:7: /images/gone.png does not exist; put the picture in the content folder or fix `path:`",
        f"{where}:9: /images/diagram.svg is not a picture cmsite can send (image/svg+xml); "
        "save it as JPEG, PNG, GIF or WebP",
        f"{where}:11: the alt text of /images/chart.png is 49 characters, over Strict's limit of 40; "
        "shorten it",
    ]
    for line in expected:
        assert line in result.output.splitlines(), result.output


def test_preview_warns_of_copies_and_check_passes(media_site):
    media_site.post(
        "2026-05-04-photo.md",
        "title: Photo\nsocial:\n  - network: strict\n"
        "    media: [{path: /images/photo.jpg, alt: Noise}, {path: /images/logo.gif, alt: Logo}]\n",
    )
    size = (media_site.root / "content/images/photo.jpg").stat().st_size
    assert size > 1_000_000
    result = run(media_site, "preview", "--json")
    assert result.exit_code == 0, result.output
    (post,) = json.loads(result.output)
    assert post["errors"] == []
    assert post["warnings"] == [
        f"/images/photo.jpg is {size / 1_000_000:.1f} MB, over Strict's 1.0 MB per picture; "
        "a smaller copy will be sent",
        "Strict does not take image/gif; /images/logo.gif will be sent as a JPEG copy",
    ]
    text = run(media_site, "preview").output
    assert "  + picture /images/photo.jpg — alt: Noise\n  + picture /images/logo.gif — alt: Logo\n" in text
    assert "! /images/photo.jpg is" in text
    assert run(media_site, "check").exit_code == 0
