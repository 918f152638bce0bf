"""From items to planned social posts: each plan's network, time and final text, with problems found.

`planned_posts(site)` is what `cmsite preview` shows and what `cmsite check` verifies; the
publishing queue is built from the same list, and stores the same texts (`written`), so
what the preview shows is what is sent. A text written by hand is never cut: too long, it
is shown whole with its error. Each error points at the line of the key it is about (the
plan's `text:` for its text), in the post or in cmsite.toml for `[[social.defaults]]`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from cmsite import inputs
from cmsite.config import CONFIG_NAME, SettingsErrors
from cmsite.content.frontmatter import FrontMatter, FrontMatterError, parse
from cmsite.content.item import Item
from cmsite.content.loader import files_under, read_content
from cmsite.digests import digest
from cmsite.errors import ContentError, ContentErrors, display_path
from cmsite.social.excerpt import Excerpt, plain_text
from cmsite.social.excerpt import join as join_text
from cmsite.social.excerpt_cache import FILE_NAME as EXCERPTS_FILE
from cmsite.social.excerpt_cache import ExcerptCache
from cmsite.social.media import located, media_file, media_problems
from cmsite.social.network import Media, Network, SocialPost
from cmsite.social.plans import (
    STANDALONE_KEYS,
    Plan,
    PlanApproval,
    PlanError,
    parse_plan,
    template_fields,
    unknown_network,
)
from cmsite.social.slots import SiteSlots
from cmsite.social.styling import untouched_warnings

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
    written: list[str] = field(default_factory=list)  # the texts as sent (one per post of a thread)
    lengths: list[int] = field(default_factory=list)  # each one's length as the network counts it
    limit: int = 0
    media: list[Media] = field(default_factory=list)
    link: str | None = None
    warnings: list[str] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)  # each at the line it is about
    draft: bool = False  # its post is a draft: not queued until it is published
    waits_until: datetime | None = None  # its post's date, still to come: not queued before it
    title: str = ""
    summary: str = ""
    approval: PlanApproval | None = None  # an approval written in the plan (`approved_by:`)
    repetition: int = 0  # of a plan with `repeat:`: 0 for its first post, n for its n-th repetition
    repetitions: int = 0  # how many times its plan goes out again after the first

    def problems(self) -> list[ContentError]:
        return list(self.errors)

    @property
    def waiting(self) -> bool:
        """Not given to the queue yet: no draft nor future post reaches it (`cmsite queue` lists it)."""
        return self.draft or self.waits_until is not None

    @property
    def goes_out(self) -> bool:
        """Sent some day: a plan that could be read, of a post that is not a draft."""
        return bool(self.id) and not self.draft


@dataclass(frozen=True, slots=True)
class Origin:
    """Whose plan it is — a post or page (`item`), or a standalone social post (`body`, its
    text) — and where the plan and each of its keys are written, to point errors at them."""

    shown: str  # the post's file
    line_of: Callable[[str | None], int | None]  # the plan's line (None), or one of its keys'
    item: Item | None = None
    body: str = ""
    written_in: str = ""  # the file the plan is written in, when not `shown`: cmsite.toml
    about: str = ""  # said first when the plan is written elsewhere: which default, on which post

    @property
    def line(self) -> int | None:
        """The plan's line in the post's file; None for a plan written in cmsite.toml."""
        return None if self.written_in else self.line_of(None)

    def error(self, message: str, key: str | None = None) -> ContentError:
        """An error about the plan, or about one of its keys (`text`)."""
        return ContentError(self.written_in or self.shown, self.line_of(key), self.about + message)


def planned_posts(site: Site, *, drafts: bool | None = None) -> list[PlannedPost]:
    """Every planned social post of every published or scheduled item, and of content/social/, by time.
    `drafts`: also (or not) the plans of drafts, whatever the site's --drafts says (the calendar shows them)."""
    return sorted(each_planned_post(site, drafts=drafts), key=lambda p: (p.at, p.network, p.account, p.id))


def each_planned_post(
    site: Site,
    *,
    drafts: bool | None = None,
    only: Collection[str] | None = None,
    items: Iterable[Item] | None = None,
) -> Iterator[PlannedPost]:
    """The same plans one at a time, in no useful order: for the queue's sync, which on a large
    site need not hold them all at once. `only`: the plans written in these files (as messages
    show them), of `items` (those of the files among them), for a sync of the files that
    changed; the settings give no posting slots then (cmsite.queue.changes), so no plan's time
    depends on the others'."""
    excerpts = ExcerptCache(site.cache_dir / EXCERPTS_FILE, site.content_key, read_only=site.read_only)
    defaults = Defaults(site)
    with_drafts = site.drafts if drafts is None else drafts
    items = [
        item for item in (site.items if items is None else items) if not (item.draft and not with_drafts)
    ]
    fronts, unreadable = _standalone_files(site)
    if only is not None:
        fronts = [(shown, front) for shown, front in fronts if shown in only]
        unreadable = [post for post in unreadable if post.source in only]
    slots = _slots(site, defaults, items, fronts)
    for item in items:
        yield from _item_posts(site, item, excerpts, defaults, slots)
    yield from unreadable
    yield from _standalone_posts(site, fronts, excerpts)
    excerpts.save()


def _slots(
    site: Site, defaults: Defaults, items: list[Item], fronts: list[tuple[str, FrontMatter]]
) -> SiteSlots:
    """Every plan's claim on a posting slot, gathered before any plan is rendered: the slot a plan
    takes depends on every plan of its account, and plans are rendered one post at a time."""
    slots = SiteSlots(site.config)
    for item in items:
        entries, _ = _entries(item, defaults) or ([], None)
        for index, entry in enumerate(entries):
            slots.add(entry, index, item.shown, item.date, item.draft)
    for shown, front in fronts:
        for index, entry in enumerate(_standalone_entries(front) or []):
            slots.add(entry, index, shown, None, False)
    slots.give_out()
    return slots


class Defaults:
    """`[[social.defaults]]`: the plans of every post without its own, and where each is
    written in cmsite.toml (read only when an error is to be placed)."""

    def __init__(self, site: Site):
        self.entries: list[Any] = site.config.raw.get("social", {}).get("defaults", [])
        self.settings = SettingsErrors(site.config)  # for its `lines`: cmsite.toml's, read when first asked

    def origin(self, item: Item, index: int) -> Origin:
        return Origin(
            item.shown,
            partial(self._line, index),
            item,
            written_in=CONFIG_NAME,
            about=f"[[social.defaults]] #{index + 1}, on {item.shown}: ",
        )

    def _line(self, index: int, key: str | None) -> int | None:
        return self.settings.lines.line("social", "defaults", index, *([key] if key else []))


def _item_posts(
    site: Site, item: Item, excerpts: ExcerptCache, defaults: Defaults, slots: SiteSlots
) -> list[PlannedPost]:
    found = _entries(item, defaults)
    if found is None:
        error = ContentError(
            item.shown, item.line_of("social"), "social must be a list of plans, like - network: mastodon"
        )
        return [_broken(item.shown, error)]
    entries, origin_of = found
    posts = []
    for index, entry in enumerate(entries):
        origin = origin_of(index)
        try:
            plan = parse_plan(entry, index, item.date, site.config.tz, origin.line)
            if plan.slot:
                plan.at = slots.at(plan, item.shown)
        except PlanError as exc:
            posts.append(_broken(item.shown, origin.error(str(exc), exc.key)))
            continue
        slot_of = (lambda again: slots.at(again, item.shown)) if plan.slot else None
        posts += _repeated(site, plan, origin, excerpts, slot_of)
    return posts


def _entries(item: Item, defaults: Defaults) -> tuple[list[Any], Callable[[int], Origin]] | None:
    """An item's plans as written, and where each is written: its own `social:` list, else a
    post's `[[social.defaults]]`; None when `social:` is not a list."""
    raw = item.meta.get("social")
    if raw is not None and not isinstance(raw, list):
        return None
    if raw is None and item.kind == "post":  # defaults announce posts; pages plan only what they say
        return defaults.entries, partial(defaults.origin, item)
    return raw or [], partial(_own, item)


def _own(item: Item, index: int) -> Origin:
    """A plan of the post's own `social:` list: its keys' lines, where the front matter has them."""
    plan_line = item.lines.get(f"social[{index}]") or item.line_of("social")

    def line_of(key: str | None) -> int | None:
        return (key and item.lines.get(f"social[{index}].{key}")) or plan_line

    return Origin(item.shown, line_of, item)


def _standalone_files(site: Site) -> tuple[list[tuple[str, FrontMatter]], list[PlannedPost]]:
    """The front matter of each file of content/social/, and the errors of those that cannot be read."""
    folder = site.config.content_dir / SOCIAL_FOLDER
    try:  # read by the rules of every file the build reads: a link out of the site is never followed
        found = files_under(folder, site.root, links_outside=site.config.allow_links_outside)
    except ContentErrors as exc:
        return [], [_broken(error.path, error) for error in exc.errors]
    fronts, broken = [], []
    for path in [path for path in found if path.suffix == ".md" and path.parent == folder]:
        shown = display_path(path, site.root)
        try:
            fronts.append(
                (shown, parse(inputs.decode(read_content(path, shown), shown), shown, site.config.lang))
            )
        except FrontMatterError as exc:
            broken.append(_broken(shown, exc.error))
        except ContentErrors as exc:
            broken += [_broken(shown, error) for error in exc.errors]
    return fronts, broken


def _standalone_entries(front: FrontMatter) -> list[dict[str, Any]] | None:
    """A standalone post's plans: its front matter, once for each of its networks; None without any."""
    networks = front.data.get("networks") or front.data.get("network")
    networks = [networks] if isinstance(networks, str) else networks
    if not isinstance(networks, list) or not networks:
        return None
    entry = {key: value for key, value in front.data.items() if key not in ("networks", "network")}
    return [{**entry, "network": str(network)} for network in networks]


def _standalone_posts(
    site: Site, fronts: list[tuple[str, FrontMatter]], excerpts: ExcerptCache
) -> list[PlannedPost]:
    posts = []
    for shown, front in fronts:
        origin = _standalone(shown, front)
        entries = _standalone_entries(front)
        if entries is None:
            posts.append(_broken(shown, origin.error("a social post needs `networks: [mastodon, bluesky]`")))
            continue
        for index, entry in enumerate(entries):
            # The front matter is the plan of each of its networks, read like a post's plan.
            try:
                plan = parse_plan(entry, index, None, site.config.tz, origin.line, keys=STANDALONE_KEYS)
            except PlanError as exc:
                posts.append(_broken(shown, origin.error(str(exc), exc.key)))
                break  # the same front matter, the same error for every network
            for post in _repeated(site, plan, origin, excerpts):
                post.warnings += [str(warning) for warning in front.warnings]  # control characters removed
                posts.append(post)
    return posts


def _standalone(shown: str, front: FrontMatter) -> Origin:
    """A standalone social post: its plan is its front matter (`networks:`), its text the body."""
    blank = front.body[: len(front.body) - len(front.body.lstrip())].count("\n")  # lines before its words

    def line_of(key: str | None) -> int:
        if key is not None and key in front.lines:
            return front.lines[key]
        return front.body_line + blank if key == "text" else front.line_of("networks")

    return Origin(shown, line_of, body=front.body.strip())


def _repeated(
    site: Site,
    plan: Plan,
    origin: Origin,
    excerpts: ExcerptCache,
    slot_of: Callable[[Plan], datetime] | None = None,
) -> list[PlannedPost]:
    """The plan's post, then each of its repetitions (`repeat:`), each a post of its own: its own
    id, its time (counted from the first post's, as the hooks leave it; for `at: slot`, the slot
    each repetition took, `slot_of`) and its turn of `texts:`."""
    first = _render(site, plan, origin, excerpts)
    if plan.repeat is None:
        return [first]
    try:
        moments = plan.repeat.moments(first.at, site.config.tz)
        again = [plan.again(n, at) for n, at in enumerate(moments, 1)]
        for repetition in again if slot_of else ():
            repetition.at = slot_of(repetition)
    except (ValueError, PlanError) as exc:
        first.errors.append(origin.error(f"repeat: {exc}", "repeat"))
        return [first]
    posts = [first, *(_render(site, repetition, origin, excerpts) for repetition in again)]
    for post in posts:
        post.repetitions = len(moments)
    return posts


def _render(site: Site, plan: Plan, origin: Origin, excerpts: ExcerptCache) -> PlannedPost:
    """One plan as it will be sent, with every problem the network and the pictures have."""
    post = _scheduled(site, plan, origin)
    network: type[Network] | None = site.networks.get(plan.network)
    if network is None:
        known = ", ".join(sorted(site.networks)) or "none installed"
        message = (
            f"{unknown_network(plan.network, site.networks)}; known networks: {known} (see `cmsite plugins`)"
        )
        post.errors.append(origin.error(message))
        return post
    _write(site, network, plan, origin, post, excerpts)
    _validate(network, post, origin, "texts" if plan.texts else "text")
    errors, warnings = media_problems(network, plan.media, lambda path: media_file(site, path))
    post.errors += [origin.error(message) for message in errors]
    post.warnings += warnings + untouched_warnings(site, network, plan.media)
    return post


def _scheduled(site: Site, plan: Plan, origin: Origin) -> PlannedPost:
    """The planned post, with no text yet, at the time the `cmsite_schedule` hooks give it."""
    post = PlannedPost(
        id=_post_id(origin, plan),
        source=origin.shown,
        line=plan.line,
        network=plan.network,
        account=plan.account,
        at=plan.at,
        status=plan.status,
        media=[located(site, picture) for picture in plan.media],
        repetition=plan.repetition,
        approval=_approval(plan, origin),
    )
    site.pm.hook.cmsite_schedule(post=post, site=site)
    plan.at = post.at
    return post


def _post_id(origin: Origin, plan: Plan) -> str:
    """The same on every build: the post (or file), network, account and the plan's place; a
    repetition adds its number, so that more repetitions never change the others' ids."""
    item = origin.item
    key = [origin.shown if item is None else item.url, plan.network, plan.account, plan.index]
    if plan.repetition:
        key += ["repeat", plan.repetition]
    return digest(*key)[:16]


def _approval(plan: Plan, origin: Origin) -> PlanApproval | None:
    """The approval the plan says it has, and the line that says it."""
    if plan.status != "approved":
        return None
    line = origin.line_of("approved_by" if plan.approved_by else "status")
    place = f"{origin.written_in or origin.shown}:{line}" if line else origin.written_in or origin.shown
    return PlanApproval(plan.approved_by or "", plan.approved_at, place)


def _write(
    site: Site, network: type[Network], plan: Plan, origin: Origin, post: PlannedPost, excerpts: ExcerptCache
) -> None:
    """The texts to send, as the `cmsite_excerpt` hooks leave them, and their lengths."""
    item = origin.item
    if item is not None:
        _take_from_item(site, plan, item, post, origin)
        text, tail = _text_and_tail(plan, item)
    else:
        text, tail = plain_text_of(origin.body), ""
    by_hand = item is None or plan.template is not None
    excerpt = _excerpt(network, text, tail, plan.thread, by_hand, excerpts)
    post.written, post.limit = list(excerpt.posts), excerpt.limit
    site.pm.hook.cmsite_excerpt(post=post, network=network, site=site)
    unchanged = post.written == excerpt.posts  # a hook may rewrite them: count again then
    post.lengths = list(excerpt.lengths) if unchanged else [network.count(text) for text in post.written]
    if excerpt.cut and not plan.thread:
        post.warnings.append(
            f"shortened to fit {network.label}'s {network.max_length}; add `thread: true` to keep it all"
        )


def _take_from_item(site: Site, plan: Plan, item: Item, post: PlannedPost, origin: Origin) -> None:
    """What a post's plan takes from the post: its link, title and summary, and whether it may go yet."""
    post.link = item.abs_url
    post.title, post.summary = item.title, item.summary_text
    if item.date and plan.at < item.date:
        post.errors.append(
            origin.error(
                f"{plan.network} goes out at {_local(site, plan.at)}, before the post itself "
                f"({_local(site, item.date)}); move `at:` later"
            )
        )
    # Never queued before the post is public, even when --drafts or --future shows it.
    post.draft = item.draft
    if item.date is not None and item.date > site.now:
        post.waits_until = item.date


def _text_and_tail(plan: Plan, item: Item) -> tuple[str, str]:
    """The text the plan's template makes, and what follows it: the post's link and hashtags,
    each unless the template has it already, neither with `append: false`."""
    hashtags = " ".join(hashtag(tag.name) for tag in item.tags)
    fields = {"title": item.title, "summary": item.summary_text, "url": item.abs_url, "tags": hashtags}
    template = plan.template or DEFAULT_TEMPLATE
    text = template.format_map(fields).strip()
    if not plan.append:
        return text, ""
    used = template_fields(template)
    return text, " ".join(fields[name] for name in ("url", "tags") if name not in used and fields[name])


def _excerpt(
    network: type[Network], text: str, tail: str, thread: bool, by_hand: bool, excerpts: ExcerptCache
) -> Excerpt:
    """The posts to send. A text written by hand is kept whole unless it is to be threaded: one
    too long is shown as it is and is an error, never a shortened text that would pass."""
    if by_hand and not thread:
        whole = join_text(text, tail)
        return Excerpt([whole], [network.count(whole)], network.max_length)
    return excerpts.excerpt(network, text, tail, thread)


def _validate(network: type[Network], post: PlannedPost, origin: Origin, text_key: str) -> None:
    """The network's verdict on the texts as they will be sent, with the post's title (a Pin's
    own field). The problems the texts have on their own are about `text:`; those that come with
    the pictures are about the plan."""
    words = {"texts": post.written, "link": post.link, "title": post.title, "summary": post.summary}
    problems = network.validate(SocialPost(media=post.media, **words))
    if problems:
        of_text = set(network.validate(SocialPost(media=[], **words)))
        post.errors += [origin.error(m, text_key if m in of_text else None) for m in problems]


def hashtag(name: str) -> str:
    """`editorial-calendar` → `#EditorialCalendar`; accents are kept (`#Modération`)."""
    words = [w for w in name.replace("-", " ").replace("_", " ").split() if w]
    return "#" + "".join(w[:1].upper() + w[1:] for w in words)


def plain_text_of(markdown_text: str) -> str:
    import markdown

    return plain_text(markdown.markdown(markdown_text))


def _local(site: Site, moment: datetime) -> str:
    return moment.astimezone(site.config.tz).strftime("%Y-%m-%d %H:%M")


def _broken(shown: str, error: ContentError) -> PlannedPost:
    """A plan that could not be read: shown with its error, sorted first."""
    never = datetime.min.replace(tzinfo=UTC)
    line = error.line if error.path == shown else None
    return PlannedPost(
        id="", source=shown, line=line, network="?", account="?", at=never, status="error", errors=[error]
    )
