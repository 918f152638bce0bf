"""The words of cmsite's messages that change with a number or with the site's language.

Messages are English, and a count agrees with its number by gettext's plural rule
(`1 post`, `2 posts`). The examples a message gives are what the user copies into their
own files, so they come in the site's language: from cmsite's Babel catalogues
(`cmsite/locale/LANG/LC_MESSAGES/messages.po`), English where a language has none.
"""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

_ENGLISH = gettext.NullTranslations()  # the messages' own language: no catalogue, gettext's English rule


def count(number: int, one: str, other: str) -> str:
    """`1 post`, `0 posts`, `3 posts`: a number and its noun, singular or plural as it needs."""
    return f"{number} {agree(number, one, other)}"


def agree(number: int, one: str, other: str) -> str:
    """The word that agrees with a number said before it: `1 needs`, `2 need`."""
    return _ENGLISH.ngettext(one, other, number)


@functools.cache
def examples(lang: str) -> gettext.NullTranslations:
    """cmsite's own catalogue of examples for a language, compiled once."""
    return load_translations(Path(__file__).parent, lang)


def load_translations(folder: Path, lang: str) -> gettext.NullTranslations:
    """Compile `folder/locale/<lang>/LC_MESSAGES/messages.po` in memory (no .mo to ship), `fr_CA`
    falling back to `fr`: a theme's interface strings, or cmsite's examples. Babel is imported
    here, when a catalogue is read, not by every command that may print a message."""
    from babel import Locale
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    from babel.support import Translations

    locale = Locale.parse(lang.replace("-", "_"))
    for name in (str(locale), locale.language):
        po_path = folder / "locale" / name / "LC_MESSAGES" / "messages.po"
        if po_path.is_file():
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale)
            buffer = io.BytesIO()
            write_mo(buffer, catalog)
            buffer.seek(0)
            return Translations(buffer)
    return gettext.NullTranslations()
