"""The month's report as one self-contained web page, and as PDF from the same page.

The page is the theme's `report/month.html` (a site overrides it in its own `templates/`, like
the calendar's), in the report's language: labels from the theme's catalogue, numbers and
dates from Babel. Its style sheet and its charts are inside it, and it needs no JavaScript, so
a client can keep the one file. Everything it shows comes from the `Report` (itself made from
the data file alone), so the same data makes the same bytes.

PDF comes from WeasyPrint, an optional extra (`pip install 'cmsite[pdf]'`) since it needs
Pango from the system; without it, `--format pdf` says how to get it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from babel import Locale, dates, numbers

from cmsite.calendar.html import POST_COLOUR, network_colour
from cmsite.errors import ContentError, ContentErrors
from cmsite.render.i18n import DateFormatter, locale_for
from cmsite.render.outputs import Page
from cmsite.render.templates import render_page, standalone_environment
from cmsite.report.charts import chart_svg, data_address
from cmsite.report.figures import Chart, Report

if TYPE_CHECKING:
    from cmsite.site import Site

TEMPLATE = "report/month.html"
PDF_MISSING = (
    "PDF needs WeasyPrint: pip install 'cmsite[pdf]' in cmsite's environment; it uses Pango from "
    "the system (Debian and Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0)"
)


class PdfUnavailable(Exception):
    """WeasyPrint, or a library it needs, is missing: what to install."""


@dataclass(frozen=True)
class Numbers:
    """Numbers, changes and days written the way the report's language writes them."""

    locale: Locale

    def number(self, value: float | None) -> str:
        return "—" if value is None else numbers.format_decimal(value, format="#,##0.##", locale=self.locale)

    def percent(self, value: float | None) -> str:
        """`6.54%`, `6,54 %`: the language's own percent pattern, with two decimals."""
        if value is None:
            return "—"
        pattern = self.locale.percent_formats[None].pattern.split(";")[0]
        at = pattern.rfind("0") + 1
        return numbers.format_percent(
            value / 100, format=f"{pattern[:at]}.00{pattern[at:]}", locale=self.locale
        )

    def change(self, value: float | None) -> str:
        if value is None:
            return ""
        return numbers.format_decimal(value, format="+#,##0.##;-#,##0.##", locale=self.locale)

    def day(self, value: date) -> str:
        return dates.format_skeleton("MMMd", value, locale=self.locale)

    def axis_day(self, value: date) -> str:
        return str(value.day)


@dataclass(frozen=True)
class ShownChart:
    """A chart as the page shows it: its picture, and its numbers as a table (the template titles it)."""

    chart: Chart
    image: str  # a data: address
    svg: str


def render_report(site: Site, report: Report) -> str:
    """The report's page. ContentErrors (`template:line: what`) for a template that does not render."""
    data = report.data
    env = standalone_environment(site, data.lang)
    page = Page(url="/_cmsite/report/", template=TEMPLATE, kind="report", sitemap=False)
    made = render_page(env, page, report_context(site, report), site.root)
    if isinstance(made, ContentError):
        raise ContentErrors([made])
    return made.decode("utf-8")


def report_context(site: Site, report: Report) -> dict[str, Any]:
    """What `report/month.html` is given."""
    data = report.data
    locale = locale_for(data.lang)
    shown = Numbers(locale)
    charts = []
    for chart in report.charts:
        svg = chart_svg(chart, shown.axis_day)
        charts.append(ShownChart(chart, data_address(svg), svg))
    return {
        "lang": data.lang,
        "site_title": data.title,
        "site_url": data.site_url,
        "zone": data.timezone,
        "month": str(data.month),
        "month_name": month_name(data.month.first, locale),
        "previous_name": month_name(data.month.previous().first, locale),
        "made": DateFormatter(data.lang, data.tz).datetime(data.made),
        "over": data.made >= data.bounds(data.month)[1],
        "report": report,
        "charts": charts,
        "n": shown,
        "colour": lambda network: network_colour(network) if network else POST_COLOUR,
        "local": lambda text: _local_time(text, data.tz, locale),
    }


def month_name(first: date, locale: Locale) -> str:
    return dates.format_skeleton("yMMMM", first, locale=locale)


def _local_time(text: str | None, tz: Any, locale: Locale) -> str:
    if not text:
        return ""
    return dates.format_datetime(datetime.fromisoformat(text), format="medium", tzinfo=tz, locale=locale)


def pdf_bytes(html: str, base: Path) -> bytes:
    """The page printed as PDF by WeasyPrint; PdfUnavailable saying what to install without it."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint is there but Pango is not
        raise PdfUnavailable(f"{PDF_MISSING} ({type(exc).__name__}: {exc})") from None
    return bytes(HTML(string=html, base_url=str(base)).write_pdf())
