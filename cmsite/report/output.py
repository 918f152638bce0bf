"""What `cmsite report` writes and prints: the month's files for a client — the HTML page, its
PDF, every figure as CSV and JSON — and the data file they were made from, which makes them
again (`--from`); a short summary for the terminal.

Every file is made in memory first and then written under a temporary name and renamed, so
a report that cannot be made (a template error, PDF unavailable) leaves no file half-written
and the previous report as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.report.figures import Report, Trouble

if TYPE_CHECKING:
    from cmsite.site import Site

FORMATS = ("html", "pdf", "csv", "json")
DEFAULT_FORMATS = ("html", "csv", "json")
CSV_COLUMNS = ("section", "network", "account", "subject", "day", "metric", "value", "previous", "change")


def file_name(month: str, kind: str) -> str:
    """`report-2026-11.html`, `report-2026-11.data.json`…"""
    return f"report-{month}.{kind}"


def report_csv(report: Report) -> str:
    """Every figure, one row each; an unknown value is an empty cell."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report.figures():
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return buffer.getvalue()


def report_json(report: Report) -> dict[str, Any]:
    """Every figure, and the posts the rankings and the troubles name, with their texts and links."""
    data = report.data
    return {
        "month": str(data.month),
        "made": data.made.isoformat(),
        "site": {"title": data.title, "url": data.site_url, "lang": data.lang, "timezone": data.timezone},
        "figures": report.figures(),
        "top_blog_posts": [vars(ranked) for ranked in report.top_blog_posts],
        "best_posts": [vars(ranked) for ranked in report.best_posts],
        "troubles": [_trouble(t) for t in report.troubles],
    }


def _trouble(trouble: Trouble) -> dict[str, Any]:
    post = trouble.post
    return {
        "outcome": trouble.outcome, "network": post.network, "account": post.account, "text": post.text,
        "at": post.at, "attempts": post.attempts, "error": post.error, "url": post.url,
    }  # fmt: skip


def report_files(site: Site, report: Report, formats: tuple[str, ...], folder: Path) -> dict[str, bytes]:
    """Each file of the report by name, made in memory: the data file, then each format asked for.
    PdfUnavailable when PDF is asked for and cannot be made."""
    from cmsite.report.html import pdf_bytes, render_report

    month = str(report.data.month)
    files = {file_name(month, "data.json"): _json_bytes(report.data.as_dict())}
    html = render_report(site, report) if {"html", "pdf"} & set(formats) else ""
    made = {
        "html": lambda: html.encode("utf-8"),
        "pdf": lambda: pdf_bytes(html, folder),
        "csv": lambda: report_csv(report).encode("utf-8"),
        "json": lambda: _json_bytes(report_json(report)),
    }
    for kind in formats:
        files[file_name(month, kind)] = made[kind]()
    return files


def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Each file written whole (a temporary file renamed), in `folder`, made if needed."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, folder / name)
        written.append(folder / name)
    return written


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def summary_lines(report: Report) -> list[str]:
    """What the command prints: the month's main figures, each with its change."""
    lines = [f"{report.data.title} — {report.data.month}"]
    blog = report.blog
    lines.append(f"  blog: {_with_change(blog['posts'])} posts, {_with_change(blog['words'])} words")
    for activity in report.activity:
        sent, failed = activity.figures["sent"], activity.figures["failed"]
        lines.append(
            f"  {activity.label} ({activity.account}): {_with_change(sent)} sent, {_with_change(failed)} failed"
        )
    for engagement in report.engagement:
        lines.append(f"  {engagement.label}: engagement {_with_change(engagement.figures['engagement'])}")
    for audience in report.audience:
        lines.append(
            f"  {audience.label} ({audience.account}): {audience.metric} {_value(audience.end.value)}"
            f" ({_signed(audience.growth.value)} this month)"
        )
    return lines


def _with_change(figure: Any) -> str:
    change = figure.change
    return _value(figure.value) + ("" if change is None else f" ({_signed(change)})")


def _value(value: Any) -> str:
    return "—" if value is None else f"{value:g}"


def _signed(value: Any) -> str:
    return "—" if value is None else f"{value:+g}"
