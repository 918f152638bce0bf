"""No function of cmsite or of its plugins graded D or worse by radon's cyclomatic complexity:
past 20 paths through one function, a reader cannot hold them all, nor a test cover them."""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit, sorted_results

ROOT = Path(__file__).resolve().parent.parent
TOO_COMPLEX = frozenset("DEF")  # radon's grades: A (1-5 paths) … C (11-20), D (21-30) … F (41 and more)


def sources() -> list[Path]:
    """The engine and the code of every plugin in the repository; not the tests."""
    return sorted([*ROOT.glob("cmsite/**/*.py"), *ROOT.glob("plugins/*/cmsite_*/**/*.py")])


def too_complex(path: Path) -> list[str]:
    """`file:line name grade (complexity)` of each function, method or class graded D or worse."""
    shown = path.relative_to(ROOT).as_posix()
    blocks = sorted_results(cc_visit(path.read_text(encoding="utf-8")))
    return [
        f"{shown}:{block.lineno} {block.fullname} {cc_rank(block.complexity)} ({block.complexity})"
        for block in blocks
        if cc_rank(block.complexity) in TOO_COMPLEX
    ]


def test_the_sources_are_found():
    found = {path.relative_to(ROOT).as_posix() for path in sources()}
    assert {
        "cmsite/cli.py",
        "cmsite/queue/sync.py",
        "plugins/cmsite-mastodon/cmsite_mastodon/__init__.py",
    } <= found


def test_no_function_is_graded_d_or_worse():
    found = [line for path in sources() for line in too_complex(path)]
    assert not found, "split these into smaller functions (radon cc -s -n D):\n" + "\n".join(found)
