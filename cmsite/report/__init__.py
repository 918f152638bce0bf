"""The monthly report a client reads: what was published, where, how it did, how the audience
grew, each figure beside the previous month's (`cmsite report MONTH`).

`data.py` gathers the month's data once (and writes it beside the report); `figures.py`
computes every figure from that data alone; `html.py` and `charts.py` show them as a page
(and PDF), `output.py` as CSV and JSON. Made again `--from` its data file, a report comes out
byte for byte the same, so it can be committed and rebuilt later.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cmsite.calendar.model import Month
from cmsite.report.data import DataError, ReportData, gather, read
from cmsite.report.figures import Report, make_report

if TYPE_CHECKING:
    from cmsite.site import Site


def month_data(site: Site, month: Month | None = None, data_file: Path | None = None) -> ReportData:
    """The month's data: read from `data_file` (DataError when it is not one, or of another
    month than `month`), else gathered from the site, its queue and its snapshots now (the
    previous month when `month` is None). The queue is read, never written."""
    if data_file is not None:
        data = read(data_file)
        if month is not None and data.month != month:
            raise DataError(f"it holds {data.month}, not {month}; leave MONTH out or give {data.month}")
        return data
    from cmsite.queue.location import open_store

    site.load()
    store = open_store(site, copy=True)
    try:
        wanted = month or Month.of(site.now, site.config.tz).previous()
        return gather(site, store, wanted, site.now)
    finally:
        store.close()


def month_report(site: Site, month: Month | None = None, data_file: Path | None = None) -> Report:
    return make_report(month_data(site, month, data_file))


__all__ = ["DataError", "Report", "ReportData", "month_data", "month_report"]
