"""Template digests: each template together with every template it extends, includes or
imports, so that editing a base template re-renders the pages of every template built on it.
"""

from __future__ import annotations

from collections.abc import Iterable

import jinja2
from jinja2 import meta

from cmsite.digests import digest


def template_digests(env: jinja2.Environment, names: Iterable[str]) -> dict[str, str]:
    """Digest of each template of `names` (those the pages use) together with every template it
    extends, includes or imports; one entry for each template reached from them. Only those are
    read: a theme's templates for other commands (the calendar's, the report's) are not."""
    loader = env.loader
    assert loader is not None
    sources: dict[str, str] = {}
    references: dict[str, set[str]] = {}
    stack = list(names)
    while stack:
        name = stack.pop()
        if name in sources:
            continue
        try:
            sources[name], _, _ = loader.get_source(env, name)
        except jinja2.TemplateNotFound:
            continue  # the page using it reports it
        try:
            found = set(meta.find_referenced_templates(env.parse(sources[name])))
            # A template chosen at run time could be any of them.
            references[name] = set(loader.list_templates()) if None in found else found
        except jinja2.TemplateSyntaxError:
            references[name] = set()  # the render will report it with its line
        stack.extend(references[name])
    result = {}
    for name in sources:
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen or current not in sources:
                continue
            seen.add(current)
            stack.extend(references[current])
        result[name] = digest(*[(n, sources[n]) for n in sorted(seen)])
    return result
