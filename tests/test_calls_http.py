"""The Calls resource over HTTP: create, fetch, update, delete and list, through the
twilio client and raw requests. References are to
shared/reference/twilio-calls-and-twiml.md.

A call created with a ``Url`` is run by the TwiML runner once answered; these tests
do not depend on what its TwiML does: they read the create's answer, or use the
calls of participants the app added (REST legs have no TwiML of their own).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from freezegun import freeze_time
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
T0_RFC2822 = "Wed, 01 May 2024 10:00:00 +0000"
CALLER = "+15017122661"
CALLEE = "+15558675310"
VOICE_URL = "https://app.example/voice"
CALL_SID_RE = re.compile(r"\ACA[0-9a-f]{32}\Z")
UNKNOWN_CALL = "CA" + "0" * 32
# §1.2 "Key order in examples".
KEY_ORDER = [
    "account_sid", "answered_by", "api_version", "caller_name", "date_created",
    "date_updated", "direction", "duration", "end_time", "forwarded_from", "from",
    "from_formatted", "group_sid", "parent_call_sid", "phone_number_sid", "price",
    "price_unit", "sid", "start_time", "status", "subresource_uris", "to", "to_formatted",
    "trunk_sid", "uri", "queue_time",
]  # fmt: skip
SUBRESOURCES = {
    "recordings", "notifications", "events", "payments", "siprec", "streams",
    "transcriptions", "user_defined_message_subscriptions", "user_defined_messages",
}  # fmt: skip


def create_form(**extra: str) -> dict[str, str]:
    return {"To": CALLEE, "From": CALLER, "Url": VOICE_URL, **extra}


def leg(client: Client, room_sid: str, to: str = CALLEE, from_: str = CALLER) -> str:
    """A participant leg (an in-progress call without TwiML); its call SID."""
    return client.conferences(room_sid).participants.create(from_=from_, to=to).call_sid


# -- create ------------------------------------------------------------------------------


def test_create_answers_201_queued_in_twilios_key_order(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    with freeze_time(T0):
        response = http.post(f"{account_url}/Calls.json", data=create_form())
    assert response.status_code == 201
    body = response.json()
    assert list(body) == KEY_ORDER
    sid = body["sid"]
    assert CALL_SID_RE.match(sid)
    base = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Calls/{sid}"
    assert body["uri"] == base + ".json"
    assert set(body["subresource_uris"]) == SUBRESOURCES
    assert body["subresource_uris"]["recordings"] == base + "/Recordings.json"
    assert body["status"] == "queued"
    assert body["direction"] == "outbound-api"
    assert (body["to"], body["from"]) == (CALLEE, CALLER)
    assert (body["to_formatted"], body["from_formatted"]) == ("(555) 867-5310", "(501) 712-2661")
    assert body["date_created"] == T0_RFC2822
    assert body["start_time"] is None and body["end_time"] is None
    assert body["duration"] is None and body["price"] is None
    assert body["price_unit"] == "USD"
    assert body["api_version"] == "2010-04-01"
    assert isinstance(body["queue_time"], str)
    assert body["parent_call_sid"] is None


def test_create_through_the_client_makes_a_call_the_fake_and_the_list_know(
    fakeconf: FakeTwilio, client: Client
) -> None:
    call = client.calls.create(to=CALLEE, from_=CALLER, url=VOICE_URL)
    assert call.status == "queued"
    assert client.calls(call.sid).fetch().sid == call.sid
    assert [c.sid for c in client.calls.list()] == [call.sid]
    handle = fakeconf.get_call(call.sid)
    assert (handle.direction, handle.to, handle.from_) == ("outbound-api", CALLEE, CALLER)
    assert [c.sid for c in fakeconf.calls] == [call.sid]


def test_a_busy_number_ends_the_call_busy_unanswered(fakeconf: FakeTwilio, client: Client) -> None:
    fakeconf.set_call_outcome(CALLEE, "busy")
    call = client.calls.create(to=CALLEE, from_=CALLER, twiml="<Response><Hangup/></Response>")
    fetched = client.calls(call.sid).fetch()
    assert fetched.status == "busy"
    # "Empty if the call has not yet been dialed" / "empty for busy … calls" (§1.2)
    assert fetched.start_time is None and fetched.end_time is None
    assert fetched.duration is None


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": CALLER, "Url": VOICE_URL}, 21201),
        ({"To": CALLEE, "Url": VOICE_URL}, 21213),
        ({"To": CALLEE, "From": CALLER}, 21205),
        (create_form(Url="not a url"), 21205),
        (create_form(Url="", Twiml="x" * 4001), 32018),
        (create_form(Timeout="0"), 21208),
        (create_form(Timeout="601"), 21208),
        (create_form(Timeout="ten"), 21208),
        (create_form(Method="PUT"), 21209),
        (create_form(StatusCallbackMethod="DELETE"), 21209),
        (create_form(SendDigits="12x"), 21206),
        (create_form(SendDigits="1" * 33), 21206),
        (create_form(StatusCallbackEvent="hangup"), 21626),
        (create_form(StatusCallback="ftp://app.example/cb"), 21205),
        (create_form(Record="maybe"), 20001),
        (create_form(MachineDetection="Sometimes"), 20001),
    ],
)
def test_create_refuses_bad_input_with_twilios_codes(
    http: requests.Session, account_url: str, form: dict[str, str], code: int
) -> None:
    response = http.post(f"{account_url}/Calls.json", data=form)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_an_application_sid_is_refused_clearly(http: requests.Session, account_url: str) -> None:
    form = {"To": CALLEE, "From": CALLER, "ApplicationSid": "AP" + "a" * 32}
    response = http.post(f"{account_url}/Calls.json", data=form)
    assert response.status_code == 400
    assert "does not support TwiML apps" in response.json()["message"]


@pytest.mark.parametrize(
    "extra",
    [
        {"Twiml": "x" * 4001},  # ignored next to a Url (§1.5)
        {"Timeout": "600"},
        {"Timeout": "1"},
        {"Method": "get"},
        {"SendDigits": "ww1234#"},
        {"SomethingNewer": "yes"},  # unknown parameters are ignored
    ],
)
def test_create_accepts(http: requests.Session, account_url: str, extra: dict[str, str]) -> None:
    response = http.post(f"{account_url}/Calls.json", data=create_form(**extra))
    assert response.status_code == 201, response.text


def test_status_callback_events_go_as_repeated_keys(
    http: requests.Session, account_url: str
) -> None:
    form = [*create_form().items(), ("StatusCallback", "https://app.example/cb")]
    form += [("StatusCallbackEvent", e) for e in ("initiated", "ringing", "answered")]
    assert http.post(f"{account_url}/Calls.json", data=form).status_code == 201


# -- fetch, update, delete ---------------------------------------------------------------


@pytest.mark.parametrize("sid", [UNKNOWN_CALL, "CAnot-a-sid", "CF" + "0" * 32])
def test_fetch_of_no_call_is_404(http: requests.Session, account_url: str, sid: str) -> None:
    response = http.get(f"{account_url}/Calls/{sid}.json")
    assert response.status_code == 404
    assert response.json()["code"] == 20404


def test_completed_hangs_up_a_participant_leg(fakeconf: FakeTwilio, client: Client) -> None:
    with freeze_time(T0) as frozen:
        room = fakeconf.create_conference("Room")
        stay = leg(client, room.sid, to="+15550000001")
        sid = leg(client, room.sid)
        frozen.tick(dt.timedelta(seconds=42))
        updated = client.calls(sid).update(status="completed")
    assert updated.status == "completed"
    fetched = client.calls(sid).fetch()
    assert fetched.end_time == T0 + dt.timedelta(seconds=42)
    assert fetched.start_time == T0
    assert fetched.duration == "42"
    with pytest.raises(TwilioRestException) as gone:
        client.conferences(room.sid).participants(sid).fetch()
    assert gone.value.status == 404
    assert client.calls(stay).fetch().status == "in-progress"
    assert room.status == "in-progress"


def test_canceled_does_not_affect_a_call_in_progress(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    sid = leg(client, room.sid)
    assert client.calls(sid).update(status="canceled").status == "in-progress"
    assert fakeconf.get_call(sid).status == "in-progress"


def test_an_ended_call_cannot_be_updated_21220(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, client: Client
) -> None:
    room = fakeconf.create_conference("Room")
    sid = leg(client, room.sid)
    client.calls(sid).update(status="completed")
    for form in ({"Status": "completed"}, {"Status": "canceled"}, {"Url": VOICE_URL}):
        response = http.post(f"{account_url}/Calls/{sid}.json", data=form)
        assert response.status_code == 400
        assert response.json()["code"] == 21220
        assert response.json()["message"] == "Call is not in-progress. Cannot redirect."


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"Url": VOICE_URL, "Twiml": "<Response/>"}, 20001),
        ({"Twiml": "x" * 4001}, 32018),
        ({"Url": "nope"}, 21205),
        ({"Status": "busy"}, 20001),
        ({"Method": "PATCH", "Url": VOICE_URL}, 21209),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    form: dict[str, str],
    code: int,
) -> None:
    room = fakeconf.create_conference("Room")
    sid = leg(client, room.sid)
    response = http.post(f"{account_url}/Calls/{sid}.json", data=form)
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert fakeconf.get_call(sid).status == "in-progress"
    assert fakeconf.get_call(sid).conference_sid == room.sid


def test_a_redirect_takes_the_call_out_of_its_conference_and_keeps_it(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Room")
    leg(client, room.sid, to="+15550000001")
    sid = leg(client, room.sid)
    updated = client.calls(sid).update(twiml="<Response><Pause length='5'/></Response>")
    assert updated.status == "in-progress"  # same CallSid, still in progress (§4.5)
    with pytest.raises(TwilioRestException) as gone:
        client.conferences(room.sid).participants(sid).fetch()
    assert gone.value.status == 404
    leave = [e for e in fakeconf.events if e.kind == "participant-leave"][-1]
    assert leave.data["reason_participant_left"] == "participant_updated_via_api"


def test_delete_only_an_ended_call(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Room")
    sid = leg(client, room.sid)
    response = http.delete(f"{account_url}/Calls/{sid}.json")
    assert response.status_code == 400
    client.calls(sid).update(status="completed")
    response = http.delete(f"{account_url}/Calls/{sid}.json")
    assert (response.status_code, response.content) == (204, b"")
    assert http.get(f"{account_url}/Calls/{sid}.json").status_code == 404
    assert sid not in {c.sid for c in client.calls.list()}


# -- list --------------------------------------------------------------------------------


def _seed_calls(fakeconf: FakeTwilio, client: Client) -> list[tuple[str, str, str, dt.datetime]]:
    """Six legs, one a day from T0, to two numbers; the 3rd and 6th hung up an hour in.
    Returns (sid, to, status, start) oldest first."""
    made = []
    with freeze_time(T0) as frozen:
        room = fakeconf.create_conference("Room")
        for day in range(6):
            frozen.move_to(T0 + dt.timedelta(days=day))
            to = "+15550000001" if day % 2 else "+15550000002"
            sid = leg(client, room.sid, to=to)
            made.append([sid, to, "in-progress", T0 + dt.timedelta(days=day)])
            if day % 3 == 2:
                frozen.tick(dt.timedelta(hours=1))
                client.calls(sid).update(status="completed")
                made[-1][2] = "completed"
    return [(s, t, st, when) for s, t, st, when in made]


def test_list_filters_as_documented(fakeconf: FakeTwilio, client: Client) -> None:
    made = _seed_calls(fakeconf, client)
    newest_first = list(reversed(made))

    def sids(**filters: object) -> list[str]:
        return [c.sid for c in client.calls.list(**filters)]  # type: ignore[arg-type]

    assert sids() == [m[0] for m in newest_first]
    assert sids(to="+15550000001") == [m[0] for m in newest_first if m[1] == "+15550000001"]
    assert sids(from_=CALLER) == [m[0] for m in newest_first]
    assert sids(from_="+19999999999") == []
    assert sids(status="completed") == [m[0] for m in newest_first if m[2] == "completed"]
    day2 = T0 + dt.timedelta(days=2)
    # StartTime> "on or after"; StartTime< "before" (§1.7); twilio-python sends datetimes.
    assert sids(start_time_after=day2) == [m[0] for m in newest_first if m[3] >= day2]
    assert sids(start_time_before=day2) == [m[0] for m in newest_first if m[3] < day2]
    assert sids(start_time=day2.date()) == [
        m[0] for m in newest_first if m[3].date() == day2.date()
    ]
    assert sids(end_time_after=T0) == [m[0] for m in newest_first if m[2] == "completed"]
    assert sids(parent_call_sid=UNKNOWN_CALL) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"StartTime>": "2024-05-03"}, 4),
        ({"StartTime>": "2024-05-03 10:00:01"}, 3),
        ({"StartTime<": "2024-05-03"}, 2),
        ({"StartTime": "2024-05-03T10:00:00Z"}, 1),
        ({"EndTime<": "2024-05-04T00:00:00Z"}, 1),
    ],
)
def test_time_filters_take_dates_and_datetimes(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    query: dict[str, str],
    expected: int,
) -> None:
    _seed_calls(fakeconf, client)
    response = http.get(f"{account_url}/Calls.json", params=query)
    assert response.status_code == 200, response.text
    assert len(response.json()["calls"]) == expected


@pytest.mark.parametrize(
    "query",
    [
        {"Status": "initiated"},  # a callback event, never a status (§1.3)
        {"StartTime>": "yesterday"},
        {"ParentCallSid": "CA123"},
        {"PageSize": "1001"},
        {"PageToken": "PACF" + "0" * 32},
    ],
)
def test_list_refuses_bad_filters(
    http: requests.Session, account_url: str, query: dict[str, str]
) -> None:
    response = http.get(f"{account_url}/Calls.json", params=query)
    assert response.status_code == 400


def test_pages_carry_every_filter_and_cover_the_list_once(
    fakeconf: FakeTwilio, client: Client, http: requests.Session
) -> None:
    made = _seed_calls(fakeconf, client)
    query = {"From": CALLER, "StartTime>": "2024-05-01", "PageSize": "2"}
    expected = [m[0] for m in reversed(made)]
    seen: list[str] = []
    url: str | None = (
        f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Calls.json"
    )
    params: dict[str, str] | None = query
    while url is not None:
        body = http.get(url, params=params).json()
        seen += [c["sid"] for c in body["calls"]]
        assert body["page_size"] == 2
        next_uri = body["next_page_uri"]
        if next_uri is not None:
            carried = dict(parse_qsl(urlsplit(next_uri).query))
            assert carried["From"] == CALLER and carried["StartTime>"] == "2024-05-01"
            assert carried["PageToken"] == "PA" + body["calls"][-1]["sid"]
            url, params = f"https://api.twilio.com{next_uri}", None
        else:
            url = None
    assert seen == expected
    # and the client pages the same way
    assert [c.sid for c in client.calls.list(page_size=2)] == expected
