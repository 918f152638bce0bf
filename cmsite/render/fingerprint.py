"""Template digests: each template together with every template it extends, includes or
imports, so that editing a base template re-renders the pages of every template built on it.
"""

from __future__ import annotations

import jinja2
from jinja2 import meta

from cmsite.digests import digest


def template_digests(env: jinja2.Environment) -> dict[str, str]:
    """Digest of each template together with every template it extends, includes or imports."""
    loader = env.loader
    assert loader is not None
    sources: dict[str, str] = {}
    references: dict[str, set[str]] = {}
    for name in loader.list_templates():
        source, _, _ = loader.get_source(env, name)
        sources[name] = source
        try:
            found = set(meta.find_referenced_templates(env.parse(source)))
            # A template chosen at run time could be any of them.
            references[name] = set(loader.list_templates()) if None in found else found
        except jinja2.TemplateSyntaxError:
            references[name] = set()  # the render will report it with its line
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
