"""Yearly and monthly archive pages, and the archive index."""

from __future__ import annotations

from typing import Any

from babel.dates import format_date

from cmsite.content.grouping import by_period
from cmsite.hookspecs import hookimpl
from cmsite.render.i18n import locale_for
from cmsite.render.outputs import Page, paginate
from cmsite.urls import ARCHIVES_URL


@hookimpl(trylast=True)
def cmsite_pages(site: Any) -> list[Page]:
    tz = site.config.tz
    pages: list[Page] = []
    years = []
    months = by_period(site.posts, tz, month=True)
    for year, posts in by_period(site.posts, tz, month=False).items():
        year_url = site.urls.make("year", year=year.year, month=1, slug="")
        pages += _listing(site, "year", year, posts, year_url)
        year_months = []
        for month, month_posts in months.items():
            if month.year == year.year:
                month_url = site.urls.make("month", year=month.year, month=month.month, slug="")
                pages += _listing(site, "month", month, month_posts, month_url)
                year_months.append({"date": month, "url": month_url, "count": len(month_posts)})
        years.append({"year": year.year, "url": year_url, "count": len(posts), "months": year_months})
    if years:
        index = Page(url=site.urls.url(ARCHIVES_URL), template="archives.html", kind="archives")
        index.context["years"] = years
        pages.append(index)
    return pages


def _listing(site: Any, kind: str, period: Any, posts: list[Any], first_url: str) -> list[Page]:
    lastmod = max(p.last_modified for p in posts)  # of the whole period, on each of its pages
    return [
        Page(
            url=url,
            template="list.html",
            kind=kind,
            title=format_date(
                period, "y" if kind == "year" else "LLLL y", locale=locale_for(site.config.lang)
            ),
            context={"items": items, "paginator": paginator, "period": period},
            sources=tuple(p.shown for p in items),
            lastmod=lastmod,
            sitemap=False,
        )
        for url, items, paginator in paginate(
            posts, site.config.posts_per_page, first_url, site.urls.paginated
        )
    ]
