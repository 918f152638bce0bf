"""Any input is safe: generated hostile sites never crash the build, leak or lose output.

Hypothesis writes a post, a static file, or settings that a writer could type, paste or
misname — control characters, recursive YAML, impossible dates, huge slugs, deep lists,
odd file names, links out of the site — into a copy of a small site that built once, then
runs `cmsite build` on it. Whatever the input, the build either succeeds or fails with
`path[:line]: message` lines and exit 1; no traceback, nothing read from outside the site
into the output, the last good output intact when it fails, no temporary file left.

CMSITE_FUZZ_EXAMPLES sets how many sites are tried (150 by default); a failure prints
the `@reproduce_failure` line that replays it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import traceback
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cmsite.cli import main
from cmsite.testing import SITE_CONFIG, TOY_NETWORKS, staged_files

SECRET = "cmsite-fuzz-secret-5d1e"
EXAMPLES = int(os.environ.get("CMSITE_FUZZ_EXAMPLES", "150"))
# An error starts with a file of the site (whose name may hold a colon), then `: ` or `:LINE: `.
ERROR_LINE = re.compile(r"^(content|cmsite\.toml|output|\.cmsite|themes|templates|plugins)\b.*?(?::\d+)?: \S")


# Text a writer might type or paste, and the values that broke cmsite before.
NASTY = [
    "0001-01-01",
    "9999-12-31 23:59",
    "2026-02-30",
    "2026-11-20 18:30 +14:00",
    "zz-ZZ",
    "javascript:alert(1)",
    "jAvA\tScRiPt:alert(1)",
    "../../outside.txt",
    "/" + "a/" * 3000,
    "a" * 300,
    "x" * 5000,
    "\x0b pasted \x08 text \x1f",
    "<script>alert(1)</script>",
    "{title",
    "+2h",
    "+1d 09:00",
    "toot",
    "a\\b",
    "\u202eevil\u202c",
    "\ud7ff\ufeff\u200d",
]
text = st.one_of(st.text(max_size=40), st.sampled_from(NASTY))
scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), text)
value = st.recursive(
    scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3), max_leaves=8
)
plan = st.fixed_dictionaries(
    {"network": st.sampled_from(["toot", "tot", "x"])},
    optional={key: value for key in ("at", "text", "append", "media", "alt", "thread", "status", "account")},
)
KEYS = ["title", "date", "updated", "slug", "tags", "category", "authors", "author", "summary",
        "draft", "lang", "image", "image_alt", "url", "social", "other"]  # fmt: skip
front_data = st.dictionaries(st.sampled_from(KEYS), value, max_size=8).flatmap(
    lambda data: st.just(data) | st.lists(plan, max_size=3).map(lambda plans: {**data, "social": plans})
)
HOSTILE_FRONT = [
    "---\ntitle: &a [*a]\n---\n",
    "---\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ntitle: x\n---\n",
    '---\ntitle: ok\ndate: 2026-01-01\nsummary: a\nx: "\x0b"\n---\n',
    "---\ntitle: ok\ndate: 2026-01-01\nsummary: a\x0bb\n---\n",
    '---\ntitle: "never closed\n---\n',
    "---\n\ttitle: tab\n---\n",
    "---\n!!python/object/apply:os.system [echo hi]\n---\n",
    "---\ntitle: a\ntitle: b\n---\n",
    '+++\ntitle = "t"\ndate = 1979-05-27T07:32:00+14:00\n+++\n',
    '+++\ntitle = "t"\ndate = 0001-01-01T00:00:00Z\n+++\n',
    '+++\ntitle = "a\x0bb"\n+++\n',
    "---\ntitle: t\n",
]
front = st.one_of(
    front_data.map(lambda data: "---\n" + yaml.safe_dump(data, allow_unicode=True) + "---\n"),
    st.sampled_from(HOSTILE_FRONT),
)
SNIPPETS = [
    "[x](javascript:alert(1))",
    "<div onclick='x()'>raw</div>",
    "<!--more-->",
    "```python\nnever closed",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "[^1]\n\n[^1]: a note",
    "![](../../outside.txt)",
    "# Heading \u00e9\u0301\n",
    "\x0b\x08\x1f\x00",
    "y" * 20_000,
]
nested = st.integers(1, 400).map(lambda depth: "".join("  " * n + "- item\n" for n in range(depth)))
quoted = st.integers(1, 400).map(lambda depth: ">" * depth + " deep\n")
body = st.lists(st.one_of(st.text(max_size=80), st.sampled_from(SNIPPETS), nested, quoted), max_size=5).map(
    "\n\n".join
)
name_text = st.text(
    st.characters(blacklist_characters="/\x00", blacklist_categories=["Cs"]), min_size=1, max_size=40
)
file_name = st.one_of(
    name_text.map(lambda name: name.encode()),
    st.sampled_from([b"a\\b", b"caf\xe9", b"\xff\xfe", b"a" * 300, b"2026-01-01-" + b"s" * 250, b"-", b" "]),
)
post = st.tuples(st.just("post"), file_name, front, body)
static = st.tuples(
    st.just("static"), file_name, st.sampled_from(["file", "outside", "loop", "dangling", "proc"])
)
setting = st.tuples(
    st.just("setting"),
    st.sampled_from(["title", "url", "description", "lang", "timezone", "author", "posts_per_page"]),
    st.one_of(text, st.integers(-5, 10**20), st.booleans()),
)
HOSTILE_SETTINGS = [
    'title = "a\x0bb"\n',
    "title = 'never closed\n",
    '[[social.defaults]]\nnetwork = "toot"\nat = "+2x"\n',
    '[[social.defaults]]\nnetwork = "toot"\ntext = "{titel}"\n',
    "[site.extra]\nwhen = 2026-11-20T18:30:00+14:00\n",
]
raw_setting = st.tuples(st.just("raw-setting"), st.sampled_from(HOSTILE_SETTINGS))
changes = st.lists(st.one_of(post, post, static, setting, raw_setting), min_size=1, max_size=3)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small site with a post of each kind and a social plan, built once."""
    base = tmp_path_factory.mktemp("fuzz") / "base"
    root = base / "site"
    files = {
        "cmsite.toml": SITE_CONFIG.format(lang="en", per_page=2),
        "plugins/networks.py": TOY_NETWORKS,
        "content/posts/2026-01-01-first.md": "---\ntitle: First\nsocial: [toot]\n---\nHello *there*.\n",
        "content/posts/2026-01-02-second.md": "---\ntitle: Second\ntags: [a, b]\n---\nMore.\n\n- a\n- b\n",
        "content/pages/about.md": "---\ntitle: About\n---\nAbout us.\n",
        "content/images/dot.png": "not really a picture",
    }
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content, encoding="utf-8")
    (base / "outside.txt").write_text(SECRET)
    result = CliRunner().invoke(main, ["--site", str(root), "build"])
    assert result.exit_code == 0, result.output
    return base


def apply(root: Path, change: tuple) -> None:
    """Write one generated change into the site, with byte file names (not all are UTF-8).

    A name the file system itself refuses (too long, or a link loop already there) is left out:
    no writer can save such a file either."""
    try:
        _write(root, change)
    except (FileExistsError, OSError) as exc:
        if exc.errno not in (errno.EEXIST, errno.ENAMETOOLONG, errno.ELOOP):
            raise


def _write(root: Path, change: tuple) -> None:
    kind = change[0]
    if kind == "post":
        _, name, front_text, body_text = change
        folder = os.fsencode(root / "content/posts")
        path = os.path.join(folder, name + b".md")
        with open(path, "wb") as handle:
            handle.write((front_text + body_text).encode("utf-8", "surrogatepass"))
    elif kind == "static":
        _, name, what = change
        path = os.path.join(os.fsencode(root / "content/images"), name + b".png")
        target = {
            "outside": root.parent / "outside.txt",
            "loop": Path(os.fsdecode(path)),
            "dangling": root / "nowhere.png",
            "proc": Path("/proc/self/environ"),
        }.get(what)
        if target is None:
            with open(path, "xb") as handle:  # never through a link written before
                handle.write(b"\x89PNG not really")
        else:
            os.symlink(os.fsencode(target), path)
    elif kind == "setting":
        _, key, setting_value = change
        config = root / "cmsite.toml"
        written = (
            json.dumps(setting_value) if not isinstance(setting_value, bool) else str(setting_value).lower()
        )
        lines = [
            f"{key} = {written}" if line.startswith(f"{key} =") else line
            for line in config.read_text(encoding="utf-8").splitlines()
        ]
        if not any(line.startswith(f"{key} =") for line in lines):
            lines.insert(lines.index("[build]"), f"{key} = {written}")
        config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        with open(root / "cmsite.toml", "a", encoding="utf-8") as handle:
            handle.write("\n" + change[1])


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        os.fsdecode(path.relative_to(folder)): path.read_bytes()
        for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(changes=changes)
def test_any_input_builds_or_fails_with_paths_and_leaves_the_output_whole(built, tmp_path_factory, changes):
    base = tmp_path_factory.mktemp("case")
    shutil.rmtree(base)
    shutil.copytree(built, base, symlinks=True)
    root, output = base / "site", base / "site/output"
    before = snapshot(output)
    outside = sorted(os.listdir(base))
    for change in changes:
        apply(root, change)

    result = CliRunner().invoke(main, ["--site", str(root), "build"])

    assert result.exception is None or isinstance(result.exception, SystemExit), "".join(
        traceback.format_exception(*result.exc_info)
    )
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1), result.output
    event(f"exit {result.exit_code}")  # --hypothesis-show-statistics: how many built, how many failed
    assert sorted(os.listdir(base)) == outside  # nothing written beside the site
    after = snapshot(output)
    assert staged_files(root) == []
    assert all(SECRET.encode() not in data for data in after.values())
    assert b"CMSITE_DISABLE_PLUGINS" not in b"".join(after.values())  # no environment copied in
    if result.exit_code == 1:
        assert after == before, "a failed build changed the output"
        errors = result.stderr.splitlines()
        assert errors and re.match(r"^\d+ errors?; ", errors[-1]), result.stderr
        unplaced = [line for line in errors[:-1] if not ERROR_LINE.match(line)]
        assert not unplaced, f"errors without a path: {unplaced}"
