"""Collections: `[collections.NAME]` content folders beside posts and pages, with their own
pages, list, template and sort; bad settings are `cmsite.toml:line` errors."""

from __future__ import annotations

import pytest
from test_incremental import assert_same_as_clean_build, edited

from cmsite.errors import ContentErrors

TALKS = """
[collections.talks]
template = "talk.html"
list_url = "/talks/"
"""


def with_settings(site_folder, text: str) -> None:
    site_folder.write("cmsite.toml", (site_folder.root / "cmsite.toml").read_text() + text)


def talk(site_folder, name: str, front: str, body: str = "Slides and notes.\n") -> None:
    site_folder.write(f"content/talks/{name}", f"---\n{front}\n---\n{body}")


def write_talks(site_folder, count: int = 7) -> None:
    with_settings(site_folder, TALKS)
    site_folder.write(
        "templates/talk.html",
        """{% extends "base.html" %}{% block content %}<h1>{{ item.title }}</h1>
        <p class="kind">{{ item.kind }}</p>{{ item.content }}{% endblock %}""",
    )
    for n in range(1, count + 1):
        talk(site_folder, f"talk-{n}.md", f"title: Talk {n}\ndate: 2026-03-{10 + n}", f"Notes of talk {n}.\n")
    site_folder.post("2026-01-05-hello.md", "title: Hello")


def test_a_collection_has_its_pages_its_list_and_its_place_in_the_sitemap(site_folder):
    write_talks(site_folder, count=8)
    talk(site_folder, "secret.md", "title: Secret\ndraft: true")
    talk(site_folder, "undated.md", "title: Undated")
    site_folder.build()

    page = site_folder.read("talks/talk-3/index.html")
    assert "<h1>Talk 3</h1>" in page and '<p class="kind">talks</p>' in page
    assert "Notes of talk 3." in page
    first, second = site_folder.read("talks/index.html"), site_folder.read("talks/page/2/index.html")
    assert first.index("Talk 8") < first.index("Talk 4")  # newest first, five a page, undated last
    assert "Talk 3" not in first and second.index("Talk 3") < second.index("Talk 1") < second.index("Undated")
    assert 'datetime=""' not in second  # the list shows no date for an item without one
    assert "<title>Talks – Test site</title>" in first
    sitemap = site_folder.read("sitemap.xml")
    assert "https://blog.cmsite.info/talks/talk-1/" in sitemap
    assert "https://blog.cmsite.info/talks/</loc>" in sitemap
    assert "talks/page/2/" not in sitemap
    assert "Secret" not in site_folder.all_output_text()  # drafts stay out, as posts' do
    assert "Talk 1" not in site_folder.read("index.html")  # the home page lists posts only
    assert "Talk 1" not in site_folder.read("feeds/atom.xml")


def test_templates_see_each_collection_in_its_order(site_folder):
    with_settings(site_folder, '[collections.projects]\nfolder = "work/projects"\nsort = "title"\n')
    for name, title in (("zeta.md", "Zeta"), ("alpha.md", "alpha"), ("mid.md", "Mid")):
        site_folder.write(f"content/work/projects/{name}", f"---\ntitle: {title}\n---\nText.\n")
    site_folder.write(
        "templates/page.html",
        """{% extends "base.html" %}{% block content %}<ol>
        {%- for p in site.collections.projects %}<li><a href="{{ p.url }}">{{ p.title }}</a></li>{% endfor -%}
        </ol>{% endblock %}""",
    )
    site_folder.write("content/pages/work.md", "---\ntitle: Work\n---\nOur work.\n")
    site_folder.build()
    assert (
        '<ol><li><a href="/projects/alpha/">alpha</a></li><li><a href="/projects/mid/">Mid</a></li>'
        '<li><a href="/projects/zeta/">Zeta</a></li></ol>'
    ) in site_folder.read("work/index.html")
    assert "Text." in site_folder.read("projects/zeta/index.html")  # page.html by default: no list page
    assert not (site_folder.output / "projects/index.html").exists()


def test_url_patterns_take_the_fields_of_post_urls(site_folder):
    with_settings(site_folder, '[collections.talks]\nurl = "/speaking/{year}/{slug}.html"\n')
    talk(site_folder, "intro.md", "title: Intro\ndate: 2026-05-02")
    site_folder.build()
    assert "Intro" in site_folder.read("speaking/2026/intro.html")


def test_collection_items_are_checked_like_pages(site_folder):
    with_settings(site_folder, TALKS)
    talk(site_folder, "broken.md", "title: Broken\ndate: someday\nsocial:\n  - network: mastodon")
    with pytest.raises(ContentErrors) as caught:
        site_folder.build()
    date, social = (str(error) for error in caught.value.errors)
    assert date.startswith("content/talks/broken.md:3: date: cannot read 'someday' as a date")
    assert social == (
        "content/talks/broken.md:4: social plans are for posts and pages, not for items of the collection "
        "talks; plan a standalone social post in content/social/ that links to this page"
    )


BAD_SETTINGS = """
[collections.posts]
folder = "news"

[collections.talks]
folder = "../elsewhere"
colour = "red"
url = "/talks/{title}/"

[collections.slides]
folder = "talks"
url = "/slides/"
sort = "size"

[collections.Notes]
"""


def test_bad_collection_settings_are_errors_at_their_line(site_folder):
    with_settings(site_folder, BAD_SETTINGS)
    with pytest.raises(ContentErrors) as caught:
        site_folder.site()
    lines = (site_folder.root / "cmsite.toml").read_text().splitlines()
    first = lines.index("[collections.posts]") + 1
    assert [str(error) for error in caught.value.errors] == [
        f"cmsite.toml:{first}: [collections.posts] the name 'posts' is one cmsite uses itself (posts, pages, "
        "tags, archives…); give the collection another name, like [collections.talks]",
        f'cmsite.toml:{first + 4}: [collections.talks] folder must be a folder under content/, like "talks", '
        "not '../elsewhere'",
        f"cmsite.toml:{first + 5}: [collections.talks] unknown setting 'colour'; known settings: folder, url, "
        "template, sort, title, list_url, list_template",
        f"cmsite.toml:{first + 6}: [collections.talks] url must contain {{slug}}, so that each item has a page "
        'of its own, like "/talks/{slug}/"',
        f"cmsite.toml:{first + 10}: [collections.slides] url must contain {{slug}}, so that each item has a "
        'page of its own, like "/talks/{slug}/"',
        f'cmsite.toml:{first + 11}: [collections.slides] sort must be "date" or "title", not \'size\'',
        f"cmsite.toml:{first + 13}: [collections.Notes] a collection's name is its items' kind and "
        "`site.collections.NAME` in templates: use lowercase letters, digits and _, starting with a letter",
    ]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            '[collections.news]\nfolder = "posts/news"\n',
            "cmsite.toml:{line}: [collections.news] folder 'posts/news' overlaps content/posts/; give each "
            "collection a folder of its own under content/",
        ),
        (
            '[collections.talks]\n[collections.slides]\nfolder = "talks/slides"\n',
            "cmsite.toml:{line}: [collections.slides] folder 'talks/slides' overlaps the folder of "
            "[collections.talks]; give each collection a folder of its own under content/",
        ),
        (
            '[collections.talks]\nurl = "/talks/{slug}/{when}/"\n',
            "cmsite.toml:{line}: [collections.talks] url '/talks/{{slug}}/{{when}}/' can only use the fields "
            "{{slug}}, {{year}}, {{month}}, {{day}}, {{lang}}",
        ),
        (
            '[collections.talks]\nlist_url = "/../talks/"\n',
            "cmsite.toml:{line}: [collections.talks] list_url '/../talks/' would write outside the output folder",
        ),
        (
            "[collections.talks]\ntemplate = 3\n",
            "cmsite.toml:{line}: [collections.talks] template must be a string, not int",
        ),
        (
            "[collections]\ntalks = 3\n",
            "cmsite.toml:{line}: [collections.talks] must be a table of settings: write [collections.talks] "
            "then key = value lines",
        ),
        (
            "collections = 3\n",
            "cmsite.toml:{line}: [collections] must be a table of settings: write [collections] then key = value lines",
        ),
    ],
)
def test_collection_settings_that_cannot_work(site_folder, settings, message):
    config = site_folder.root / "cmsite.toml"
    config.write_text(settings + config.read_text())  # at the top: `collections = 3` is no key of [build]
    with pytest.raises(ContentErrors) as caught:
        site_folder.site()
    line = len(settings.splitlines())  # each problem is on the last line written
    assert [str(error) for error in caught.value.errors] == [message.format(line=line)]


COLLECTION_EDITS = [
    ("edit a talk's body", lambda s: talk(s, "talk-2.md", "title: Talk 2\ndate: 2026-03-12", "New notes.\n")),
    ("retitle a talk", lambda s: talk(s, "talk-3.md", "title: Keynote\ndate: 2026-03-13", "Notes.\n")),
    ("move a talk's date", lambda s: talk(s, "talk-4.md", "title: Talk 4\ndate: 2025-01-01", "Notes.\n")),
    ("add a talk", lambda s: talk(s, "added.md", "title: Added\ndate: 2026-04-01", "Fresh.\n")),
    ("make a talk a draft", lambda s: talk(s, "talk-5.md", "title: Talk 5\ndraft: true", "Notes.\n")),
    ("delete a talk", lambda s: (s.root / "content/talks/talk-6.md").unlink()),
    ("edit the talk template", lambda s: s.write("templates/talk.html", "<p>{{ item.title }}</p>\n")),
]


def test_builds_after_editing_a_collection_match_a_clean_build(site_folder, tmp_path):
    write_talks(site_folder)
    site_folder.build()
    assert "Notes of talk 2." in site_folder.read("talks/talk-2/index.html")
    for name, edit in COLLECTION_EDITS:
        edit(site_folder)
        site_folder.build()  # a new Site each time, like a command run
        assert_same_as_clean_build(site_folder, tmp_path, site_folder.output, name)


def test_watch_rebuilds_after_editing_a_collection_match_a_clean_build(site_folder, tmp_path):
    write_talks(site_folder)
    site = site_folder.site()
    site.build()
    assert "Notes of talk 2." in site_folder.read("talks/talk-2/index.html")
    for name, edit in COLLECTION_EDITS:
        site.rebuild(edited(site_folder, edit))
        assert_same_as_clean_build(site_folder, tmp_path, site_folder.output, name)
