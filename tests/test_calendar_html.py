"""The HTML calendar (cmsite/calendar/html.py, themes/default/templates/calendar/): valid HTML,
served by `cmsite serve` at /_cmsite/calendar/ and never written to the output folder, readable
in Chromium on a phone and a desktop, printable, in the site's language, updated on every save."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from conftest import NOW, REPO, SiteFolder, missing_tool, nu_problems
from test_live_reload import CMSITE, browser, page  # noqa: F401 (fixtures: Chromium through Playwright)
from test_watch import Running

from cmsite.calendar.html import render_month
from cmsite.site import Site
from cmsite.testing import TOY_NETWORKS, make_picture

MONTH = "2026-12"
LONG_URL = "https://docs.example.net/" + "/".join(["a-rather-long-path-segment"] * 8) + "?utm_source=calendar"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherungsanstalt"
NEW_TEXT = "Reminder rewritten a moment ago"


def planned_month(folder: SiteFolder) -> SiteFolder:
    """December 2026 on two networks: a post announced by a thread and a picture, a draft's plan,
    and a standalone reminder, with long words and long links that must wrap on a phone."""
    folder.write("plugins/networks.py", TOY_NETWORKS)
    make_picture(folder.root / "content/images/room.png", 40, 30)
    folder.post(
        "2026-12-03-long-words.md",
        f"""
        title: "Planning the {LONG_WORD} season"
        date: 2026-12-03 10:00
        social:
          - network: toot
            text: "{{title}} {LONG_URL}"
            media:
              - path: /images/room.png
                alt: The meeting room, chairs in a circle.
          - network: chirp
            at: +2h
            thread: true
            text: "{" ".join(["Each network counts characters its own way."] * 4)} {LONG_URL}"
        """,
        "The whole story of the season.\n",
    )
    folder.post(
        "2026-12-08-draft.md",
        "title: A draft for later\ndate: 2026-12-08 09:00\ndraft: true\nsocial:\n  - network: toot\n",
    )
    folder.write(
        "content/social/2026-12-10-reminder.md",
        f"---\nnetworks: [toot, chirp]\nat: 2026-12-10 09:00\nthread: true\n---\nWorkshop tonight. {LONG_WORD} {LONG_URL}\n",
    )
    return folder


def page_of(folder: SiteFolder, month: str = MONTH, **options: object) -> str:
    site = folder.site(**options)
    site.load()
    return render_month(site, month)


# --- The page itself --------------------------------------------------------------------------


def test_the_calendar_shows_each_post_with_its_network_status_texts_and_pictures(site_folder):
    html = page_of(planned_month(site_folder))
    assert "Editorial calendar: December 2026" in html
    for label in ("Toot", "Chirp", "Blog", "Waiting for its post", "Queued", "Draft", "Scheduled"):
        assert label in html, label
    assert "Picture: /images/room.png — alt text: The meeting room, chairs in a circle." in html
    assert "Post 2 of " in html  # a thread: each of its posts as sent
    assert "Not queued: to fix" in html and "144 / 120 characters — over the limit" in html
    assert "/ 80 characters" in html and "/ 120 characters" in html
    assert 'href="/_cmsite/calendar/2026-11/" rel="prev"' in html


def test_a_french_site_has_french_labels_month_and_weekdays(tmp_path):
    french = planned_month(SiteFolder(tmp_path / "fr", lang="fr"))
    html = page_of(french)
    assert '<html lang="fr">' in html
    assert "Calendrier éditorial : décembre 2026" in html
    for label in ("Légende", "En attente de son billet", "Programmé", "Brouillon", "Message 2 sur "):
        assert label in html, label
    assert '<abbr title="lundi">lun.</abbr>' in html  # the week starts on Monday in France
    assert '<time datetime="2026-12-03T10:00:00+01:00">10:00</time>' in html  # Paris time, 24-hour clock
    assert "jeudi 3 décembre 2026" in html
    assert "Editorial calendar" not in html and "Waiting for its post" not in html


def test_a_site_replaces_the_calendar_template_and_a_theme_without_one_borrows_the_default(tmp_path):
    own = planned_month(SiteFolder(tmp_path / "own"))
    own.write("templates/calendar/month.html", "<p>Our plan for {{ month_name }}</p>\n")
    assert page_of(own) == "<p>Our plan for December 2026</p>"
    themed = planned_month(SiteFolder(tmp_path / "themed", lang="fr"))
    themed.write("cmsite.toml", (themed.root / "cmsite.toml").read_text() + 'theme = "mine"\n')
    themed.write("themes/mine/templates/base.html", "<!DOCTYPE html><title>Mine</title>\n")
    assert "Calendrier éditorial : décembre 2026" in page_of(themed)


def test_each_network_colour_is_a_contrast_of_three_to_one_on_white():
    from cmsite.calendar.html import NETWORK_COLOURS, OTHER_COLOURS, POST_COLOUR

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    colours = [*NETWORK_COLOURS.values(), *OTHER_COLOURS, POST_COLOUR]
    assert len(set(colours)) == len(colours)
    assert [c for c in colours if 1.05 / (luminance(c) + 0.05) < 3] == []


def test_the_page_for_a_client_stands_alone(site_folder):
    from click.testing import CliRunner

    from cmsite.cli import main

    planned_month(site_folder)
    folder = site_folder.root / "for-the-client"
    result = CliRunner().invoke(main, ["--site", str(site_folder.root), "calendar", MONTH, "-o", str(folder)])
    assert result.exit_code == 0, result.output
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "Editorial calendar: December 2026" in html and "Workshop tonight." in html
    assert "/_cmsite/" not in html and "<script" not in html and 'rel="stylesheet"' not in html


def test_the_calendar_passes_the_nu_html_checker(tmp_path, vnu_command):
    english = planned_month(SiteFolder(tmp_path / "en"))
    french = planned_month(SiteFolder(tmp_path / "fr", lang="fr"))
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "en.html").write_text(page_of(english), encoding="utf-8")
    (pages / "fr.html").write_text(page_of(french), encoding="utf-8")
    (pages / "empty.html").write_text(page_of(english, "2027-03"), encoding="utf-8")
    assert nu_problems(vnu_command, pages) == []


def test_the_sample_site_shows_a_month_of_posts_on_several_networks(monkeypatch):
    monkeypatch.delenv("CMSITE_DISABLE_PLUGINS")  # the sample plans posts on the installed networks
    site = Site(REPO, now=NOW)
    if not {"mastodon", "bluesky", "linkedin", "x"} <= set(site.networks):
        missing_tool("the network plugins mastodon, bluesky, linkedin and x")
    site.load()
    html = render_month(site, "2026-11")
    legend = html.split('class="cal-networks"')[1].split("</ul>")[0]
    statuses = html.split('class="cal-statuses"')[1].split("</ul>")[0]
    for network in ("Blog", "Mastodon", "Bluesky", "LinkedIn", "X"):
        assert f"</span>{network}</span>" in legend, network
    assert statuses.count("<li") >= 3


# --- Served by `cmsite serve`, in Chromium ----------------------------------------------------


@pytest.fixture
def served(site_folder: SiteFolder) -> Iterator[Running]:
    planned_month(site_folder)
    server = Running(site_folder, "serve", "--port", "0")
    server.url = server.wait_for(r"Serving (http://127\.0\.0\.1:\d+/)").group(1)
    server.wait_for(r"\d+ written")  # the first build is done
    yield server
    server.stop()


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_serve_shows_the_calendar_and_never_writes_it_to_the_output_folder(served):
    status, html = fetch(served.url + f"_cmsite/calendar/{MONTH}/")
    assert status == 200
    assert "Editorial calendar: December 2026" in html and "Workshop tonight." in html
    assert fetch(served.url + "_cmsite/calendar/")[0] == 200  # this month
    assert fetch(served.url + "_cmsite/calendar/2026-13/")[0] == 404
    output = served.folder.root / ".cmsite/serve"
    written = [p for p in output.rglob("*") if p.is_file()]
    assert written and all("_cmsite" not in str(p.relative_to(output)) for p in written)
    assert not any("Editorial calendar" in p.read_text(errors="replace") for p in written)
    subprocess.run([str(CMSITE), "--site", str(served.folder.root), "build"], capture_output=True, check=True)
    built = list(served.folder.output.rglob("*.html"))
    assert built and not any("Editorial calendar" in p.read_text() for p in built)


def no_horizontal_scroll(tab) -> bool:
    return tab.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [1280, 390])
def test_no_horizontal_scroll_on_a_desktop_or_a_phone(served, page, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(served.url + f"_cmsite/calendar/{MONTH}/")
    assert no_horizontal_scroll(page)
    assert page.locator(".cal-agenda .cal-sent").first.is_visible()
    assert page.locator(".cal-grid").is_visible() == (width == 1280)  # a phone sees the agenda only


def test_the_page_works_without_javascript(served, browser):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 800})
    tab = context.new_page()
    tab.goto(served.url + f"_cmsite/calendar/{MONTH}/")
    assert tab.locator(".cal-agenda .cal-sent").first.is_visible()
    tab.get_by_role("link", name="January 2027").click()
    assert "January 2027" in tab.locator("h1").inner_text()
    context.close()


def test_printing_shows_the_grid_on_a4_landscape_without_the_month_links(served, page):  # noqa: F811
    page.set_viewport_size({"width": 390, "height": 800})  # printed from a phone, too
    page.goto(served.url + f"_cmsite/calendar/{MONTH}/")
    page.emulate_media(media="print")
    assert page.locator(".cal-grid").is_visible()
    assert not page.locator(".cal-nav").is_visible()
    page.set_viewport_size({"width": 1047, "height": 720})  # A4 landscape less 1 cm margins, at 96 dpi
    assert no_horizontal_scroll(page)
    link = page.locator(".cal-title a").first
    assert "https://" in link.evaluate("a => getComputedStyle(a, '::after').content")


def test_the_calendar_follows_each_save(served, page):  # noqa: F811
    from playwright.sync_api import expect

    page.goto(served.url + f"_cmsite/calendar/{MONTH}/")
    expect(page.locator(".cal-agenda")).to_contain_text("Workshop tonight.")
    served.folder.write(
        "content/social/2026-12-10-reminder.md",
        f"---\nnetworks: [toot]\nat: 2026-12-10 09:00\n---\n{NEW_TEXT}\n",
    )
    expect(page.locator(".cal-agenda")).to_contain_text(NEW_TEXT, timeout=15000)
    expect(page.locator(".cal-item.status-cancelled")).to_contain_text(
        "Workshop tonight."
    )  # chirp's, unplanned
