"""`cmsite check` reports what Pinterest would refuse at the plan's `path:line`, before anything is sent:
a description over 500 characters, a plan without a picture, a picture Pinterest could never fetch;
a title over 100 and a missing board."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cmsite.cli import main
from cmsite.testing import make_picture

PLAN = "content/social/2026-11-20-pin.md"


def checked(site) -> tuple[int, list[str]]:
    result = CliRunner(env={"CMSITE_DISABLE_PLUGINS": ""}).invoke(main, ["--site", str(site.root), "check"])
    return result.exit_code, [line for line in result.output.splitlines() if line.startswith("content/")]


@pytest.fixture
def site(cmsite_site):
    config = cmsite_site.root / "cmsite.toml"
    config.write_text(config.read_text() + '\n[networks.pinterest]\nboard = "549755885175"\n')
    make_picture(cmsite_site.root / "content/images/soup.jpg", 600, 900)
    return cmsite_site


def plan(site, text: str, media: str = "media: [/images/soup.jpg]\nalt: A bowl of soup\n") -> None:
    """A standalone post for Pinterest: its text on line 7 (line 5 without `media:` and `alt:`)."""
    site.write(PLAN, f"---\nnetworks: [pinterest]\nat: 2026-11-20 10:00\n{media}---\n{text}\n")


def test_a_description_over_500_is_an_error_at_the_plan(site):
    plan(site, "é" * 500)
    assert checked(site) == (0, [])
    plan(site, "é" * 501)
    code, errors = checked(site)
    assert code == 1 and errors == [
        f"{PLAN}:7: the Pin's description is 501 characters, over Pinterest's limit of 500; shorten the text"
    ]


def test_a_plan_without_a_picture_or_with_one_pinterest_cannot_fetch_is_an_error(site):
    plan(site, "Soup of the week.", media="")
    code, errors = checked(site)
    assert code == 1 and len(errors) == 1 and errors[0].startswith(f"{PLAN}:5: a Pin is a picture")
    make_picture(site.root / "content/images/soup.webp", 600, 900)
    plan(site, "Soup of the week.", media="media: [/images/soup.webp]\nalt: Soup\n")
    code, errors = checked(site)
    assert (
        code == 1 and "Pinterest does not take image/webp, and it fetches the file from the site" in errors[0]
    )


def test_a_title_over_100_is_an_error_at_the_post(site):
    site.post(
        "soup.md",
        f"title: {'Soup ' * 21}\ndate: 2026-11-19\nsocial:\n  - network: pinterest\n    at: +1d\n"
        "    media: [{path: /images/soup.jpg, alt: A bowl of soup}]",
    )
    code, errors = checked(site)
    assert code == 1 and any("the Pin's title is 104 characters" in line for line in errors), errors


def test_a_plan_for_a_connected_account_without_a_board_is_an_error_at_the_plan(cmsite_site):
    make_picture(cmsite_site.root / "content/images/soup.jpg", 600, 900)
    plan(cmsite_site, "Soup of the week.")
    unset = (
        "no board for Pinterest account 'default'; set board = \"549755885175\" under [networks.pinterest]"
    )
    runner = CliRunner(env={"CMSITE_DISABLE_PLUGINS": "", "PINTEREST_ACCESS_TOKEN": ""})
    before = runner.invoke(main, ["--site", str(cmsite_site.root), "check"])
    assert before.exit_code == 0 and unset in before.output  # not connected yet: a warning
    cmsite_site.write(".env", "PINTEREST_ACCESS_TOKEN=pina_token\n")
    code, errors = checked(cmsite_site)
    assert code == 1 and errors == [f"{PLAN}:2: {unset}"]


def test_a_placeholder_site_address_stops_a_connected_account_only(site):
    config = site.root / "cmsite.toml"
    config.write_text(config.read_text().replace("https://blog.cmsite.info", "https://carnet.example.org"))
    plan(site, "Soup of the week.")
    assert checked(site) == (0, [])  # as the sample site: the account is not connected yet
    site.write(".env", "PINTEREST_ACCESS_TOKEN=pina_token\n")
    result = CliRunner(env={"CMSITE_DISABLE_PLUGINS": ""}).invoke(main, ["--site", str(site.root), "check"])
    assert (
        result.exit_code == 1
        and "cmsite.toml:3: [site] url 'https://carnet.example.org' is an example address" in result.output
    )


def test_preview_shows_the_description_with_its_exact_length(site):
    plan(site, "Soupe de potiron 🎃 en vingt minutes.")
    result = CliRunner(env={"CMSITE_DISABLE_PLUGINS": ""}).invoke(
        main, ["--site", str(site.root), "preview", "--json"]
    )
    (post,) = json.loads(result.stdout)
    assert (post["network"], post["lengths"], post["limit"]) == ("pinterest", [36], 500)  # 🎃 is one
    assert post["media"][0]["url"] == "https://blog.cmsite.info/images/soup.jpg" and post["errors"] == []
