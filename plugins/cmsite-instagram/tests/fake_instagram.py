"""A loopback Instagram Graph API that checks every request against the documented shapes and
answers as the docs say: the IG User (profile, counts, content_publishing_limit), IG User Media
(containers, the account's media), IG Container (status_code), media_publish, IG Media (permalink,
comments, insights, deletion with Facebook Login). Another token than TOKEN is refused (code 190)."""

from __future__ import annotations

from cmsite.testing import FakeGraphApi, GraphMissing, GraphRefused, graph_error

TOKEN = "IGAAT-instagram-token-0123456789"
USER = "17841400000000001"
VERSION = "v25.0"
SITE = "https://blog.cmsite.info"
# Error bodies as the Graph API words them (Instagram Platform, Error Codes)
CAPTION_LIMITS = (2200, 30, 20)  # characters, hashtags, @ tags (IG User Media reference)
# (method, whose, edge) → (step, the fields the docs give — None: the answer checks them —, what answers);
# whose: the account (USER), one of its containers, or one of its media
ROUTES = {
    ("GET", "user", None): ("user", None, "_user"),
    ("GET", "user", "content_publishing_limit"): ("limit", {"fields": "config,quota_usage"}, "_limit"),
    ("POST", "user", "media"): ("create", None, "_create"),
    ("GET", "user", "media"): ("list", {"fields": "id,caption,permalink,timestamp", "limit": "25"}, "_list"),
    ("POST", "user", "media_publish"): ("publish", None, "_publish"),
    ("GET", "container", None): ("status", {"fields": "status_code,status"}, "_status"),
    ("GET", "media", None): ("permalink", {"fields": "permalink"}, "_permalink"),
    ("POST", "media", "comments"): ("comment", None, "_new_comment"),
    ("GET", "media", "comments"): ("comments", {"fields": "id,text,from,timestamp"}, "_comments_of"),
    ("GET", "media", "insights"): (
        "insights",
        {"metric": "views,likes,comments,shares,saved,reach"},
        "_insights",
    ),
    ("DELETE", "media", None): ("delete", {}, "_delete"),  # nothing but the token
}


class FakeInstagram(FakeGraphApi):
    """Instagram's part of the Graph API (FakeGraphApi records the calls and makes the faults):
    `status` is what the next status_code looks answer (the last one repeated); `media` and
    `comments` are what the account has, oldest first."""

    token = TOKEN

    def __init__(self, login: str = "instagram") -> None:
        super().__init__()
        self.login = login
        self.containers: dict[str, dict[str, str]] = {}
        self.states: dict[str, str] = {}  # container → status_code once asked or published
        self.media: dict[str, dict[str, str]] = {}
        self.comments: dict[str, dict[str, str]] = {}
        self.status = ["FINISHED"]
        self.quota = (0, 100)  # used, total in 24 hours (content_publishing_limit)
        self.insights: dict[str, dict[str, int]] = {}
        self.counts = {"followers_count": 1520, "follows_count": 87, "media_count": 412}
        self.made = 0

    def _route(self, method: str, path: str, fields: dict[str, str]):
        """The step a request is, and what answers it: a documented request with its documented
        fields, or an AssertionError."""
        parts = path.strip("/").split("/")
        assert parts[0] == VERSION, path
        head, edge = parts[1], (parts[2] if len(parts) > 2 else None)
        whose = (
            "user"
            if head == USER
            else "container"
            if head in self.containers and method == "GET"
            else "media"
        )
        route = ROUTES.get((method, whose, edge))
        assert route is not None, f"not a documented request: {method} {path}"
        step, documented, answer = route
        assert documented is None or fields == documented, (step, fields)
        return step, lambda: getattr(self, answer)(head, fields)

    def _user(self, user: str, fields: dict[str, str]) -> dict[str, object]:
        """IG User fields: id and username, or the counts."""
        known = {"id": USER, "username": "carnet.de.route", **self.counts}
        names = fields["fields"].split(",")
        assert set(fields) == {"fields"} and set(names) <= set(known), fields
        return {name: known[name] for name in names}

    def _limit(self, user: str, fields: dict[str, str]) -> dict[str, object]:
        used, total = self.quota
        return {"data": [{"config": {"quota_total": total, "quota_duration": 86400}, "quota_usage": used}]}

    def _create(self, user: str, fields: dict[str, str]) -> dict[str, str]:
        """The container fields the IG User Media reference gives for an image, a carousel item and a
        carousel, and nothing else; a caption over its limits is refused as Instagram refuses it."""
        if fields.get("media_type") == "CAROUSEL":
            assert set(fields) <= {"media_type", "children", "caption"}, fields
            children = fields["children"].split(",")
            assert 2 <= len(children) <= 10 and len(set(children)) == len(children), children
            for child in children:
                assert self.containers[child].get("is_carousel_item") == "true", "a carousel lists its items"
                assert self.states.get(child) == "FINISHED", (
                    "each item is FINISHED before the carousel lists it"
                )
        else:
            assert "media_type" not in fields, "an image container has no media_type"
            allowed = {"image_url", "alt_text", "is_carousel_item"} | (
                set() if fields.get("is_carousel_item") == "true" else {"caption"}
            )  # no caption on a carousel item
            assert set(fields) <= allowed and fields.get("is_carousel_item", "true") == "true", fields
            assert fields["image_url"].startswith("https://") and fields["image_url"].endswith(".jpg")
            assert 0 < len(fields.get("alt_text", "x")) <= 1000
        self._check_caption(fields.get("caption", ""))
        self.made += 1
        container = f"c{self.made}"  # never reused
        self.containers[container] = fields
        return {"id": container}

    @staticmethod
    def _check_caption(caption: str) -> None:
        import re

        characters, hashtags, tags = CAPTION_LIMITS
        if (
            len(caption) > characters
            or len(re.findall(r"#\w", caption)) > hashtags
            or len(re.findall(r"@\w", caption)) > tags
        ):
            raise GraphRefused(
                graph_error(
                    400,
                    "Invalid parameter",
                    100,
                    subcode=2207008,
                    user_msg="The caption is too long or has too many hashtags or tags.",
                )
            )

    def _status(self, container: str, fields: dict[str, str]) -> dict[str, str]:
        if container not in self.states or self.states[container] not in ("PUBLISHED",):
            self.states[container] = self.status.pop(0) if len(self.status) > 1 else self.status[0]
        answer = {"id": container, "status_code": self.states[container]}
        return answer | ({"status": "2207009"} if self.states[container] == "ERROR" else {})

    def _publish(self, user: str, fields: dict[str, str]) -> dict[str, str]:
        assert set(fields) == {"creation_id"}, fields
        creation_id = fields["creation_id"]
        assert self.states.get(creation_id) == "FINISHED", "published once FINISHED"
        assert self.containers[creation_id].get("is_carousel_item") != "true", "never an item alone"
        used, total = self.quota
        if used >= total:
            raise GraphRefused(graph_error(400, "Application request limit reached", 9, subcode=2207042))
        self.quota = (used + 1, total)
        self.states[creation_id] = "PUBLISHED"
        media = f"179{len(self.media) + 1:05d}"
        container = self.containers[creation_id]
        self.media[media] = {
            "id": media, "caption": container.get("caption", ""), "container": creation_id,
            "permalink": f"https://www.instagram.com/p/P{media}/", "timestamp": "2026-11-22T12:00:00+0000",
        }  # fmt: skip
        return {"id": media}

    def _list(self, user: str, fields: dict[str, str]) -> dict[str, object]:
        """The account's media, newest first; captions without their @, as an app that is not the
        app's admin reads them (IG Media reference, `caption`)."""
        names = ("id", "caption", "permalink", "timestamp")
        return {"data": [{n: m[n].replace("@", "") if n == "caption" else m[n] for n in names} for m in reversed(self.media.values())]}  # fmt: skip

    def _permalink(self, media: str, fields: dict[str, str]) -> dict[str, str]:
        return {"id": media, "permalink": self._known(media)["permalink"]}

    def _new_comment(self, media: str, fields: dict[str, str]) -> dict[str, str]:
        assert set(fields) == {"message"} and fields["message"], fields
        return self._comment(media, fields["message"], "me")

    def _comment(self, media: str, text: str, by: str) -> dict[str, str]:
        self._known(media)
        comment = f"180{len(self.comments) + 1:05d}"
        author = {"id": USER, "username": "carnet.de.route"} if by == "me" else {"id": "999", "username": by}
        self.comments[comment] = {"id": comment, "media": media, "text": text, "from": author, "timestamp": "2026-11-22T12:01:00+0000"}  # fmt: skip
        return {"id": comment}

    def _comments_of(self, media: str, fields: dict[str, str]) -> dict[str, object]:
        self._known(media)
        shown = ("id", "text", "from", "timestamp")
        return {
            "data": [
                {n: c[n] for n in shown} for c in reversed(self.comments.values()) if c["media"] == media
            ]
        }

    def _insights(self, media: str, fields: dict[str, str]) -> dict[str, object]:
        self._known(media)
        counts = self.insights.get(media, {})
        names = ("views", "likes", "comments", "shares", "saved", "reach")
        return {"data": [{"name": n, "period": "lifetime", "values": [{"value": counts.get(n, 0)}], "title": n.title(), "description": "", "id": f"{media}/insights/{n}/lifetime"} for n in names]}  # fmt: skip

    def _delete(self, media: str, fields: dict[str, str]) -> dict[str, object]:
        if self.login != "facebook":  # graph.instagram.com has no such request
            raise GraphRefused(graph_error(400, "Unsupported delete request.", 100, subcode=33))
        self._known(media)
        del self.media[media]
        self.comments = {k: c for k, c in self.comments.items() if c["media"] != media}
        return {"success": True, "deleted_id": media}

    def _known(self, media: str) -> dict[str, str]:
        if media not in self.media:
            raise GraphMissing(media)
        return self.media[media]

    def posts(self) -> list[tuple[str, list[str]]]:
        """Each post's caption and its comments' texts, in the order they were made."""
        return [
            (m["caption"], [c["text"] for c in self.comments.values() if c["media"] == m["id"]])
            for m in self.media.values()
        ]


class Clock:
    """The time the container polling sees: `sleep` moves it on at once, nothing really waits."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def network(server, token: str = TOKEN, clock: Clock | None = None, **options):
    """An Instagram account on the loopback server, its polling on `clock` (a new Clock if None)."""
    from cmsite_instagram import Instagram

    from cmsite.social.network import Credentials

    settings = {"api": server.url, "user_id": USER, **options}
    secrets = Credentials(("INSTAGRAM_ACCESS_TOKEN",), {"INSTAGRAM_ACCESS_TOKEN": token})
    made = Instagram("default", settings, secrets)
    clock = clock or Clock()
    made.clock, made.sleep = clock, clock.sleep
    return made


def pictures(folder, *names: str, size: tuple[int, int] = (400, 400)):
    """Pictures of a built site: a file each, and the address the deployed site serves it at."""
    from cmsite.social.network import Media
    from cmsite.testing import make_picture

    return [
        Media(str(make_picture(folder / name, *size)), f"Picture {name}", f"{SITE}/images/{name}")
        for name in names
    ]
