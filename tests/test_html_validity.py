"""Every generated page passes the Nu HTML checker, in English and in French, drafts and all."""

from __future__ import annotations

import shutil

from conftest import REPO, SiteFolder, nu_problems

from cmsite.site import Site

FEATURES = """\
A paragraph with **bold**, *emphasis*, `code`, a [link](https://example.org) and a note[^n].

## Tables and code

| Network | Limit |
|:--------|------:|
| Mastodon | 500 |

```python
def hello() -> str:
    return "hi"
```

### Lists

1. one
2. two

- a
- b

> A quote.

Term
:   Its definition.

![A chart of the month](/images/chart.png)

[^n]: The note.
"""


def build_sites(root):
    """The sample site with drafts and future posts, and a French site using every Markdown feature,
    with each engine."""
    Site(REPO, drafts=True, future=True).build(root / "sample")
    french = SiteFolder(root / "fr-site", lang="fr", per_page=1)
    for day in (1, 2, 3):
        french.post(
            f"2026-0{day}-0{day}-billet-{day}.md",
            f"title: Billet {day}\ntags: [modération, planning]\ncategory: Équipe\nimage: /images/chart.png\n"
            "image_alt: Un graphique",
            FEATURES,
        )
    french.write("content/pages/a-propos.md", "---\ntitle: À propos\n---\nQui écrit ici.\n")
    french.write("content/images/chart.png", "not really a png")
    french.site().build(root / "fr")
    config = french.root / "cmsite.toml"  # the same posts with the CommonMark engine, and GFM's extensions
    config.write_text(config.read_text() + 'markdown = "commonmark"\n')
    french.post("2026-04-04-gfm.md", "title: GFM", "- [x] fait\n- [ ] à faire\n\n~~barré~~ www.example.org\n")
    french.site().build(root / "fr-commonmark")


def test_every_page_passes_the_nu_html_checker(tmp_path, vnu_command):
    build_sites(tmp_path)
    shutil.rmtree(tmp_path / "fr-site")
    pages = sorted(tmp_path.rglob("*.html"))
    assert len(pages) > 40
    assert nu_problems(vnu_command, tmp_path) == []
