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


def test_remembered_translations_answer_as_jinja_does(site_folder):
    """Labels without variables are translated once per build; the answers must not change."""
    import jinja2

    from cmsite.render.templates import make_environment

    site = site_folder.site()
    env = make_environment(site, site.theme_dir)
    plain = jinja2.Environment(autoescape=True, extensions=["jinja2.ext.i18n"])
    plain.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    source = (
        "{{ _('a < b') }}|{{ _('100%% sure') }}|{{ _('Hi %(name)s', name='<b>') }}|"
        "{{ ngettext('%(num)d minute', '%(num)d minutes', 1) }}|{{ ngettext('%(num)d minute', '%(num)d minutes', 3) }}|"
        "{% autoescape false %}{{ _('a < b') }}|{{ _('Hi %(name)s', name='<b>') }}{% endautoescape %}"
    )
    expected = plain.from_string(source).render()
    assert expected == "a < b|100% sure|Hi &lt;b&gt;|1 minute|3 minutes|a < b|Hi <b>"
    for _ in range(2):  # the second time, from what was remembered
        assert env.from_string(source).render() == expected
