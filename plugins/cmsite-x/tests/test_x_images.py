"""`[social.images]` through the real queue to a loopback X: the picture uploaded is the copy cropped
to X's own 16:9 (the plugin's `preferred_aspect`) around the plan's focus point, with the site's
logo in its corner, and the site's own file is unchanged."""

from __future__ import annotations

import io

from cmsite_x import X
from PIL import Image
from test_x import KEYS, assert_signed
from test_x_queue import FakeX, ok, other_plugins

from cmsite.testing import Reply, plan_on, publish_until_done

BLUE, RED, WHITE = (0, 0, 255), (255, 0, 0), (255, 255, 255)


class FakeXWithMedia(FakeX):
    """FakeX, and the v1.1 media upload and its description (multipart `media`, then metadata)."""

    def __init__(self) -> None:
        super().__init__()
        self.uploads: list[tuple[str | None, bytes]] = []

    def __call__(self, request) -> Reply:
        if not request.path.startswith("/1.1/media/"):
            return super().__call__(request)
        assert_signed(request)  # signed for upload.twitter.com, which the keys check cannot verify here
        if request.path == "/1.1/media/upload.json":
            filename, _, data = request.form_parts()["media"]
            self.uploads.append((filename, data))
            media_id = str(7000 + len(self.uploads))
            return ok({"media_id": int(media_id), "media_id_string": media_id})
        assert request.path == "/1.1/media/metadata/create.json", request.path
        return Reply(200)


def close(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_x_gets_its_16_9_copy_with_the_logo(cmsite_site, loopback_server, monkeypatch):
    monkeypatch.setenv("CMSITE_DISABLE_PLUGINS", other_plugins())
    assert X.preferred_aspect == "16:9"
    site = plan_on(cmsite_site, "x", "The room is ready.", {"api": loopback_server.url})
    Image.new("RGBA", (40, 20), (*RED, 255)).save(site.root / "logo.png")
    source = site.root / "content/images/room.jpg"
    source.parent.mkdir(parents=True)
    picture = Image.new("RGB", (1000, 1000), WHITE)
    picture.paste(BLUE, (0, 900, 1000, 1000))  # a blue band along the bottom, where the focus is
    picture.save(source, quality=95)
    before = source.read_bytes()
    config = site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + '\n[social.images]\nlogo = "logo.png"\nlogo_position = "bottom-left"\nlogo_size = 0.1\n'
    )
    site.write(  # the plan plan_on wrote, with the picture
        "content/social/2026-11-20-x.md",
        """
        ---
        networks: [x]
        at: 2026-11-20 10:00
        media:
          - path: /images/room.jpg
            alt: The meetup room
            focus: 0.5, 0.95
        ---
        The room is ready.
        """,
    )
    x = FakeXWithMedia()
    loopback_server.handler(x)
    runs = publish_until_done(site, KEYS)
    assert [outcome.status for outcome in runs[-1]] == ["published"], runs
    ((filename, data),) = x.uploads
    assert filename == "room.jpg"
    with Image.open(io.BytesIO(data)) as copy:
        assert copy.format == "JPEG" and copy.size == (1000, 562)  # 16:9 of the full width
        copy = copy.convert("RGB")
    assert close(copy.getpixel((500, 540)), BLUE)  # the band at the focus: the crop is the bottom
    assert close(copy.getpixel((500, 20)), WHITE)
    # the logo: 100 px wide (10% of 1000), 50 tall, 30 px (3% by default) from the left and bottom
    assert close(copy.getpixel((30 + 50, 562 - 30 - 25)), RED)
    assert close(copy.getpixel((30 + 100 + 6, 562 - 30 - 25)), BLUE)  # just right of it: the band
    assert close(copy.getpixel((10, 562 - 30 - 25)), BLUE)  # in the margin
    assert source.read_bytes() == before
    assert x.tweets["1001"]["text"] == "The room is ready."
