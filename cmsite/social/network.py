"""The interface every network plugin implements: one small class per network.

A plugin returns its subclasses from the `cmsite_networks` hook. cmsite asks the class
how long a text may be and how it is counted, to make and check excerpts; and, to send,
it makes one instance per account and calls `publish` (then `delete` or `metrics`).
Credentials come from environment variables named in `credentials`, read through
`Credentials`, whose values never appear in its repr or in error messages. What an account
needs is declared (`credentials`, `required_settings`), so that `missing_settings` names
everything it lacks at once, before anything is sent; `verify_credentials` asks the network,
read-only, who the account is; `login` gets an account's credentials from a person, through
the network's own authorisation flow where it has one (`cmsite accounts login`).

A post may be a thread of several parts. `publish` is a template method that owns the
sequence, so that every network resumes a half-sent thread the same way: a plugin sends
one part (`publish_one`) and, when it can, looks for one (`find_one`); the base class
skips the parts already confirmed, looks for the part whose fate is unknown before
sending it again, and reports each part as soon as the network confirmed it, so that
the queue records it before the next one goes out.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from cmsite import messages

if TYPE_CHECKING:
    from cmsite.social.excerpt import Excerpt
    from cmsite.social.media import Picture


@dataclass(frozen=True)
class Media:
    """A picture to attach, with the text that describes it to people who cannot see it."""

    path: str
    alt: str
    url: str | None = None  # where the deployed site serves it; None if the site does not publish the file
    # The point a crop keeps (fractions of the width and height from the top left); None: the centre.
    focus: tuple[float, float] | None = None


@dataclass
class SocialPost:
    """What is sent: the text of one post (or each post of a thread), its media and its link."""

    texts: list[str]
    media: list[Media] = field(default_factory=list)
    link: str | None = None
    title: str = ""
    summary: str = ""


@dataclass(frozen=True)
class Published:
    """What a network answered: the post's id there and the address people can open."""

    remote_id: str
    url: str


@dataclass(frozen=True)
class Action:
    """What cmsite asked a network, so that a refusal says what was refused and what to do next.

    `kind` (publish, delete, metrics, find or verify) lets a plugin pick its hints, such as the permission
    the token needs; `what` completes "X refused …".
    """

    kind: str
    what: str

    @classmethod
    def deleting(cls, remote_id: str) -> Action:
        return cls("delete", f"to delete post {remote_id}")

    @classmethod
    def counting(cls, remote_id: str) -> Action:
        return cls("metrics", f"the counts of post {remote_id}")

    def not_found(self, label: str) -> str:
        """The hint for a post the network does not know (404): gone already, or another account's."""
        return f"the post is not on {label} (deleted by hand already?) or belongs to another account"


PUBLISHING = Action("publish", "the post")
VERIFYING = Action("verify", "the account's credentials")  # `verify_credentials`: who the account is
COUNTING_ACCOUNT = Action("metrics", "the account's figures")  # `account_metrics`

# The names a network's counts go by, whatever the network calls them (Mastodon's favourites are
# likes, X's retweets and Facebook's shares are reposts, comments are replies, impressions are
# views, bookmarks are saves), so that a report adds up the same thing everywhere.
POST_METRICS = ("likes", "reposts", "replies", "quotes", "clicks", "saves", "views")
# What a person did with a post: the report's engagement, each network adding those it gives.
ENGAGEMENT = ("likes", "reposts", "replies", "quotes", "clicks", "saves")
ACCOUNT_METRICS = ("followers", "following", "posts")


def part_key(entry_key: str, number: int) -> str:
    """A thread part's idempotency key: the entry's id for the first part, `ID-2`, `ID-3`… after."""
    return entry_key if number == 0 else f"{entry_key}-{number + 1}"


@dataclass(frozen=True)
class Part:
    """One post of a thread as `publish_one` sends it (or `find_one` looks for it).

    The first part (`number` 0) carries the pictures and the link card; each later part
    answers the one before it (`reply_to`), in the thread that `root` started.
    """

    post: SocialPost
    number: int
    entry_key: str  # the queue entry's id: the same entry, the same keys, whatever the try
    reply_to: Published | None = None
    root: Published | None = None
    pictures: list[Picture] = field(default_factory=list)  # ready to upload, first part only
    since: datetime | None = None  # for `find_one`: an earlier try of this part began then, not before

    @property
    def text(self) -> str:
        return self.post.texts[self.number]

    @property
    def first(self) -> bool:
        return self.number == 0

    @property
    def key(self) -> str:
        return part_key(self.entry_key, self.number)

    @property
    def media(self) -> list[Media]:
        """The pictures' files and public addresses (for networks that fetch them): first part only."""
        return self.post.media if self.first else []

    @property
    def link(self) -> str | None:
        """The page the post links to, for a link card: first part only."""
        return self.post.link if self.first else None


class Progress(Protocol):
    """Who follows a send part by part (the queue): told before each part goes out, and as soon
    as the network confirmed one. Raising from `starting` stops the send before that part."""

    def starting(self, number: int) -> None: ...
    def sent(self, number: int, published: Published) -> None: ...


class Prompt(Protocol):
    """How a `login` talks with the person: the terminal for `cmsite accounts login`, a list of
    answers in tests. `say` is for instructions and addresses to open, never for a secret."""

    def say(self, text: str) -> None: ...
    def ask(self, question: str) -> str: ...  # an answer shown as it is typed (an address, a code)
    def secret(self, question: str) -> str: ...  # an answer never shown (a token, a password)


@dataclass(frozen=True)
class Login:
    """What a login got: the account's secrets by environment variable (for the site's .env) and
    the settings it asked for (for the account's table in cmsite.toml)."""

    secrets: dict[str, str]
    settings: dict[str, str] = field(default_factory=dict)


class _Silent:
    def starting(self, number: int) -> None:
        pass

    def sent(self, number: int, published: Published) -> None:
        pass


class PublishError(Exception):
    """A network refused or failed. `retry` says whether trying again later may work."""

    def __init__(
        self, message: str, *, retry: bool, retry_after: float | None = None, maybe_sent: bool = False
    ):
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent  # the request may have reached the network (a timeout after sending)


class Credentials(Mapping[str, str]):
    """Secrets from the environment (or .env), by variable name; never shown."""

    @classmethod
    def for_network(cls, network: type[Network], environ: Mapping[str, str]) -> Credentials:
        """Every variable the network declares, and every one named after it (MASTODON_TEAM_…)."""
        prefixes = tuple(f"{prefix.upper()}_" for prefix in (network.name, *network.credential_prefixes))
        names = tuple(dict.fromkeys([*network.credentials, *(k for k in environ if k.startswith(prefixes))]))
        return cls(names, environ)

    def __init__(self, names: tuple[str, ...], environ: Mapping[str, str] | None = None):
        environ = os.environ if environ is None else environ
        self._values = {name: environ[name] for name in names if environ.get(name)}
        self.missing = tuple(name for name in names if name not in self._values)

    def __getitem__(self, name: str) -> str:
        return self._values[name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Credentials({', '.join(self._values)}: hidden)"


class Network(ABC):
    """One social network. Subclass it, set the class attributes, implement `publish`."""

    name: ClassVar[str]  # e.g. "mastodon": what front matter and cmsite.toml call it
    label: ClassVar[str]  # e.g. "Mastodon": what people read
    max_length: ClassVar[int]
    counting: ClassVar[str] = "graphemes"  # x, mastodon, graphemes, threads or code_points
    # Pictures: how many one post takes, bytes per picture (a bigger one is sent as a smaller copy),
    # pixels per picture (None: no limit), the alt text's length (counted by `alt_counting`), and the
    # types taken as they are (another is sent as a JPEG copy). Plugins cite the network's docs.
    max_media: ClassVar[int] = 4
    max_media_bytes: ClassVar[int] = 5_000_000
    max_media_pixels: ClassVar[int | None] = None
    max_alt_length: ClassVar[int] = 1000
    alt_counting: ClassVar[str] = "code_points"
    media_types: ClassVar[frozenset[str]] = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
    # True: the network fetches each picture from the site's public URL (`Media.url`) instead of
    # receiving its bytes, so it gets the file as it is and cmsite cannot send a smaller copy.
    fetches_media: ClassVar[bool] = False
    # The shape ("16:9", "1.91:1") the network shows a picture in best: the copy sent is cropped to
    # it around the plan's focus point (cmsite/social/styling.py); None: sent in its own shape.
    # `[social.images.crop]` in cmsite.toml overrides it per network. Plugins cite the network's docs.
    preferred_aspect: ClassVar[str | None] = None
    # The environment variables the default account cannot send without; another account's are named
    # with its name after the network's (MASTODON_TEAM_ACCESS_TOKEN), but for `shared_credentials`,
    # which every account uses as they are (an app's keys).
    credentials: ClassVar[tuple[str, ...]] = ()
    shared_credentials: ClassVar[tuple[str, ...]] = ()
    credential_prefixes: ClassVar[
        tuple[str, ...]
    ] = ()  # other prefixes of its variables (DISCORD for discord…)
    deletes_threads: ClassVar[bool] = False  # True: `delete` removes a thread's later posts too
    settings: ClassVar[dict[str, tuple[type, Any]]] = {}  # per account, under [networks.NAME] in cmsite.toml
    # Of `settings`, those an account cannot send without, each with an example value for the message.
    required_settings: ClassVar[dict[str, str]] = {}
    # Where to get what the default `login` has pasted (a developer portal, a settings page).
    login_help: ClassVar[str] = ""

    def __init__(self, account: str, options: Mapping[str, Any], secrets: Credentials):
        """`options`: the account's settings from cmsite.toml, checked already; the defaults of
        `settings` fill in what it leaves out."""
        self.account = account
        defaults = {key: default for key, (_, default) in self.settings.items() if default is not None}
        self.options = {**defaults, **options}
        self.secrets = secrets

    @classmethod
    def account_variable(cls, account: str, name: str) -> str:
        """The variable `account` keeps the secret `name` in (a variable of `credentials`):
        MASTODON_ACCESS_TOKEN for the default account, MASTODON_TEAM_ACCESS_TOKEN for "team"."""
        prefix = f"{cls.name.upper()}_"
        if account == "default" or name in cls.shared_credentials or not name.startswith(prefix):
            return name
        return f"{prefix}{account.upper()}_{name.removeprefix(prefix)}"

    def secret_names(self) -> list[str]:
        """The environment variables this account cannot send without."""
        return [self.account_variable(self.account, name) for name in self.credentials]

    def missing_settings(self) -> list[str]:
        """Everything this account lacks to send — each unset variable of `secret_names`, each
        unset key of `required_settings` — with what to do, all at once. Nothing is asked of the
        network: `publish` and `cmsite accounts` call it before anything goes out."""
        secrets = [_unset_variable(name) for name in self.secret_names() if name not in self.secrets]
        return secrets + self.unset_settings()

    def unset_settings(self) -> list[str]:
        """Each key of `required_settings` this account's table leaves unset, with what to write.
        No secret is read: `cmsite check` reports them at each plan for the account."""
        return [self._unset_option(key) for key in self.required_settings if not self.options.get(key)]

    def account_secret(self, name: str) -> str:
        """The account's value of the secret `name` (a variable of `credentials`, as the default
        account names it); a missing one stops the send with the variable's name (never a value)."""
        variable = self.account_variable(self.account, name)
        if variable not in self.secrets:
            raise PublishError(_unset_variable(variable), retry=False)
        return self.secrets[variable]

    def required_option(self, key: str) -> Any:
        """A setting of `required_settings`; a missing one stops the send saying where to set it."""
        value = self.options.get(key)
        if not value:
            raise PublishError(self._unset_option(key), retry=False)
        return value

    def _unset_option(self, key: str) -> str:
        section = f"networks.{self.name}" + ("" if self.account == "default" else f".accounts.{self.account}")
        example = self.required_settings[key]
        return f"no {key} for {self.label} account {self.account!r}; set {key} = {example} under [{section}]"

    def verify_credentials(self) -> str:
        """Who the network says this account is (a handle, a name, a page), asked with one
        read-only request — never a post: `cmsite accounts` shows it, and a login checks with it.

        Called only once `missing_settings` is empty. Raise PublishError (action `VERIFYING`)
        when the network refuses the credentials (`retry=False`) or does not answer
        (`retry=True`); NotImplementedError, saying why, when the network gives no way to ask
        without posting.
        """
        raise NotImplementedError(f"{self.label}: this plugin cannot check an account without posting")

    def login(self, prompt: Prompt) -> Login:
        """What this account needs to send, from the person at `prompt`: `cmsite accounts login`
        checks it with `verify_credentials`, then writes it; a plugin neither checks nor writes.

        By default: each setting of `required_settings` the account lacks, then, after
        `login_help`, each credential pasted. A network with its own authorisation flow (OAuth)
        overrides it; raise PublishError when the network refuses a step.
        """
        settings = self.ask_settings(prompt)
        if self.login_help:
            prompt.say(self.login_help)
        return Login({name: prompt.secret(name) for name in self.secret_names()}, settings)

    def ask_settings(self, prompt: Prompt) -> dict[str, str]:
        """Each setting of `required_settings` the account lacks, asked with its example."""
        examples = {key: example.strip('"') for key, example in self.required_settings.items()}
        return {
            key: prompt.ask(f"{key} (like {example})")
            for key, example in examples.items()
            if not self.options.get(key)
        }

    @classmethod
    def count(cls, text: str) -> int:
        """The text's length as this network counts it (the text as written, before `prepare`).

        The counting rules are imported here: X's take a quarter of a second to import, which
        importing a network plugin (`cmsite --help`, `cmsite queue`) must not pay."""
        from cmsite.social import counting

        rule: Callable[[str], int] = counting.counter(cls.counting)
        return rule(text)

    @classmethod
    def prepare(cls, text: str) -> str:
        """The text exactly as it goes over the wire (LinkedIn escapes some characters).

        `SocialPost.texts` hold the text as written; `publish_one` prepares it.
        """
        return text

    @classmethod
    def excerpt(cls, text: str, tail: str, *, thread: bool = False, limit: int | None = None) -> Excerpt:
        """`text` then `tail` (link and hashtags), cut or threaded to fit this network."""
        from cmsite.social.excerpt import fit

        return fit(text, tail, cls.count, limit or cls.max_length, thread=thread)

    @classmethod
    def validate(cls, post: SocialPost) -> list[str]:
        """What is wrong with the post for this network, in words a writer can act on."""
        from cmsite.social import counting

        problems = []
        for number, text in enumerate(post.texts, 1):
            length = cls.count(text)
            if length > cls.max_length:
                where = f"post {number} of the thread" if len(post.texts) > 1 else "the text"
                problems.append(
                    f"{where} is {length} characters as {cls.label} counts them, over its limit of "
                    f"{cls.max_length}; shorten it or add `thread: true`"
                )
        if len(post.media) > cls.max_media:
            pictures = messages.count(len(post.media), "picture", "pictures")
            takes = f"at most {cls.max_media}" if cls.max_media else "none from cmsite yet"
            problems.append(f"{pictures}, and {cls.label} takes {takes}; remove `media:` for this network")
        for item in post.media:
            if not item.alt.strip():
                problems.append(f"{item.path} has no alt text; describe the picture with `alt:`")
            elif (length := counting.counter(cls.alt_counting)(item.alt)) > cls.max_alt_length:
                problems.append(
                    f"the alt text of {item.path} is {length} characters, over {cls.label}'s limit of "
                    f"{cls.max_alt_length}; shorten it"
                )
        return problems

    def pictures(self, post: SocialPost) -> list[Picture]:
        """The post's pictures as they go over the wire: each within this network's limits, with its alt.

        Called before anything is sent, so a picture that cannot be read stops the send at once.
        """
        from cmsite.social.media import MediaError, prepare

        try:
            return [
                prepare(
                    item.path,
                    item.alt,
                    max_bytes=self.max_media_bytes,
                    types=self.media_types,
                    max_pixels=self.max_media_pixels,
                )
                for item in post.media
            ]
        except MediaError as exc:
            raise PublishError(f"{self.label}: {exc}", retry=False) from None

    def publish(
        self,
        post: SocialPost,
        idempotency_key: str,
        *,
        sent: Sequence[Published] = (),
        unsure: bool = False,
        since: datetime | None = None,
        progress: Progress | None = None,
    ) -> Published:
        """Send the post's parts not yet `sent`, in order; the first part's Published.

        `sent`: the parts an earlier try confirmed (never sent again). `unsure`: the part
        after them may have gone out (a try stopped without an answer), so it is looked for
        with `find_one` first (`since`: when that try began, how far back to look);
        NotImplementedError from there means the network cannot be asked, and nothing is
        sent. A failure raises PublishError; the parts confirmed before it were told to
        `progress` already.
        """
        if missing := self.missing_settings():
            raise PublishError("; ".join(missing), retry=False)
        progress = progress or _Silent()
        done = list(sent)
        try:
            pictures = self.pictures(post) if not done else []  # a broken picture stops the send at once
            with self.session() as session:
                for number in range(len(done), len(post.texts)):
                    part = Part(
                        post,
                        number,
                        idempotency_key,
                        reply_to=done[-1] if done else None,
                        root=done[0] if done else None,
                        pictures=pictures if number == 0 else [],
                        since=since,
                    )
                    progress.starting(number)
                    found = self._call(self.find_one, session, part) if unsure else None
                    unsure = False  # looked: the part is there, or it was never sent
                    published = found or self._call(self.publish_one, session, part)
                    progress.sent(number, published)
                    done.append(published)
        except PublishError as error:
            # Stopped before the look (a login refused, a look rate-limited): the question stays open.
            error.maybe_sent = error.maybe_sent or unsure
            raise
        return done[0]

    def _call(self, method: Callable[[Any, Part], Published | None], session: Any, part: Part) -> Any:
        """A plugin's answer; anything but PublishError or NotImplementedError is a plugin bug that
        may have happened after the request went out, so the part may have been posted."""
        try:
            return method(session, part)
        except (PublishError, NotImplementedError):
            raise
        except Exception as exc:
            raise PublishError(
                f"{self.label}: {type(exc).__name__}: {exc}", retry=True, maybe_sent=True
            ) from None

    @contextmanager
    def session(self) -> Iterator[Any]:
        """What every part of one send shares (a logged-in client, a connection pool), closed after."""
        yield None

    @abstractmethod
    def publish_one(self, session: Any, part: Part) -> Published:
        """Send one part (`part.reply_to` the post it answers); raise PublishError on failure.

        Set `maybe_sent` on the error whenever the request may have reached the network
        (no answer, a 5xx, an answer that cannot be read): the part is then looked for
        before it is sent again.
        """

    def find_one(self, session: Any, part: Part) -> Published | None:
        """After a try whose outcome is unknown: the part if it is on the network, None if it is not.

        Networks look through the account's posts made since `part.since` for the text
        (answering `part.reply_to` when there is one), or fetch the record its key made. Raise
        NotImplementedError when the network gives no way to look; the entry then waits
        for a person to check.
        """
        raise NotImplementedError

    @classmethod
    def can_find(cls) -> bool:
        """Whether this network can be asked if a part is already there (it implements `find_one`)."""
        return cls.find_one is not Network.find_one

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """Take a published post down (`cmsite queue delete`): `remote_id` as `publish` returned it,
        `idempotency_key` the one it was sent with (a network that derives the ids of a thread's
        later posts from it removes those too, and sets `deletes_threads`).

        Raise PublishError when the network refuses, NotImplementedError saying what to do
        instead when it gives no way to delete.
        """
        raise NotImplementedError(
            f"{self.label}: this plugin cannot delete posts; delete it by hand on {self.label}"
        )

    def metrics(self, remote_id: str) -> dict[str, int]:
        """The counts the network gives for one post, under the names of POST_METRICS where they
        mean the same (a network's other counts keep a name of their own): `cmsite metrics` records
        them and the monthly report adds them up across networks.

        Raise PublishError (action `Action.counting`) when the network refuses or does not answer;
        NotImplementedError, saying so, when it gives no counts at all — never invent a zero.
        """
        raise NotImplementedError(f"{self.label} gives no counts of a post")

    def account_metrics(self) -> dict[str, int]:
        """The account's own figures (ACCOUNT_METRICS: followers, following, posts; a page's fans…)
        as the network gives them now, asked read-only, for the report's audience curves.

        Raise PublishError (action `COUNTING_ACCOUNT`) when the network refuses or does not answer;
        NotImplementedError, saying why, when it gives none for this kind of account.
        """
        raise NotImplementedError(f"{self.label} gives no figures of an account")


def _unset_variable(variable: str) -> str:
    return f"{variable} is not set; put it in the environment or the site's .env"
