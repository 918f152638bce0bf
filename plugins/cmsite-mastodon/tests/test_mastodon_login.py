"""`cmsite accounts login mastodon`, against mastodon-mock through the recording proxy: cmsite
registers as an app, the person opens the authorisation page and pastes the code it shows, the
token is checked with the account's credentials, then written to .env (mode 0600), and the
instance to cmsite.toml. Each request is checked as Mastodon's docs (methods/apps, methods/oauth)
define it."""

from __future__ import annotations

import re
import tomllib
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cmsite_mastodon import LOGIN_SCOPES, _address

from cmsite.social.login import LoginError
from cmsite.testing import Answers, env_values, login_with, plan_on

OUT_OF_BAND = "urn:ietf:wg:oauth:2.0:oob"
SCOPE = "read:accounts read:statuses write:media write:statuses"


def form(request) -> dict[str, str]:
    """A form-encoded body, each field once."""
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    fields = parse_qs(request.body.decode(), keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in fields.values())
    return {key: values[0] for key, values in fields.items()}


def authorise_as(username: str, front_url: str, code: str | None = None):
    """What the person does with the address the login gave: open it (the authorisation page must
    be asked as the docs say), pick the account on mastodon-mock's page, and read the code it
    shows — or give `code` instead."""

    def person(said: list[str]) -> str:
        (address,) = re.findall(r"https?://\S+", said[-1])
        parts = urlsplit(address)
        assert f"{parts.scheme}://{parts.netloc}" == front_url and parts.path == "/oauth/authorize"
        query = {key: values[0] for key, values in parse_qs(parts.query, strict_parsing=True).items()}
        assert query.pop("force_login", None) in (None, "true")
        assert query == {
            "response_type": "code", "client_id": query["client_id"], "redirect_uri": OUT_OF_BAND, "scope": SCOPE,
        }  # fmt: skip
        page = httpx.get(address)
        assert page.status_code == 200 and f'value="{username}"' in page.text
        chosen = httpx.post(f"{front_url}/oauth/authorize", data={**query, "username": username})
        shown = re.search(r"Authorization code: (\S+)</p>", chosen.text)
        return code or shown.group(1)

    return person


def test_the_oauth_flow_gets_a_token_checks_it_and_writes_it(cmsite_site, front, proxy):
    site = plan_on(cmsite_site, "mastodon", "Meetup tonight.", {}, alone=True)
    answers = Answers(front.url, authorise_as("alice", front.url))
    done = login_with(site, "mastodon", answers)
    assert answers.asked == [
        ("ask", "instance (like https://social.example)"),
        ("ask", "The authorisation code the page shows"),
    ]
    assert "log in to 127.0.0.1 as the account cmsite posts as" in answers.said[0]
    assert "force_login" not in answers.said[0]  # the default account: whoever is logged in
    register, page, picked, token, verify = (r for r in front.requests)
    assert (register.method, register.path) == ("POST", "/api/v1/apps")
    assert form(register) == {"client_name": "cmsite", "redirect_uris": OUT_OF_BAND, "scopes": SCOPE}
    assert (page.method, picked.method) == ("GET", "POST")  # the person, in a browser
    assert (token.method, token.path) == ("POST", "/oauth/token")
    sent = form(token)
    assert sent == {
        "grant_type": "authorization_code", "code": "mockcode_alice", "client_id": sent["client_id"],
        "client_secret": sent["client_secret"], "redirect_uri": OUT_OF_BAND, "scope": SCOPE,
    }  # fmt: skip
    assert parse_qs(urlsplit(page.path).query)["client_id"] == [sent["client_id"]]
    written = env_values(site.root)["MASTODON_ACCESS_TOKEN"]
    assert (verify.method, verify.path) == ("GET", "/api/v1/accounts/verify_credentials")
    assert verify.headers["Authorization"] == f"Bearer {written}"
    assert (done.name, done.variables) == ("@alice@mock.local", ("MASTODON_ACCESS_TOKEN",))
    config = tomllib.loads((site.root / "cmsite.toml").read_text())
    assert config["networks"]["mastodon"] == {"instance": front.url}
    assert ".env" in (site.root / ".gitignore").read_text().splitlines()
    assert not any(written in text for text in [*answers.said, *done.notes])
    assert tuple(LOGIN_SCOPES) == tuple(SCOPE.split())


def test_another_account_gets_its_own_variable_and_table_and_logs_in_afresh(cmsite_site, front, proxy):
    site = plan_on(cmsite_site, "mastodon", "Meetup tonight.", {"instance": front.url}, alone=True)
    answers = Answers(authorise_as("bob", front.url))
    done = login_with(site, "mastodon", answers, account="team")
    assert [question for _, question in answers.asked] == ["The authorisation code the page shows"]
    assert "force_login=true" in answers.said[0]  # not the account the browser is logged in as
    assert done.name == "@bob@mock.local" and list(env_values(site.root)) == ["MASTODON_TEAM_ACCESS_TOKEN"]
    assert "team" not in tomllib.loads((site.root / "cmsite.toml").read_text())["networks"]["mastodon"]


def test_a_wrong_code_is_refused_and_nothing_is_written(cmsite_site, front, proxy):
    site = plan_on(cmsite_site, "mastodon", "Meetup tonight.", {}, alone=True)
    config = (site.root / "cmsite.toml").read_text()
    with pytest.raises(LoginError) as caught:
        login_with(
            site, "mastodon", Answers(front.url, authorise_as("alice", front.url, code="not-the-code"))
        )
    assert str(caught.value) == (
        "Mastodon refused the authorisation code (400): invalid_grant; run the login again and paste the code "
        "the page shows (each code works once, for minutes); nothing was written"
    )
    assert not (site.root / ".env").exists() and (site.root / "cmsite.toml").read_text() == config
    assert [r.path for r in front.requests if r.path.startswith("/api")] == ["/api/v1/apps"]


def test_an_address_that_is_not_mastodon_says_so(cmsite_site, loopback_server):
    loopback_server.reply(200, body=b"<html>a blog</html>", headers={"Content-Type": "text/html"})
    site = plan_on(cmsite_site, "mastodon", "Meetup tonight.", {"instance": loopback_server.url}, alone=True)
    with pytest.raises(
        LoginError, match=r"^Mastodon refused to register cmsite as an app \(200\): not an answer"
    ):
        login_with(site, "mastodon", Answers())


def test_an_instance_is_kept_as_an_address():
    assert [_address(typed) for typed in ("mastodon.social/", " https://social.example ", "http://127.0.0.1:9")] == [
        "https://mastodon.social", "https://social.example", "http://127.0.0.1:9",
    ]  # fmt: skip
