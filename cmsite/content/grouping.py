"""Group published posts by tag, category, year and month (newest posts first in each group)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from cmsite.content.item import Item, Term


def by_term(posts: list[Item], kind: str) -> dict[Term, list[Item]]:
    """Posts per tag (`kind="tags"`) or per category (`kind="category"`), terms sorted by name."""
    groups: dict[Term, list[Item]] = defaultdict(list)
    for post in posts:
        terms = post.tags if kind == "tags" else [post.category] if post.category else []
        for term in dict.fromkeys(terms):
            groups[term].append(post)
    return dict(sorted(groups.items(), key=lambda pair: pair[0].name.casefold()))


def by_period(posts: list[Item], tz: object, month: bool) -> dict[datetime, list[Item]]:
    """Posts per year (or per month), keyed by the period's first day in the site's zone."""
    groups: dict[datetime, list[Item]] = defaultdict(list)
    for post in posts:
        if post.date is None:
            continue
        local = post.date.astimezone(tz)  # type: ignore[arg-type]
        start = local.replace(
            month=local.month if month else 1, day=1, hour=0, minute=0, second=0, microsecond=0
        )
        groups[start].append(post)
    return dict(sorted(groups.items(), reverse=True))
