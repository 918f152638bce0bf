"""Issue 19: the sample site's report of October 2026, from counts collected against a loopback
server of every network plugin.

Each plugin's own tests check its `metrics` and `account_metrics` alone, and tests/test_report.py
checks the report with toy networks and snapshots written by hand. This module runs the chain a
community manager relies on at the end of a month, with every installed plugin: the sample site
(copied), one account of each of its nine networks (Mastodon, Bluesky, X, Threads, LinkedIn,
Facebook, Instagram, Pinterest, and a Discord webhook) pointed at a loopback server that checks
each request (method, path, query, credentials) and answers in the network's documented shape,
the October entries of its queue as the publisher records them, three `collect` rounds in October
with growing counts, then `cmsite report 2026-10` and `cmsite metrics --json` as real processes.

The report is checked against what the servers answered (computed here from their answers, not
read back from another run): engagement per network, followers at the start and at the end of
the month, and the webhook (Discord), which gives no counts, shown as giving none — never 0.
Counts a network gives under its own names (Instagram's reach, Pinterest's two kinds of clicks)
are read and kept, but are no column of the report: its engagement adds the shared names only.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote

import pypdfium2 as pdfium
import pytest
from conftest import REPO, nu_problems
from test_report import Page, _series_values

from cmsite.queue.location import open_store
from cmsite.queue.metrics import Collection, collect
from cmsite.queue.store import Entry, Status
from cmsite.queue.sync import entry_of
from cmsite.site import Site
from cmsite.social.planner import each_planned_post
from cmsite.testing import (
    FakeNetwork,
    LoopbackServer,
    RecordedRequest,
    Reply,
    TestSite,
    assert_no_secrets,
    run_cmsite,
)

MONTH = "2026-10"
OCTOBER_POST = "content/posts/2026-10-05-rapport-mensuel-en-une-heure.md"  # the sample site's one


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# `cmsite metrics --collect` as cron would run it in October; a fourth round of answers follows
# for `cmsite metrics --json`, run afterwards.
ROUNDS = (at("2026-10-08 06:00"), at("2026-10-19 06:00"), at("2026-10-30 06:00"))
LIVE = len(ROUNDS)

DISCORD_HOOK = "1291000000000000001/discord-webhook-token-Zq8rT"
SECRETS = {  # fake credentials, given to the commands through their environment only
    "MASTODON_ACCESS_TOKEN": "mastodon-token-Kx91",
    "BLUESKY_APP_PASSWORD": "bsky-app-password-7yhb",
    "X_API_KEY": "x-app-key-Qm4",
    "X_API_SECRET": "x-app-secret-Pw2",
    "X_ACCESS_TOKEN": "x-user-token-Lk7",
    "X_ACCESS_TOKEN_SECRET": "x-user-secret-Vn3",
    "THREADS_ACCESS_TOKEN": "threads-token-Hd62",
    "LINKEDIN_ACCESS_TOKEN": "linkedin-token-Rt55",
    "FACEBOOK_PAGE_TOKEN": "facebook-page-token-Ew38",
    "INSTAGRAM_ACCESS_TOKEN": "instagram-token-Uj27",
    "PINTEREST_ACCESS_TOKEN": "pinterest-token-Bs49",
}
HIDDEN = [*SECRETS.values(), DISCORD_HOOK]  # the webhook's address is its secret


def json_reply(body: Any) -> Reply:
    return Reply(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


class Api(FakeNetwork):
    """One network's loopback API for `cmsite metrics`: each request must be a read of the October
    post's counts or of the account's figures, as the network documents it, with the account's
    credentials; the answer is round `round`'s numbers in the network's own shape.

    `counted(r)` and `figures(r)` are the numbers the test makes up, under cmsite's shared names
    (what people did with the post; the account's followers…) and, for a few, the network's `own`;
    `post(r)` and `account(r)` write them as the network answers. `asked` logs each request."""

    network: ClassVar[str]
    label: ClassVar[str]  # the network's name in the report
    remote_id: ClassVar[str]
    remote_url: ClassVar[str]
    own: ClassVar[tuple[str, ...]] = ()  # counts under the network's own names: no column of the report

    def __init__(self) -> None:
        super().__init__()
        self.round = 0
        self.asked: list[tuple[str, str]] = []
        self.url = ""

    def __call__(self, request: RecordedRequest) -> Reply:
        self.asked.append((request.method, request.path))
        return super().__call__(request)

    def answer(self, request: RecordedRequest) -> Reply:
        assert request.method == "GET", "counting only reads"
        path, _, query = request.path.partition("?")
        asked = (path, {key: values[0] for key, values in parse_qs(query, keep_blank_values=True).items()})
        self.check_credentials({key.lower(): value for key, value in request.headers.items()})
        if asked == self.post_request():
            return json_reply(self.post(self.round))
        assert asked == self.account_request(), f"not a request of the counts: {asked}"
        return json_reply(self.account(self.round))

    def post_request(self) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    def account_request(self) -> tuple[str, dict[str, str]]:
        raise NotImplementedError

    def check_credentials(self, headers: dict[str, str]) -> None:
        raise NotImplementedError

    def counted(self, r: int) -> dict[str, int]:
        raise NotImplementedError

    def figures(self, r: int) -> dict[str, int]:
        raise NotImplementedError

    def post(self, r: int) -> Any:
        raise NotImplementedError

    def account(self, r: int) -> Any:
        raise NotImplementedError

    def shared(self, r: int) -> dict[str, int]:
        """The counts under cmsite's shared names: the report's columns."""
        return {name: value for name, value in self.counted(r).items() if name not in self.own}

    def engagement(self, r: int) -> int:
        """What people did with the post: every shared count but views (seen is not done)."""
        return sum(value for name, value in self.shared(r).items() if name != "views")


class MastodonApi(Api):
    """GET /api/v1/statuses/:id (a Status) and /api/v1/accounts/verify_credentials (an Account),
    with the access token as a bearer token."""

    label = "Mastodon"
    network, remote_id = "mastodon", "113291870000000001"
    remote_url = "https://social.example/@carnet/113291870000000001"

    def post_request(self):
        return f"/api/v1/statuses/{self.remote_id}", {}

    def account_request(self):
        return "/api/v1/accounts/verify_credentials", {}

    def check_credentials(self, headers):
        assert headers.get("authorization") == f"Bearer {SECRETS['MASTODON_ACCESS_TOKEN']}"

    def counted(self, r):
        return {"likes": 4 + 5 * r, "reposts": 1 + 2 * r, "replies": r, "quotes": r}

    def figures(self, r):
        return {"followers": 1200 + 15 * r, "following": 180, "posts": 340 + r}

    def post(self, r):
        c = self.counted(r)
        return {
            "id": self.remote_id, "uri": f"https://social.example/users/carnet/statuses/{self.remote_id}",
            "url": self.remote_url, "created_at": "2026-10-05T05:46:00.000Z", "visibility": "public",
            "content": "<p>Un rapport mensuel en une heure</p>", "favourites_count": c["likes"],
            "reblogs_count": c["reposts"], "replies_count": c["replies"], "quotes_count": c["quotes"],
        }  # fmt: skip

    def account(self, r):
        f = self.figures(r)
        return {
            "id": "109000000000000001", "username": "carnet", "acct": "carnet", "display_name": "Carnet",
            "url": "https://social.example/@carnet", "created_at": "2025-01-06T00:00:00.000Z",
            "followers_count": f["followers"], "following_count": f["following"], "statuses_count": f["posts"],
        }  # fmt: skip


class BlueskyApi(Api):
    """An AppView: app.bsky.feed.getPosts (a postView) and app.bsky.actor.getProfile (a
    profileViewDetailed), public, so asked without any credential."""

    label = "Bluesky"
    network = "bluesky"
    remote_id = "at://did:plc:carnet5k2c/app.bsky.feed.post/3m2qk7wz4ab2c"
    remote_url = "https://bsky.app/profile/carnet.example.org/post/3m2qk7wz4ab2c"

    def post_request(self):
        return "/xrpc/app.bsky.feed.getPosts", {"uris": self.remote_id}

    def account_request(self):
        return "/xrpc/app.bsky.actor.getProfile", {"actor": "carnet.example.org"}

    def check_credentials(self, headers):
        assert "authorization" not in headers, "public counts: no login, no app password sent"

    def counted(self, r):
        return {"likes": 6 + 4 * r, "reposts": 2 + r, "replies": 1 + r, "quotes": r}

    def figures(self, r):
        return {"followers": 800 + 20 * r, "following": 95, "posts": 210 + r}

    def post(self, r):
        c = self.counted(r)
        view = {
            "uri": self.remote_id, "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm",
            "author": {"did": "did:plc:carnet5k2c", "handle": "carnet.example.org"},
            "record": {"$type": "app.bsky.feed.post", "text": "Un rapport mensuel en une heure",
                       "createdAt": "2026-10-05T06:46:00.000Z"},
            "likeCount": c["likes"], "repostCount": c["reposts"], "replyCount": c["replies"],
            "quoteCount": c["quotes"], "indexedAt": "2026-10-05T06:46:01.000Z",
        }  # fmt: skip
        return {"posts": [view]}

    def account(self, r):
        f = self.figures(r)
        return {
            "did": "did:plc:carnet5k2c", "handle": "carnet.example.org", "displayName": "Carnet de bord",
            "followersCount": f["followers"], "followsCount": f["following"], "postsCount": f["posts"],
        }  # fmt: skip


class XApi(Api):
    """API v2: GET /2/tweets/:id and /2/users/me with their public_metrics, signed with OAuth 1.0a."""

    label = "X"
    network, remote_id = "x", "1842000000000000001"
    remote_url = "https://x.com/i/web/status/1842000000000000001"

    def post_request(self):
        return f"/2/tweets/{self.remote_id}", {"tweet.fields": "public_metrics"}

    def account_request(self):
        return "/2/users/me", {"user.fields": "public_metrics"}

    def check_credentials(self, headers):
        auth = headers.get("authorization", "")
        assert auth.startswith("OAuth ") and "oauth_signature=" in auth
        assert f'oauth_consumer_key="{SECRETS["X_API_KEY"]}"' in auth
        assert f'oauth_token="{SECRETS["X_ACCESS_TOKEN"]}"' in auth
        assert SECRETS["X_API_SECRET"] not in auth and SECRETS["X_ACCESS_TOKEN_SECRET"] not in auth

    def counted(self, r):
        return {
            "likes": 3 + 3 * r,
            "reposts": r,
            "replies": 1,
            "quotes": 0,
            "saves": r,
            "views": 400 + 250 * r,
        }

    def figures(self, r):
        return {"followers": 2300 + 7 * r, "following": 310, "posts": 1500 + r, "listed": 12}

    def post(self, r):
        c = self.counted(r)
        metrics = {
            "retweet_count": c["reposts"], "reply_count": c["replies"], "like_count": c["likes"],
            "quote_count": c["quotes"], "bookmark_count": c["saves"], "impression_count": c["views"],
        }  # fmt: skip
        return {"data": {"id": self.remote_id, "text": "Un rapport mensuel en une heure",
                         "edit_history_tweet_ids": [self.remote_id], "public_metrics": metrics}}  # fmt: skip

    def account(self, r):
        f = self.figures(r)
        metrics = {
            "followers_count": f["followers"], "following_count": f["following"], "tweet_count": f["posts"],
            "listed_count": f["listed"], "like_count": 77,
        }  # fmt: skip
        return {
            "data": {"id": "42", "name": "Carnet de bord", "username": "carnet", "public_metrics": metrics}
        }


class ThreadsApi(Api):
    """Graph API (graph.threads.net): a media's insights and the user's followers_count insight,
    the access token in the query."""

    label = "Threads"
    network, remote_id = "threads", "18055512345678901"
    remote_url = "https://www.threads.net/@carnet/post/DBx7kLmN0pQ"

    def post_request(self):
        token = SECRETS["THREADS_ACCESS_TOKEN"]
        return f"/v1.0/{self.remote_id}/insights", {
            "metric": "views,likes,replies,reposts,quotes",
            "access_token": token,
        }

    def account_request(self):
        return "/v1.0/me/threads_insights", {
            "metric": "followers_count",
            "access_token": SECRETS["THREADS_ACCESS_TOKEN"],
        }

    def check_credentials(self, headers):
        pass  # the token is in the query, which post_request and account_request check

    def counted(self, r):
        return {"views": 150 + 100 * r, "likes": 5 + 2 * r, "replies": r, "reposts": 1, "quotes": 0}

    def figures(self, r):
        return {"followers": 640 + 11 * r}

    def post(self, r):
        return {
            "data": [
                {"name": name, "period": "lifetime", "values": [{"value": value}], "title": name.title(),
                 "id": f"{self.remote_id}/insights/{name}/lifetime"}
                for name, value in self.counted(r).items()
            ]
        }  # fmt: skip

    def account(self, r):
        return {
            "data": [
                {"name": "followers_count", "period": "day", "title": "followers_count",
                 "description": "The number of followers.", "total_value": {"value": self.figures(r)["followers"]},
                 "id": "me/insights/followers_count/day"}
            ]
        }  # fmt: skip


class LinkedInApi(Api):
    """REST API: socialMetadata of the post and networkSizes of the organization (its followers),
    with the bearer token and the versioned headers."""

    label = "LinkedIn"
    network, remote_id = "linkedin", "urn:li:share:7249000000000000001"
    remote_url = "https://www.linkedin.com/feed/update/urn:li:share:7249000000000000001/"
    organization = "urn:li:organization:1234567"  # the sample site's author: an organization page

    def post_request(self):
        return f"/rest/socialMetadata/{quote(self.remote_id, safe='')}", {}

    def account_request(self):
        return f"/rest/networkSizes/{quote(self.organization, safe='')}", {
            "edgeType": "COMPANY_FOLLOWED_BY_MEMBER"
        }

    def check_credentials(self, headers):
        assert headers.get("authorization") == f"Bearer {SECRETS['LINKEDIN_ACCESS_TOKEN']}"
        assert headers.get("linkedin-version") == "202411"
        assert headers.get("x-restli-protocol-version") == "2.0.0"

    def counted(self, r):
        return {"likes": 8 + 4 * r, "replies": 2 + r}  # every reaction is a like

    def figures(self, r):
        return {"followers": 1500 + 30 * r}

    def post(self, r):
        c = self.counted(r)
        reactions = {"LIKE": c["likes"] - r, "PRAISE": r}
        return {
            "reactionSummaries": {
                kind: {"reactionType": kind, "count": n} for kind, n in reactions.items() if n
            },
            "commentSummary": {"count": c["replies"], "topLevelCount": c["replies"]},
            "entity": self.remote_id,
        }

    def account(self, r):
        return {"firstDegreeSize": self.figures(r)["followers"]}


class FacebookApi(Api):
    """Graph API: the page post's reactions, comments and shares, and the page's followers and
    fans, the page token in the query."""

    label = "Facebook"
    network, remote_id = "facebook", "555123_9001"
    remote_url = "https://www.facebook.com/555123_9001"
    page = "555123"

    def post_request(self):
        fields = "shares,reactions.summary(total_count),comments.summary(total_count)"
        return f"/v21.0/{self.remote_id}", {"fields": fields, "access_token": SECRETS["FACEBOOK_PAGE_TOKEN"]}

    def account_request(self):
        return f"/v21.0/{self.page}", {
            "fields": "followers_count,fan_count",
            "access_token": SECRETS["FACEBOOK_PAGE_TOKEN"],
        }

    def check_credentials(self, headers):
        pass  # the page token is in the query

    def counted(self, r):
        return {"likes": 9 + 2 * r, "replies": 3 + r, "reposts": r}

    def figures(self, r):
        return {"followers": 950 + 5 * r, "fans": 900 + 4 * r}

    def post(self, r):
        c = self.counted(r)
        answer = {
            "reactions": {"data": [], "summary": {"total_count": c["likes"], "viewer_reaction": "NONE"}},
            "comments": {"data": [], "summary": {"order": "ranked", "total_count": c["replies"], "can_comment": True}},
            "id": self.remote_id,
        }  # fmt: skip
        return {"shares": {"count": c["reposts"]}, **answer} if c["reposts"] else answer  # none: no `shares`

    def account(self, r):
        f = self.figures(r)
        return {"followers_count": f["followers"], "fan_count": f["fans"], "id": self.page}


class InstagramApi(Api):
    """Graph API (graph.instagram.com, Instagram Login): the media's insights (IG Media Insights)
    and the professional account's counts (IG User fields), the access token in the query."""

    label = "Instagram"
    network, remote_id = "instagram", "18047000000000001"
    remote_url = "https://www.instagram.com/p/DBq8xT2Nk4L/"
    user = "17841400000000000"  # the sample site's user_id
    insights: ClassVar[dict[str, str]] = {  # Instagram's metric → cmsite's name
        "views": "views", "likes": "likes", "comments": "replies", "shares": "reposts", "saved": "saves",
        "reach": "reach",
    }  # fmt: skip
    own = ("reach",)  # the accounts that saw it: seen, not done

    def post_request(self):
        return f"/v25.0/{self.remote_id}/insights", {
            "metric": ",".join(self.insights),
            "access_token": SECRETS["INSTAGRAM_ACCESS_TOKEN"],
        }

    def account_request(self):
        return f"/v25.0/{self.user}", {
            "fields": "followers_count,follows_count,media_count",
            "access_token": SECRETS["INSTAGRAM_ACCESS_TOKEN"],
        }

    def check_credentials(self, headers):
        assert "authorization" not in headers  # the token is in the query, checked with it

    def counted(self, r):
        return {
            "views": 520 + 310 * r,
            "likes": 14 + 6 * r,
            "replies": 2 + r,
            "reposts": r,
            "saves": 3 + 2 * r,
            "reach": 380 + 190 * r,
        }

    def figures(self, r):
        return {"followers": 1520 + 18 * r, "following": 87, "posts": 412 + r}

    def post(self, r):
        c = self.counted(r)
        return {
            "data": [
                {"name": name, "period": "lifetime", "values": [{"value": c[ours]}], "title": name.title(),
                 "description": "", "id": f"{self.remote_id}/insights/{name}/lifetime"}
                for name, ours in self.insights.items()
            ]
        }  # fmt: skip

    def account(self, r):
        f = self.figures(r)
        return {
            "followers_count": f["followers"], "follows_count": f["following"], "media_count": f["posts"],
            "id": self.user,
        }  # fmt: skip


class PinterestApi(Api):
    """API v5: a Pin's analytics (GET /v5/pins/{pin_id}/analytics, a summary of its impressions,
    saves and clicks over at most the last 90 days) and GET /v5/user_account, with the access token
    as a bearer token."""

    label = "Pinterest"
    network, remote_id = "pinterest", "813744707000000001"
    remote_url = "https://www.pinterest.com/pin/813744707000000001/"
    own = ("pin_clicks", "outbound_clicks")  # the two kinds of clicks, counted once in `clicks`

    def post_request(self):
        today = datetime.now(UTC).date()  # Pinterest's day: its analytics end by today
        return f"/v5/pins/{self.remote_id}/analytics", {
            "start_date": str(today - timedelta(days=89)),  # the widest range it takes
            "end_date": str(today),
            "metric_types": "IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK",
            "app_types": "ALL",
            "split_field": "NO_SPLIT",
        }

    def account_request(self):
        return "/v5/user_account", {}

    def check_credentials(self, headers):
        assert headers.get("authorization") == f"Bearer {SECRETS['PINTEREST_ACCESS_TOKEN']}"

    def counted(self, r):
        pin, outbound = 11 + 5 * r, 4 + 3 * r
        return {
            "views": 900 + 650 * r,
            "saves": 6 + 4 * r,
            "clicks": pin + outbound,
            "pin_clicks": pin,
            "outbound_clicks": outbound,
        }

    def figures(self, r):
        return {
            "followers": 430 + 9 * r, "following": 61, "posts": 275 + r, "boards": 7,
            "monthly_views": 41000 + 800 * r,
        }  # fmt: skip

    def post(self, r):
        c = self.counted(r)
        summary = {"IMPRESSION": c["views"], "SAVE": c["saves"], "PIN_CLICK": c["pin_clicks"],
                   "OUTBOUND_CLICK": c["outbound_clicks"]}  # fmt: skip
        daily = [{"date": "2026-10-06", "data_status": "READY", "metrics": summary}]  # all on the Pin's day
        return {"all": {"daily_metrics": daily, "summary_metrics": summary, "lifetime_metrics": summary}}

    def account(self, r):
        f = self.figures(r)
        return {
            "account_type": "BUSINESS", "id": "549755813888", "username": "carnet",
            "business_name": "Carnet de bord", "website_url": "https://carnet.example.org",
            "board_count": f["boards"], "pin_count": f["posts"],
            "follower_count": f["followers"], "following_count": f["following"],
            "monthly_views": f["monthly_views"],
        }  # fmt: skip


class DiscordApi(Api):
    """A Discord webhook: cmsite must ask it nothing, since a webhook gives no counts."""

    label = "Discord"
    network, remote_id = "discord", "1292000000000000001"
    remote_url = "https://discord.com/channels/333/222/1292000000000000001"

    def answer(self, request):
        raise AssertionError("a webhook is never asked for counts")


APIS = (  # those that count
    MastodonApi, BlueskyApi, XApi, ThreadsApi, LinkedInApi, FacebookApi, InstagramApi, PinterestApi,
)  # fmt: skip


@dataclass
class October:
    """Everything the scenario made, for the tests to look at."""

    site: TestSite
    apis: dict[str, Api]  # by network, Discord's included
    collections: list[Collection]
    kept: int  # snapshots in the store after the three rounds
    report: Any  # the `cmsite report` process
    live: Any  # the `cmsite metrics --json` process
    days: int  # its --days

    @property
    def folder(self) -> Path:
        return self.site.root / "reports"

    def rows(self) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO((self.folder / f"report-{MONTH}.csv").read_text())))

    def counting(self) -> Iterator[Api]:
        return (api for name, api in self.apis.items() if name != "discord")


def sample_site(root: Path, apis: dict[str, Api]) -> TestSite:
    """The sample site, copied (as a TestSite, which `run_cmsite` runs), each network's account
    pointed at its loopback server."""
    site = TestSite(root)
    shutil.copytree(REPO / "content", root / "content")
    config = (REPO / "cmsite.toml").read_text()
    changes = {
        'instance = "https://social.example"': f'instance = "{apis["mastodon"].url}"',
        "[networks.bluesky]\n": f'[networks.bluesky]\nappview = "{apis["bluesky"].url}"\nservice = "{apis["bluesky"].url}"\n',
        "[networks.linkedin]\n": f'[networks.linkedin]\napi = "{apis["linkedin"].url}"\n',
        f'[networks.instagram]\nuser_id = "{InstagramApi.user}"': (
            f'[networks.instagram]\napi = "{apis["instagram"].url}"\nuser_id = "{InstagramApi.user}"'
        ),
        "[networks.pinterest]\n": f'[networks.pinterest]\napi = "{apis["pinterest"].url}"\n',
    }
    for old, new in changes.items():
        assert old in config, f"the sample site's cmsite.toml changed: {old!r} is gone"
        config = config.replace(old, new)
    config += (
        f'\n[networks.x]\napi = "{apis["x"].url}"\n'
        f'\n[networks.threads]\napi = "{apis["threads"].url}"\n'
        f'\n[networks.facebook]\npage_id = "{FacebookApi.page}"\napi = "{apis["facebook"].url}"\n'
    )
    (root / "cmsite.toml").write_text(config)
    return site


def record_october(site: Site, apis: dict[str, Api]) -> None:
    """The October post's announcements, as the publisher records them once sent: its own plans
    (Mastodon, Bluesky, Discord) as planned, and the same announcement on the other networks —
    with a picture where the network takes no post without one."""
    site.load()
    post = next(item for item in site.items if item.shown == OCTOBER_POST)
    planned = {p.network: p for p in each_planned_post(site) if p.source == OCTOBER_POST}
    assert set(planned) == {"mastodon", "bluesky", "discord"}, "the sample's October plans changed"
    entries = [replace(entry_of(p), status=Status.PUBLISHED) for p in planned.values()]
    pictures = {  # Instagram takes JPEG only: the sample's JPEG; Pinterest, the post's own picture
        "instagram": [{"path": "/images/posting-queue.jpg", "alt": "The posting queue, network by network"}],
        "pinterest": [{"path": post.image, "alt": post.image_alt}],
    }
    for name, when in (("x", "2026-10-05 12:00"), ("threads", "2026-10-05 16:00"),
                       ("instagram", "2026-10-05 18:00"), ("linkedin", "2026-10-06 07:00"),
                       ("facebook", "2026-10-06 10:00"), ("pinterest", "2026-10-06 19:00")):  # fmt: skip
        entries.append(
            Entry(f"october-{name}", OCTOBER_POST, name, "default", at(when), [f"{post.title} {post.abs_url}"],
                  media=pictures.get(name, []), link=post.abs_url, title=post.title, status=Status.PUBLISHED)
        )  # fmt: skip
    store = open_store(site)
    with store.transaction() as db:
        for entry in entries:
            api = apis[entry.network]
            store.insert(db, entry)
            store.update(db, entry.id, expect=Status.PUBLISHED, published_at=entry.at.astimezone(UTC),
                         attempts=1, remote_id=api.remote_id, remote_url=api.remote_url)  # fmt: skip
    store.close()


@pytest.fixture(scope="module")
def october(tmp_path_factory: pytest.TempPathFactory) -> Iterator[October]:
    apis: dict[str, Api] = {cls.network: cls() for cls in (*APIS, DiscordApi)}
    with pytest.MonkeyPatch.context() as patch, ExitStack() as servers:
        for api in apis.values():
            server = servers.enter_context(LoopbackServer())
            server.handler(api)
            api.url = server.url
        patch.delenv("CMSITE_DISABLE_PLUGINS", raising=False)  # every installed network plugin
        environ = {
            **SECRETS,
            "DISCORD_EQUIPE_WEBHOOK_URL": f"{apis['discord'].url}/api/webhooks/{DISCORD_HOOK}",
        }
        site = sample_site(tmp_path_factory.mktemp("october") / "site", apis)
        record_october(Site(site.root), apis)
        collections = []
        for number, taken in enumerate(ROUNDS):
            for api in apis.values():
                api.round = number
            counted = Site(site.root, now=taken)
            store = open_store(counted)
            try:
                collections.append(
                    collect(counted, store, record=True, clock=lambda taken=taken: taken, environ=environ)
                )
            finally:
                store.close()
        store = open_store(Site(site.root))
        kept = len(store.snapshots())
        store.close()
        report = run_cmsite(site, "report", MONTH, "--format", "html,csv,json,pdf", env=environ)
        for api in apis.values():
            api.round = LIVE
        days = (datetime.now(UTC) - at("2026-10-05 00:00")).days + 1  # back to the October post
        live = run_cmsite(site, "metrics", "--json", "--days", str(days), env=environ)
        yield October(site, apis, collections, kept, report, live, days)


def test_each_round_asked_every_network_as_its_api_documents(october):
    for api in october.apis.values():
        assert api.problems == [], api.network  # every request as documented, credentials included
    for api in october.counting():
        asked = [api.post_request()[0], api.account_request()[0]]
        per_round = sorted(asked) * (len(ROUNDS) + 1)  # the three collections, then `cmsite metrics`
        assert sorted(path.partition("?")[0] for _, path in api.asked) == sorted(per_round), api.network
    assert october.apis["discord"].asked == []  # a webhook is asked nothing
    for number, collection in enumerate(october.collections):
        assert not collection.failed and collection.recorded and collection.taken == ROUNDS[number]
        read = {(r.network, "post" if r.entry else "account"): r for r in collection.readings}
        for api in october.counting():
            assert read[(api.network, "post")].counts == api.counted(number), api.network
            assert read[(api.network, "account")].counts == api.figures(number), api.network
        for of in ("post", "account"):
            assert read[("discord", of)].counts == {} and read[("discord", of)].unavailable
    one_round = sum(len(api.counted(0)) + len(api.figures(0)) for api in october.counting())
    assert october.kept == len(ROUNDS) * one_round  # nothing kept for the webhook


def test_the_report_s_engagement_and_followers_are_what_the_networks_answered(october):
    assert october.report.returncode == 0, october.report.stderr
    rows = october.rows()

    def value(section: str, network: str, metric: str) -> str:
        (found,) = [
            r["value"]
            for r in rows
            if (r["section"], r["network"], r["metric"]) == (section, network, metric)
        ]
        return found

    last, first = len(ROUNDS) - 1, 0
    for api in october.counting():
        assert value("engagement", api.network, "posts") == "1", api.network
        assert value("engagement", api.network, "engagement") == str(api.engagement(last)), api.network
        for metric, count in api.shared(last).items():
            assert value("engagement", api.network, metric) == str(count), (api.network, metric)
        for metric in ("followers", *(["fans"] if "fans" in api.figures(first) else [])):
            start, end = api.figures(first)[metric], api.figures(last)[metric]
            assert value("audience", api.network, f"{metric}_start") == str(start), api.network
            assert value("audience", api.network, f"{metric}_end") == str(end), api.network
            assert value("audience", api.network, f"{metric}_growth") == str(end - start), api.network
    assert value("blog", "", "posts") == "1"  # the sample site's one post of October…
    total = sum(api.engagement(last) for api in october.counting())
    url, title = (
        "https://carnet.example.org/posts/rapport-mensuel-en-une-heure/",
        "Un rapport mensuel en une heure",
    )
    (top,) = [r for r in rows if r["section"] == "top_blog_posts"]  # …with every network's engagement
    assert (top["subject"], top["value"]) == (url, str(total))
    html = (october.folder / f"report-{MONTH}.html").read_text()
    assert f'<a href="{url}">{title}</a> — Engagement <data value="{total}">' in html
    page = Page.of(october.folder / f"report-{MONTH}.html")
    labels = sorted(
        ["Mastodon", "Bluesky", "X", "Threads", "LinkedIn", "Facebook", "Instagram", "Pinterest"]
    )  # Discord gives no counts: no line
    engagement = dict(zip(labels, _series_values(page.charts["engagement"]), strict=True))
    for api in october.counting():  # on the chart, each network ends the month at its engagement
        assert float(engagement[api.label][-1]) == api.engagement(last), api.network


def test_the_webhook_is_in_the_report_as_giving_no_counts(october):
    assert october.report.returncode == 0, october.report.stderr
    rows = october.rows()
    social = {r["metric"]: r["value"] for r in rows if (r["section"], r["network"]) == ("social", "discord")}
    assert social["sent"] == "1"  # it was sent…
    engagement = {
        r["metric"]: r["value"] for r in rows if (r["section"], r["network"]) == ("engagement", "discord")
    }
    assert engagement.pop("posts") == "1"
    assert engagement and set(engagement.values()) == {""}  # …and nothing counted: empty cells, never 0
    assert not [r for r in rows if r["section"] == "audience" and r["network"] == "discord"]


def test_the_engagement_chart_draws_no_zeros_for_the_webhook(october):
    """Its day table and CSV rows too: a network that gives no counts has no engagement line."""
    assert october.report.returncode == 0, october.report.stderr
    rows = october.rows()
    chart = [r["value"] for r in rows if r["section"] == "chart_engagement" and r["subject"] == "Discord"]
    assert set(chart) <= {""}, f"the engagement chart draws counts Discord never gave: {sorted(set(chart))}"


def test_the_report_page_is_valid_html_and_the_pdf_is_made(october, vnu_command):
    assert october.report.returncode == 0, october.report.stderr
    assert nu_problems(vnu_command, october.folder) == []
    pdf_file = october.folder / f"report-{MONTH}.pdf"
    assert pdf_file.read_bytes().startswith(b"%PDF-")
    assert len(pdfium.PdfDocument(pdf_file)) >= 1


def test_metrics_without_collect_reads_each_account_and_post_once_and_keeps_nothing(october):
    assert october.live.returncode == 0, october.live.stderr
    shown = json.loads(october.live.stdout)
    assert shown["ok"] is True and shown["recorded"] is False and shown["days"] == october.days
    readings = {(r["network"], r["of"]): r for r in shown["readings"]}
    assert len(readings) == len(shown["readings"])  # one reading per account and per post
    assert set(readings) == {(n, of) for n in october.apis for of in ("account", "post")}  # Discord too
    for api in october.counting():
        post, account = readings[(api.network, "post")], readings[(api.network, "account")]
        assert (post["counts"], post["url"], post["problem"]) == (api.counted(LIVE), api.remote_url, None)
        assert (account["counts"], account["problem"]) == (api.figures(LIVE), None)
    for of in ("account", "post"):
        webhook = readings[("discord", of)]
        assert webhook["account"] == "equipe" and webhook["counts"] == {} and webhook["problem"] is None
        assert webhook["unavailable"].startswith("Discord gives ")  # a sentence that says why
    store = open_store(Site(october.site.root))
    assert len(store.snapshots()) == october.kept  # without --collect, nothing is kept
    store.close()


def test_no_credential_reaches_an_output_or_the_site_s_state(october):
    files = [p.read_bytes().decode("utf-8", "replace") for p in sorted(october.folder.iterdir())]
    outputs = [october.report.stdout, october.report.stderr, october.live.stdout, october.live.stderr, *files]
    assert_no_secrets(october.site.root, HIDDEN, *outputs)
