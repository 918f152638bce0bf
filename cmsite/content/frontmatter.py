"""Split a file into front matter and body, and parse YAML (---) or TOML (+++) with line numbers.

Dates are kept as text by the YAML parser (no implicit timestamps), so that every date
format goes through one parser, `cmsite.content.dates`, whatever the quoting. Control
characters and oversized values are dealt with here, where the text is read
(`cmsite.inputs`), so every caller gets clean values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from cmsite import inputs
from cmsite.config import TomlLines, parse_toml
from cmsite.errors import ContentError, ContentErrors
from cmsite.messages import examples

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _TextDatesLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A safe YAML loader that leaves `2026-11-22` as a string instead of a date."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}

_FENCES = {"---": "yaml", "+++": "toml"}


@dataclass
class FrontMatter:
    """Parsed metadata, the Markdown body, and where each key and the body start."""

    data: dict[str, Any]
    body: str
    body_line: int
    lines: dict[str, int] = field(default_factory=dict)
    fence_line: int = 1
    warnings: list[ContentError] = field(default_factory=list)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.fence_line)

    def line_at(self, path: inputs.KeyPath) -> int:
        """The line of the most precise name `lines` has for a value: `social[0].text`, `social[0]`, `social`."""
        names = [""]
        for part in path:
            names.append(
                f"{names[-1]}[{part}]" if isinstance(part, int) else f"{names[-1]}.{part}".lstrip(".")
            )
        return next((self.lines[name] for name in reversed(names) if name in self.lines), self.fence_line)


class FrontMatterError(Exception):
    def __init__(self, error: ContentError):
        self.error = error
        super().__init__(str(error))


def parse(text: str, shown: str, lang: str = "en") -> FrontMatter:
    """Parse a whole file's text; raise FrontMatterError with path:line on bad syntax, its
    examples in the site's language `lang`.

    Control characters are removed, from the text and from the values its escapes make,
    with a warning in `warnings`.
    """
    text, removed = inputs.strip_text(text.removeprefix("\ufeff").replace("\r\n", "\n"))
    front = _split(text, shown, lang)
    try:
        front.data, more = inputs.clean_values(front.data, front.line_at)
    except inputs.TooLarge as exc:
        raise FrontMatterError(
            ContentError(shown, front.line_at(exc.path), f"invalid front matter: {exc}")
        ) from None
    if warning := inputs.control_warning(shown, removed + more):
        front.warnings.append(warning)
    return front


def _split(text: str, shown: str, lang: str) -> FrontMatter:
    lines = text.split("\n")
    fence = lines[0].rstrip()
    kind = _FENCES.get(fence)
    if kind is None:
        return FrontMatter({}, text, 1)
    closers = {fence, "..."} if kind == "yaml" else {fence}
    end = next((n for n, line in enumerate(lines[1:], 1) if line.rstrip() in closers), None)
    if end is None:
        raise FrontMatterError(
            ContentError(
                shown,
                1,
                f"front matter opened with {fence} is never closed; add a line {fence} after it",
            )
        )
    source = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    if kind == "yaml":
        data, key_lines = _parse_yaml(source, shown, lang)
    else:
        data, key_lines = _parse_toml(source, shown)
    return FrontMatter(data, body, end + 2, key_lines)


def _parse_yaml(source: str, shown: str, lang: str) -> tuple[dict[str, Any], dict[str, int]]:
    loader = _TextDatesLoader(source)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        problem = exc.problem or exc.context or "syntax error"
        lines = source.split("\n")
        hint = _yaml_hint(problem, lines[mark.line] if mark and mark.line < len(lines) else "", lang)
        raise FrontMatterError(
            ContentError(shown, line, f"invalid YAML front matter: {problem}; {hint}")
        ) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(ContentError(shown, 1, f"invalid YAML front matter: {exc}")) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FrontMatterError(
            ContentError(shown, 2, "front matter must be `key: value` lines, not a single value or a list")
        )
    key_lines = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_lines[str(key_node.value)] = key_node.start_mark.line + 2
            if isinstance(value_node, yaml.SequenceNode):  # `social:` entries get a line each
                for index, child in enumerate(value_node.value):
                    key_lines[f"{key_node.value}[{index}]"] = child.start_mark.line + 2
                    if isinstance(child, yaml.MappingNode):  # and so do their keys: `social[0].text`
                        for child_key, _ in child.value:
                            name = f"{key_node.value}[{index}].{child_key.value}"
                            key_lines[name] = child_key.start_mark.line + 2
    return {str(k): v for k, v in data.items()}, key_lines


def _yaml_hint(problem: str, line: str, lang: str) -> str:
    """What to do, from YAML's complaint and the line it is about: a tab there is named, as
    PyYAML's own words for one ("found character that cannot start any token") never do."""
    indent = line[: len(line) - len(line.lstrip(" \t-"))]
    if "\t" in indent or "tab" in problem:
        return "a tab indents this line; YAML needs spaces"
    if "mapping values are not allowed" in problem:
        example = examples(lang).gettext('title: "Moderation: a guide"')
        return f'put quotes around a value that contains ": ", like {example}'
    if "could not find expected ':'" in problem:
        return "each line needs `key: value`; check for a missing colon or an unclosed quote"
    if "\t" in line:
        return "this line holds a tab, and YAML needs spaces to indent and separate; check its quotes and colons too"
    return "check the quotes, colons and indentation on that line"


def _parse_toml(source: str, shown: str) -> tuple[dict[str, Any], dict[str, int]]:
    try:
        data = parse_toml(source, shown, 1)
    except ContentErrors as exc:
        raise FrontMatterError(exc.errors[0]) from None
    # Named as for YAML: `social`, `social[0]` (a [[social]] table), `social[0].text`.
    key_lines = {
        "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path).lstrip("."): line + 1
        for path, line in TomlLines(source).lines.items()
    }
    return data, key_lines
