"""Who may call the fake, which hosts it answers, and how it shares ``requests``."""

from __future__ import annotations

import base64

import pytest
import requests
import responses
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

AUTHENTICATE = {
    "code": 20003,
    "message": "Authenticate",
    "more_info": "https://www.twilio.com/docs/errors/20003",
    "status": 401,
}


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer abc",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
        "Basic",
    ],
)
def test_missing_or_malformed_credentials_are_401(
    fakeconf: FakeTwilio, account_url: str, authorization: str | None
) -> None:
    room = fakeconf.create_conference("Secret")
    headers = {} if authorization is None else {"Authorization": authorization}
    response = requests.get(f"{account_url}/Conferences/{room.sid}.json", headers=headers)
    assert response.status_code == 401
    assert response.json() == AUTHENTICATE
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    assert "Secret" not in response.text


def test_wrong_token_is_401_through_the_client(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Secret")
    with pytest.raises(TwilioRestException) as caught:
        Client(fakeconf.account_sid, fakeconf.auth_token + "x").conferences(room.sid).fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    with pytest.raises(TwilioException):
        Client(fakeconf.account_sid, "wrong").conferences.list()


def test_unauthenticated_requests_change_nothing(fakeconf: FakeTwilio, account_url: str) -> None:
    room = fakeconf.create_conference("Secret")
    response = requests.post(
        f"{account_url}/Conferences/{room.sid}.json",
        data={"Status": "completed"},
        auth=(fakeconf.account_sid, "wrong"),
    )
    assert response.status_code == 401
    assert room.status == "in-progress"


def test_path_account_must_belong_to_the_credentials(fakeconf: FakeTwilio) -> None:
    other = "AC" + "f" * 32
    response = requests.get(
        f"https://api.twilio.com/2010-04-01/Accounts/{other}/Conferences.json",
        auth=(fakeconf.account_sid, fakeconf.auth_token),
    )
    assert response.status_code == 401
    assert response.json() == AUTHENTICATE


def test_api_key_authenticates_for_its_account(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Keyed")
    key = fakeconf.create_api_key()
    assert key.sid.startswith("SK") and len(key.sid) == 34
    client = Client(key.sid, key.secret, fakeconf.account_sid)
    assert client.conferences(room.sid).fetch().friendly_name == "Keyed"
    with pytest.raises(TwilioRestException) as caught:
        Client(key.sid, "not-the-secret", fakeconf.account_sid).conferences(room.sid).fetch()
    assert caught.value.status == 401


def test_api_key_without_account_sid_puts_the_key_in_the_path_and_is_refused(
    fakeconf: FakeTwilio,
) -> None:
    # twilio-python uses the username as the path account when none is given.
    key = fakeconf.create_api_key()
    with pytest.raises(TwilioException):
        Client(key.sid, key.secret).conferences.list()


@pytest.mark.fakeconf(account_sid="AC" + "1" * 32, auth_token="tok")
def test_marker_fixes_the_credentials(fakeconf: FakeTwilio) -> None:
    assert (fakeconf.account_sid, fakeconf.auth_token) == ("AC" + "1" * 32, "tok")
    room = fakeconf.create_conference("Marked")
    assert Client("AC" + "1" * 32, "tok").conferences(room.sid).fetch().sid == room.sid


@pytest.mark.parametrize(
    ("edge", "region", "host"),
    [
        ("sydney", "au1", "api.sydney.au1.twilio.com"),
        (None, "ie1", "api.ie1.twilio.com"),
        ("dublin", None, "api.dublin.us1.twilio.com"),
    ],
)
def test_regional_hosts_are_answered(
    fakeconf: FakeTwilio, edge: str | None, region: str | None, host: str
) -> None:
    room = fakeconf.create_conference("Regional")
    client = Client(fakeconf.account_sid, fakeconf.auth_token, edge=edge, region=region)
    assert client.conferences(room.sid).fetch().sid == room.sid
    assert fakeconf.requests[-1].url.startswith(f"https://{host}/2010-04-01/")


def test_client_built_before_the_fake_started_is_intercepted() -> None:
    fake = FakeTwilio(seed="early")
    client = Client(fake.account_sid, fake.auth_token)
    room = fake.create_conference("Early")
    with fake:
        assert client.conferences(room.sid).fetch().sid == room.sid


def test_unimplemented_twilio_endpoint_gets_a_404_that_says_so(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    response = http.post(f"{account_url}/Messages.json", data={"To": "+15550001111", "Body": "hi"})
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == 20404
    assert "pytest-fakeconf does not implement this endpoint" in body["message"]
    other_host = http.get("https://video.twilio.com/v1/Rooms")
    assert other_host.status_code == 404
    assert "does not implement" in other_host.json()["message"]


def test_unknown_conference_subpath_is_a_404_that_says_so(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    # No route declares it (Twilio has no such endpoint either): the route registry
    # decides what is implemented, not a prefix. A missing record on a declared route
    # stays a plain 404 (test_routes.py).
    room = fakeconf.create_conference("Room")
    response = http.get(f"{account_url}/Conferences/{room.sid}/Nope.json")
    assert response.status_code == 404
    assert response.json()["message"].endswith(
        "was not found (pytest-fakeconf does not implement this endpoint)"
    )


def test_test_stubs_on_the_fakes_mock_win_over_the_fake(
    fakeconf: FakeTwilio, client: Client
) -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Messages.json"
    fakeconf.mock.add(responses.POST, url, json={"sid": "SM" + "0" * 32}, status=201)
    message = client.messages.create(to="+15550001111", from_="+15550002222", body="hi")
    assert message.sid == "SM" + "0" * 32
    # the stub does not swallow the conference API
    room = fakeconf.create_conference("Room")
    assert client.conferences(room.sid).fetch().sid == room.sid
    assert client.conferences(room.sid).fetch().sid == room.sid


def test_other_hosts_pass_through_to_an_outer_responses_mock() -> None:
    with responses.RequestsMock() as outer:
        outer.add(responses.GET, "https://example.com/hello", body="outer")
        with FakeTwilio(seed="nest") as fake:
            assert requests.get("https://example.com/hello").text == "outer"
            room = fake.create_conference("Room")
            answered = requests.get(
                f"https://api.twilio.com/2010-04-01/Accounts/{fake.account_sid}/Conferences/{room.sid}.json",
                auth=(fake.account_sid, fake.auth_token),
            )
            assert answered.json()["sid"] == room.sid
        assert [c.request.url for c in outer.calls] == ["https://example.com/hello"]


def test_nothing_is_intercepted_after_stop() -> None:
    original = HTTPAdapter.send
    fake = FakeTwilio(seed="stop")
    with fake:
        assert HTTPAdapter.send is not original
        assert fake.started
    assert HTTPAdapter.send is original
    assert not fake.started
    with pytest.raises(RuntimeError):
        _ = fake.mock


def test_journal_records_requests_in_order_with_their_answers(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Room")
    client.conferences(room.sid).fetch()
    client.conferences.list(status="in-progress")
    client.conferences(room.sid).update(status="completed")
    journal = fakeconf.requests
    assert [(r.method, r.status_code) for r in journal] == [
        ("GET", 200),
        ("GET", 200),
        ("POST", 200),
    ]
    assert journal[1].params == {"Status": "in-progress"}
    assert journal[2].json()["status"] == "completed"
    assert journal[0].headers["Authorization"].startswith("Basic ")


def test_the_own_account_resource_is_an_unimplemented_404_not_a_401(fakeconf: FakeTwilio) -> None:
    # Regression: the account pattern swallowed ".json", so the account SID read
    # "AC….json", did not match the credentials and answered 401.
    url = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}.json"
    response = requests.get(url, auth=(fakeconf.account_sid, fakeconf.auth_token), timeout=5)
    assert response.status_code == 404
    assert response.json()["code"] == 20404
    assert "does not implement" in response.json()["message"]
