"""Hostile and extreme input never gets a 500: undecodable credentials, a URL that
does not parse, moments outside what the clock can hold, wrong JSON types on the
control endpoints. The fake answers Twilio's error body (API) or ``{"error": …}``
(control) and keeps serving afterwards."""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer

UTC = dt.timezone.utc
API = "https://api.twilio.com/2010-04-01"
AUTHENTICATE = {
    "code": 20003,
    "message": "Authenticate",
    "more_info": "https://www.twilio.com/docs/errors/20003",
    "status": 401,
}
UNDECODABLE = [
    "Basic ÄÖ",  # not ASCII, so not base64 at all
    "Basic \u20ac\u20ac\u20ac\u20ac",  # not even latin-1
    "Basic " + base64.b64encode(b"\xc3(:x").decode(),  # base64 of bytes that are not UTF-8
    "Basic " + base64.b64encode("AC\u00c4:tok".encode("latin-1")).decode(),
    "Basic YQ=\u00e9",
]


def control_url(server: FakeconfServer, path: str) -> str:
    return f"{server.base_url}/_fakeconf/{path}"


def credentials(server: FakeconfServer) -> tuple[str, str]:
    return server.fake.account_sid, server.fake.auth_token


def list_url(fake: FakeTwilio, base: str = API) -> str:
    return f"{base}/Accounts/{fake.account_sid}/Conferences.json"


def raw_http(server: FakeconfServer, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as is over a socket; (status, headers, body) of the answer."""
    host, port = server.base_url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


# -- 1. credentials that do not decode ----------------------------------------------------


@pytest.mark.parametrize("authorization", UNDECODABLE)
def test_undecodable_credentials_are_401_in_process(
    fakeconf: FakeTwilio, authorization: str
) -> None:
    room = fakeconf.create_conference("Secret")
    for method, url in [
        ("GET", list_url(fakeconf)),
        ("POST", f"{API}/Accounts/{fakeconf.account_sid}/Conferences/{room.sid}.json"),
        ("GET", f"{API}/Accounts/{fakeconf.account_sid}/Calls.json"),
        ("GET", f"{API}/Nowhere"),
    ]:
        response = fakeconf.answer(
            method, url, {"Authorization": authorization}, b"Status=completed"
        )
        assert response.status == 401, (method, url)
        assert json.loads(response.body) == AUTHENTICATE
        assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    assert room.status == "in-progress"
    assert [r.status_code for r in fakeconf.requests] == [401] * 4


def test_non_ascii_credentials_over_requests_are_401(fakeconf: FakeTwilio) -> None:
    for header in [b"Basic \xc3\x84\xc3\x96", "Basic ÄÖ"]:
        response = requests.get(list_url(fakeconf), headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.json() == AUTHENTICATE
        assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


def test_non_ascii_credentials_over_the_socket_are_401(fakeconf_server: FakeconfServer) -> None:
    fake = fakeconf_server.fake
    url = list_url(fake, f"{fakeconf_server.base_url}/2010-04-01")
    response = requests.get(url, headers={"Authorization": b"Basic \xc3\x84\xc3\x96"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == AUTHENTICATE
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
    # the same request with the real credentials still works (the server kept serving)
    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fakeconf_server.base_url
    assert client.conferences.list() == []


@pytest.mark.parametrize(
    "authorization",
    [  # what requests can send: latin-1 str (waitress decodes it back), or bytes
        "Basic ÄÖ",
        b"Basic \xc3\x84\xc3\x96",
        "Basic " + base64.b64encode(b"\xc3(:x").decode(),
        "Basic YQ=\u00e9",
    ],
)
def test_undecodable_credentials_on_control_are_401(
    fakeconf_server: FakeconfServer, authorization: str | bytes
) -> None:
    response = requests.post(
        control_url(fakeconf_server, "conferences"),
        json={"friendly_name": "Never"},
        headers={"Authorization": authorization},
        timeout=10,
    )
    assert response.status_code == 401, response.text
    assert set(response.json()) == {"error"}
    assert fakeconf_server.fake.conferences == []


def test_control_opens_only_to_the_account_sid_and_auth_token(
    fakeconf_server: FakeconfServer,
) -> None:
    fake = fakeconf_server.fake
    key = fake.create_api_key()
    url = control_url(fakeconf_server, "reset")
    assert requests.post(url, auth=(key.sid, key.secret), timeout=10).status_code == 401
    assert requests.post(url, auth=credentials(fakeconf_server), timeout=10).status_code == 200


# -- 2. a URL that does not parse ------------------------------------------------------------


def test_a_host_header_that_does_not_parse_gets_a_twilio_400(
    fakeconf_server: FakeconfServer,
) -> None:
    fake = fakeconf_server.fake
    path = f"/2010-04-01/Accounts/{fake.account_sid}/Conferences.json?Status=completed"
    token = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: [\r\nAuthorization: Basic {token}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    status, headers, body = raw_http(fakeconf_server, request)
    assert status == 400, body
    assert headers["content-type"].startswith("application/json")
    error = json.loads(body)
    assert set(error) == {"code", "message", "more_info", "status"}
    assert (error["status"], error["code"]) == (400, 20001)
    assert error["more_info"] == "https://www.twilio.com/docs/errors/20001"
    [recorded] = fake.requests
    assert (recorded.method, recorded.status_code) == ("GET", 400)
    assert recorded.url == f"http://[{path}"
    assert recorded.path == f"/2010-04-01/Accounts/{fake.account_sid}/Conferences.json"
    assert recorded.query == (("Status", "completed"),)
    # and the server answers the next request normally
    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fakeconf_server.base_url
    assert client.conferences.list(status="completed") == []


@pytest.mark.parametrize("url", ["http://[/2010-04-01/Accounts", "https://[::1/x?a=b", "http://]"])
def test_an_unparsable_url_in_process_is_400_and_journalled(fakeconf: FakeTwilio, url: str) -> None:
    headers = {"Authorization": "Basic " + base64.b64encode(b"AC:x").decode()}
    response = fakeconf.answer("GET", url, headers)
    assert response.status == 400
    assert json.loads(response.body)["code"] == 20001
    assert [(r.url, r.status_code) for r in fakeconf.requests] == [(url, 400)]


# -- 3. moments outside what the clock holds -------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"advance": 1e12},
        {"advance": 1e300},
        {"advance": 10**400},
        {"advance": -1},
        {"now": "0001-01-01T00:00:00+14:00"},
        {"now": "9999-12-31T23:59:59-14:00"},
        {"now": "9999-12-31T23:59:59+00:00"},
        {"now": "1969-12-31T23:59:59+00:00"},
    ],
)
def test_the_clock_refuses_moments_it_cannot_hold(
    fakeconf_server: FakeconfServer, body: dict[str, Any]
) -> None:
    fake = fakeconf_server.fake
    before = fake.clock.now()
    response = requests.post(
        control_url(fakeconf_server, "clock"),
        json=body,
        auth=credentials(fakeconf_server),
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    assert abs(fake.clock.now() - before) < dt.timedelta(seconds=60)  # not moved
    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fakeconf_server.base_url
    assert client.conferences.list() == []  # the fake keeps serving


@pytest.mark.parametrize(
    "raw", [b'{"advance": NaN}', b'{"advance": Infinity}', b'{"advance": -0.5}']
)
def test_the_clock_refuses_advances_that_are_not_finite_and_forward(
    fakeconf_server: FakeconfServer, raw: bytes
) -> None:
    response = requests.post(
        control_url(fakeconf_server, "clock"),
        data=raw,
        headers={"Content-Type": "application/json"},
        auth=credentials(fakeconf_server),
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}


def test_the_clock_moves_to_the_edges_of_its_range_and_serves_there(
    fakeconf_server: FakeconfServer,
) -> None:
    fake = fakeconf_server.fake
    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fakeconf_server.base_url
    for now in ["1970-01-01T00:00:00+00:00", "9998-12-31T23:59:59+00:00"]:
        response = requests.post(
            control_url(fakeconf_server, "clock"),
            json={"now": now},
            auth=credentials(fakeconf_server),
            timeout=10,
        )
        assert response.status_code == 200, response.text
        room = client.conferences(f"Edge {now[:4]}").participants.create(
            from_="+15017122661", to="client:a", label="a"
        )
        fetched = client.conferences(room.conference_sid).fetch()
        assert fetched.date_created == dt.datetime.fromisoformat(now)
        client.conferences(room.conference_sid).update(status="completed")
    # and an advance that would pass the end of the range is refused, the clock unmoved
    response = requests.post(
        control_url(fakeconf_server, "clock"),
        json={"advance": 86400},
        auth=credentials(fakeconf_server),
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert fake.clock.now() == dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "9999-12-31T00:00:00+00:00",
        "1960-01-01T00:00:00+00:00",
    ],
)
@pytest.mark.parametrize("field", ["conferences", "end", "leave"])
def test_control_refuses_moments_out_of_range(
    fakeconf_server: FakeconfServer, moment: str, field: str
) -> None:
    fake = fakeconf_server.fake
    room = fake.create_conference("Live")
    room.add_participant(label="a")
    path, body = {
        "conferences": ("conferences", {"friendly_name": "Dated", "date_created": moment}),
        "end": (f"conferences/{room.sid}/end", {"at": moment}),
        "leave": (f"conferences/{room.sid}/participants/a/leave", {"at": moment}),
    }[field]
    response = requests.post(
        control_url(fakeconf_server, path), json=body, auth=credentials(fakeconf_server), timeout=10
    )
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}
    assert [r.sid for r in fake.conferences] == [room.sid]
    assert room.status == "in-progress" and len(room.participants) == 1
    assert fake.scheduled == []


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=14))),
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-14))),
        dt.datetime(9999, 12, 31, tzinfo=UTC),
        dt.datetime(1, 1, 1, tzinfo=UTC),
        dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC),
    ],
)
def test_scripting_refuses_moments_out_of_range_with_a_clear_value_error(
    fakeconf: FakeTwilio, moment: dt.datetime
) -> None:
    with pytest.raises(ValueError, match="date_created"):
        fakeconf.create_conference("Dated", date_created=moment)
    room = fakeconf.create_conference("Live")
    with pytest.raises(ValueError, match="at"):
        room.end(at=moment)
    with pytest.raises(ValueError, match="moment"):
        fakeconf.clock.freeze(moment)
    assert [r.sid for r in fakeconf.conferences] == [room.sid]


def test_scripting_accepts_the_edges_of_the_range(fakeconf: FakeTwilio, client: Client) -> None:
    first = dt.datetime(1970, 1, 1, tzinfo=UTC)
    last = dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
    old = fakeconf.create_conference("Old", status="completed", date_created=first)
    new = fakeconf.create_conference("New", status="completed", date_created=last)
    listed = client.conferences.list(status="completed")
    assert [(c.sid, c.date_created) for c in listed] == [(new.sid, last), (old.sid, first)]


@pytest.mark.parametrize(
    ("seconds", "allowed"),
    [(float("nan"), False), (float("inf"), False), (-1, False), (1e300, False), (1e12, False),
     (10**400, False), (dt.timedelta(days=-1), False), (60, True), (dt.timedelta(hours=1), True)],
)  # fmt: skip
def test_clock_advance_refuses_what_it_cannot_hold(seconds: Any, allowed: bool) -> None:
    fake = FakeTwilio(seed="advance")
    fake.clock.freeze(dt.datetime(2030, 1, 1, tzinfo=UTC))
    if allowed:
        fake.clock.advance(seconds)
        assert fake.clock.now() > dt.datetime(2030, 1, 1, tzinfo=UTC)
        return
    with pytest.raises(ValueError):
        fake.clock.advance(seconds)
    assert fake.clock.now() == dt.datetime(2030, 1, 1, tzinfo=UTC)
    fake.clock.release()  # running again, from 2030 on (time never goes back)
    with pytest.raises(ValueError):
        fake.clock.advance(seconds)
    assert abs(fake.clock.now() - dt.datetime(2030, 1, 1, tzinfo=UTC)) < dt.timedelta(seconds=60)


@pytest.mark.parametrize(
    "query",
    [
        {"DateCreated<": "0001-01-01"},
        {"DateCreated>": "9999-12-31"},
        {"DateCreated": "9999-12-31"},
        {"DateCreated": "0001-01-01"},
        {"DateUpdated<": "0001-01-01"},
        {"DateUpdated>": "9999-12-31"},
        {"DateUpdated": "9999-12-31"},
        {"DateCreated>": "0001-01-01", "DateCreated<": "9999-12-31"},
    ],
)
def test_date_filters_at_the_extremes_never_fail(
    fakeconf: FakeTwilio, http: requests.Session, query: dict[str, str]
) -> None:
    first = dt.datetime(1970, 1, 1, tzinfo=UTC)
    last = dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
    rooms = {
        "first": fakeconf.create_conference("A", status="completed", date_created=first).sid,
        "last": fakeconf.create_conference("B", status="completed", date_created=last).sid,
    }
    response = http.get(list_url(fakeconf), params={"Status": "completed", **query})
    assert response.status_code == 200, response.text
    # every filter above is satisfied by neither, or by both, of the two edges:
    # "<0001-01-01", ">9999-12-31", "=9999-12-31" and "=0001-01-01" by neither, the span by both
    expected = [rooms["last"], rooms["first"]] if len(query) == 2 else []
    assert [c["sid"] for c in response.json()["conferences"]] == expected


def test_date_filters_at_the_extremes_through_the_client(client: Client) -> None:
    for kwargs in [
        {"date_created_before": dt.date(1, 1, 1)},
        {"date_created_after": dt.date(9999, 12, 31)},
        {"date_updated": dt.date(9999, 12, 31)},
    ]:
        assert client.conferences.list(status="completed", **kwargs) == []
    with pytest.raises(TwilioException, match="20001"):  # a list's error is a plain one
        client.conferences.list(date_created="0000-01-01")


# -- control endpoints: wrong JSON types and values ------------------------------------------

LIVE = "{room}"  # replaced by the live conference's SID
LEFT = "participant-with-end-conference-on-exit-left"
HOSTILE_CONTROL = [
    ("conferences", {"friendly_name": 5}),
    ("conferences", {"friendly_name": ["x"]}),
    ("conferences", {"friendly_name": "x" * 129}),
    ("conferences", {"status": []}),
    ("conferences", {"status": 5}),
    ("conferences", {"region": {}}),
    ("conferences", {"date_created": 5}),
    ("conferences", {"date_created": "not a time"}),
    ("conferences", {"date_created": "2030-01-01T00:00:00"}),
    ("conferences", {"friendly_name": 1e400}),
    (f"conferences/{LIVE}/end", {"at": 5}),
    (f"conferences/{LIVE}/end", {"at": []}),
    (f"conferences/{LIVE}/end", {"reason": 5}),
    (f"conferences/{LIVE}/end", {"reason": []}),
    (f"conferences/{LIVE}/end", {"reason": LEFT, "call_sid": 5}),
    (f"conferences/{LIVE}/participants", {"label": 5}),
    (f"conferences/{LIVE}/participants", {"label": []}),
    (f"conferences/{LIVE}/participants", {"label": "a/b"}),
    (f"conferences/{LIVE}/participants", {"muted": "yes"}),
    (f"conferences/{LIVE}/participants", {"muted": "false"}),
    (f"conferences/{LIVE}/participants", {"hold": 1}),
    (f"conferences/{LIVE}/participants", {"coaching": []}),
    (f"conferences/{LIVE}/participants", {"start_conference_on_enter": None}),
    (f"conferences/{LIVE}/participants", {"end_conference_on_exit": "true"}),
    (f"conferences/{LIVE}/participants", {"call_sid": 5}),
    (f"conferences/{LIVE}/participants", {"call_sid_to_coach": 5}),
    (f"conferences/{LIVE}/participants", {"bogus": True}),
    (f"conferences/{LIVE}/participants/a/leave", {"at": 5}),
    (f"conferences/{LIVE}/participants/a/kick", {"at": {}}),
    ("call-outcomes", {}),
    ("call-outcomes", {"number": "+15005550006"}),
    ("call-outcomes", {"number": 5, "outcome": "busy"}),
    ("call-outcomes", {"number": [], "outcome": "busy"}),
    ("call-outcomes", {"number": "+15005550006", "outcome": 5}),
    ("webhooks", {}),
    ("webhooks", {"base_url": 5}),
    ("webhooks", {"base_url": []}),
    ("webhooks", {"base_url": "http://["}),
    ("clock", {"now": 5}),
    ("clock", {"now": []}),
    ("clock", {"now": None}),
    ("clock", {"now": "2030-01-01T00:00:00"}),
    ("clock", {"advance": "60"}),
    ("clock", {"advance": True}),
    ("clock", {"advance": None}),
    ("clock", {"release": "yes"}),
    ("clock", {"release": 1}),
]


@pytest.mark.parametrize(("path", "body"), HOSTILE_CONTROL, ids=lambda v: json.dumps(v)[:60])
def test_control_refuses_wrong_types_and_values_with_400(
    fakeconf_server: FakeconfServer, path: str, body: dict[str, Any]
) -> None:
    fake = fakeconf_server.fake
    room = fake.create_conference("Live")
    room.add_participant(label="a")
    before = (fake.clock.now(), len(fake.events), len(fake.requests))
    response = requests.post(
        control_url(fakeconf_server, path.replace(LIVE, room.sid)),
        data=json.dumps(body, allow_nan=True),  # 1e400 is sent as Infinity
        headers={"Content-Type": "application/json"},
        auth=credentials(fakeconf_server),
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(response.json()) <= {"error", "code"}  # code: Twilio's, when it has one
    assert isinstance(response.json()["error"], str) and response.json()["error"]
    # nothing changed
    assert [r.sid for r in fake.conferences] == [room.sid]
    assert room.status == "in-progress" and [p.label for p in room.participants] == ["a"]
    assert (fake.clock.now() - before[0]) < dt.timedelta(seconds=60)
    assert len(fake.events) == before[1] and fake.scheduled == []
    assert fake.clock._frozen is None  # not even frozen by half a request


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"\xff\xfe{}",
        b"1e99999",
        b"null",
    ],
    ids=["deep-list", "deep-object", "not-utf8", "huge-number", "null"],
)
def test_control_refuses_bodies_that_are_not_json_objects(
    fakeconf_server: FakeconfServer, raw: bytes
) -> None:
    response = requests.post(
        control_url(fakeconf_server, "conferences"),
        data=raw,
        headers={"Content-Type": "application/json"},
        auth=credentials(fakeconf_server),
        timeout=10,
    )
    assert response.status_code == 400, response.text
    assert response.json() == {"error": "the body must be a JSON object"}
    assert fakeconf_server.fake.conferences == []
