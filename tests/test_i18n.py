"""Interface strings and dates follow the site's language (Babel), in French and English."""

from __future__ import annotations

from babel.messages.pofile import read_po
from conftest import REPO, SiteFolder


def build(tmp_path, lang):
    site = SiteFolder(tmp_path / lang, lang=lang)
    site.post("2026-11-22-note.md", "title: Note\ntags: [planning]", "Word " * 500)
    site.build()
    return site


def test_french_site(tmp_path):
    site = build(tmp_path, "fr")
    post = site.read("posts/note/index.html")
    assert '<html lang="fr">' in post
    assert "22 novembre 2026" in post
    assert "3 minutes de lecture" in post
    assert "Accueil" in post
    assert "novembre 2026" in site.read("2026/11/index.html")
    assert 'property="og:locale" content="fr"' in post


def test_english_site(tmp_path):
    site = build(tmp_path, "en")
    post = site.read("posts/note/index.html")
    assert '<html lang="en">' in post
    assert "November 22, 2026" in post
    assert "3 minutes read" in post
    assert ">Home<" in post


def test_a_french_post_on_an_english_site_is_marked(tmp_path):
    site = SiteFolder(tmp_path / "mixed", lang="en")
    site.post("2026-11-22-billet.md", "title: Billet\nlang: fr")
    site.build()
    post = site.read("posts/billet/index.html")
    assert '<html lang="fr">' in post or 'lang="fr"' in post


def test_the_french_catalog_translates_every_string():
    theme = REPO / "themes/default/locale"
    template = read_po((theme / "messages.pot").open("rb"))
    french = read_po((theme / "fr/LC_MESSAGES/messages.po").open("rb"), locale="fr")
    missing = [m.id for m in template if m.id and not (french.get(m.id) and all(_strings(french.get(m.id))))]
    assert missing == []


def _strings(message):
    return message.string if isinstance(message.string, tuple) else (message.string,)
