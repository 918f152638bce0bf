"""cmsite plugin: Pinterest, through its API v5 (api.pinterest.com/v5), with httpx (imported when sending).

A planned post becomes a Pin on a board: the post's title as the Pin's title, the excerpt as its
description, the post's address as its link, and one picture with its alt text. Pinterest
fetches the picture from the deployed site (`media_source` `image_url`), as Threads does, or,
with `upload = true`, gets its bytes (`image_base64`). Pinterest has no idempotency key: a Pin
whose answer was lost is looked for among the board's latest Pins before it is made again.

Each account pins to its `board`; a plan picks another board by naming another account, which may
share the default account's token (`token_of`). See README.md for the credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from cmsite.hookspecs import hookimpl
from cmsite.social.media import Picture, media_problems
from cmsite.social.network import (
    COUNTING_ACCOUNT,
    VERIFYING,
    Action,
    Login,
    Network,
    Part,
    Prompt,
    Published,
    PublishError,
    SocialPost,
)
from cmsite_pinterest import api, pins
from cmsite_pinterest.checks import picture_problems, pin_problems

FINDING = Action("find", "to list the board's Pins")


class Pinterest(Network):
    name = "pinterest"
    label = "Pinterest"
    # The description, counted in code points as the v5 schema's maxLength is (see pins.py for 500)
    max_length = pins.MAX_DESCRIPTION
    counting = "code_points"
    # One picture per Pin; Pinterest's image Pins take files up to 20 MB, and the upload's
    # content_type is image/jpeg or image/png (PinMediaSourceImageBase64), which cmsite holds to
    # for a fetched picture too. Alt text at most 500 characters (Pin.alt_text maxLength).
    max_media = 1
    max_media_bytes = 20_000_000
    media_types = frozenset({"image/jpeg", "image/png"})
    max_alt_length = pins.MAX_ALT
    fetches_media = True
    credentials = (api.TOKEN_VARIABLE,)
    settings: ClassVar[dict[str, tuple[type, Any]]] = {
        "board": (str, None),  # the board's id (digits): GET /v5/boards lists them
        "upload": (bool, False),  # send the picture's bytes instead of its address on the site
        "token_of": (str, None),  # another account whose token this one uses (a board per account)
        "find_page_size": (int, 25),  # how many of the board's latest Pins a lost answer is looked for in
        "app_id": (str, None),  # the Pinterest app for `cmsite accounts login` (OAuth)
        "redirect_uri": (str, "http://localhost:8085/"),  # one of the app's redirect URIs
        "oauth_page": (str, "https://www.pinterest.com/oauth/"),  # where a person authorises the app
    }
    required_settings: ClassVar[dict[str, str]] = {"board": '"549755885175"'}
    login_help = (
        "A Pinterest access token with the scopes pins:read, pins:write, boards:read and "
        "user_accounts:read: on developers.pinterest.com, My apps → your app → generate a token "
        "(it lasts 30 days), and paste it here."
    )
    # What `metrics` takes as now, for the analytics' date range (a test gives its own)
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    @classmethod
    def validate(cls, post: SocialPost) -> list[str]:
        """Each field counted against its own limit, one picture Pinterest can get, no thread."""
        pictures = super().validate(replace(post, texts=[]))
        many = [p for p in pictures if p.endswith("remove `media:` for this network")]
        return pin_problems(post) + [p for p in pictures if p not in many]

    def secret_names(self) -> list[str]:
        """The token of `token_of`'s account when set: several boards, one Pinterest login."""
        owner = self.options.get("token_of") or self.account
        return [self.account_variable(owner, name) for name in self.credentials]

    def account_secret(self, name: str) -> str:
        """The token `secret_names` names; an unset one stops the send, named as `missing_settings` does."""
        (variable,) = (v for v, n in zip(self.secret_names(), self.credentials, strict=True) if n == name)
        if variable not in self.secrets:
            raise PublishError("; ".join(self.missing_settings()), retry=False)
        return self.secrets[variable]

    def pictures(self, post: SocialPost) -> list[Picture]:
        """Checked before anything is sent; the bytes to upload with `upload`, else none: Pinterest
        fetches the file from the site as it is, so it must be a JPEG or PNG within the limits."""
        upload = bool(self.options.get("upload"))
        errors = picture_problems(post, fetched=not upload)
        if not upload:
            errors += media_problems(type(self), post.media, Path)[0]
        if errors:
            raise PublishError(f"Pinterest: {'; '.join(errors)}", retry=False)
        return super().pictures(post) if upload else []

    @contextmanager
    def session(self) -> Iterator[Any]:
        """One connection pool for the requests of a send."""
        import httpx

        with httpx.Client(
            base_url=self.options.get("api", api.API), timeout=self.options.get("timeout", 30)
        ) as client:
            yield client

    def _ask(self, client: Any, method: str, path: str, action: Action, **options: Any) -> Any:
        return api.request(
            client, self.account_secret(api.TOKEN_VARIABLE), method, path, action=action, **options
        )

    def _board(self) -> str:
        """The account's board id; a name or an address instead says how to find the id."""
        board = str(self.required_option("board")).strip()
        if not board.isdigit():
            raise PublishError(
                f"Pinterest: board {board!r} is not a board id; set board to the digits GET /v5/boards "
                "gives for it (`cmsite accounts login pinterest` lists them)",
                retry=False,
            )
        return board

    def publish_one(self, session: Any, part: Part) -> Published:
        """POST /v5/pins: the Pin on the account's board; Pinterest answers 201 with the Pin."""
        body = pins.pin_body(self._board(), part, part.pictures)
        pin = self._ask(session, "POST", "/pins", api.PUBLISHING, publishes=True, json=body)
        if not isinstance(pin, dict) or not pin.get("id"):
            raise PublishError(
                f"Pinterest: answered Create Pin without an id ({pin})", retry=True, maybe_sent=True
            )
        return _published(pin)

    def find_one(self, session: Any, part: Part) -> Published | None:
        """GET /v5/boards/{board_id}/pins: the board's latest Pins, looked through for the one with
        the part's link, title and description, made since the earlier try began."""
        listed = self._ask(
            session,
            "GET",
            f"/boards/{self._board()}/pins",
            FINDING,
            params={"page_size": int(self.options["find_page_size"])},
        )
        found = next((pin for pin in (listed or {}).get("items", []) if pins.is_the_pin(pin, part)), None)
        return _published(found) if found else None

    def delete(self, remote_id: str, idempotency_key: str | None = None) -> None:
        """DELETE /v5/pins/{pin_id}: Pinterest answers 204 No Content."""
        with self.session() as client:
            self._ask(client, "DELETE", f"/pins/{remote_id}", Action.deleting(remote_id))

    def metrics(self, remote_id: str) -> dict[str, int]:
        """GET /v5/pins/{pin_id}/analytics over the last 90 days, every app, not split: the summary
        of impressions (views), saves and clicks (pins.METRICS). Needs pins:read."""
        params = {
            **pins.analytics_window(self.clock()),
            "metric_types": ",".join(pins.METRICS),
            "app_types": "ALL",
            "split_field": "NO_SPLIT",
        }
        with self.session() as client:
            answer = self._ask(
                client, "GET", f"/pins/{remote_id}/analytics", Action.counting(remote_id), params=params
            )
        return pins.counts(((answer or {}).get("all") or {}).get("summary_metrics") or {})

    def account_metrics(self) -> dict[str, int]:
        """GET /v5/user_account: followers, following, posts (its Pins), boards and monthly views."""
        with self.session() as client:
            return pins.account_counts(self._ask(client, "GET", "/user_account", COUNTING_ACCOUNT) or {})

    def verify_credentials(self) -> str:
        """GET /v5/user_account (user_accounts:read): the account's @username."""
        with self.session() as client:
            account = self._ask(client, "GET", "/user_account", VERIFYING) or {}
        return f"@{account.get('username') or '?'}"

    def login(self, prompt: Prompt) -> Login:
        """OAuth when an app is known (`app_id`, or PINTEREST_APP_ID) or named when asked; a pasted
        token otherwise. Either way, the board is picked among the account's boards."""
        from cmsite_pinterest.oauth import log_in

        return log_in(self, prompt)


def _published(pin: dict[str, Any]) -> Published:
    return Published(str(pin["id"]), api.PIN_PAGE.format(id=pin["id"]))


@hookimpl
def cmsite_networks() -> list[type[Network]]:
    return [Pinterest]
