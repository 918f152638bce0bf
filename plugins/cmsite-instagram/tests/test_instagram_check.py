"""`cmsite check` on a site that plans Instagram posts: every caption and picture Instagram would
refuse is an error at the plan's `path:line`, all at once, before anything is queued."""

from __future__ import annotations

from click.testing import CliRunner

from cmsite.cli import main
from cmsite.testing import make_picture

PLAN = "content/social/2026-11-20-room.md"


def check(site):
    result = CliRunner(env={"CMSITE_DISABLE_PLUGINS": ""}).invoke(main, ["--site", str(site.root), "check"])
    return result.exit_code, [line for line in result.output.splitlines() if line.startswith("content/")]


def plan(site, media: str, text: str = "The room is ready.") -> None:
    config = site.root / "cmsite.toml"
    if "[networks.instagram]" not in config.read_text():
        config.write_text(config.read_text() + '\n[networks.instagram]\nuser_id = "17841400000000001"\n')
    site.write(PLAN, f"---\nnetworks: [instagram]\nat: 2026-11-20 10:00\nalt: The room\n{media}---\n{text}\n")


def test_pictures_instagram_would_refuse_are_errors_at_the_plans_line(cmsite_site):
    for name, size in [("square.jpg", (1080, 1080)), ("wide.jpg", (1200, 600)), ("tall.jpg", (600, 1000)), ("room.png", (800, 800))]:  # fmt: skip
        make_picture(cmsite_site.root / "content/images" / name, *size)
    plan(cmsite_site, "media: [/images/square.jpg, /images/wide.jpg, /images/tall.jpg, /images/room.png]\n")
    code, errors = check(cmsite_site)
    assert code == 1 and len(errors) == 3, errors
    assert all(line.startswith(f"{PLAN}:2: ") for line in errors)  # the plan's `networks:` line
    wide, tall, png = sorted(errors, key=lambda line: ("wide" not in line, "tall" not in line))
    assert "/images/wide.jpg is 1200×600 pixels, too wide for Instagram" in wide
    assert "/images/tall.jpg is 600×1000 pixels, too tall" in tall
    assert "Instagram does not take image/png, and it fetches the file from the site as it is" in png
    plan(cmsite_site, "media: [/images/square.jpg]\n")
    assert check(cmsite_site) == (0, [])


def test_a_caption_instagram_would_refuse_is_an_error_at_its_line(cmsite_site):
    make_picture(cmsite_site.root / "content/images/square.jpg", 1080, 1080)
    tags = " ".join(f"#tag{n}" for n in range(31))
    plan(cmsite_site, "media: [/images/square.jpg]\n", f"The room is ready. {tags}")
    code, errors = check(cmsite_site)
    assert code == 1 and len(errors) == 1 and "31 hashtags and Instagram takes at most 30" in errors[0], (
        errors
    )
    plan(cmsite_site, "media: [/images/square.jpg]\n", "Room " + "é" * 2200)
    code, errors = check(cmsite_site)
    assert code == 1 and "2205 characters as Instagram counts them, over its limit of 2200" in errors[0], (
        errors
    )


def test_a_plan_without_a_picture_is_an_error(cmsite_site):
    plan(cmsite_site, "")
    code, errors = check(cmsite_site)
    assert code == 1 and any("Instagram takes no post without a picture" in line for line in errors), errors
