"""Generate the same blog for cmsite, Pelican and Hugo: N posts, fixed seed.

Each post has realistic front matter (title, date with time and zone, 3 tags out of 60,
a category out of 8, authors, an image, a summary on one post in three, social plans),
and a body of about 500 words: headings, paragraphs with links to other posts and to the
web, a list, a Python code block and a picture.

    python3 bench/corpus.py 1000 /tmp/corpus   # writes /tmp/corpus/{cmsite,pelican,hugo}/
    python3 bench/corpus.py 10000 /tmp/corpus --future 500   # the last 500 posts dated to come

With `--future N`, the last N posts are dated one a day from tomorrow, as a blog with a
publishing schedule has them: a build leaves them out until their day comes.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORDS = [
    "community",
    "plan",
    "post",
    "network",
    "schedule",
    "audience",
    "reply",
    "thread",
    "moderation",
    "report",
    "monthly",
    "calendar",
    "draft",
    "publish",
    "review",
    "editor",
    "markdown",
    "feed",
    "summary",
    "excerpt",
    "link",
    "image",
    "member",
    "event",
    "launch",
    "question",
    "answer",
    "guideline",
    "team",
    "weekly",
    "trend",
    "metric",
    "growth",
    "engagement",
    "newsletter",
    "mention",
    "hashtag",
    "timeline",
    "channel",
    "archive",
    "template",
    "theme",
    "release",
    "update",
]
TAGS = [f"{a}-{b}" for a in ("plan", "write", "grow", "care", "measure", "share") for b in WORDS[:10]]
CATEGORIES = ["Planning", "Publishing", "Community", "Reporting", "Events", "Guides", "News", "Notes"]
AUTHORS = ["Camille Martin", "Sam Okafor", "Lea Dubois", "Noor Haddad"]
PARIS = timezone(timedelta(hours=1))
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = rng.choices(WORDS, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def body(rng: random.Random, n: int, total: int) -> str:
    other = rng.randrange(total)
    parts = []
    for section in range(3):
        parts.append(f"## {sentence(rng, 2, 5)[:-1]}\n")
        for _ in range(2):
            text = " ".join(sentence(rng) for _ in range(4))
            parts.append(
                f"{text} See [an earlier note](/posts/post-{other}/) and [the guide](https://example.org/guide/{n}).\n"
            )
        if section == 1:
            parts.append("\n".join(f"- {sentence(rng, 3, 7)}" for _ in range(4)) + "\n")
            parts.append(
                f"```python\ndef count_{n}(posts):\n    return sum(1 for p in posts if p.tags)\n```\n"
            )
    parts.append("![A chart of replies per week](/images/chart.png)\n")
    return "\n".join(parts)


def posts(count: int, seed: int = 2026, future: int = 0) -> list[dict]:
    """`count` posts; the last `future` of them dated one a day from tomorrow (the same time of day)."""
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, 9, 0, tzinfo=PARIS)
    tomorrow = datetime.now(PARIS).replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    result = []
    for n in range(count):
        date = start + timedelta(hours=n * 37 % (24 * 365 * 6), minutes=rng.randrange(60))
        if n >= count - future:
            date = tomorrow + timedelta(days=n - (count - future), minutes=date.minute)
        result.append(
            {
                "n": n,
                "title": f"{sentence(rng, 3, 7)[:-1]} ({n})",
                "date": date.isoformat(timespec="seconds"),
                "tags": rng.sample(TAGS, 3),
                "category": rng.choice(CATEGORIES),
                "author": rng.choice(AUTHORS),
                "summary": sentence(rng) if n % 3 == 0 else None,
                "body": body(rng, n, count),
            }
        )
    return result


def front_matter(post: dict, social: bool) -> str:
    lines = [
        "---",
        f"title: {json.dumps(post['title'], ensure_ascii=False)}",  # quoted and escaped: any title
        f"date: {post['date']}",
        f"slug: post-{post['n']}",
        f"tags: [{', '.join(post['tags'])}]",
        f"category: {post['category']}",
        f"authors: [{post['author']}]",
        "image: /images/chart.png",
    ]
    if post["summary"]:
        lines.append(f"summary: {json.dumps(post['summary'], ensure_ascii=False)}")
    if social:
        lines += [
            "social:",
            "  - network: mastodon",
            "    at: +2h",
            "  - network: bluesky",
            "    at: +1d 09:00",
        ]
    lines.append("---")
    return "\n".join(lines) + "\n\n"


def write_cmsite(root: Path, all_posts: list[dict]) -> None:
    (root / "cmsite.toml").write_text(
        '[site]\ntitle = "Bench"\nurl = "https://bench.example.org"\nlang = "en"\ntimezone = "Europe/Paris"\n'
        'author = "Bench"\n\n[build]\nposts_per_page = 10\n'
    )
    posts_dir = root / "content/posts"
    posts_dir.mkdir(parents=True)
    for post in all_posts:
        (posts_dir / f"post-{post['n']}.md").write_text(front_matter(post, True) + post["body"])
    (root / "content/images").mkdir()
    (root / "content/images/chart.png").write_bytes(PNG)
    theme = Path(__file__).resolve().parents[1] / "themes/default/templates/post.html"
    (root / "templates").mkdir()
    shutil.copy(theme, root / "templates/post.html")  # the template the "template edited" run changes


def write_pelican(root: Path, all_posts: list[dict]) -> None:
    import pelican

    content = root / "content"
    content.mkdir(parents=True)
    for post in all_posts:
        text = front_matter(post, True).replace("authors: [", "author: ").replace("]\nimage", "\nimage")
        (content / f"post-{post['n']}.md").write_text(text + post["body"])
    (content / "images").mkdir()
    (content / "images/chart.png").write_bytes(PNG)
    shutil.copytree(Path(pelican.__file__).parent / "themes/notmyidea", root / "theme")
    (root / "pelicanconf.py").write_text(
        'AUTHOR = "Bench"\nSITENAME = "Bench"\nSITEURL = "https://bench.example.org"\nTIMEZONE = "Europe/Paris"\n'
        'DEFAULT_LANG = "en"\nTHEME = "theme"\nPATH = "content"\nSTATIC_PATHS = ["images"]\n'
        "DEFAULT_PAGINATION = 10\nARTICLE_URL = 'posts/{slug}/'\nARTICLE_SAVE_AS = 'posts/{slug}/index.html'\n"
        "FEED_ALL_ATOM = 'feeds/all.atom.xml'\nFEED_ALL_RSS = 'feeds/all.rss.xml'\n"
        "CATEGORY_FEED_ATOM = 'feeds/{slug}.atom.xml'\nTAG_FEED_ATOM = 'feeds/tag-{slug}.atom.xml'\n"
        "YEAR_ARCHIVE_SAVE_AS = '{date:%Y}/index.html'\nMONTH_ARCHIVE_SAVE_AS = '{date:%Y}/{date:%m}/index.html'\n"
        "CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\nDELETE_OUTPUT_DIRECTORY = False\n"
        'MARKDOWN = {"extension_configs": {"markdown.extensions.codehilite": {"css_class": "highlight"},'
        ' "markdown.extensions.extra": {}, "markdown.extensions.toc": {"permalink": True}}, "output_format": "html5"}\n'
    )


HUGO_LAYOUTS = {
    "baseof.html": '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} – {{ site.Title }}</title>'
    '<link rel="canonical" href="{{ .Permalink }}">{{ with .OutputFormats.Get "rss" }}<link rel="alternate" type="application/rss+xml" href="{{ .Permalink }}">{{ end }}'
    '</head><body><header><a href="/">{{ site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>',
    "single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">'
    '{{ .Date.Format "January 2, 2006" }}</time>{{ .TableOfContents }}{{ .Content }}'
    '<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>'
    '{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
    '{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}</article>{{ end }}',
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">'
    '{{ .Title }}</a></h2>{{ .Summary }}</article>{{ end }}{{ template "_internal/pagination.html" . }}{{ end }}',
}


def write_hugo(root: Path, all_posts: list[dict]) -> None:
    posts_dir = root / "content/posts"
    posts_dir.mkdir(parents=True)
    for post in all_posts:
        (posts_dir / f"post-{post['n']}.md").write_text(
            front_matter(post, True).replace("category:", "categories:") + post["body"]
        )
    (root / "static/images").mkdir(parents=True)
    (root / "static/images/chart.png").write_bytes(PNG)
    layouts = root / "layouts/_default"
    layouts.mkdir(parents=True)
    for name, text in HUGO_LAYOUTS.items():
        (layouts / name).write_text(text)
    (root / "hugo.toml").write_text(
        'baseURL = "https://bench.example.org/"\ntitle = "Bench"\nlanguageCode = "en"\ntimeZone = "Europe/Paris"\n'
        "[pagination]\npagerSize = 10\n[taxonomies]\ntag = 'tags'\ncategory = 'categories'\n"
        "[permalinks]\nposts = '/posts/:slug/'\n[markup.tableOfContents]\nstartLevel = 2\n"
    )


def generate(count: int, target: Path, future: int = 0) -> dict[str, Path]:
    """Write the corpus for every tool under `target`; returns tool → site folder."""
    return write(posts(count, future=future), target)


def write(all_posts: list[dict], target: Path) -> dict[str, Path]:
    """Write `all_posts` (generated, or a folder's: bench/folder.py) for every tool under `target`."""
    sites = {}
    for tool, writer in (("cmsite", write_cmsite), ("pelican", write_pelican), ("hugo", write_hugo)):
        root = target / tool
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        writer(root, all_posts)
        sites[tool] = root
    return sites


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("count", type=int)
    parser.add_argument("target", type=Path)
    parser.add_argument("--future", type=int, default=0, help="how many of the last posts are dated to come")
    args = parser.parse_args()
    generate(args.count, args.target, args.future)
