"""Pictures in pages (cmsite/render/pictures.py, cmsite/content/figures.py): each local picture
gets its size, smaller copies in `srcset` that exist at the widths they claim, `loading="lazy"`
after the first; a titled picture alone on its line is a figure with a caption; copies are made
once and again only when the picture changes, and the page follows the picture's new size."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from conftest import SiteFolder, nu_problems
from PIL import Image

from cmsite.testing import make_picture

BODY = """\
![A wide room](wide.jpg "The workshop, Thursday")

Some text, then a second picture:

![A small badge](badge.png) and ![A moving banner](banner.gif)
"""


class Pictures(HTMLParser):
    """Every <img> of a page (its attributes), and each <figure>'s caption."""

    def __init__(self, page: str):
        super().__init__()
        self.images: list[dict[str, str | None]] = []
        self.captions: list[str] = []
        self._caption = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))
        self._caption = tag == "figcaption"

    def handle_data(self, data):
        if self._caption:
            self.captions.append(data)
            self._caption = False


def pictured(folder: SiteFolder) -> SiteFolder:
    make_picture(folder.root / "content/posts/wide.jpg", 2000, 1000)
    make_picture(folder.root / "content/posts/badge.png", 300, 200)
    Image.new("P", (640, 120)).save(folder.root / "content/posts/banner.gif")
    folder.post("2026-11-20-pictures.md", "title: Pictures\ndate: 2026-11-20", BODY)
    return folder


def page_of(folder: SiteFolder) -> str:
    return (folder.output / "posts/pictures/index.html").read_text()


def test_each_picture_gets_its_size_copies_that_exist_and_lazy_loading_after_the_first(site_folder):
    pictured(site_folder).build()
    wide, badge, banner = Pictures(page_of(site_folder)).images
    assert (wide["width"], wide["height"], wide.get("loading")) == (
        "2000",
        "1000",
        None,
    )  # the first: at once
    assert (badge["width"], badge["height"], badge["loading"]) == ("300", "200", "lazy")
    assert (banner["width"], banner["height"], banner["loading"]) == ("640", "120", "lazy")
    assert "srcset" not in badge and "srcset" not in banner  # smaller than every copy; a GIF may move
    claimed = re.findall(r"(\S+) (\d+)w", wide["srcset"] or "")
    assert [int(w) for _, w in claimed] == [480, 800, 1200, 1600, 2000]
    for url, width in claimed:
        with Image.open(site_folder.output / url.lstrip("/")) as copy:
            assert copy.size == (int(width), int(width) // 2), url
            assert copy.format == "JPEG"


def test_a_titled_picture_alone_on_its_line_is_a_figure_with_its_caption(site_folder):
    pictured(site_folder).build()
    page = page_of(site_folder)
    assert Pictures(page).captions == ["The workshop, Thursday"]
    assert re.search(
        r"<figure><img alt=\"A wide room\" src=\"wide.jpg\"|<figure><img alt=\"A wide room\" src=\"/posts/wide.jpg\"",
        page,
    )
    assert 'title="The workshop' not in page


def test_copies_are_made_once_and_the_page_follows_a_changed_picture(site_folder):
    pictured(site_folder).build()
    copy = site_folder.output / "posts/wide-800w.jpg"
    made = copy.stat().st_mtime_ns
    site_folder.build()
    assert copy.stat().st_mtime_ns == made  # nothing changed: not made again
    make_picture(site_folder.root / "content/posts/wide.jpg", 1000, 1000)  # square now, and smaller
    site_folder.build()
    wide = Pictures(page_of(site_folder)).images[0]
    assert (wide["width"], wide["height"]) == ("1000", "1000")
    assert [w for _, w in re.findall(r"(\S+) (\d+)w", wide["srcset"] or "")] == ["480", "800", "1000"]
    with Image.open(copy) as again:
        assert again.size == (800, 800)
    assert not (site_folder.output / "posts/wide-1200w.jpg").exists()


def test_pictures_pages_pass_the_nu_checker(site_folder, vnu_command):
    pictured(site_folder).build()
    assert nu_problems(vnu_command, site_folder.output / "posts") == []


def test_a_picture_added_while_writing_gets_its_copies_in_the_same_rebuild(site_folder):
    pictured(site_folder)
    site = site_folder.site()
    site.build()
    make_picture(site_folder.root / "content/posts/new.png", 900, 300)
    path = site_folder.post(
        "2026-11-20-pictures.md", "title: Pictures\ndate: 2026-11-20", BODY + "\n![New](new.png)\n"
    )
    site.rebuild([path])  # what watch mode does on a save
    new = Pictures(page_of(site_folder)).images[-1]
    for url, width in re.findall(r"(\S+) (\d+)w", new["srcset"] or ""):
        with Image.open(site_folder.output / url.lstrip("/")) as copy:
            assert copy.width == int(width)


def test_the_cover_is_on_its_post_unless_the_text_shows_it_and_small_in_lists(site_folder):
    make_picture(site_folder.root / "content/images/cover.jpg", 1600, 900)
    cover = "image: /images/cover.jpg\nimage_alt: The team around a table"
    site_folder.post("2026-11-01-covered.md", f"title: Covered\ndate: 2026-11-01\n{cover}", "Words only.\n")
    site_folder.post(
        "2026-11-02-shown.md", f"title: Shown\ndate: 2026-11-02\n{cover}", "![Team](/images/cover.jpg)\n"
    )
    site_folder.build()
    (shown,) = Pictures((site_folder.output / "posts/covered/index.html").read_text()).images
    assert (shown["class"], shown["alt"], shown["width"], shown.get("loading")) == (
        "u-photo entry-cover", "The team around a table", "1600", None,
    )  # fmt: skip
    assert "/images/cover-800w.jpg 800w" in (shown["srcset"] or "")
    shown_page = Pictures((site_folder.output / "posts/shown/index.html").read_text())
    assert [i.get("class") for i in shown_page.images] == [None]  # the text's picture only, not twice
    thumbs = [i for i in Pictures((site_folder.output / "index.html").read_text()).images if i.get("class")]
    assert {(t["sizes"], t["loading"], t["height"]) for t in thumbs} == {("11rem", "lazy", "900")}


def test_the_menu_leads_to_the_tags_only_when_there_are_some(site_folder):
    site_folder.post("2026-11-01-plain.md", "title: Plain\ndate: 2026-11-01")
    site_folder.build()
    page = (site_folder.output / "index.html").read_text()
    assert 'class="nav-archives" href="/archives/"' in page and "nav-tags" not in page
    site_folder.post("2026-11-01-plain.md", "title: Plain\ndate: 2026-11-01\ntags: [notes]")
    site_folder.build()
    assert 'class="nav-tags" href="/tags/"' in (site_folder.output / "index.html").read_text()
