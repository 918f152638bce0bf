"""The month's figures, computed from its data alone (cmsite.report.data), each beside the
previous month's.

Counts of a post are the last the network gave before the month ended (or before the report
was made, for a month not over): a post's likes grow for days, and the report made on the
first of the next month or a year later says the same. Engagement adds up what people did
with the posts (`ENGAGEMENT`: likes, reposts, replies, quotes, clicks, saves — those each
network gives); its rate is engagement per post per follower at the month's end. A figure a
network does not give is None ("not given"), never a zero.

`Report.figures` lists every number the tables and charts show, so the CSV and the JSON hold
exactly what the HTML shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from cmsite.calendar.model import Month
from cmsite.report.data import SENT, BlogPost, ReportData, Section, SocialPost, start_of
from cmsite.social.network import ENGAGEMENT

COUNTED = (*ENGAGEMENT, "views")  # the columns of the engagement table
AUDIENCE = ("followers", "fans")  # account figures drawn as audience curves
BEST = 5  # how many posts each ranking shows
Number = int | float | None


@dataclass(frozen=True)
class Compared:
    """A figure this month and the month before; None where it is not known."""

    value: Number
    previous: Number = None

    @property
    def change(self) -> Number:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 6)


@dataclass(frozen=True)
class Activity:
    """What happened to one account's social posts of the month, and the month before."""

    network: str
    label: str
    account: str
    figures: dict[str, Compared]  # sent, sent_after_retry, failed, unknown, cancelled, waiting


@dataclass(frozen=True)
class Trouble:
    """A post that did not go out at the first try, and what became of it."""

    post: SocialPost
    outcome: str  # sent_after_retry, failed, unknown, expired


@dataclass(frozen=True)
class Engagement:
    """One network's posts of the month: the counts they got, added up, and the month before."""

    network: str
    label: str
    figures: dict[str, Compared]  # posts, each of COUNTED, engagement, engagement_rate (percent)


@dataclass(frozen=True)
class Ranked:
    """A post in a ranking, with the engagement that placed it there."""

    title: str  # a blog post's title, or a social post's text
    url: str | None
    label: str  # the network's, or "" for a blog post
    engagement: int


@dataclass(frozen=True)
class Audience:
    """One figure of one account (followers…) at the start and the end of the month."""

    network: str
    label: str
    account: str
    metric: str
    start: Compared  # this month's, and the previous month's
    end: Compared
    growth: Compared


@dataclass(frozen=True)
class Series:
    name: str
    colour_key: str  # the network the line is coloured after ("" for the blog)
    points: list[Number]  # one per day of `Chart.days`


@dataclass(frozen=True)
class Chart:
    id: str  # engagement, followers, posts, or a plugin section's id
    kind: str  # line or bar
    title: str  # a key the template translates, or a plugin section's own title
    days: list[date]
    series: list[Series]


@dataclass(frozen=True)
class Report:
    data: ReportData
    blog: dict[str, Compared]  # posts, words
    top_blog_posts: list[Ranked]
    activity: list[Activity]
    troubles: list[Trouble]
    engagement: list[Engagement]
    best_posts: list[Ranked]
    audience: list[Audience]
    charts: list[Chart]
    sections: list[Section] = field(default_factory=list)

    def figures(self) -> list[dict[str, Any]]:
        """Every number of the report, one row each, as the CSV and the JSON give them."""
        rows: list[dict[str, Any]] = []

        def add(section: str, metric: str, figure: Compared | Number, **where: Any) -> None:
            compared = figure if isinstance(figure, Compared) else Compared(figure)
            rows.append(
                {"section": section, "network": where.get("network", ""), "account": where.get("account", ""),
                 "subject": where.get("subject", ""), "day": where.get("day", ""), "metric": metric,
                 "value": compared.value, "previous": compared.previous, "change": compared.change}
            )  # fmt: skip

        for metric, figure in self.blog.items():
            add("blog", metric, figure)
        for ranked in self.top_blog_posts:
            add("top_blog_posts", "engagement", ranked.engagement, subject=ranked.url or ranked.title)
        for activity in self.activity:
            for metric, figure in activity.figures.items():
                add("social", metric, figure, network=activity.network, account=activity.account)
        for engagement in self.engagement:
            for metric, figure in engagement.figures.items():
                add("engagement", metric, figure, network=engagement.network)
        for ranked in self.best_posts:
            add("best_posts", "engagement", ranked.engagement, network=ranked.label, subject=ranked.url or "")
        for audience in self.audience:
            where = {"network": audience.network, "account": audience.account}
            add("audience", f"{audience.metric}_start", audience.start, **where)
            add("audience", f"{audience.metric}_end", audience.end, **where)
            add("audience", f"{audience.metric}_growth", audience.growth, **where)
        for section in self.sections:
            for figure in section.figures:
                add(section.id, figure["label"], Compared(figure.get("value"), figure.get("previous")))
        for chart in self.charts:
            for series in chart.series:
                for day, value in zip(chart.days, series.points, strict=True):
                    add(f"chart_{chart.id}", chart.id, value, subject=series.name, day=day.isoformat())
        return rows


def make_report(data: ReportData) -> Report:
    """Every figure of the month, from its data."""
    counts = _Counts(data)
    this = [p for p in data.social if _in(data, data.month, p)]
    return Report(
        data=data,
        blog=_blog(data),
        top_blog_posts=_top_blog_posts(data, counts),
        activity=_activity(data),
        troubles=[t for p in this if (t := _trouble(p))],
        engagement=_engagement(data, counts),
        best_posts=_best_posts(data, counts, this),
        audience=_audience(data),
        charts=_charts(data, counts),
        sections=data.sections,
    )


class _Counts:
    """The last counts of each post known at a given time, from the snapshots."""

    def __init__(self, data: ReportData):
        self.end = _until(data, data.month)
        self.taken: dict[str, list[tuple[datetime, str, int]]] = defaultdict(list)
        for snapshot in data.snapshots:  # in time order
            if snapshot.entry_id is not None:
                self.taken[snapshot.entry_id].append((snapshot.taken, snapshot.metric, snapshot.value))

    def of(self, post_id: str, until: datetime | None = None) -> dict[str, int]:
        until = until or self.end
        found: dict[str, int] = {}
        for taken, metric, value in self.taken.get(post_id, ()):
            if taken <= until:
                found[metric] = value
        return found

    def engagement(self, post_id: str, until: datetime | None = None) -> int:
        counts = self.of(post_id, until)
        return sum(counts.get(metric, 0) for metric in ENGAGEMENT)


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _in(data: ReportData, month: Month, post: SocialPost | BlogPost) -> bool:
    start, end = data.bounds(month)
    return start <= post.when < end


def _blog(data: ReportData) -> dict[str, Compared]:
    def posts(month: Month) -> list[BlogPost]:
        return [p for p in data.posts if _in(data, month, p)]

    now, before = posts(data.month), posts(data.month.previous())
    return {
        "posts": Compared(len(now), len(before)),
        "words": Compared(sum(p.words for p in now), sum(p.words for p in before)),
    }


def _top_blog_posts(data: ReportData, counts: _Counts) -> list[Ranked]:
    """The month's blog posts by the engagement of the social posts that point to them."""
    ranked = []
    for post in (p for p in data.posts if _in(data, data.month, p)):
        about = [
            s for s in data.social if s.status in SENT and (s.source == post.source or s.link == post.url)
        ]
        ranked.append(Ranked(post.title, post.url, "", sum(counts.engagement(s.id) for s in about)))
    return sorted(ranked, key=lambda r: (-r.engagement, r.title))[:BEST]


def _outcome(post: SocialPost) -> str:
    if post.status in SENT:
        return "sent_after_retry" if post.attempts > 1 else "sent"
    return post.status if post.status in ("failed", "unknown", "cancelled", "expired") else "waiting"


ACTIVITY = ("sent", "sent_after_retry", "failed", "unknown", "expired", "cancelled", "waiting")


def _activity(data: ReportData) -> list[Activity]:
    tally: dict[tuple[str, str, str], dict[str, list[int]]] = {}
    for post in data.social:
        for index, month in enumerate((data.month, data.month.previous())):
            if _in(data, month, post):
                key = (post.network, post.label, post.account)
                counts = tally.setdefault(key, {name: [0, 0] for name in ACTIVITY})
                outcome = _outcome(post)
                counts[outcome][index] += 1
                if outcome == "sent_after_retry":
                    counts["sent"][index] += 1  # sent after a retry is sent too
    return [
        Activity(network, label, account, {name: Compared(*values) for name, values in counts.items()})
        for (network, label, account), counts in sorted(tally.items(), key=lambda kv: (kv[0][1], kv[0][2]))
    ]


def _trouble(post: SocialPost) -> Trouble | None:
    outcome = _outcome(post)
    return Trouble(post, outcome) if outcome in ("sent_after_retry", "failed", "unknown", "expired") else None


def _engagement(data: ReportData, counts: _Counts) -> list[Engagement]:
    followers = _followers_at_end(data)
    by_network: dict[tuple[str, str], dict[str, Compared]] = {}
    networks = sorted({(p.network, p.label) for p in data.social if p.status in SENT}, key=lambda n: n[1])
    for network, label in networks:
        months = []
        for month in (data.month, data.month.previous()):
            posts = [
                p for p in data.social if p.network == network and p.status in SENT and _in(data, month, p)
            ]
            months.append(
                _network_figures(posts, counts, _until(data, month), followers.get((network, month)))
            )
        if months[0]["posts"] or months[1]["posts"]:
            by_network[(network, label)] = {
                key: Compared(months[0][key], months[1][key]) for key in months[0]
            }
    return [Engagement(network, label, figures) for (network, label), figures in by_network.items()]


def _network_figures(
    posts: list[SocialPost], counts: _Counts, until: datetime, followers: int | None
) -> dict[str, Number]:
    given: dict[str, int] = {}
    for post in posts:
        for metric, value in counts.of(post.id, until).items():
            if metric in COUNTED:
                given[metric] = given.get(metric, 0) + value
    engagement = sum(given.get(metric, 0) for metric in ENGAGEMENT) if given else None
    rate = (
        round(100 * engagement / len(posts) / followers, 4)
        if engagement is not None and followers and posts
        else None
    )
    return {
        "posts": len(posts),
        **{metric: given.get(metric) for metric in COUNTED},
        "engagement": engagement,
        "engagement_rate": rate,
    }


def _followers_at_end(data: ReportData) -> dict[tuple[str, Month], int]:
    """Each network's followers (all its accounts) at the end of the month and the month before."""
    found: dict[tuple[str, Month], int] = {}
    for month in (data.month, data.month.previous()):
        for (network, _account, metric), value in _account_values(data, _until(data, month)).items():
            if metric == "followers":
                found[(network, month)] = found.get((network, month), 0) + value
    return found


def _account_values(data: ReportData, until: datetime) -> dict[tuple[str, str, str], int]:
    """Each account figure's last value taken at or before `until`."""
    found = {}
    for snapshot in data.snapshots:
        if snapshot.entry_id is None and snapshot.taken <= until:
            found[(snapshot.network, snapshot.account, snapshot.metric)] = snapshot.value
    return found


def _best_posts(data: ReportData, counts: _Counts, posts: Iterable[SocialPost]) -> list[Ranked]:
    ranked = [Ranked(p.text, p.url, p.label, counts.engagement(p.id)) for p in posts if p.status in SENT]
    return sorted(ranked, key=lambda r: -r.engagement)[:BEST]


def _audience(data: ReportData) -> list[Audience]:
    labels = {p.network: p.label for p in data.social}
    found = []
    keys = sorted({(s.network, s.account, s.metric) for s in data.snapshots if s.entry_id is None})
    for key in (k for k in keys if k[2] in AUDIENCE):
        before = _value_at_start(data, key, data.month.previous())
        start = _value_at_start(data, key, data.month)
        end = _account_values(data, _until(data, data.month)).get(key)
        network, account, metric = key
        found.append(
            Audience(network, labels.get(network, network), account, metric, Compared(start, before),
                     Compared(end, start), Compared(_minus(end, start), _minus(start, before)))
        )  # fmt: skip
    return found


def _until(data: ReportData, month: Month) -> datetime:
    """The month's end, or when the report was made for a month not over."""
    return min(data.bounds(month)[1], data.made)


def _value_at_start(data: ReportData, key: tuple[str, str, str], month: Month) -> int | None:
    """An account figure at the month's start: the last value before it, else the first taken in
    the month (an account counted since the middle of the month grows from there)."""
    start = data.bounds(month)[0]
    found = _account_values(data, start).get(key)
    if found is not None:
        return found
    taken = (s for s in data.snapshots if s.entry_id is None and (s.network, s.account, s.metric) == key)
    return next((s.value for s in taken if start <= s.taken <= _until(data, month)), None)


def _minus(a: Number, b: Number) -> Number:
    return None if a is None or b is None else a - b


def _days(data: ReportData) -> list[date]:
    """The month's days, up to the day the report was made for a month not over."""
    last = _until(data, data.month).astimezone(data.tz).date()
    first = data.month.first
    return [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if first + timedelta(days=n) in data.month
    ]


def _charts(data: ReportData, counts: _Counts) -> list[Chart]:
    """Day by day: the month's engagement per network, each account's followers, the posts
    published, and the series of the plugins' sections; a chart with no series is left out."""
    days = _days(data)
    ends = [start_of(day + timedelta(days=1), data.tz) for day in days]
    sent = [p for p in data.social if p.status in SENT and _in(data, data.month, p)]
    charts = [
        Chart("engagement", "line", "engagement", days, _engagement_series(sent, counts, ends)),
        Chart("followers", "line", "followers", days, _follower_series(data, ends)),
        Chart("posts", "bar", "posts", days, _posts_series(data, sent, days)),
        *(_section_chart(section, days) for section in data.sections if section.series),
    ]
    return [chart for chart in charts if chart.series]


def _engagement_series(sent: list[SocialPost], counts: _Counts, ends: list[datetime]) -> list[Series]:
    """Each network's engagement at each day's end, of the posts published by then: None until
    one of them was counted, and no line at all for a network that gives no counts."""
    found = []
    for network, label in sorted({(p.network, p.label) for p in sent}, key=lambda n: n[1]):
        posts = [(p.id, _moment(p.published)) for p in sent if p.network == network]
        points: list[Number] = []
        for end in ends:
            known = [post for post, published in posts if (published or end) < end and counts.of(post, end)]
            points.append(sum(counts.engagement(post, end) for post in known) if known else None)
        if any(point is not None for point in points):
            found.append(Series(label, network, points))
    return found


def _follower_series(data: ReportData, ends: list[datetime]) -> list[Series]:
    """Each account's followers at each day's end (None before it was first counted)."""
    found = []
    for audience in (a for a in _audience(data) if a.metric == "followers"):
        key = (audience.network, audience.account, "followers")
        points: list[Number] = [_account_values(data, end).get(key) for end in ends]
        found.append(Series(f"{audience.label} ({audience.account})", audience.network, points))
    return found


def _posts_series(data: ReportData, sent: list[SocialPost], days: list[date]) -> list[Series]:
    """How many blog posts (the series named "") and social posts per network went out each day."""
    posted: dict[tuple[str, str], list[Number]] = {}
    published = [
        *(("", "", p.published) for p in data.posts),
        *((p.label, p.network, p.published) for p in sent),
    ]
    for label, network, when in published:
        moment = _moment(when)
        day = moment.astimezone(data.tz).date() if moment else None
        if day in days:
            points = posted.setdefault((label, network), [0] * len(days))
            points[days.index(day)] = (points[days.index(day)] or 0) + 1
    return [Series(label, network, points) for (label, network), points in sorted(posted.items())]


def _section_chart(section: Section, days: list[date]) -> Chart:
    by_name = {name: dict((day, value) for day, value in points) for name, points in section.series.items()}
    series = [
        Series(name, "", [values.get(day.isoformat()) for day in days]) for name, values in by_name.items()
    ]
    return Chart(section.id, "line", section.title, days, series)
