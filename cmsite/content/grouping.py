"""Group published posts by tag, category, year and month (newest posts first in each group)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from cmsite.content.item import Item, Term


def by_term(posts: list[Item], kind: str) -> dict[Term, list[Item]]:
    """Posts per tag (`kind="tags"`) or per category (`kind="category"`), terms sorted by name.

    Terms are the same when their slugs are: "modération" and "Moderation" share one page,
    named as most posts write it.
    """
    groups: dict[str, list[Item]] = defaultdict(list)
    spellings: dict[str, Counter[Term]] = defaultdict(Counter)
    for post in posts:
        terms = post.tags if kind == "tags" else [post.category] if post.category else []
        for term in terms:
            spellings[term.slug][term] += 1
        for slug in dict.fromkeys(term.slug for term in terms):
            groups[slug].append(post)
    named = {_most_common(spellings[slug]): items for slug, items in groups.items()}
    return dict(sorted(named.items(), key=lambda pair: pair[0].name.casefold()))


def _most_common(counter: Counter[Term]) -> Term:
    return min(counter, key=lambda term: (-counter[term], term.name))


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
