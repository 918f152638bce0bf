"""The default theme on a phone and a wide screen, light and dark, in Chromium (issue 20).

Wide tables and long code lines scroll inside their own named, focusable box and never widen
the page; the box shows a shadow at the edge that hides more; the ¶ heading anchors show on
hover and keyboard focus only, and keep a name; every page links to the archives and the
tags; the home page shows each post's cover picture; text keeps 4.5:1 contrast.

The browser is Debian's `chromium` (or CMSITE_CHROMIUM), driven by Playwright, and fetches
from 127.0.0.1 only (tests/tools/screenshots.py).
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator

import pytest
from conftest import REPO, SiteFolder, missing_tool, nu_problems

sys.path.insert(0, str(REPO / "tests/tools"))
from screenshots import chromium, chromium_executable, new_page, serving

COLUMNS = ["Network", "Followers", "Engagement", "Impressions", "Clicks", "Shares", "Replies", "Mentions"]
WIDE_TABLE = "\n".join(
    [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
        "| Mastodon | 1200 | 4.5% | 30000 | 800 | 120 | 95 | 40 |",
    ]
)
LONG_CODE = (
    "```python\n# every network, then some\nplan = " + repr("mastodon bluesky linkedin " * 8) + ", 42\n```"
)
BODY = f"""\
An introduction.

## The figures

{WIDE_TABLE}

## The script

{LONG_CODE}

## What next

The end.
"""
COVER_ALT = "A bar chart of the month's interactions by network"
WIDTHS = (390, 1280)
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SiteFolder:
    from PIL import Image

    site = SiteFolder(tmp_path_factory.mktemp("polish") / "site")
    site.post(
        "2026-10-05-figures.md",
        f"title: The month in figures\ntags: [reporting]\nimage: /images/cover.png\nimage_alt: {COVER_ALT}",
        BODY,
    )
    site.post("2026-10-01-plain.md", "title: A plain post\ncategory: Notes", "No picture here.\n")
    site.write("content/pages/about.md", "---\ntitle: About\n---\nWho writes here.\n")
    (site.root / "content/images").mkdir(parents=True)
    Image.new("RGB", (400, 300), (40, 120, 110)).save(site.root / "content/images/cover.png")
    site.build()
    return site


@pytest.fixture(scope="module")
def base_url(built: SiteFolder) -> Iterator[str]:
    with serving(built.output) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing_tool("Playwright (pip package playwright)")
    executable = chromium_executable()
    if not executable:
        missing_tool("Chromium (Debian package chromium)")
    with chromium(executable) as browser:
        yield browser


@pytest.fixture(params=[(w, s) for w in WIDTHS for s in SCHEMES], ids=lambda p: f"{p[0]}px-{p[1]}")
def tab(request: pytest.FixtureRequest, browser: object) -> Iterator[object]:
    width, scheme = request.param
    with new_page(browser, width, scheme) as page:
        yield page


# -- scroll boxes ---------------------------------------------------------------------------


def test_wide_tables_and_code_scroll_in_a_named_focusable_box_not_the_page(tab, base_url):
    from playwright.sync_api import expect

    tab.goto(base_url + "posts/figures/")
    assert tab.evaluate("document.documentElement.scrollWidth") <= tab.evaluate("innerWidth")
    for name in ("Table", "Code"):
        box = tab.get_by_role("region", name=name)
        expect(box).to_have_count(1)
        sizes = box.evaluate("b => [b.scrollWidth, b.clientWidth, b.getBoundingClientRect().right]")
        assert sizes[0] > sizes[1], f"the {name} box should be wider than the screen inside, {sizes}"
        assert sizes[2] <= tab.evaluate("innerWidth")
        box.focus()
        assert box.evaluate("b => document.activeElement === b")
        tab.keyboard.press("ArrowRight")
        tab.wait_for_function("b => b.scrollLeft > 0", arg=box.element_handle())


def test_a_box_that_hides_more_shows_a_shadow_at_that_edge(tab, base_url):
    """Only the box's own background is drawn (its content made transparent): the edge
    where more is hidden is darker, or lighter in the dark scheme, than the middle."""
    tab.goto(base_url + "posts/figures/")
    tab.add_style_tag(
        content=".scroll-box * { color: transparent !important; border-color: transparent !important;"
        " background: transparent !important; }"
    )
    for name in ("Table", "Code"):
        box = tab.get_by_role("region", name=name)
        box.evaluate("b => b.scrollIntoView()")
        left, right = _edges(box.screenshot())
        assert right > SHADOW > left, (name, "at the start", left, right)
        box.evaluate("b => { b.scrollLeft = b.scrollWidth }")
        left, right = _edges(box.screenshot())
        assert left > SHADOW > right, (name, "at the end", left, right)


SHADOW = 20  # how far (summed over R, G and B, on average) an edge with a shadow is from the middle


def _edges(png: bytes) -> tuple[float, float]:
    """How far the leftmost and the rightmost columns of pixels are from the middle one's
    colour, on average: what a shadow changes (an edge without one is a pixel or two off,
    where the frame's rounded corners clip it)."""
    from PIL import Image, ImageChops, ImageStat

    picture = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = picture.size
    middle = picture.crop((width // 2, 0, width // 2 + 1, height))

    def distance(x: int) -> float:
        column = picture.crop((x, 0, x + 1, height))
        return sum(ImageStat.Stat(ImageChops.difference(column, middle)).mean)

    return distance(1), distance(width - 2)


# -- heading anchors ------------------------------------------------------------------------


def test_heading_anchors_show_on_hover_and_keyboard_focus_only_and_keep_a_name(tab, base_url):
    tab.goto(base_url + "posts/figures/")
    anchors = tab.get_by_role("link", name="Link to this section")
    assert anchors.count() == 3
    anchor = tab.locator("#the-figures a.headerlink")
    shown = "a => [getComputedStyle(a).opacity, getComputedStyle(a).visibility]"
    tab.mouse.move(0, 0)
    assert anchor.evaluate(shown) == ["0", "visible"]  # see-through, not hidden: still in the tab order
    tab.locator("#the-figures").hover()
    assert anchor.evaluate(shown) == ["1", "visible"]
    tab.mouse.move(0, 0)
    assert anchor.evaluate(shown) == ["0", "visible"]
    for _ in range(40):
        tab.keyboard.press("Tab")
        if anchor.evaluate("a => document.activeElement === a"):
            break
    else:
        pytest.fail("Tab never reached the heading's anchor")
    assert anchor.evaluate(shown) == ["1", "visible"]


# -- navigation and cover pictures ----------------------------------------------------------


def test_every_page_links_to_the_archives_and_the_tags(built):
    pages = sorted(built.output.rglob("*.html"))
    assert len(pages) > 8
    for page in pages:
        menu = re.search(r'<nav class="site-nav".*?</nav>', page.read_text(encoding="utf-8"), re.DOTALL)
        assert menu, page
        links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', menu.group())
        assert ("/archives/", "Archives") in links and ("/tags/", "Tags") in links, (page, links)
    assert (built.output / "archives/index.html").is_file() and (built.output / "tags/index.html").is_file()


def test_the_home_page_shows_each_posts_cover_picture(tab, base_url):
    from playwright.sync_api import expect

    tab.goto(base_url)
    cover = (
        tab.get_by_role("article").filter(has_text="The month in figures").get_by_role("img", name=COVER_ALT)
    )
    expect(cover).to_be_visible()
    loaded = (  # a lazy picture loads when the browser gets to it: wait for its load (or error) event
        "img => img.complete ? img.naturalWidth : new Promise(done => {"
        " img.addEventListener('load', () => done(img.naturalWidth), {once: true});"
        " img.addEventListener('error', () => done(0), {once: true}); })"
    )
    assert cover.evaluate(loaded) == 400  # fetched from this site
    box = cover.bounding_box()
    assert box and 60 <= box["width"] <= 200  # a thumbnail, not the whole picture
    expect(tab.get_by_role("article").filter(has_text="A plain post").get_by_role("img")).to_have_count(0)


# -- contrast and validity ------------------------------------------------------------------

CONTRAST = """
() => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }).reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!text || style.opacity === "0" || el.closest(".visually-hidden, [hidden]")) continue;
    const [a, b] = [lum(rgb(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) found.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return found;
}
"""


def test_text_keeps_a_contrast_of_4_5_to_1(tab, base_url):
    """Every element with text of its own against the first background behind it, the
    colours of highlighted code included (Pygments' styles chosen in
    cmsite/default_plugins/markdown_extensions.py)."""
    for path in ("", "posts/figures/", "tags/"):
        tab.goto(base_url + path)
        if path == "posts/figures/":
            tab.locator("#the-figures").hover()  # its anchor shown
        assert tab.evaluate(CONTRAST) == [], path


def test_the_pages_pass_the_nu_html_checker(built, vnu_command):
    assert nu_problems(vnu_command, built.output) == []


def test_the_theme_stylesheet_passes_the_nu_css_checker(vnu_command):
    import subprocess

    result = subprocess.run(
        [*vnu_command, "--css", str(REPO / "themes/default/static/style.css")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
