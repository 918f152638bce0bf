"""`[metrics] days` (how long published posts are counted) and `[report] output` (where
`cmsite report` writes a month's report), declared like any plugin's settings."""

from __future__ import annotations

from cmsite.config import SettingsSection
from cmsite.hookspecs import hookimpl
from cmsite.queue.metrics import DEFAULT_DAYS
from cmsite.queue.metrics import SECTION as METRICS


def _days(values: dict) -> list[tuple[str, str]]:
    return (
        []
        if values["days"] >= 0
        else [("days", "days cannot be negative; 30 counts the posts of the last month")]
    )


@hookimpl(trylast=True)
def cmsite_settings() -> list[SettingsSection]:
    return [
        SettingsSection(METRICS, {"days": (int, DEFAULT_DAYS)}, check=_days),
        SettingsSection("report", {"output": (str, "reports")}),
    ]
