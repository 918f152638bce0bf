"""From items to planned social posts: each plan's network, time and final text, with problems found.

`planned_posts(site)` is what `cmsite preview` shows and what `cmsite check` verifies; the
publishing queue is built from the same list.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cmsite.build.fingerprint import digest
from cmsite.content.frontmatter import FrontMatterError, parse
from cmsite.content.item import Item
from cmsite.content.store import SAVE_EVERY
from cmsite.errors import ContentError, display_path
from cmsite.social import counting
from cmsite.social.excerpt import Excerpt, plain_text
from cmsite.social.excerpt import join as join_text
from cmsite.social.media import located, media_file, media_problems
from cmsite.social.network import Media, Network, SocialPost
from cmsite.social.plans import Plan, PlanError, parse_at, parse_media, parse_plan

if TYPE_CHECKING:
    from cmsite.site import Site

SOCIAL_FOLDER = "social"
DEFAULT_TEMPLATE = "{title}\n\n{summary}"


@dataclass(slots=True)  # one per network per post: thousands are held at once
class PlannedPost:
    """One post on one network and account, as it will be sent."""

    id: str
    source: str
    line: int | None
    network: str
    account: str
    at: datetime
    status: str
    texts: list[str] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    limit: int = 0
    media: list[Media] = field(default_factory=list)
    link: str | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # the texts before the network's escaping (`texts`)
    waiting: bool = False  # its post is not published yet: it is not queued until it is
    title: str = ""
    summary: str = ""

    def problems(self) -> list[ContentError]:
        return [ContentError(self.source, self.line, message) for message in self.errors]


def planned_posts(site: Site) -> list[PlannedPost]:
    """Every planned social post of every published or scheduled item, and of content/social/, by time."""
    return sorted(each_planned_post(site), key=lambda p: (p.at, p.network, p.account, p.id))


def each_planned_post(site: Site) -> Iterator[PlannedPost]:
    """The same plans one at a time, in no useful order: for the queue's sync, which on a large
    site need not hold them all at once."""
    excerpts = ExcerptMemo(site)
    for item in site.items:
        if not (item.draft and not site.drafts):
            yield from _item_posts(site, item, excerpts)
    yield from _standalone_posts(site, excerpts)
    excerpts.save()


def _item_posts(site: Site, item: Item, excerpts: ExcerptMemo) -> list[PlannedPost]:
    raw = item.meta.get("social")
    entries: list[tuple[Any, int | None]] = []
    if raw is not None and not isinstance(raw, list):
        return [
            _broken(
                item.shown, item.line_of("social"), "social must be a list of plans, like - network: mastodon"
            )
        ]
    for index, entry in enumerate(raw or []):
        entries.append((entry, item.lines.get(f"social[{index}]") or item.line_of("social")))
    if raw is None and item.kind == "post":  # defaults announce posts; pages plan only what they say
        entries = [(entry, None) for entry in site.config.raw.get("social", {}).get("defaults", [])]
    posts = []
    for index, (entry, line) in enumerate(entries):
        try:
            plan = parse_plan(entry, index, item.date, site.config.tz, line)
        except PlanError as exc:
            posts.append(_broken(item.shown, line, str(exc)))
            continue
        posts.append(_render(site, plan, item.shown, item, None, excerpts))
    return posts


def _standalone_posts(site: Site, excerpts: ExcerptMemo) -> list[PlannedPost]:
    folder = site.config.content_dir / SOCIAL_FOLDER
    posts = []
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        shown = display_path(path, site.root)
        try:
            front = parse(path.read_text(encoding="utf-8"), shown)
            data = front.data
            networks = data.get("networks") or data.get("network")
            networks = [networks] if isinstance(networks, str) else networks
            if not isinstance(networks, list) or not networks:
                raise PlanError("a social post needs `networks: [mastodon, bluesky]`")
            at = parse_at(data.get("at"), None, site.config.tz)
            media = parse_media(data.get("media"), str(data.get("alt") or ""))
        except (FrontMatterError, PlanError, UnicodeDecodeError) as exc:
            error = exc.error if isinstance(exc, FrontMatterError) else None
            posts.append(_broken(shown, error.line if error else 1, error.message if error else str(exc)))
            continue
        for index, network in enumerate(networks):
            plan = Plan(
                network=str(network).lower(),
                account=str(data.get("account") or "default"),
                at=at,
                media=media,
                thread=bool(data.get("thread", False)),
                status=str(data.get("status", "pending")),
                line=front.line_of("networks"),
                index=index,
            )
            posts.append(_render(site, plan, shown, None, front.body.strip(), excerpts))
    return posts


class ExcerptMemo:
    """Excerpts made before, from `.cmsite/content.sqlite`: fitting a long text is costly, and
    on a site of thousands of posts most texts are the same from one command to the next.
    The key holds every input, with the content key (cmsite, plugins and settings)."""

    def __init__(self, site: Site):
        self.cache = site.store.cache
        self.content_key = site.content_key
        self.new: dict[str, bytes] = {}
        self.used: set[str] = set()

    def excerpt(self, network: type[Network], text: str, tail: str, thread: bool) -> Excerpt:
        kind = f"{network.__module__}.{network.__qualname__}"
        rule = (network.max_length, network.counting, counting.fingerprint())
        key = digest(self.content_key, kind, *rule, text, tail, thread)
        self.used.add(key)
        blob = self.new.get(key) or self.cache.recall(key)
        if blob is not None:
            try:
                found = pickle.loads(blob)
            except Exception:  # unreadable: make it again
                found = None
            if isinstance(found, Excerpt):
                return found
        made = network.excerpt(text, tail, thread=thread)
        self.new[key] = pickle.dumps(made)
        if len(self.new) >= SAVE_EVERY:  # not all held until the end
            self.cache.remember(self.new)
            self.new = {}
        return made

    def save(self) -> None:
        """Write what is left, and forget the excerpts this run did not ask for (old texts)."""
        if self.new or self.used:
            self.cache.remember(self.new)
            self.cache.forget_all_but(self.used)


def _render(
    site: Site, plan: Plan, shown: str, item: Item | None, body: str | None, excerpts: ExcerptMemo
) -> PlannedPost:
    post = PlannedPost(
        id=digest(shown if item is None else item.url, plan.network, plan.account, plan.index)[:16],
        source=shown,
        line=plan.line,
        network=plan.network,
        account=plan.account,
        at=plan.at,
        status=plan.status,
        media=[located(site, picture) for picture in plan.media],
    )
    site.pm.hook.cmsite_schedule(post=post, site=site)
    plan.at = post.at
    network: type[Network] | None = site.networks.get(plan.network)
    if network is None:
        known = ", ".join(sorted(site.networks)) or "none installed"
        post.errors.append(
            f"unknown network {plan.network!r}; known networks: {known} (see `cmsite plugins`)"
        )
        return post
    if item is not None:
        post.link = item.abs_url
        hashtags = " ".join(hashtag(tag.name) for tag in item.tags)
        fields = {"title": item.title, "summary": item.summary_text, "url": item.abs_url, "tags": hashtags}
        template = plan.template or DEFAULT_TEMPLATE
        text = template.format_map(fields).strip()
        tail = " ".join(
            part
            for part in (
                "" if "{url}" in template else item.abs_url,
                "" if "{tags}" in template else hashtags,
            )
            if part
        )
        if item.date and plan.at < item.date:
            post.errors.append(
                f"{plan.network} goes out at {_local(site, plan.at)}, before the post itself ({_local(site, item.date)}); move `at:` later"
            )
        if item.draft or (item.date is not None and item.date > site.now):
            # Never queued before the post is public, even when --drafts or --future shows it.
            post.waiting = True
            post.warnings.append(
                "the post is a draft; this goes to the queue once it is published"
                if item.draft
                else "the post is not published yet; this goes to the queue once it is"
            )
        post.title, post.summary = item.title, item.summary_text
    else:
        text, tail = plain_text_of(body or ""), ""
    excerpt = excerpts.excerpt(network, text, tail, plan.thread)
    post.written, post.limit = list(excerpt.posts), excerpt.limit
    site.pm.hook.cmsite_excerpt(post=post, network=network, site=site)
    unchanged = post.written == excerpt.posts  # a hook may rewrite them: count again then
    post.lengths = list(excerpt.lengths) if unchanged else [network.count(text) for text in post.written]
    post.texts = [network.prepare(text) for text in post.written]
    written_by_hand = item is None or plan.template is not None
    if excerpt.cut and not plan.thread and written_by_hand:
        length = network.count(join_text(text, tail))
        post.errors.append(
            f"the text is {length} characters as {network.label} counts them, over its limit of "
            f"{network.max_length}; shorten it or add `thread: true`"
        )
    elif excerpt.cut and not plan.thread:
        post.warnings.append(
            f"shortened to fit {network.label}'s {network.max_length}; add `thread: true` to keep it all"
        )
    post.errors += network.validate(SocialPost(texts=post.written, media=post.media, link=post.link))
    errors, warnings = media_problems(
        network, plan.media, lambda path: media_file(site.config.content_dir, path)
    )
    post.errors += errors
    post.warnings += warnings
    return post


def hashtag(name: str) -> str:
    """`editorial-calendar` → `#EditorialCalendar`; accents are kept (`#Modération`)."""
    words = [w for w in name.replace("-", " ").replace("_", " ").split() if w]
    return "#" + "".join(w[:1].upper() + w[1:] for w in words)


def plain_text_of(markdown_text: str) -> str:
    import markdown

    return plain_text(markdown.markdown(markdown_text))


def _local(site: Site, moment: datetime) -> str:
    return moment.astimezone(site.config.tz).strftime("%Y-%m-%d %H:%M")


def _broken(shown: str, line: int | None, message: str) -> PlannedPost:
    """A plan that could not be read: shown with its error, sorted first."""
    never = datetime.min.replace(tzinfo=UTC)
    return PlannedPost(
        id="", source=shown, line=line, network="?", account="?", at=never, status="error", errors=[message]
    )
