"""A caption as Instagram counts it: its length, its hashtags and its @ tags.

The caption parameter of `POST /{ig-user-id}/media` takes "Maximum 2200 characters, 30 hashtags,
and 20 @ tags" (Instagram Graph API reference, IG User Media,
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media/).
Meta does not say what a character is. cmsite counts UTF-16 code units, the largest of the usual
counts for the same text (an emoji is 2, é written as e + accent is 2), so that a caption cmsite
passes is never one Instagram finds too long, whichever of them it uses.

A hashtag is `#` followed by letters, digits or underscores, not right after a letter or digit
(`a#b` links nothing); a tag is `@` followed by a username (letters, digits, `.` and `_`, at most 30),
not right after a letter, digit or dot (an e-mail address tags no one). Every occurrence counts,
repeated or not, since Meta does not say that repeats are free.
"""

from __future__ import annotations

import re

MAX_LENGTH = 2200
MAX_HASHTAGS = 30
MAX_TAGS = 20
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_TAG = re.compile(r"(?<![\w.@])@([A-Za-z0-9._]{1,30})(?![\w])")


def hashtags(text: str) -> list[str]:
    """Each hashtag of the text, as written, in order (repeats included)."""
    return [match.group(0) for match in _HASHTAG.finditer(text) if not match.group(1).isdigit()]


def tags(text: str) -> list[str]:
    """Each @ tag (mention) of the text, in order (repeats included)."""
    return [match.group(0) for match in _TAG.finditer(text)]


def problems(text: str) -> list[str]:
    """What Instagram refuses in a caption beyond its length, in words a writer can act on."""
    found = []
    if (count := len(hashtags(text))) > MAX_HASHTAGS:
        found.append(
            f"the caption has {count} hashtags and Instagram takes at most {MAX_HASHTAGS}; remove "
            f"{count - MAX_HASHTAGS} (fewer tags on the post, or `append: false` and your own text)"
        )
    if (count := len(tags(text))) > MAX_TAGS:
        found.append(
            f"the caption tags {count} accounts (@name) and Instagram takes at most {MAX_TAGS}; "
            f"remove {count - MAX_TAGS}"
        )
    return found
