"""`[social.images]` through the real queue (`cmsite publish` as a process) to mastodon-mock: the
picture Mastodon stores is the copy cropped to the shape the site sets for Mastodon, around the
plan's focus point, with the site's logo in its corner — and the site's own file is unchanged."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap

import httpx
from PIL import Image

from cmsite.testing import TestSite

BLUE, RED, WHITE = (0, 0, 255), (255, 0, 0), (255, 255, 255)


def close(pixel, colour, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def test_mastodon_gets_the_cropped_copy_with_the_logo(server, tmp_path):
    server.reset()
    site = TestSite(tmp_path / "site")
    Image.new("RGBA", (40, 20), (*RED, 255)).save(site.root / "logo.png")
    source = site.root / "content/images/room.png"
    source.parent.mkdir(parents=True)
    picture = Image.new("RGB", (1600, 900), WHITE)
    picture.paste(BLUE, (0, 0, 100, 900))  # a blue band along the left edge, where the focus is
    picture.save(source)
    before = source.read_bytes()
    config = site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + textwrap.dedent(f"""
            [plugins]
            enable = ["mastodon"]

            [queue]
            catch_up_hours = false

            [networks.mastodon]
            instance = "{server.base_url}"

            [social.images]
            logo = "logo.png"
            logo_position = "top-right"
            logo_size = 0.1
            logo_margin = 0.02

            [social.images.crop]
            mastodon = "4:5"
        """)
    )
    site.write(
        "content/social/2026-11-20-room.md",
        """
        ---
        networks: [mastodon]
        at: 2026-11-20 10:00
        media:
          - path: /images/room.png
            alt: The meetup room, chairs in a circle
            focus: 0.03, 0.5
        ---
        The room is ready.
        """,
    )
    env = {k: v for k, v in os.environ.items() if k != "CMSITE_DISABLE_PLUGINS"}
    published = subprocess.run(
        [sys.executable, "-m", "cmsite", "--site", str(site.root), "publish"],
        capture_output=True, text=True, timeout=120, env={**env, "MASTODON_ACCESS_TOKEN": "alice_token"},
    )  # fmt: skip
    assert published.returncode == 0 and "1 published" in published.stdout, (
        published.stderr + published.stdout
    )

    client = server.client("alice")
    (status,) = client.account_statuses(client.me()["id"])
    (attachment,) = status["media_attachments"]
    assert attachment["description"] == "The meetup room, chairs in a circle"
    uploaded = httpx.get(attachment["url"], timeout=10).content
    with Image.open(io.BytesIO(uploaded)) as copy:
        copy = copy.convert("RGB")
    assert copy.size == (720, 900)  # 4:5 of the full height
    assert close(copy.getpixel((50, 450)), BLUE)  # the band at the focus: cropped at the left edge
    assert close(copy.getpixel((400, 450)), WHITE)
    # the logo: 72 px wide (10% of 720), 36 tall, 14 px (2% of 720) from the top and right edges
    assert close(copy.getpixel((720 - 14 - 36, 14 + 18)), RED)
    assert close(copy.getpixel((720 - 14 - 72 - 4, 14 + 18)), WHITE)  # just left of it
    assert close(copy.getpixel((720 - 14 - 36, 14 + 36 + 4)), WHITE)  # just under it
    assert close(copy.getpixel((720 - 5, 5)), WHITE)  # in the margin
    assert source.read_bytes() == before  # the site's file is never the one changed
