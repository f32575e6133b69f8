"""Several accounts in one fake: ``FakeTwilio.add_account`` in-process, ``--account
SID:TOKEN`` and ``/_fakeconf/accounts`` in server mode. Each account sees only its own
resources, through the API and through the control endpoints, as separate accounts
would; they share the clock, the schedule and the webhook routes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeconfError, FakeTwilio, NotFoundError
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.cli import account, main

from .test_server import ServeProcess

UTC = dt.timezone.utc
SID_B, TOKEN_B = "AC" + "b" * 32, "token-b"
SID_C, TOKEN_C = "AC" + "c" * 32, "token-c"


# -- in-process ---------------------------------------------------------------------------


def test_add_account_returns_the_fake_as_the_new_account_sees_it() -> None:
    fake = FakeTwilio(seed="accounts")
    other = fake.add_account(SID_B, TOKEN_B)
    assert (other.account_sid, other.auth_token) == (SID_B, TOKEN_B)
    assert fake.account_sids == [fake.account_sid, SID_B]
    mine, theirs = fake.create_conference("Mine"), other.create_conference("Theirs")
    assert [c.sid for c in fake.conferences] == [mine.sid]
    assert [c.sid for c in other.conferences] == [theirs.sid]
    with pytest.raises(NotFoundError):
        fake.get_conference(theirs.sid)
    with pytest.raises(NotFoundError):
        other.get_conference(mine.sid)
    assert other.get_conference(theirs.sid).friendly_name == "Theirs"
    # the same backend: one clock, one SID stream, one journal
    assert other.clock is fake.clock and other.seed == fake.seed
    assert repr(other) == f"<FakeTwilio {SID_B} seed='accounts'>"


def test_add_account_draws_credentials_from_the_seed() -> None:
    first, second = FakeTwilio(seed="drawn"), FakeTwilio(seed="drawn")
    a, b = first.add_account(), second.add_account()
    assert (a.account_sid, a.auth_token) == (b.account_sid, b.auth_token)
    assert a.account_sid != first.account_sid
    assert a.account_sid.startswith("AC") and len(a.account_sid) == 34


def test_add_account_refuses_a_bad_or_taken_sid() -> None:
    fake = FakeTwilio(seed=1)
    with pytest.raises(ValueError, match="account_sid"):
        fake.add_account("ACnope")
    with pytest.raises(ValueError, match="auth_token"):
        fake.add_account(SID_B, "")
    fake.add_account(SID_B, TOKEN_B)
    with pytest.raises(FakeconfError, match="already exists"):
        fake.add_account(SID_B)
    with pytest.raises(FakeconfError, match="already exists"):
        fake.add_account(fake.account_sid)


def test_account_finds_a_view_and_the_main_fake() -> None:
    fake = FakeTwilio(seed=1)
    other = fake.add_account(SID_B, TOKEN_B)
    third = other.add_account(SID_C, TOKEN_C)  # from a view: the same fake
    assert fake.account_sids == [fake.account_sid, SID_B, SID_C]
    assert other.account(fake.account_sid) is fake
    assert third.account(SID_B).account_sid == SID_B
    with pytest.raises(NotFoundError):
        fake.account("AC" + "0" * 32)


def test_each_account_sees_its_own_events_and_calls() -> None:
    fake = FakeTwilio(seed=1)
    other = fake.add_account(SID_B, TOKEN_B)
    room = other.create_conference("Theirs")
    room.add_participant(label="agent")
    assert {e.conference_sid for e in other.events} == {room.sid}
    assert fake.events == []
    assert [c.sid for c in other.calls] == [room.participants[0].call_sid]
    assert fake.calls == []
    mine = fake.create_conference("Mine")
    assert {e.conference_sid for e in fake.events} == {mine.sid}


def test_reset_keeps_every_account_and_forgets_their_data() -> None:
    fake = FakeTwilio(seed=1)
    other = fake.add_account(SID_B, TOKEN_B)
    drawn = fake.add_account()
    other.create_conference("Gone")
    other.reset()  # a view resets the whole fake
    assert fake.account_sids == [fake.account_sid, SID_B, drawn.account_sid]
    assert other.conferences == []
    room = other.create_conference("After")
    assert [c.sid for c in fake.account(SID_B).conferences] == [room.sid]
    fake.reset()
    assert fake.account(drawn.account_sid).auth_token == drawn.auth_token


def test_settings_set_through_a_view_are_the_fakes() -> None:
    fake = FakeTwilio(seed=1)
    other = fake.add_account(SID_B, TOKEN_B)
    other.journal_size = 3
    assert fake.journal_size == 3
    assert "journal_size" not in vars(other)


def test_the_fixture_fake_serves_both_accounts_to_the_real_client(fakeconf: FakeTwilio) -> None:
    other = fakeconf.add_account(SID_B, TOKEN_B)
    theirs = other.create_conference("Theirs")
    mine = fakeconf.create_conference("Mine")
    a = Client(fakeconf.account_sid, fakeconf.auth_token)
    b = Client(SID_B, TOKEN_B)
    assert [c.sid for c in a.conferences.list()] == [mine.sid]
    assert [c.sid for c in b.conferences.list()] == [theirs.sid]
    b.conferences(theirs.sid).update(status="completed")
    assert theirs.status == "completed"
    with pytest.raises(TwilioRestException) as caught:  # B's credentials on A's path
        Client(SID_B, TOKEN_B, fakeconf.account_sid).conferences(mine.sid).fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    with pytest.raises(TwilioRestException) as caught:  # A's conference on B's path
        b.conferences(mine.sid).fetch()
    assert caught.value.status == 404


# -- server mode --------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[FakeconfServer]:
    with FakeconfServer(FakeTwilio(seed="served-accounts"), port=0) as started:
        yield started


def control(
    server: FakeconfServer, method: str, path: str, creds: tuple[str, str], body: object = None
) -> requests.Response:
    return requests.request(
        method, f"{server.base_url}/_fakeconf/{path}", auth=creds, json=body, timeout=10
    )


def main_creds(server: FakeconfServer) -> tuple[str, str]:
    return (server.fake.account_sid, server.fake.auth_token)


def test_post_accounts_adds_one_and_get_lists_sids_never_tokens(server: FakeconfServer) -> None:
    mine = main_creds(server)
    added = control(server, "POST", "accounts", mine, {"account_sid": SID_B, "auth_token": TOKEN_B})
    assert added.status_code == 201
    assert added.json() == {"account_sid": SID_B, "auth_token": TOKEN_B}
    drawn = control(server, "POST", "accounts", mine)
    assert drawn.status_code == 201
    drawn_sid = drawn.json()["account_sid"]
    assert drawn_sid.startswith("AC") and drawn.json()["auth_token"]
    listed = control(server, "GET", "accounts", (SID_B, TOKEN_B))
    assert listed.status_code == 200
    assert listed.json() == {
        "accounts": [
            {"account_sid": mine[0], "default": True},
            {"account_sid": SID_B, "default": False},
            {"account_sid": drawn_sid, "default": False},
        ]
    }
    assert TOKEN_B not in listed.text and mine[1] not in listed.text


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"account_sid": "ACnope"}, 400, "account_sid must be"),
        ({"account_sid": 5}, 400, "account_sid must be a string"),
        ({"auth_token": ""}, 400, "auth_token must be"),
        ({"sid": SID_B}, 400, "unknown account option"),
        ({"account_sid": SID_B}, 409, "already exists"),
    ],
)
def test_post_accounts_refuses_bad_input(
    server: FakeconfServer, body: dict[str, object], status: int, words: str
) -> None:
    server.fake.add_account(SID_B, TOKEN_B)
    response = control(server, "POST", "accounts", main_creds(server), body)
    assert response.status_code == status, response.text
    assert words in response.json()["error"]
    assert len(server.fake.account_sids) == 2


def test_accounts_are_isolated_over_http(server: FakeconfServer) -> None:
    mine = main_creds(server)
    assert control(server, "POST", "accounts", mine, {"account_sid": SID_B}).status_code == 201
    token_b = server.fake.account(SID_B).auth_token
    theirs = (SID_B, token_b)
    created = control(server, "POST", "conferences", theirs, {"friendly_name": "Theirs"})
    assert created.status_code == 201
    room = created.json()
    assert room["account_sid"] == SID_B
    b = Client(SID_B, token_b)
    b.api.base_url = server.base_url
    a = Client(*mine)
    a.api.base_url = server.base_url
    assert [c.sid for c in b.conferences.list()] == [room["sid"]]
    assert a.conferences.list() == []
    # control acts on the account the credentials open
    assert control(server, "GET", "state", mine).json()["conferences"] == []
    state_b = control(server, "GET", "state", theirs).json()
    assert state_b["account_sid"] == SID_B
    assert [c["sid"] for c in state_b["conferences"]] == [room["sid"]]
    ended = control(server, "POST", f"conferences/{room['sid']}/end", mine)
    assert ended.status_code == 404  # not A's conference
    assert control(server, "POST", f"conferences/{room['sid']}/end", theirs).status_code == 200
    # the API: B's credentials on A's path, and B's token for A's SID
    url = f"{server.base_url}/2010-04-01/Accounts/{mine[0]}/Conferences.json"
    for creds in (theirs, (mine[0], token_b)):
        refused = requests.get(url, auth=creds, timeout=10)
        assert refused.status_code == 401
        assert refused.json()["code"] == 20003
    # reset forgets the data of every account, not the accounts
    assert control(server, "POST", "reset", theirs).status_code == 200
    assert control(server, "GET", "state", theirs).json()["conferences"] == []
    assert b.conferences.list(status="completed") == []


def test_serve_takes_several_accounts_the_first_printed() -> None:
    started = ServeProcess(
        "--port", "0", "--account", f"{SID_B}:{TOKEN_B}", "--account", f"{SID_C}:{TOKEN_C}"
    )
    try:
        base_url, sid, token = started.banner()
        assert (sid, token) == (SID_B, TOKEN_B)
        assert started.read_line() == "  and 1 more account(s): GET /_fakeconf/accounts"
        client = Client(SID_C, TOKEN_C)
        client.api.base_url = base_url
        room = client.conferences.list()
        assert room == []
        listed = requests.get(f"{base_url}/_fakeconf/accounts", auth=(SID_C, TOKEN_C), timeout=10)
        assert [a["account_sid"] for a in listed.json()["accounts"]] == [SID_B, SID_C]
    finally:
        started.close()


def test_serve_keeps_account_sid_as_the_default_beside_accounts() -> None:
    started = ServeProcess(
        "--port",
        "0",
        "--account-sid",
        SID_C,
        "--auth-token",
        TOKEN_C,
        "--account",
        f"{SID_B}:{TOKEN_B}",
    )
    try:
        base_url, sid, token = started.banner()
        assert (sid, token) == (SID_C, TOKEN_C)
        client = Client(SID_B, TOKEN_B)
        client.api.base_url = base_url
        assert client.conferences.list() == []
    finally:
        started.close()


def test_serve_refuses_bad_accounts(capsys: pytest.CaptureFixture[str]) -> None:
    assert account(f"{SID_B}:a:b") == (SID_B, "a:b")  # a token may hold colons
    for bad in ([f"{SID_B}"], [f"{SID_B}:"], [f":{TOKEN_B}"], ["ACnope:token"]):
        with pytest.raises(SystemExit):
            main(["serve", "--port", "0", *[f"--account={a}" for a in bad]])
    with pytest.raises(SystemExit):
        main(["serve", "--account", f"{SID_B}:x", "--account", f"{SID_B}:y"])
    assert "already exists" in capsys.readouterr().err


def test_a_webhook_about_another_account_is_signed_with_that_accounts_token() -> None:
    """An app validates ``X-Twilio-Signature`` with the token of the account the
    webhook is about (its ``AccountSid``), as each account's own app would."""
    from twilio.request_validator import RequestValidator

    fake = FakeTwilio(seed="signing")
    other = fake.add_account(SID_B, TOKEN_B)
    fake.route_webhooks("https://app.example", lambda environ, start: [b""])
    client = Client(SID_B, TOKEN_B)
    with fake:
        client.calls.create(
            to="+15005550006",
            from_="+15005550001",
            twiml="<Response><Hangup/></Response>",
            status_callback="https://app.example/status",
        )
    sent = [w for w in other.webhooks if w.url.startswith("https://app.example/status")]
    assert sent and all(w.params["AccountSid"] == SID_B for w in sent)
    for delivery in sent:
        signature = delivery.headers["X-Twilio-Signature"]
        assert RequestValidator(TOKEN_B).validate(delivery.url, dict(delivery.params), signature)
        assert not RequestValidator(fake.auth_token).validate(
            delivery.url, dict(delivery.params), signature
        )
