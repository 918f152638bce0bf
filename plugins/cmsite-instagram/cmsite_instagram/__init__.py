"""cmsite plugin: Instagram professional accounts, through the Instagram Graph API's content
publishing (never the private API, which gets accounts banned), with httpx (imported when sending).

A post is made as the content publishing guide says
(https://developers.facebook.com/docs/instagram-platform/content-publishing/): a container
(`POST /{ig-user-id}/media` with `image_url`, `alt_text` and `caption`; for a carousel, one
container per picture with `is_carousel_item=true`, then a `CAROUSEL` container listing them in
`children`), its `status_code` polled until `FINISHED`, then its publication
(`POST /{ig-user-id}/media_publish` with `creation_id`). Only the publication puts something on
Instagram, so only a lost answer to it leaves the outcome unknown: the post is then looked for
among the account's latest media by its caption.

Instagram fetches each picture from the deployed site (like Threads), and captions do not link:
the post's link can go in a first comment (`first_comment = "{link}"`), made right after the
publication. A try stopped between the two leaves the post to be found again, and the comment is
made then unless it is among the post's comments already: neither is lost nor doubled. A thread's
later parts (`thread: true`) are comments on the post too.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.media import Picture, media_problems
from cmsite.social.network import (
    COUNTING_ACCOUNT,
    VERIFYING,
    Action,
    Credentials,
    Media,
    Network,
    Part,
    Published,
    PublishError,
    SocialPost,
)
from cmsite_instagram import caption, checks
from cmsite_instagram.graph import HOSTS, request
from cmsite_instagram.pictures import picture_problem

GRAPH_VERSION = "v25.0"
# Container status_code values (IG Container reference): FINISHED can be published; ERROR failed
# (its `status` is an error subcode); EXPIRED was not published within 24 hours; PUBLISHED is out
# already; IN_PROGRESS (or anything else) is looked at again.
READY, FAILED, EXPIRED, OUT = "FINISHED", "ERROR", "EXPIRED", "PUBLISHED"
# Media insights (IG Media Insights) → the shared names of POST_METRICS; reach keeps its own.
INSIGHTS = {
    "views": "views", "likes": "likes", "comments": "replies", "shares": "reposts", "saved": "saves",
    "reach": "reach",
}  # fmt: skip
# IG User fields → the names of ACCOUNT_METRICS
ACCOUNT_FIELDS = {"followers_count": "followers", "follows_count": "following", "media_count": "posts"}


class Instagram(Network):
    name = "instagram"
    label = "Instagram"
    max_length = caption.MAX_LENGTH
    counting = "utf16"  # UTF-16 code units: Meta says "2,200 characters" and not which (docs/social.md)
    # IG User Media reference: JPEG only, 8 MB, a carousel of up to 10; alt_text up to 1,000 characters.
    max_media = 10
    max_media_bytes = 8_000_000
    media_types = frozenset({"image/jpeg"})
    max_alt_length = 1000
    fetches_media = True
    deletes_threads = True  # deleting the post takes its comments (the first comment, a thread's parts)
    credentials = ("INSTAGRAM_ACCESS_TOKEN",)
    login_help = (
        "An Instagram user access token for a professional (business or creator) account. With "
        'login = "instagram" (the default): in Meta\'s developer site (developers.facebook.com), an app '
        "with the Instagram API use case, Business Login for Instagram, permissions "
        "instagram_business_basic, instagram_business_content_publish (and "
        "instagram_business_manage_comments, instagram_business_manage_insights); generate the token "
        'for your account there. With login = "facebook" (a Facebook Page linked to the account): a '
        "Facebook user token from the Graph API Explorer with instagram_basic, instagram_content_publish, "
        "pages_read_engagement (and instagram_manage_comments, instagram_manage_insights, "
        "instagram_manage_contents to delete). Exchange it for a long-lived one (60 days) and paste it here."
    )
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "user_id": (str, None),  # the Instagram professional account's id (Instagram Login: "me" works)
        "login": (str, "instagram"),  # "instagram" (graph.instagram.com) or "facebook" (graph.facebook.com)
        "api_version": (str, GRAPH_VERSION),
        "first_comment": (str, None),  # e.g. "{link}" or "Read it on the blog: {link}"
        "ready_wait": (float, 300.0),  # seconds to wait for a container to be FINISHED (Meta: 5 minutes)
        "ready_interval": (float, 5.0),  # seconds between two looks at its status_code
    }
    required_settings: ClassVar[dict[str, str]] = {"user_id": '"17841400000000000"'}

    def __init__(self, account: str, options: Mapping[str, Any], secrets: Credentials):
        super().__init__(account, options, secrets)
        self.clock = time.monotonic  # injected in tests: the container polling never really sleeps
        self.sleep = time.sleep

    @classmethod
    def validate(cls, post: SocialPost) -> list[str]:
        """The length (base class), hashtags and tags of the caption, and pictures Instagram could
        never take: none at all (Instagram has no text posts), or one it could not fetch."""
        problems = super().validate(post)
        problems += caption.problems(post.texts[0]) if post.texts else []
        if not post.media:
            problems.append("Instagram takes no post without a picture; add `media:` with a JPEG")
        return problems + [problem for item in post.media if (problem := checks.unpublished(item))]

    def missing_settings(self) -> list[str]:
        missing = super().missing_settings()
        if self.options.get("login") not in HOSTS:
            missing.append(
                f"login = {self.options.get('login')!r} is not a way to log in to Instagram; set login = "
                '"instagram" (Instagram Login) or "facebook" (Facebook Login)'
            )
        return missing

    def pictures(self, post: SocialPost) -> list[Picture]:
        """None to upload: Instagram fetches each picture from the site. Called before anything is
        sent, it checks the post as `cmsite check` does, and each picture's file, since cmsite cannot
        send a smaller or cropped copy: nothing goes out that Instagram would refuse."""
        self._first_comment(post)  # a template that cannot be filled stops the send before the post
        errors = self.validate(post) + media_problems(type(self), post.media, Path)[0]
        errors += [problem for item in post.media if (problem := checks.unreachable(item))]
        errors += [problem for item in post.media if (problem := picture_problem(Path(item.path), item.path))]
        if errors:
            raise PublishError(f"Instagram: {'; '.join(dict.fromkeys(errors))}", retry=False)
        return []

    @contextmanager
    def session(self) -> Iterator[Any]:
        """One connection pool for every request of the send, to the login's host."""
        import httpx

        base = self.options.get("api") or HOSTS.get(str(self.options.get("login")), HOSTS["instagram"])
        with httpx.Client(base_url=base, timeout=self.options.get("timeout", 30)) as client:
            yield client

    def verify_credentials(self) -> str:
        """GET /{ig-user-id}?fields=id,username (IG User reference): the account's @username."""
        with self.session() as client:
            profile = self._request(client, "GET", self._user, {"fields": "id,username"}, action=VERIFYING)
        return f"@{profile.get('username') or profile.get('id')}"

    def publish_one(self, session: Any, part: Part) -> Published:
        """The first part is the post: the publishing limit read, its container made and waited
        for, then published. Each later part (the first comment, a thread's rest) is a comment on it
        (`POST /{ig-media-id}/comments`, IG Media Comments reference)."""
        if not part.first:
            assert part.root is not None  # the base class gives later parts the post they follow
            answer = self._request(
                session, "POST", f"{part.root.remote_id}/comments", {"message": part.text}, publishes=True
            )
            return Published(self._id(answer, "comments", publishes=True), part.root.url)
        self._check_publishing_limit(session)
        container = self._container(session, part)
        self._wait_until_ready(session, container, part.media)
        answer = self._request(
            session, "POST", f"{self._user}/media_publish", {"creation_id": container}, publishes=True
        )
        media = self._id(answer, "media_publish", publishes=True)
        published = Published(media, self._permalink(session, media))
        self._first_comment_on(session, part.post, published, [])
        return published

    def find_one(self, session: Any, part: Part) -> Published | None:
        """The post among the account's 25 latest media (`GET /{ig-user-id}/media`), by its caption;
        a comment among the post's comments (`GET /{ig-media-id}/comments`), the account's own only.

        Instagram leaves the @ out of captions read back by an app that is not the app's admin (IG
        Media reference, `caption`), so captions are compared without it."""
        if part.first:
            path, fields = f"{self._user}/media", {"fields": "id,caption,permalink,timestamp", "limit": 25}
        else:
            assert part.root is not None
            path, fields = f"{part.root.remote_id}/comments", {"fields": "id,text,from,timestamp"}
        found = self._request(session, "GET", path, fields).get("data", [])
        wanted = _comparable(part.text)
        if not part.first:
            return self._own_comment(session, found, part.text, part.root)
        post = next((m for m in found if _comparable(m.get("caption") or "") == wanted), None)
        if post is None:
            return None
        published = Published(str(post["id"]), post.get("permalink") or "")
        self._first_comment_on(session, part.post, published, None)  # made now if the lost try had not
        return published

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /{ig-media-id} (IG Media reference, "Deleting"): with Facebook Login only, and the
        permissions instagram_basic and instagram_manage_contents; it takes the post with its
        comments, a carousel whole. Instagram answers {"success": true, "deleted_id": …}."""
        if self.options.get("login") != "facebook":
            raise NotImplementedError(
                "Instagram deletes posts through its API only for accounts logged in with Facebook Login "
                '(login = "facebook", permission instagram_manage_contents); delete it by hand in the '
                "Instagram app"
            )
        with self.session() as client:
            answer = self._request(client, "DELETE", remote_id, {}, action=Action.deleting(remote_id))
        if not answer.get("success"):
            raise PublishError(
                f"Instagram did not delete post {remote_id}: it answered {answer}", retry=False
            )

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /{ig-media-id}/insights (IG Media Insights): views, likes, comments (replies), shares
        (reposts), saved (saves) and reach, each the lifetime value Instagram gives."""
        with self.session() as client:
            answer = self._request(
                client, "GET", f"{remote_id}/insights", {"metric": ",".join(INSIGHTS)},
                action=Action.counting(remote_id),
            )  # fmt: skip
        return {
            INSIGHTS[item["name"]]: int(item["values"][0]["value"])
            for item in answer.get("data", [])
            if item.get("name") in INSIGHTS and item.get("values")
        }

    def account_metrics(self) -> dict[str, int]:
        """GET /{ig-user-id}?fields=followers_count,follows_count,media_count (IG User reference):
        followers, following and posts; a field Instagram leaves out is left out, not a zero."""
        with self.session() as client:
            user = self._request(
                client, "GET", self._user, {"fields": ",".join(ACCOUNT_FIELDS)}, action=COUNTING_ACCOUNT
            )
        return {name: int(user[field]) for field, name in ACCOUNT_FIELDS.items() if field in user}

    @property
    def _user(self) -> str:
        return str(self.required_option("user_id"))

    def _path(self, path: str) -> str:
        return f"/{self.options['api_version']}/{path}"

    def _request(self, client: Any, method: str, path: str, fields: dict[str, Any], **options: Any) -> Any:
        token, login = self.account_secret("INSTAGRAM_ACCESS_TOKEN"), str(self.options["login"])
        return request(client, method, self._path(path), fields, token=token, login=login, **options)

    def _first_comment(self, post: SocialPost) -> str:
        """The first comment, from the plan (`first_comment`, once cmsite passes it) or the account's
        template; none without a template, or when the template needs a link the post lacks."""
        if not (template := getattr(post, "first_comment", None) or self.options.get("first_comment")):
            return ""
        if "{link}" in template and not post.link:
            return ""
        try:
            return str(template).format_map({"link": post.link or "", "title": post.title})
        except (KeyError, ValueError, IndexError) as exc:
            raise PublishError(
                f"Instagram: first_comment {template!r} cannot be filled ({type(exc).__name__}: {exc}); "
                "write {link} and {title} only",
                retry=False,
            ) from None

    def _first_comment_on(
        self, client: Any, post: SocialPost, published: Published, comments: list[Any] | None
    ) -> None:
        """The first comment on the post just published (`comments`: []) or found again (None: its
        comments are read first, so that a comment made by a try whose answer was lost is not made
        twice). A failure leaves the post to be found again (`maybe_sent`), and the comment made then;
        a refusal waits for a person, since the post itself is out."""
        if not (text := self._first_comment(post)):
            return
        try:
            if comments is None:
                comments = self._request(
                    client, "GET", f"{published.remote_id}/comments", {"fields": "id,text,from,timestamp"}
                ).get("data", [])
                if self._own_comment(client, comments, text, published):
                    return
            answer = self._request(
                client, "POST", f"{published.remote_id}/comments", {"message": text}, publishes=True
            )
            self._id(answer, "comments", publishes=True)
        except PublishError as error:
            raise PublishError(
                f"Instagram published the post ({published.url or published.remote_id}) but not its first "
                f"comment: {error}" + ("" if error.retry else "; add the comment by hand"),
                retry=error.retry,
                retry_after=error.retry_after,
                maybe_sent=True,
            ) from None

    def _own_comment(
        self, client: Any, comments: list[Any], text: str, root: Published | None
    ) -> Published | None:
        """The account's own comment with this text (another account's same words are not it)."""
        assert root is not None
        own, wanted = self._own_id(client), _comparable(text)
        return next(
            (Published(str(c["id"]), root.url) for c in comments
             if (c.get("from") or {}).get("id") == own and _comparable(c.get("text") or "") == wanted),
            None,
        )  # fmt: skip

    def _check_publishing_limit(self, client: Any) -> None:
        """GET /{ig-user-id}/content_publishing_limit?fields=config,quota_usage, read before sending
        (IG User Content Publishing Limit): an account publishes a limited number of posts per moving
        24 hours (`quota_total` in `quota_duration` seconds); a full quota waits, said as it is."""
        answer = self._request(
            client, "GET", f"{self._user}/content_publishing_limit", {"fields": "config,quota_usage"}
        )
        for usage in answer.get("data", []):
            total = (usage.get("config") or {}).get("quota_total")
            used = usage.get("quota_usage")
            if isinstance(total, int) and isinstance(used, int) and used >= total:
                hours = int((usage.get("config") or {}).get("quota_duration", 86400)) // 3600
                raise PublishError(
                    f"Instagram: the account has published {used} posts through the API in the last {hours} "
                    f"hours, its limit of {total}; the post waits and is tried again later",
                    retry=True,
                    retry_after=3600.0,
                )

    def _container(self, client: Any, part: Part) -> str:
        """The post's container: one picture with its caption, or a carousel of 2 to 10 items, each
        FINISHED before the CAROUSEL container lists them (content publishing guide, "Carousel posts")."""
        fields = {"caption": self.prepare(part.text)}
        if len(part.media) == 1:
            return self._create(client, {**_image(part.media[0]), **fields})
        items = [self._create(client, {**_image(p), "is_carousel_item": "true"}) for p in part.media]
        for item, picture in zip(items, part.media, strict=True):  # Instagram fetches them meanwhile
            self._wait_until_ready(client, item, [picture])
        return self._create(client, {"media_type": "CAROUSEL", "children": ",".join(items), **fields})

    def _create(self, client: Any, fields: dict[str, str]) -> str:
        return self._id(self._request(client, "POST", f"{self._user}/media", fields), "media")

    @staticmethod
    def _id(answer: Any, edge: str, *, publishes: bool = False) -> str:
        """The id of what Instagram made; a yes without one leaves a publication's outcome unknown."""
        if not isinstance(answer, dict) or not answer.get("id"):
            raise PublishError(
                f"Instagram: answered {edge} without an id ({answer})", retry=True, maybe_sent=publishes
            )
        return str(answer["id"])

    def _wait_until_ready(self, client: Any, container: str, pictures: list[Media]) -> None:
        """Poll the container's status_code (IG Container reference) until FINISHED, within
        `ready_wait`. ERROR gives an error subcode in `status`: the picture was refused."""
        deadline = self.clock() + float(self.options["ready_wait"])
        while True:
            answer = self._request(client, "GET", container, {"fields": "status_code,status"})
            status = answer.get("status_code")
            if status == READY:
                return
            if status == FAILED:
                raise PublishError(
                    f"Instagram could not prepare the post ({answer.get('status') or 'no reason given'}); "
                    f"{checks.hint(pictures)}",
                    retry=False,
                )
            if status == OUT:  # only a publication makes it so: never one cmsite has not asked for
                raise PublishError(
                    f"Instagram: container {container} is published already", retry=True, maybe_sent=True
                )
            if status == EXPIRED or self.clock() >= deadline:
                raise PublishError(f"Instagram: the post was not ready to publish ({status})", retry=True)
            self.sleep(float(self.options["ready_interval"]))

    def _permalink(self, client: Any, media: str) -> str:
        """The post's address; empty when Instagram does not give it (the post is out all the same)."""
        try:
            return str(self._request(client, "GET", media, {"fields": "permalink"}).get("permalink") or "")
        except PublishError:
            return ""

    def _own_id(self, client: Any) -> str:
        """The account's own id, to tell its comments from others' with the same words."""
        return str(self._request(client, "GET", self._user, {"fields": "id"}).get("id"))


def _image(picture: Media) -> dict[str, str]:
    """An image container's fields: where Instagram fetches the picture, and its alt text."""
    return {"image_url": str(picture.url), **({"alt_text": picture.alt} if picture.alt else {})}


def _comparable(text: str) -> str:
    return " ".join(text.replace("@", "").split())


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Instagram]


@hookimpl
def cmsite_excerpt(post: Any, network: type[Network], site: Any) -> None:
    """At `cmsite check` and `preview`: pictures of an Instagram plan that Instagram would refuse
    (not a plain JPEG, a shape outside 4:5 to 1.91:1), as errors at the plan's `path:line`."""
    if issubclass(network, Instagram):
        checks.check_pictures(post, site)
