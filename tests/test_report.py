"""The monthly report (cmsite/report/): every figure from the month's data, the same numbers in
the page's tables, its charts, the CSV and the JSON; made again byte for byte `--from` its data
file; valid HTML; a PDF that is not blank; French and English; plugins' sections."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from conftest import SiteFolder, nu_problems

from cmsite.calendar.model import Month
from cmsite.cli import main
from cmsite.queue.location import open_store
from cmsite.queue.store import CancelledBy, Entry, Snapshot, Status
from cmsite.report import month_report
from cmsite.report.output import report_csv
from cmsite.testing import TOY_NETWORKS

MONTH = "2026-10"  # over for good: the report's figures no longer change with the clock


def cli(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def reported_site(folder: SiteFolder) -> SiteFolder:
    """October 2026 (and September, to compare): three blog posts, two networks' posts — sent,
    sent after three tries, failed, cancelled — and the counts the networks gave over time."""
    folder.write("plugins/networks.py", TOY_NETWORKS)
    folder.post(
        "2026-09-20-september.md", "title: September notes\ndate: 2026-09-20 10:00", "one two three\n"
    )
    folder.post(
        "2026-10-05-autumn.md", "title: Autumn plans\ndate: 2026-10-05 09:00", "a b c d e f g h i j k l\n"
    )
    folder.post("2026-10-20-winter.md", "title: Winter ideas\ndate: 2026-10-20 09:00", "a b c d e f g h\n")
    folder.post("2026-10-10-draft.md", "title: Not yet\ndate: 2026-10-10 09:00\ndraft: true", "x y\n")
    folder.post("2026-11-02-later.md", "title: November\ndate: 2026-11-02 09:00", "x y\n")
    autumn, winter = "https://blog.cmsite.info/posts/autumn/", "https://blog.cmsite.info/posts/winter/"
    store = open_store(folder.site())
    sent = [  # id, network, published, attempts, link, text
        ("t0", "toot", "2026-09-21 10:00", 1, None, "September, on Toot"),
        ("t1", "toot", "2026-10-05 10:00", 1, autumn, "Autumn plans, on Toot"),
        ("t2", "toot", "2026-10-20 10:00", 1, winter, "Winter ideas, on Toot"),
        ("c1", "chirp", "2026-10-06 08:00", 3, autumn, "Autumn plans, on Chirp"),
    ]
    with store.transaction() as db:
        for entry_id, network, when, attempts, link, text in sent:
            store.insert(db, Entry(entry_id, "content/posts/x.md", network, "default", at(when), [text], link=link,
                                   status=Status.PUBLISHED))  # fmt: skip
            store.update(db, entry_id, expect=Status.PUBLISHED, published_at=at(when), attempts=attempts,
                         remote_id=f"r-{entry_id}", remote_url=f"https://{network}.example/{entry_id}")  # fmt: skip
        store.insert(db, Entry("c2", "content/social/a.md", "chirp", "default", at("2026-10-21 08:00"),
                               ["Too long for Chirp"], status=Status.FAILED, error="Chirp refused the post: too long"))  # fmt: skip
        store.update(db, "c2", expect=Status.FAILED, attempts=1)
        store.insert(db, Entry("c3", "content/social/b.md", "chirp", "default", at("2026-10-25 08:00"),
                               ["Dropped"], status=Status.CANCELLED))  # fmt: skip
        store.update(db, "c3", expect=Status.CANCELLED, cancelled_by=CancelledBy.PLAN)
        counts = [  # taken, network, entry (None: the account), metric, value
            ("2026-09-22 10:00", "toot", "t0", "likes", 6),
            ("2026-10-02 10:00", "toot", "t0", "likes", 8),
            ("2026-10-06 10:00", "toot", "t1", "likes", 3),
            ("2026-10-15 06:00", "toot", "t1", "likes", 9),  # the same day, earlier: not in the data file
            ("2026-10-15 10:00", "toot", "t1", "likes", 10),
            ("2026-10-15 10:00", "toot", "t1", "replies", 2),
            ("2026-10-21 10:00", "toot", "t2", "likes", 4),
            ("2026-10-21 10:00", "toot", "t2", "reposts", 1),
            ("2026-11-02 10:00", "toot", "t2", "likes", 50),  # after the month: not October's
            ("2026-10-07 10:00", "chirp", "c1", "likes", 5),
            ("2026-10-07 10:00", "chirp", "c1", "reposts", 2),
            ("2026-10-07 10:00", "chirp", "c1", "views", 100),
            ("2026-09-25 10:00", "toot", None, "followers", 100),
            ("2026-10-01 07:00", "toot", None, "followers", 110),
            ("2026-10-31 12:00", "toot", None, "followers", 130),
            ("2026-11-01 12:00", "toot", None, "followers", 999),
            ("2026-10-10 10:00", "chirp", None, "followers", 50),
            ("2026-10-29 10:00", "chirp", None, "followers", 55),
        ]
        store.add_snapshots(db, [Snapshot(at(t), n, "default", e, m, v) for t, n, e, m, v in counts])
    store.close()
    return folder


@pytest.fixture
def reported(site_folder: SiteFolder) -> SiteFolder:
    return reported_site(site_folder)


def test_the_month_s_figures_come_from_the_counts_taken_before_it_ended(reported):
    report = month_report(reported.site(), Month.parse(MONTH))
    assert {k: (c.value, c.previous) for k, c in report.blog.items()} == {"posts": (2, 1), "words": (20, 3)}
    assert [(r.title, r.engagement) for r in report.top_blog_posts] == [
        ("Autumn plans", 19),
        ("Winter ideas", 5),
    ]
    toot, chirp = report.engagement[1], report.engagement[0]
    assert (toot.label, chirp.label) == ("Toot", "Chirp")
    assert {k: (c.value, c.previous) for k, c in toot.figures.items() if c.value is not None or c.previous} == {
        "posts": (2, 1), "likes": (14, 6), "reposts": (1, None), "replies": (2, None),
        "engagement": (17, 6), "engagement_rate": (round(100 * 17 / 2 / 130, 4), 6.0),
    }  # fmt: skip
    assert (chirp.figures["views"].value, chirp.figures["engagement"].value) == (100, 7)
    assert chirp.figures["engagement"].previous is None  # no post in September: not a zero
    assert chirp.figures["clicks"].value is None  # Chirp gave no clicks
    assert [(r.title, r.engagement) for r in report.best_posts] == [
        ("Autumn plans, on Toot", 12), ("Autumn plans, on Chirp", 7), ("Winter ideas, on Toot", 5),
    ]  # fmt: skip
    activity = {a.label: {k: c.value for k, c in a.figures.items() if c.value} for a in report.activity}
    assert activity == {
        "Chirp": {"sent": 1, "sent_after_retry": 1, "failed": 1, "cancelled": 1},
        "Toot": {"sent": 2},
    }
    assert [(t.post.id, t.outcome) for t in report.troubles] == [("c1", "sent_after_retry"), ("c2", "failed")]
    audience = {
        a.label: (a.start.value, a.end.value, a.growth.value, a.growth.previous) for a in report.audience
    }
    # Toot: 100 on 1 October at midnight in Paris (the 07:00 UTC count is later that day); Chirp: first counted on the 10th
    assert audience == {"Toot": (100, 130, 30, 0), "Chirp": (50, 55, 5, None)}  # Toot: 100 all September


def test_the_charts_show_the_numbers_of_their_tables_and_of_the_csv(reported):
    result = cli("--site", reported.root, "report", MONTH, "--format", "html,csv,json")
    assert result.exit_code == 0, result.output
    folder = reported.root / "reports"
    page = Page.of(folder / f"report-{MONTH}.html")
    rows = list(csv.DictReader(io.StringIO((folder / f"report-{MONTH}.csv").read_text())))
    assert json.loads((folder / f"report-{MONTH}.json").read_text())["figures"] == json.loads(
        json.dumps([{**r} for r in _typed(rows)])
    )
    for chart in ("engagement", "followers", "posts"):
        svg = page.charts[chart]
        table = page.tables[chart]
        series = [_numbers(svg_values) for svg_values in _series_values(svg)]
        in_csv: dict[str, list[str]] = {}
        for row in rows:
            if row["section"] == f"chart_{chart}":
                in_csv.setdefault(row["subject"], []).append(row["value"])
        assert [_numbers(v for v in values if v) for values in in_csv.values()] == series, chart
        columns = list(zip(*table, strict=True))
        assert [list(column) for column in columns] == list(in_csv.values()), chart
    toot_engagement = rows_of(rows, "chart_engagement", subject="Toot")
    assert (
        toot_engagement[4:6] == ["", "3"]
    )  # published on the 5th, first counted on the 6th and toot_engagement[14] == "12" and toot_engagement[-1] == "17"
    assert len(toot_engagement) == 31


def test_the_page_s_figures_are_those_of_the_csv(reported):
    assert cli("--site", reported.root, "report", MONTH, "--format", "html,csv").exit_code == 0
    page = Page.of(reported.root / "reports" / f"report-{MONTH}.html")
    rows = list(csv.DictReader(io.StringIO((reported.root / "reports" / f"report-{MONTH}.csv").read_text())))
    shown = sorted(v for v in page.values if v)
    listed = sorted(r["value"] for r in rows if r["value"] and not r["section"].startswith("chart_"))
    in_charts = sorted(r["value"] for r in rows if r["value"] and r["section"].startswith("chart_"))
    assert shown == sorted(listed + in_charts)


def test_made_again_from_its_data_file_the_report_is_the_same_byte_for_byte(reported, tmp_path):
    assert cli("--site", reported.root, "report", MONTH, "-o", tmp_path / "first").exit_code == 0
    data_file = tmp_path / "first" / f"report-{MONTH}.data.json"
    data = json.loads(data_file.read_text())
    assert {s["entry"] for s in data["snapshots"]} == {"t0", "t1", "t2", "c1", None}
    assert max(s["taken"] for s in data["snapshots"]) < "2026-11-01"  # nothing taken after the month
    assert [s["value"] for s in data["snapshots"] if (s["entry"], s["metric"]) == ("t1", "likes")] == [3, 10]
    store = open_store(reported.site())  # the queue changes afterwards: the data file does not
    with store.transaction() as db:
        store.add_snapshots(db, [Snapshot(at("2026-10-30 10:00"), "toot", "default", "t1", "likes", 500)])
    store.close()
    again = cli("--site", reported.root, "report", "--from", data_file, "-o", tmp_path / "again")
    assert again.exit_code == 0, again.output
    for kind in ("html", "csv", "json", "data.json"):
        name = f"report-{MONTH}.{kind}"
        assert (tmp_path / "again" / name).read_bytes() == (tmp_path / "first" / name).read_bytes(), kind
    fresh = cli("--site", reported.root, "report", MONTH, "-o", tmp_path / "fresh")
    assert (tmp_path / "fresh" / f"report-{MONTH}.csv").read_bytes() != (
        tmp_path / "first" / f"report-{MONTH}.csv"
    ).read_bytes(), fresh.output  # made from the queue again, it sees the new count


def test_a_data_file_that_is_not_one_is_said_and_nothing_is_written(reported, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": 99}')
    result = cli("--site", reported.root, "report", "--from", broken, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "is not a report's data file: it is of format 99" in result.output
    assert not (tmp_path / "out").exists()
    other = cli("--site", reported.root, "report", "2026-09", "--from", broken)
    assert other.exit_code == 2


def test_the_report_is_valid_html_in_english_and_in_french(reported, vnu_command, tmp_path):
    assert (
        cli("--site", reported.root, "report", MONTH, "--format", "html", "-o", tmp_path / "en").exit_code
        == 0
    )
    config = reported.root / "cmsite.toml"
    config.write_text(config.read_text().replace('lang = "en"', 'lang = "fr"'))
    assert (
        cli("--site", reported.root, "report", MONTH, "--format", "html", "-o", tmp_path / "fr").exit_code
        == 0
    )
    english = (tmp_path / "en" / f"report-{MONTH}.html").read_text()
    french = (tmp_path / "fr" / f"report-{MONTH}.html").read_text()
    assert "Report: October 2026" in english and "Engagement rate" in english
    assert "Rapport : octobre 2026" in french and "Taux d’engagement" in french
    assert '<html lang="fr">' in french and "6,54\u00a0%" in french  # 17 / 2 / 130, written the French way
    assert nu_problems(vnu_command, tmp_path) == []


def test_the_pdf_s_first_page_is_not_blank(reported):
    result = cli("--site", reported.root, "report", MONTH, "--format", "pdf")
    assert result.exit_code == 0, result.output
    pdf = pdfium.PdfDocument(reported.root / "reports" / f"report-{MONTH}.pdf")
    assert len(pdf) >= 2
    picture = pdf[0].render(scale=1).to_pil().convert("L")
    dark = sum(picture.histogram()[:128])
    assert dark > 2000, dark  # text and tables, not a white page
    assert "Report: October 2026" in pdf[0].get_textpage().get_text_range()
    for number in range(len(pdf)):  # a chart whose style sheet was not read prints as a black box
        picture = pdf[number].render(scale=0.5).to_pil().convert("L")
        assert sum(picture.histogram()[:64]) < picture.width * picture.height / 10, number


def test_without_weasyprint_pdf_says_what_to_install_and_writes_nothing(reported, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed
    result = cli("--site", reported.root, "report", MONTH, "--format", "html,pdf")
    assert result.exit_code == 1
    assert "PDF needs WeasyPrint: pip install 'cmsite[pdf]'" in result.output
    assert "no report was written" in result.output
    assert not (reported.root / "reports").exists()


def test_a_plugin_adds_a_section_with_figures_a_table_and_a_chart(reported):
    reported.write(
        "plugins/analytics.py",
        """
from cmsite.hookspecs import hookimpl
from cmsite.report.data import Section


@hookimpl
def cmsite_report_sections(site, month, data):
    return [Section("visits", "Visits to the blog", "From the analytics export.",
                    figures=[{"label": "Visitors", "value": 1234, "previous": 1000}],
                    columns=["Page", "Views"], rows=[["/posts/autumn/", 321]],
                    series={"Visitors": [["2026-10-01", 40], ["2026-10-02", 44]]})]
""",
    )
    assert cli("--site", reported.root, "report", MONTH, "--format", "html,csv").exit_code == 0
    page = (reported.root / "reports" / f"report-{MONTH}.html").read_text()
    assert (
        "Visits to the blog" in page
        and '<data value="1234">1,234</data>' in page
        and "/posts/autumn/" in page
    )
    rows = (reported.root / "reports" / f"report-{MONTH}.csv").read_text()
    assert "visits,,,,,Visitors,1234,1000,234\n" in rows
    assert "chart_visits,,,Visitors,2026-10-02,visits,44,,\n" in rows


def test_the_json_of_the_command_holds_every_figure(reported):
    result = cli("--site", reported.root, "report", MONTH, "--json")
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert shown["month"] == MONTH and shown["files"]
    assert (
        report_csv(month_report(reported.site(), Month.parse(MONTH))).count("\n") == len(shown["figures"]) + 1
    )


def rows_of(rows: list[dict[str, str]], section: str, **where: str) -> list[str]:
    return [r["value"] for r in rows if r["section"] == section and all(r[k] == v for k, v in where.items())]


def _typed(rows: list[dict[str, str]]) -> list[dict[str, object]]:
    """The CSV's rows with the JSON's types: numbers as numbers, empty cells as null."""

    def value(text: str) -> object:
        if text == "":
            return None
        return float(text) if "." in text else int(text) if re.fullmatch(r"-?\d+", text) else text

    numeric = ("value", "previous", "change")
    return [{k: (value(v) if k in numeric else v) for k, v in row.items()} for row in rows]


def _numbers(values) -> list[float]:
    return [float(v) for v in values]


def _series_values(svg: str) -> list[list[str]]:
    """Each series' point values as pygal writes them (`<desc class="value">`), series by series."""
    namespace = "{http://www.w3.org/2000/svg}"
    found = []
    for group in ElementTree.fromstring(svg).iter(f"{namespace}g"):
        if re.fullmatch(r"series serie-\d+ color-\d+", group.get("class", "")):
            values = group.iter(f"{namespace}desc")
            found.append([desc.text or "" for desc in values if desc.get("class") == "value"])
    return [values for values in found if values]  # the overlays repeat each series' group, empty


class Page(HTMLParser):
    """The report page's charts (each SVG), day tables (by chart) and every <data value>."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.values: list[str] = []
        self._figure: str | None = None
        self._table: str | None = None

    @classmethod
    def of(cls, path: Path) -> Page:
        page = cls()
        page.feed(path.read_text())
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "figure" and (attributes.get("id") or "").startswith("chart-"):
            self._figure = (attributes["id"] or "").removeprefix("chart-")
        elif tag == "img" and self._figure:
            source = attributes["src"] or ""
            self.charts[self._figure] = base64.b64decode(source.split(",", 1)[1]).decode()
        elif tag == "table" and attributes.get("data-chart"):
            self._table = attributes["data-chart"]
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag == "data":
            value = attributes.get("value") or ""
            self.values.append(value)
            if self._table and self.tables[self._table]:
                self.tables[self._table][-1].append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None
        elif tag == "table":
            if self._table:
                self.tables[self._table] = [row for row in self.tables[self._table] if row]
            self._table = None


def test_the_documented_analytics_section_works_as_written(reported):
    """docs/plugins.md's example of `cmsite_report_sections`, run as it is printed there."""
    docs = (Path(__file__).parents[1] / "docs" / "plugins.md").read_text()
    hook = docs.split("### `cmsite_report_sections(site, month, data)`", 1)[1]
    reported.write("plugins/visitors.py", hook.split("```python\n", 1)[1].split("```", 1)[0])
    days = [f"2026-09-{d:02d},{10}" for d in range(1, 31)] + [f"2026-10-{d:02d},{d}" for d in range(1, 32)]
    reported.write("analytics/visitors.csv", "date,visitors\n" + "\n".join(days) + "\n")
    result = cli("--site", reported.root, "report", MONTH, "--format", "html,csv")
    assert result.exit_code == 0, result.output
    rows = (reported.root / "reports" / f"report-{MONTH}.csv").read_text()
    assert "visitors,,,,,Visitors,496,300,196\n" in rows  # 1 + 2 + … + 31 against 30 × 10
    assert "chart_visitors,,,Visitors,2026-10-31,visitors,31,,\n" in rows
    assert "Visitors to the blog" in (reported.root / "reports" / f"report-{MONTH}.html").read_text()


def test_a_folder_that_cannot_be_written_is_said_without_a_traceback(reported, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = cli("--site", reported.root, "report", MONTH, "-o", blocker / "reports")
    assert result.exit_code == 1
    assert (
        f"cannot write the report in {blocker / 'reports'}" in result.output
        and "choose another folder" in result.output
    )
    assert "Traceback" not in result.output


def test_the_site_s_own_report_template_replaces_the_theme_s(reported):
    reported.write(
        "templates/report/month.html",
        '<!DOCTYPE html><html lang="{{ lang }}"><title>Our report</title><p>{{ month_name }}: '
        "{{ report.blog['posts'].value }} posts</p></html>\n",
    )
    assert cli("--site", reported.root, "report", MONTH, "--format", "html").exit_code == 0
    page = (reported.root / "reports" / f"report-{MONTH}.html").read_text()
    assert "<title>Our report</title><p>October 2026: 2 posts</p>" in page
