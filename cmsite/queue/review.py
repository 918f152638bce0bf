"""`cmsite preview --since REF`: the social posts a branch adds, changes or removes, for a review.

The site is planned twice: as it is in the working tree, and as git has it at REF (its
files taken out with one `git archive REF:FOLDER` into a temporary folder, read by the
same planner). Plans are matched by entry id — the post, network, account and place of
the plan, as the queue matches them — and compared by what an approval approves: the
texts, the pictures and the time (cmsite.queue.approvals). Nothing is written in the site.
"""

from __future__ import annotations

import difflib
import io
import re
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cmsite.config import CONFIG_NAME
from cmsite.errors import ContentErrors, PluginError
from cmsite.queue.approvals import entry_digest, what_changed
from cmsite.queue.sync import entry_of
from cmsite.social.planner import PlannedPost, planned_posts
from cmsite.social.settings import needs_approval

if TYPE_CHECKING:
    from cmsite.site import Site

ADDED, CHANGED, REMOVED = "added", "changed", "removed"
_GIT_TIMEOUT = 120  # seconds: a large repository's archive


class ReviewError(Exception):
    """REF cannot be read, or the site at REF cannot be planned; the message says what to do."""


@dataclass(frozen=True)
class PostChange:
    """One social post the branch adds, changes or removes (`post` is the one before for a removal)."""

    kind: str  # added, changed, removed
    post: PlannedPost
    before: PlannedPost | None = None  # what a changed post was at REF
    what: tuple[str, ...] = ()  # of a changed post: text, pictures, time

    def as_dict(self, tz: tzinfo) -> dict[str, Any]:
        """A row of `cmsite preview --since REF --json`."""
        post = self.post
        row = {
            "change": self.kind, "what": list(self.what), "id": post.id, "source": post.source, "line": post.line,
            "network": post.network, "account": post.account, "at": post.at.astimezone(tz).isoformat(),
            "texts": post.written, "lengths": post.lengths, "limit": post.limit,
            "media": [{"path": m.path, "alt": m.alt} for m in post.media],
        }  # fmt: skip
        if self.before is not None:
            row["before"] = {"at": self.before.at.astimezone(tz).isoformat(), "texts": self.before.written}
        return row


@dataclass(frozen=True)
class Review:
    """What changed in the social posts since `ref`; `broken`: the plans with errors now."""

    ref: str
    changes: list[PostChange] = field(default_factory=list)
    broken: list[PlannedPost] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(change.kind == kind for change in self.changes)


def review(site: Site, ref: str) -> Review:
    """The planned social posts of the loaded `site` compared with those of the site at git `ref`."""
    now = planned_posts(site)
    before = {post.id: post for post in plans_at(site, ref) if post.id}
    after = {post.id: post for post in now if post.id}
    changes = [PostChange(ADDED, post) for key, post in after.items() if key not in before]
    for key in after.keys() & before.keys():
        old, new = entry_digest(entry_of(before[key])), entry_digest(entry_of(after[key]))
        if old != new:
            changes.append(PostChange(CHANGED, after[key], before[key], what_changed(old, new)))
    changes += [PostChange(REMOVED, post) for key, post in before.items() if key not in after]
    changes.sort(key=lambda c: (c.post.at, c.post.network, c.post.account, c.post.id))
    return Review(ref, changes, [post for post in now if post.errors])


def plans_at(site: Site, ref: str) -> list[PlannedPost]:
    """The planned social posts of the site as it is at `ref`: none where it had no cmsite.toml."""
    with tempfile.TemporaryDirectory(prefix="cmsite-since-") as folder:
        root = Path(folder)
        if not _extract(site.root, ref, root) or not (root / CONFIG_NAME).is_file():
            return []
        try:
            # a site like this one (its class: the queue comes before the site in the layers)
            then = type(site)(root, now=site.now, drafts=site.drafts, read_only=True)
            then.load()
            return planned_posts(then)
        except ContentErrors as exc:
            raise ReviewError(f"the site at {ref} cannot be read: {exc.errors[0]}") from None
        except PluginError as exc:
            raise ReviewError(f"the site at {ref} cannot be read: {exc}") from None


def _extract(folder: Path, ref: str, into: Path) -> bool:
    """Write the site's folder as git has it at `ref` into `into`; False when it did not exist then."""
    top, prefix = _git(folder, "rev-parse", "--show-toplevel", "--show-prefix").splitlines()
    _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", problem=_unknown(ref))
    found = subprocess.run(  # from the top: in a folder, git archive takes only that folder's files
        ["git", "archive", "--format=tar", f"{ref}:{prefix}"],
        cwd=top, capture_output=True, timeout=_GIT_TIMEOUT,
    )  # fmt: skip
    if found.returncode != 0:
        return False  # the folder is not in that commit's tree
    with tarfile.open(fileobj=io.BytesIO(found.stdout)) as archive:
        archive.extractall(into, filter="data")  # no link nor path out of `into`
    return True


def _git(folder: Path, *args: str, problem: str = "") -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=_GIT_TIMEOUT
        )
    except FileNotFoundError:
        raise ReviewError("--since compares with a git commit, and git is not installed") from None
    if done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise ReviewError(
            problem or f"--since needs the site in a git repository ({said[-1] if said else 'git failed'})"
        )
    return done.stdout


def _unknown(ref: str) -> str:
    return (
        f"--since: no commit {ref!r} in this git repository; give a branch, tag or commit, like origin/main "
        "(a shallow clone lacks older commits: fetch them, as with `fetch-depth: 0` on GitHub Actions)"
    )


def markdown(site: Site, found: Review) -> str:
    """The review as Markdown, ready to paste as a pull request's comment."""
    tz = site.config.tz
    counts = ", ".join(f"{found.count(kind)} {kind}" for kind in (ADDED, CHANGED, REMOVED))
    lines = ["## Social posts in this change", ""]
    if not found.changes:
        lines.append(f"No social post is added, changed or removed since `{found.ref}`.")
    else:
        lines.append(f"Compared with `{found.ref}`: {counts}. Times in {site.config.timezone}.")
    for change in found.changes:
        lines += ["", *_change(site, change, tz)]
    if found.broken:
        lines += ["", "### Plans with errors", ""]
        lines += [f"- {error}" for post in found.broken for error in post.errors]
    return "\n".join(lines) + "\n"


def _change(site: Site, change: PostChange, tz: tzinfo) -> list[str]:
    post = change.post
    network = site.networks.get(post.network)
    label = network.label if network else post.network
    when = _local(post.at, tz)
    if change.kind == REMOVED:
        return [
            f"### Removed: {label} ({post.account}), was {when}",
            "",
            f"Was planned in `{_where(post)}`:",
            "",
            *_block("\n\n".join(post.written)),
        ]
    title = f"### {change.kind.capitalize()}: {label} ({post.account}), {when}"
    if change.before is not None and "time" in change.what:
        title += f" (was {_local(change.before.at, tz)})"
    lines = [title, "", f"- planned in `{_where(post)}`"]
    if change.what:
        lines.append(f"- changed: {', '.join(change.what)}")
    lines += _approval(site, post)
    for number, (text, length) in enumerate(zip(post.written, post.lengths, strict=False), 1):
        part = f"Post {number} of {len(post.written)}, " if len(post.written) > 1 else ""
        over = " — **over the limit**" if length > post.limit else ""
        lines += ["", f"{part}{length}/{post.limit} characters{over}:", "", *_block(text)]
    if post.media:
        lines.append("")
    lines += [
        f"- picture `{m.path}`: alt “{m.alt}”" if m.alt else f"- picture `{m.path}`: **no alt text**"
        for m in post.media
    ]
    if change.before is not None and "text" in change.what:
        lines += ["", "The text before:", "", *_diff(change.before.written, post.written)]
    return lines


def _approval(site: Site, post: PlannedPost) -> list[str]:
    """Whether the post is approved in its plan, or how to approve it where approval is on."""
    if post.approval is not None:
        who = f" by {post.approval.by}" if post.approval.by else ""
        return [f"- approved{who} in the plan (`{post.approval.place}`)"]
    if needs_approval(site.config, post.network, post.account):
        return [
            f"- waits for approval: add `approved_by: NAME` to the plan, or run `cmsite queue approve {post.id}`"
        ]
    return []


def _diff(before: list[str], after: list[str]) -> list[str]:
    """The texts' changes, line by line (a thread's posts one after the other)."""
    old, new = "\n\n".join(before).splitlines(), "\n\n".join(after).splitlines()
    changed = list(difflib.unified_diff(old, new, lineterm="", n=2))[2:]  # without the ---/+++ header
    return _block("\n".join(changed), "diff")


def _block(text: str, language: str = "text") -> list[str]:
    """A fenced code block that holds the text exactly, whatever backticks it has."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{language}", *text.splitlines(), fence]


def _where(post: PlannedPost) -> str:
    return f"{post.source}:{post.line}" if post.line else post.source


def _local(moment: datetime, tz: tzinfo) -> str:
    return f"{moment.astimezone(tz):%a %Y-%m-%d %H:%M}"
