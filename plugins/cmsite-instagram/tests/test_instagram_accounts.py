"""`cmsite accounts` and `cmsite accounts login instagram` against the loopback Graph API that checks
the token: a token it accepts gives the account's @username, a missing token and user_id are named
(Instagram is not asked), a token it refuses says what to do, and a login writes only what was
checked; nothing is posted."""

from __future__ import annotations

import pytest
from fake_instagram import TOKEN, USER, FakeInstagram

from cmsite.social.login import LoginError
from cmsite.testing import Answers, accounts_checked, env_values

MISSING = [
    "INSTAGRAM_ACCESS_TOKEN is not set; put it in the environment or the site's .env",
    "no user_id for Instagram account 'default'; set user_id = \"17841400000000000\" under [networks.instagram]",
]
REFUSED = [
    "Instagram refused the account's credentials (400): Invalid OAuth access token - Cannot parse access "
    "token (code 190); get a new access token and put it in INSTAGRAM_ACCESS_TOKEN"
]


def configure(site, server, user_id: str | None = USER):
    """The site's [networks.instagram], with only this plugin enabled, and a plan that uses it."""
    user = f'user_id = "{user_id}"\n' if user_id else ""
    config = site.root / "cmsite.toml"
    config.write_text(
        config.read_text()
        + f'\n[plugins]\nenable = ["instagram"]\n\n[networks.instagram]\napi = "{server.url}"\n{user}'
    )
    return site


@pytest.mark.parametrize(
    ("token", "user_id", "state", "details"),
    [
        (TOKEN, USER, "accepted", []),
        ("", None, "missing", MISSING),
        ("an-expired-instagram-token", USER, "refused", REFUSED),
    ],
    ids=["good", "missing", "refused"],
)
def test_cmsite_accounts_reads_the_instagram_profile(
    cmsite_site, loopback_server, token, user_id, state, details
):
    instagram = FakeInstagram()
    loopback_server.handler(instagram)
    site = configure(cmsite_site, loopback_server, user_id)
    secrets = [TOKEN, "an-expired-instagram-token"]
    code, rows = accounts_checked(site, {"INSTAGRAM_ACCESS_TOKEN": token}, secrets)
    row = rows["instagram (default)"]
    assert (code, row["state"], row["details"]) == (int(state != "accepted"), state, details)
    assert row["name"] == ("@carnet.de.route" if state == "accepted" else None)
    asked = [(method, path) for method, path, _ in instagram.calls]
    assert asked == ([] if state == "missing" else [("GET", f"/v25.0/{USER}")]) and not instagram.media


@pytest.mark.parametrize("token", [TOKEN, "an-expired-instagram-token"], ids=["good", "refused"])
def test_login_asks_the_account_id_and_the_token_then_checks_them(cmsite_site, loopback_server, token):
    from cmsite.social.login import log_in

    instagram = FakeInstagram()
    loopback_server.handler(instagram)
    site = configure(cmsite_site, loopback_server, user_id=None)
    answers = Answers(USER, token)
    if token == TOKEN:
        logged = log_in(site.site(), "instagram", "default", answers, {})
        assert logged.name == "@carnet.de.route"
        assert env_values(site.root) == {"INSTAGRAM_ACCESS_TOKEN": TOKEN}
        assert f'user_id = "{USER}"' in (site.root / "cmsite.toml").read_text()
    else:
        with pytest.raises(
            LoginError, match=r"^Instagram refused the account's credentials \(400\).*nothing was"
        ):
            log_in(site.site(), "instagram", "default", answers, {})
        assert not (site.root / ".env").exists()
    assert answers.asked == [
        ("ask", "user_id (like 17841400000000000)"),
        ("secret", "INSTAGRAM_ACCESS_TOKEN"),
    ]
    help_text = answers.said[0]
    assert "instagram_business_content_publish" in help_text and "instagram_content_publish" in help_text
    assert [(method, path) for method, path, _ in instagram.calls] == [("GET", f"/v25.0/{USER}")]
