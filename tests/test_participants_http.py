"""Participants over HTTP: create, list, fetch, update and delete, through the twilio
client and raw requests. References are to shared/reference/twilio-conference-api.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from freezegun import freeze_time
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client
from twilio.rest.api.v2010.account.conference.participant import ParticipantInstance

from pytest_fakeconf import ConferenceHandle, FakeTwilio

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
T0_RFC2822 = "Wed, 01 May 2024 10:00:00 +0000"
CALLER = "+15017122661"
CALLEE = "+15558675310"
CALL_SID_RE = re.compile(r"CA[0-9a-f]{32}")
CONFERENCE_SID_RE = re.compile(r"CF[0-9a-f]{32}")
UNKNOWN_CALL = "CA" + "0" * 32
UNKNOWN_CONFERENCE = "CF" + "0" * 32
# The 15 properties of api.v2010.account.conference.participant (§1.2).
PARTICIPANT_FIELDS = {
    "account_sid",
    "call_sid",
    "label",
    "call_sid_to_coach",
    "coaching",
    "conference_sid",
    "date_created",
    "date_updated",
    "end_conference_on_exit",
    "muted",
    "hold",
    "start_conference_on_enter",
    "status",
    "queue_time",
    "uri",
}


def participants_url(account_url: str, conference: str) -> str:
    return f"{account_url}/Conferences/{conference}/Participants.json"


def participant_url(account_url: str, conference: str, call: str) -> str:
    return f"{account_url}/Conferences/{conference}/Participants/{call}.json"


def form(**extra: str) -> dict[str, str]:
    """A create form with the two required parameters."""
    return {"From": CALLER, "To": CALLEE, **extra}


def join(client: Client, conference: str, **kwargs: Any) -> ParticipantInstance:
    """Add a participant through the twilio client (``conference``: SID or name)."""
    kwargs.setdefault("to", CALLEE)
    return client.conferences(conference).participants.create(from_=CALLER, **kwargs)


def kinds(fakeconf: FakeTwilio, conference_sid: str) -> list[str]:
    return [e.kind for e in fakeconf.events if e.conference_sid == conference_sid]


def assert_twilio_error(response: requests.Response, status: int, code: int) -> None:
    assert response.status_code == status
    body = response.json()
    assert list(body) == ["code", "message", "more_info", "status"]
    assert (body["code"], body["status"]) == (code, status)
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


# -- create -------------------------------------------------------------------


def test_create_answers_201_queued_with_every_documented_field(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    with freeze_time(T0):
        room = fakeconf.create_conference("Room")
        response = http.post(participants_url(account_url, room.sid), data=form(Label="agent"))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PARTICIPANT_FIELDS
    call_sid = body["call_sid"]
    assert CALL_SID_RE.fullmatch(call_sid)
    conference_path = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{room.sid}"
    assert body == {
        "account_sid": fakeconf.account_sid,
        "call_sid": call_sid,
        "label": "agent",
        "call_sid_to_coach": None,
        "coaching": False,
        "conference_sid": room.sid,
        "date_created": T0_RFC2822,
        "date_updated": T0_RFC2822,
        "end_conference_on_exit": False,  # default (§1.2)
        "muted": False,
        "hold": False,
        "start_conference_on_enter": True,  # default (§1.2)
        "status": "queued",  # §5.4: create returns queued
        "queue_time": "1000",  # "Only available in the response to a create participant request"
        "uri": f"{conference_path}/Participants/{call_sid}.json",
    }


def test_a_later_fetch_shows_connected_without_queue_time(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Room")
    created = join(client, room.sid)
    assert (created.status, created.queue_time) == ("queued", "1000")
    fetched = client.conferences(room.sid).participants(created.call_sid).fetch()
    assert (fetched.status, fetched.queue_time) == ("connected", None)
    (listed,) = client.conferences(room.sid).participants.list()
    assert (listed.call_sid, listed.status, listed.queue_time) == (
        created.call_sid,
        "connected",
        None,
    )


def test_create_keeps_the_values_it_was_given(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    created = join(
        client,
        room.sid,
        label="host",
        muted=True,
        start_conference_on_enter=False,
        end_conference_on_exit=True,
    )
    fetched = client.conferences(room.sid).participants("host").fetch()
    for p in (created, fetched):
        assert (p.label, p.muted, p.start_conference_on_enter, p.end_conference_on_exit) == (
            "host",
            True,
            False,
            True,
        )
    assert fakeconf.requests[0].params["Muted"] == "true"


def test_uri_is_built_from_the_call_sid_even_when_fetched_by_label(
    fakeconf: FakeTwilio, client: Client
) -> None:
    # §1.2: "It is built from the call SID even when the participant was requested by label".
    room = fakeconf.create_conference("Room")
    created = join(client, room.sid, label="agent 1")
    fetched = client.conferences(room.sid).participants("agent 1").fetch()
    expected = (
        f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{room.sid}"
        f"/Participants/{created.call_sid}.json"
    )
    assert fetched.uri == expected
    assert created.uri == expected
    assert fetched.call_sid == created.call_sid


def test_create_by_friendly_name_makes_a_new_init_conference_in_the_requested_region(
    fakeconf: FakeTwilio, client: Client
) -> None:
    created = join(client, "Sales Huddle", region="ie1")
    assert CONFERENCE_SID_RE.fullmatch(created.conference_sid)
    (room,) = fakeconf.conferences
    assert room.sid == created.conference_sid
    assert (room.friendly_name, room.status, room.region) == ("Sales Huddle", "init", "ie1")
    fetched = client.conferences(created.conference_sid).fetch()
    # "unknown" while init, as Twilio's fetchUnknownMixerZoneInitIntegerStatus example shows
    # (FIDELITY F40); the chosen region shows once the conference starts.
    assert (fetched.friendly_name, fetched.status, fetched.region) == (
        "Sales Huddle",
        "init",
        "unknown",
    )
    join(client, "Sales Huddle", to="+15550000002")
    assert client.conferences(created.conference_sid).fetch().region == "ie1"
    # the name went over the wire percent-encoded and came back decoded
    assert "/Conferences/Sales%20Huddle/Participants.json" in fakeconf.requests[0].url


def test_a_second_create_by_the_same_name_joins_that_conference(
    fakeconf: FakeTwilio, client: Client
) -> None:
    first = join(client, "Huddle", region="ie1", to="+15550000001")
    second = join(client, "Huddle", region="jp1", to="+15550000002")
    assert second.conference_sid == first.conference_sid
    (room,) = fakeconf.conferences
    assert room.status == "in-progress"  # two connected, both start it (§5.1)
    # "Twilio sets the region parameter from the first participant that specifies
    # the parameter and will ignore the parameter from subsequent participants." (§5.4)
    assert room.region == "ie1"
    assert {p.call_sid for p in room.participants} == {first.call_sid, second.call_sid}


def test_region_comes_from_the_first_participant_that_specifies_one(
    fakeconf: FakeTwilio, client: Client
) -> None:
    # §5.4 [DOC-TWIML]: "Twilio sets the region parameter from the first participant
    # that specifies the parameter and will ignore the parameter from subsequent
    # participants." The first participant here specifies none.
    first = join(client, "Huddle", to="+15550000001")
    join(client, "Huddle", region="jp1", to="+15550000002")
    join(client, "Huddle", region="au1", to="+15550000003")
    assert client.conferences(first.conference_sid).fetch().region == "jp1"


def test_create_by_name_joins_an_active_conference_of_that_name(
    fakeconf: FakeTwilio, client: Client
) -> None:
    old = fakeconf.create_conference("Standup")
    old.end()
    live = fakeconf.create_conference("Standup")
    created = join(client, "Standup")
    assert created.conference_sid == live.sid
    assert [p.call_sid for p in live.participants] == [created.call_sid]
    assert old.participants == []


def test_create_by_name_after_that_conference_ended_makes_a_new_one(
    fakeconf: FakeTwilio, client: Client
) -> None:
    first = join(client, "Standup")
    client.conferences(first.conference_sid).update(status="completed")
    again = join(client, "Standup")
    assert again.conference_sid != first.conference_sid
    assert fakeconf.get_conference(again.conference_sid).status == "init"
    assert fakeconf.get_conference(first.conference_sid).status == "completed"


def test_create_by_conference_sid_joins_it(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room", status="init")
    host = room.add_participant(label="host")
    created = join(client, room.sid)
    assert created.conference_sid == room.sid
    assert [p.call_sid for p in room.participants] == [host.call_sid, created.call_sid]
    assert room.status == "in-progress"
    assert len(fakeconf.conferences) == 1


@pytest.mark.parametrize("which", ["completed", "unknown"])
def test_create_on_a_completed_or_unknown_conference_sid_is_16022(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, which: str
) -> None:
    # §5.2: "If a conference specified by ConferenceSid is not active, the request fails."
    old = fakeconf.create_conference("Old", status="completed")
    sid = old.sid if which == "completed" else UNKNOWN_CONFERENCE
    events_before = len(fakeconf.events)
    response = http.post(participants_url(account_url, sid), data=form())
    assert_twilio_error(response, 400, 16022)
    assert [c.sid for c in fakeconf.conferences] == [old.sid]
    assert old.participants == []
    assert len(fakeconf.events) == events_before


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"To": CALLEE}, 21213),  # "'From' phone number is required"
        ({"From": "", "To": CALLEE}, 21213),
        ({"From": CALLER}, 21201),  # "No 'To' number is specified"
        ({"From": CALLER, "To": ""}, 21201),
    ],
)
def test_missing_from_or_to_is_refused(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    data: dict[str, str],
    code: int,
) -> None:
    response = http.post(participants_url(account_url, "New Room"), data=data)
    assert_twilio_error(response, 400, code)
    assert fakeconf.conferences == []


@pytest.mark.parametrize(
    "pairs",
    [
        [("ConferenceStatusCallbackEvent", "start"), ("ConferenceStatusCallbackEvent", "join")],
        [("ConferenceStatusCallbackEvent", "start join leave")],
        [("StatusCallbackEvent", "initiated ringing"), ("StatusCallbackEvent", "completed")],
        [("RecordingStatusCallbackEvent", "started"), ("RecordingStatusCallbackEvent", "stopped")],
        [("ConferenceRecordingStatusCallbackEvent", "in-progress completed")],
    ],
)
def test_array_parameters_are_accepted_repeated_or_space_separated(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    pairs: list[tuple[str, str]],
) -> None:
    # §1.3 "Form encoding": repeated keys (twilio-python) and space-separated values (docs).
    room = fakeconf.create_conference("Room")
    body = [("From", CALLER), ("To", CALLEE), *pairs]
    response = http.post(participants_url(account_url, room.sid), data=body)
    assert response.status_code == 201
    assert [p.call_sid for p in room.participants] == [response.json()["call_sid"]]


@pytest.mark.parametrize(
    "pairs",
    [
        [("ConferenceStatusCallbackEvent", "start"), ("ConferenceStatusCallbackEvent", "begin")],
        [("ConferenceStatusCallbackEvent", "start begin")],
        [("StatusCallbackEvent", "initiated hangup")],
    ],
)
def test_every_array_value_is_checked_whichever_way_it_is_sent(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    pairs: list[tuple[str, str]],
) -> None:
    body = [("From", CALLER), ("To", CALLEE), *pairs]
    response = http.post(participants_url(account_url, "Room"), data=body)
    assert response.status_code == 400
    assert fakeconf.conferences == []


def test_the_client_sends_every_create_parameter_and_unknown_ones_are_ignored(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Room")
    created = join(
        client,
        room.sid,
        status_callback="https://app.example/cb",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        conference_status_callback_event=["start", "end", "join"],
        beep="onEnter",
        early_media=False,
        time_limit=600,
        # §1.3: the client sends parameters this spec commit lacks
        recording_configuration_id="RC" + "1" * 32,
        passports="x",
        emergency_name="Jane",
        emergency_country="US",
    )
    assert created.status == "queued"
    sent = fakeconf.requests[-1]
    assert ("StatusCallbackEvent", "ringing") in sent.form
    assert ("ConferenceStatusCallbackEvent", "join") in sent.form
    assert sent.params["EmergencyName"] == "Jane"
    assert [p.call_sid for p in room.participants] == [created.call_sid]


def test_unknown_raw_parameters_are_ignored(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    response = http.post(
        participants_url(account_url, "Room"), data=form(SomeFutureParam="x", Emergency="y")
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("name", "value"),
    [("Hold", "maybe"), ("HoldUrl", "not a url")],
)
def test_update_only_parameters_are_unknown_to_create_and_ignored(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, name: str, value: str
) -> None:
    # Rule 8 / §1.3: CreateParticipant has no such parameter; "Accept and ignore
    # unknown form parameters".
    response = http.post(participants_url(account_url, "Room"), data=form(**{name: value}))
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("name", "value"),
    [("Timeout", "1"), ("StatusCallback", "not a url")],
)
def test_create_only_parameters_are_unknown_to_update_and_ignored(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, name: str, value: str
) -> None:
    # Rule 8 / §1.3: UpdateParticipant takes only Muted, Hold, HoldUrl, HoldMethod,
    # AnnounceUrl, AnnounceMethod, WaitUrl, WaitMethod, BeepOnExit,
    # EndConferenceOnExit, Coaching, CallSidToCoach; anything else is ignored.
    room = fakeconf.create_conference("Room")
    target = room.add_participant(label="target")
    response = http.post(
        participant_url(account_url, room.sid, "target"), data={"Muted": "true", name: value}
    )
    assert response.status_code == 200
    assert target.muted is True


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("StartConferenceOnEnter", "yes", 20001),
        ("EndConferenceOnExit", "1", 20001),
        ("Record", "maybe", 20001),
        ("EarlyMedia", "no", 20001),
        ("Coaching", "sure", 20001),
        ("Beep", "loud", 20001),
        ("ConferenceRecord", "always", 20001),
        ("ConferenceTrim", "trim", 20001),
        ("RecordingChannels", "stereo", 20001),
        ("Region", "mars1", 20001),
        ("JitterBufferSize", "huge", 20001),
        ("RecordingTrack", "left", 20001),
        ("StatusCallbackMethod", "PUT", 20001),
        ("WaitMethod", "DELETE", 20001),
        ("Timeout", "4", 20001),  # 5-600
        ("Timeout", "601", 20001),
        ("Timeout", "ten", 20001),
        ("MaxParticipants", "1", 20001),  # 2-250
        ("MaxParticipants", "251", 20001),
        ("MaxParticipants", "2.5", 20001),
        ("CallSidToCoach", "CA123", 20001),
        ("StatusCallback", "not a url", 21205),
        ("WaitUrl", "ftp://example.com/hold.xml", 21205),
        ("ConferenceStatusCallback", "example.com/cb", 21205),
    ],
)
def test_invalid_values_are_400_and_create_nothing(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    name: str,
    value: str,
    code: int,
) -> None:
    # §2.2: generic invalid parameter 20001 (exact code per field UNVERIFIED), bad URL 21205.
    response = http.post(participants_url(account_url, "New Room"), data=form(**{name: value}))
    assert_twilio_error(response, 400, code)
    assert fakeconf.conferences == []
    assert fakeconf.events == []

    room = fakeconf.create_conference("Room")
    host = room.add_participant(label="host")
    events_before = len(fakeconf.events)
    response = http.post(participants_url(account_url, room.sid), data=form(**{name: value}))
    assert_twilio_error(response, 400, code)
    assert room.participants == [host]
    assert len(fakeconf.events) == events_before


@pytest.mark.parametrize(
    "label",
    [
        "x" * 129,  # "must not exceed 128 characters"
        "CA" + "0123456789abcdef" * 2,  # "must not be a CallSid"
        "sales/east",  # "must not contain '/'"
        "sales%2Feast",  # nor its percent-encoding (§5.4)
        "sales%2feast",
    ],
)
def test_invalid_labels_are_16024(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, label: str
) -> None:
    room = fakeconf.create_conference("Room")
    response = http.post(participants_url(account_url, room.sid), data=form(Label=label))
    assert_twilio_error(response, 400, 16024)
    assert room.participants == []
    response = http.post(participants_url(account_url, "Other"), data=form(Label=label))
    assert_twilio_error(response, 400, 16024)
    assert [c.sid for c in fakeconf.conferences] == [room.sid]


@pytest.mark.parametrize(
    "label",
    ["x" * 128, "CA" + "0" * 31, "agent 1", "Customer (VIP) no.1", "a+b", "ünïcode"],
)
def test_valid_labels_are_accepted_and_address_the_participant(
    fakeconf: FakeTwilio, client: Client, label: str
) -> None:
    room = fakeconf.create_conference("Room")
    created = join(client, room.sid, label=label)
    assert client.conferences(room.sid).participants(label).fetch().call_sid == created.call_sid


def test_a_label_in_use_is_16026_until_its_participant_leaves(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Room")
    room.add_participant(label="host")  # keeps the conference going while "agent" leaves
    other = fakeconf.create_conference("Other Room")
    url = participants_url(account_url, room.sid)
    first = http.post(url, data=form(Label="agent"))
    assert first.status_code == 201
    assert_twilio_error(http.post(url, data=form(Label="agent")), 400, 16026)
    # labels are unique within one conference only
    assert http.post(participants_url(account_url, other.sid), data=form(Label="agent")).ok
    call = first.json()["call_sid"]
    assert http.delete(participant_url(account_url, room.sid, call)).status_code == 204
    again = http.post(url, data=form(Label="agent"))
    assert again.status_code == 201
    assert again.json()["call_sid"] != call
    (handle,) = [p for p in room.participants if p.label == "agent"]
    handle.leave()
    assert http.post(url, data=form(Label="agent")).status_code == 201


def test_max_participants_of_the_first_participant_wins(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    url = participants_url(account_url, "Small Room")
    assert http.post(url, data=form(MaxParticipants="3")).status_code == 201
    assert http.post(url, data=form(MaxParticipants="10")).status_code == 201
    assert http.post(url, data=form()).status_code == 201
    (room,) = fakeconf.conferences
    full = http.post(url, data=form(MaxParticipants="250"))
    assert_twilio_error(full, 400, 16020)  # "Conference is full"
    assert len(room.participants) == 3
    room.participants[0].leave()
    assert http.post(url, data=form()).status_code == 201
    assert len(room.participants) == 3


def test_a_later_smaller_max_participants_is_ignored(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    url = participants_url(account_url, "Big Room")
    assert http.post(url, data=form()).status_code == 201  # the default, 250
    for _ in range(3):
        assert http.post(url, data=form(MaxParticipants="2")).status_code == 201
    (room,) = fakeconf.conferences
    assert len(room.participants) == 4


def test_the_default_maximum_is_250(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    first = http.post(participants_url(account_url, "Town Hall"), data=form())
    room = fakeconf.get_conference(first.json()["conference_sid"])
    for _ in range(248):
        room.add_participant()
    url = participants_url(account_url, room.sid)
    assert http.post(url, data=form()).status_code == 201
    assert len(room.participants) == 250
    assert_twilio_error(http.post(url, data=form()), 400, 16020)
    assert len(room.participants) == 250


def test_coaching_without_call_sid_to_coach_is_16028(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    # Coaching: "If `true`, `call_sid_to_coach` must be defined." (§1.2)
    room = fakeconf.create_conference("Room")
    room.add_participant(label="agent")
    response = http.post(participants_url(account_url, room.sid), data=form(Coaching="true"))
    assert_twilio_error(response, 400, 16028)
    assert [p.label for p in room.participants] == ["agent"]


@pytest.mark.parametrize("target", ["elsewhere", "unknown"])
def test_coaching_a_call_not_in_the_conference_is_16028(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, target: str
) -> None:
    # ERR-16028 "Participant to be whispered is not present in the conference" (§5.4)
    room = fakeconf.create_conference("Room")
    room.add_participant(label="agent")
    elsewhere = fakeconf.create_conference("Elsewhere").add_participant()
    call = elsewhere.call_sid if target == "elsewhere" else UNKNOWN_CALL
    for conference in (room.sid, "Brand New"):
        response = http.post(
            participants_url(account_url, conference),
            data=form(Coaching="true", CallSidToCoach=call),
        )
        assert_twilio_error(response, 400, 16028)
    assert [p.label for p in room.participants] == ["agent"]
    assert len(fakeconf.conferences) == 2


def test_a_coach_joins_coaching_its_target(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    agent = room.add_participant(label="agent")
    coach = join(client, room.sid, label="coach", coaching=True, call_sid_to_coach=agent.call_sid)
    assert (coach.coaching, coach.call_sid_to_coach) == (True, agent.call_sid)
    fetched = client.conferences(room.sid).participants("coach").fetch()
    assert (fetched.coaching, fetched.call_sid_to_coach) == (True, agent.call_sid)


def test_call_sid_to_coach_alone_makes_a_coach(fakeconf: FakeTwilio, client: Client) -> None:
    # Coaching: "If not present, defaults to `false` unless `call_sid_to_coach` is
    # defined." (OAI CreateParticipant `Coaching`; twilio-python participant.py docstring)
    room = fakeconf.create_conference("Room")
    agent = room.add_participant(label="agent")
    coach = join(client, room.sid, label="coach", call_sid_to_coach=agent.call_sid)
    fetched = client.conferences(room.sid).participants(coach.call_sid).fetch()
    assert (fetched.coaching, fetched.call_sid_to_coach) == (True, agent.call_sid)


# -- list ---------------------------------------------------------------------


@pytest.fixture
def mixed_room(fakeconf: FakeTwilio) -> ConferenceHandle:
    """plain, muted, held, coach (coaching plain), muted+held, in that order."""
    room = fakeconf.create_conference("Mixed")
    plain = room.add_participant(label="plain")
    room.add_participant(label="muted", muted=True)
    room.add_participant(label="held", hold=True)
    room.add_participant(label="coach", coaching=True, call_sid_to_coach=plain.call_sid)
    room.add_participant(label="muted held", muted=True, hold=True)
    return room


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["muted held", "coach", "held", "muted", "plain"]),
        ({"muted": True}, ["muted held", "muted"]),
        ({"muted": False}, ["coach", "held", "plain"]),
        ({"hold": True}, ["muted held", "held"]),
        ({"hold": False}, ["coach", "muted", "plain"]),
        ({"coaching": True}, ["coach"]),
        ({"coaching": False}, ["muted held", "held", "muted", "plain"]),
        ({"muted": True, "hold": False}, ["muted"]),
        ({"muted": True, "coaching": True}, []),
    ],
)
def test_list_filters_and_is_newest_first(
    fakeconf: FakeTwilio,
    client: Client,
    mixed_room: ConferenceHandle,
    filters: dict[str, bool],
    expected: list[str],
) -> None:
    listed = client.conferences(mixed_room.sid).participants.list(**filters)
    assert [p.label for p in listed] == expected
    sent = dict(fakeconf.requests[-1].query)
    for name, value in filters.items():
        assert sent[name.capitalize()] == str(value).lower()


@pytest.mark.parametrize("name", ["Muted", "Hold", "Coaching"])
@pytest.mark.parametrize("value", ["yes", "1"])
def test_list_refuses_an_invalid_boolean_filter(
    fakeconf: FakeTwilio,
    http: requests.Session,
    client: Client,
    account_url: str,
    mixed_room: ConferenceHandle,
    name: str,
    value: str,
) -> None:
    response = http.get(participants_url(account_url, mixed_room.sid), params={name: value})
    assert_twilio_error(response, 400, 20001)
    with pytest.raises(TwilioException) as caught:
        client.conferences(mixed_room.sid).participants.list(**{name.lower(): value})
    assert caught.value.args[1].status_code == 400


def test_list_newest_first_across_seconds(fakeconf: FakeTwilio, client: Client) -> None:
    with freeze_time(T0) as frozen:
        room = fakeconf.create_conference("Room")
        calls = []
        for _ in range(4):
            calls.append(join(client, room.sid).call_sid)
            frozen.tick(dt.timedelta(seconds=1))
    listed = client.conferences(room.sid).participants.list()
    assert [p.call_sid for p in listed] == calls[::-1]
    assert [p.date_created for p in listed] == [T0 + dt.timedelta(seconds=s) for s in (3, 2, 1, 0)]


def test_stream_pages_of_two(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    calls = [room.add_participant().call_sid for _ in range(5)]
    streamed = client.conferences(room.sid).participants.stream(page_size=2)
    assert [p.call_sid for p in streamed] == calls[::-1]
    queries = [dict(r.query) for r in fakeconf.requests]
    assert len(queries) == 3
    assert [q.get("PageSize") for q in queries] == ["2", "2", "2"]
    assert [q.get("Page", "0") for q in queries] == ["0", "1", "2"]


def test_page_next_and_previous(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    newest_first = [room.add_participant().call_sid for _ in range(5)][::-1]
    first = client.conferences(room.sid).participants.page(page_size=2)
    assert [p.call_sid for p in first] == newest_first[:2]
    assert first.previous_page() is None
    second = first.next_page()
    assert second is not None
    assert [p.call_sid for p in second] == newest_first[2:4]
    back = second.previous_page()
    assert back is not None
    assert [p.call_sid for p in back] == newest_first[:2]
    third = second.next_page()
    assert third is not None
    assert [p.call_sid for p in third] == newest_first[4:]
    assert third.next_page() is None


def test_page_tokens_name_a_hidden_cp_sid_not_the_call_sid(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    # §3.2 / §7.1: "Participant tokens use CP, not CA" (PACP… / PBCP…).
    room = fakeconf.create_conference("Room")
    participants = [room.add_participant(muted=True) for _ in range(5)]
    known = {room.sid, fakeconf.account_sid} | {p.call_sid for p in participants}
    url = participants_url(account_url, room.sid)
    first = http.get(url, params=[("Muted", "true"), ("PageSize", "2")]).json()
    base = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{room.sid}/Participants.json"
    assert first["uri"] == f"{base}?Muted=true&PageSize=2&Page=0"
    assert first["previous_page_uri"] is None
    next_uri = urlsplit(first["next_page_uri"])
    assert next_uri.path == base
    query = parse_qsl(next_uri.query)
    assert query[:3] == [("Muted", "true"), ("PageSize", "2"), ("Page", "1")]
    (token_key, token) = query[3]
    assert token_key == "PageToken"
    assert re.fullmatch(r"PACP[0-9a-f]{32}", token)
    assert token[2:] not in known

    second = http.get("https://api.twilio.com" + first["next_page_uri"]).json()
    assert second["uri"] == first["next_page_uri"]
    assert (second["page"], second["page_size"], second["start"], second["end"]) == (1, 2, 2, 3)
    prev_token = dict(parse_qsl(urlsplit(second["previous_page_uri"]).query))["PageToken"]
    next_token = dict(parse_qsl(urlsplit(second["next_page_uri"]).query))["PageToken"]
    assert re.fullmatch(r"PBCP[0-9a-f]{32}", prev_token)
    assert re.fullmatch(r"PACP[0-9a-f]{32}", next_token)
    hidden = {token[2:], prev_token[2:], next_token[2:]}
    assert len(hidden) == 3  # one hidden SID per participant
    assert not hidden & known


def test_paging_stays_correct_when_participants_leave_between_pages(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Room")
    handles = [room.add_participant(label=f"p{i}") for i in range(1, 7)]
    first = client.conferences(room.sid).participants.page(page_size=2)
    assert [p.label for p in first] == ["p6", "p5"]
    handles[4].leave()  # p5: the page's anchor
    second = first.next_page()
    assert second is not None
    assert [p.label for p in second] == ["p4", "p3"]
    # p3 (this page's anchor) is kicked over HTTP and p2 hangs up
    assert http.delete(participant_url(account_url, room.sid, "p3")).status_code == 204
    handles[1].leave()
    third = second.next_page()
    assert third is not None
    assert [p.label for p in third] == ["p1"]
    assert third.next_page() is None


def test_previous_page_after_participants_left(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    handles = [room.add_participant(label=f"p{i}") for i in range(1, 7)]
    first = client.conferences(room.sid).participants.page(page_size=2)
    second = first.next_page()
    assert second is not None
    assert [p.label for p in second] == ["p4", "p3"]
    handles[5].leave()  # p6, on the first page
    back = second.previous_page()
    assert back is not None
    assert [p.label for p in back] == ["p5"]


def test_list_with_a_friendly_name_is_405(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    # §7.2 (twilio-php #474): GET Participants with a non-CF conference id is 405, not 404.
    join(client, "Named Room")
    response = http.get(participants_url(account_url, "Named Room"))
    assert response.status_code == 405
    assert response.json()["status"] == 405
    with pytest.raises(TwilioException) as caught:
        client.conferences("Named Room").participants.list()
    assert caught.value.args[1].status_code == 405


def test_list_of_a_completed_conference_is_empty(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    # "When fetching conferences after the conference has ended, associated
    # Participants will not be returned." (§5.3)
    room = fakeconf.create_conference("Room")
    room.add_participant()
    room.add_participant()
    client.conferences(room.sid).update(status="completed")
    assert client.conferences(room.sid).participants.list() == []
    body = http.get(participants_url(account_url, room.sid)).json()
    assert body["participants"] == []
    assert (body["start"], body["end"], body["next_page_uri"]) == (0, 0, None)


def test_list_of_an_unknown_conference_is_404(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    response = http.get(participants_url(account_url, UNKNOWN_CONFERENCE))
    assert_twilio_error(response, 404, 20404)


# -- fetch / update / delete --------------------------------------------------


def test_fetch_update_delete_by_a_label_with_a_space(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    room.add_participant(label="customer")
    agent = room.add_participant(label="agent 1")
    participant = client.conferences(room.sid).participants("agent 1")
    assert participant.fetch().call_sid == agent.call_sid
    updated = participant.update(muted=True)
    assert (updated.call_sid, updated.label, updated.muted) == (agent.call_sid, "agent 1", True)
    assert agent.muted is True
    assert participant.delete() is True
    paths = [r.path for r in fakeconf.requests]
    assert all(p.endswith("/Participants/agent%201.json") for p in paths)
    assert [r.method for r in fakeconf.requests] == ["GET", "POST", "DELETE"]
    assert [p.label for p in room.participants] == ["customer"]
    with pytest.raises(TwilioRestException) as caught:
        participant.fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


@pytest.mark.parametrize(
    ("start", "update", "expected", "events"),
    [
        ({}, {"muted": True}, {"muted": True}, ["participant-mute"]),
        ({"muted": True}, {"muted": False}, {"muted": False}, ["participant-unmute"]),
        ({}, {"hold": True}, {"hold": True}, ["participant-hold"]),
        ({"hold": True}, {"hold": False}, {"hold": False}, ["participant-unhold"]),
        (
            {},
            {"hold": True, "hold_url": "https://app.example/hold.xml", "hold_method": "POST"},
            {"hold": True},
            ["participant-hold"],
        ),
        (
            {},
            {"wait_url": "https://app.example/wait.xml", "wait_method": "GET"},
            {},
            ["participant-modify"],
        ),
        ({}, {"beep_on_exit": False}, {}, ["participant-modify"]),
        (
            {},
            {"end_conference_on_exit": True},
            {"end_conference_on_exit": True},
            ["participant-modify"],
        ),
        ({}, {"coaching": True}, {"coaching": True}, ["participant-modify"]),
        # "BeepOnExit, EndConferenceOnExit, Coaching, WaitUrl" only (§4.1): not WaitMethod
        ({}, {"wait_method": "GET"}, {}, []),
        (
            {},
            {"announce_url": "https://app.example/hello.xml", "announce_method": "GET"},
            {},
            ["participant-announce"],
        ),
        (
            {},
            {"muted": True, "hold": True},
            {"muted": True, "hold": True},
            ["participant-mute", "participant-hold"],
        ),
    ],
)
def test_update_changes_the_participant_and_reports_it(
    fakeconf: FakeTwilio,
    client: Client,
    start: dict[str, Any],
    update: dict[str, Any],
    expected: dict[str, object],
    events: list[str],
) -> None:
    # §4.1: mute → participant-mute/-unmute, hold → participant-hold/-unhold,
    # modify → "BeepOnExit, EndConferenceOnExit, Coaching, WaitUrl".
    room = fakeconf.create_conference("Room")
    other = room.add_participant(label="other")
    target = room.add_participant(label="target", **start)
    if update.get("coaching"):
        update = {**update, "call_sid_to_coach": other.call_sid}
        expected = {**expected, "call_sid_to_coach": other.call_sid}
    before = len(fakeconf.events)
    updated = client.conferences(room.sid).participants("target").update(**update)
    new_events = fakeconf.events[before:]
    assert [e.kind for e in new_events] == events
    assert all(e.data["call_sid"] == target.call_sid for e in new_events)
    fields = ("muted", "hold", "coaching", "call_sid_to_coach", "end_conference_on_exit")
    defaults: dict[str, object] = {
        "muted": False,
        "hold": False,
        "coaching": False,
        "call_sid_to_coach": None,
        "end_conference_on_exit": False,
    }
    want = {**defaults, **start, **expected}
    fetched = client.conferences(room.sid).participants(target.call_sid).fetch()
    for p in (updated, fetched):
        assert {f: getattr(p, f) for f in fields} == want
        assert p.queue_time is None
    assert {f: getattr(target, f) for f in fields} == want


def test_announce_is_recorded_with_its_url_and_method(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    target = room.add_participant()
    client.conferences(room.sid).participants(target.call_sid).update(
        announce_url="https://app.example/a.xml"
    )
    (event,) = [e for e in fakeconf.events if e.kind == "participant-announce"]
    assert (event.data["call_sid"], event.data["url"], event.data["method"]) == (
        target.call_sid,
        "https://app.example/a.xml",
        "POST",  # AnnounceMethod defaults to POST (§1.3)
    )


def test_update_sends_twilios_wire_keys(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    other = room.add_participant()
    target = room.add_participant()
    client.conferences(room.sid).participants(target.call_sid).update(
        muted=True,
        hold=False,
        hold_url="https://x.example/h",
        hold_method="GET",
        announce_url="https://x.example/a",
        announce_method="POST",
        wait_url="https://x.example/w",
        wait_method="POST",
        beep_on_exit=True,
        end_conference_on_exit=False,
        coaching=True,
        call_sid_to_coach=other.call_sid,
    )
    sent = fakeconf.requests[-1]
    assert sent.status_code == 200
    assert dict(sent.form) == {
        "Muted": "true",
        "Hold": "false",
        "HoldUrl": "https://x.example/h",
        "HoldMethod": "GET",
        "AnnounceUrl": "https://x.example/a",
        "AnnounceMethod": "POST",
        "WaitUrl": "https://x.example/w",
        "WaitMethod": "POST",
        "BeepOnExit": "true",
        "EndConferenceOnExit": "false",
        "Coaching": "true",
        "CallSidToCoach": other.call_sid,
    }
    assert (target.muted, target.coaching, target.call_sid_to_coach) == (
        True,
        True,
        other.call_sid,
    )


@pytest.mark.parametrize("value", ["yes", "1", "on", "muted"])
def test_muted_anything_but_true_is_false(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, value: str
) -> None:
    # UpdateParticipant Muted: "Anything value other than `true` or `false` is
    # interpreted as `false`." (§1.3)
    room = fakeconf.create_conference("Room")
    target = room.add_participant(muted=True)
    response = http.post(
        participant_url(account_url, room.sid, target.call_sid), data={"Muted": value}
    )
    assert response.status_code == 200
    assert response.json()["muted"] is False
    assert target.muted is False
    assert kinds(fakeconf, room.sid)[-1] == "participant-unmute"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ({"Hold": "maybe"}, 20001),
        ({"Muted": "true", "Hold": "maybe"}, 20001),
        ({"Muted": "true", "HoldUrl": "not a url"}, 21205),
        ({"Muted": "true", "AnnounceUrl": "ftp://x.example/a"}, 21205),
        ({"Muted": "true", "WaitUrl": "x.example/w"}, 21205),
        ({"Muted": "true", "HoldMethod": "PUT"}, 20001),
        ({"Muted": "true", "AnnounceMethod": "PATCH"}, 20001),
        ({"Muted": "true", "WaitMethod": "DELETE"}, 20001),
        ({"Muted": "true", "BeepOnExit": "loud"}, 20001),
        ({"Muted": "true", "EndConferenceOnExit": "1"}, 20001),
        ({"Muted": "true", "Coaching": "yes"}, 20001),
        ({"Muted": "true", "CallSidToCoach": "CA1"}, 20001),
        ({"Muted": "true", "Coaching": "true"}, 16028),
        ({"Muted": "true", "Coaching": "true", "CallSidToCoach": UNKNOWN_CALL}, 16028),
    ],
)
def test_a_bad_update_is_refused_and_changes_nothing(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    data: dict[str, str],
    code: int,
) -> None:
    room = fakeconf.create_conference("Room")
    room.add_participant(label="other")
    target = room.add_participant(label="target")
    before = len(fakeconf.events)
    response = http.post(participant_url(account_url, room.sid, "target"), data=data)
    assert_twilio_error(response, 400, code)
    assert (target.muted, target.hold, target.coaching, target.call_sid_to_coach) == (
        False,
        False,
        False,
        None,
    )
    assert len(fakeconf.events) == before


def test_update_coaching_a_call_not_in_the_conference_is_16028(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    # ERR-16028 "Participant to be whispered is not present in the conference" (§5.4),
    # whether or not Coaching is sent with CallSidToCoach.
    room = fakeconf.create_conference("Room")
    target = room.add_participant(label="target")
    room.add_participant(label="other")
    elsewhere = fakeconf.create_conference("Elsewhere").add_participant()
    before = len(fakeconf.events)
    for call in (UNKNOWN_CALL, elsewhere.call_sid):
        response = http.post(
            participant_url(account_url, room.sid, "target"), data={"CallSidToCoach": call}
        )
        assert_twilio_error(response, 400, 16028)
    assert (target.coaching, target.call_sid_to_coach) == (False, None)
    assert len(fakeconf.events) == before


def test_update_call_sid_to_coach_alone_makes_a_coach(fakeconf: FakeTwilio, client: Client) -> None:
    # UpdateParticipant `Coaching`: "If not present, defaults to `false` unless
    # `call_sid_to_coach` is defined." (OAI; twilio-python ParticipantContext.update)
    room = fakeconf.create_conference("Room")
    agent = room.add_participant(label="agent")
    target = room.add_participant(label="supervisor")
    updated = (
        client.conferences(room.sid)
        .participants("supervisor")
        .update(call_sid_to_coach=agent.call_sid)
    )
    assert (updated.coaching, updated.call_sid_to_coach) == (True, agent.call_sid)
    assert target.coaching is True


def test_update_moves_date_updated(fakeconf: FakeTwilio, client: Client) -> None:
    with freeze_time(T0) as frozen:
        room = fakeconf.create_conference("Room")
        target = room.add_participant()
        frozen.tick(dt.timedelta(minutes=5))
        updated = client.conferences(room.sid).participants(target.call_sid).update(hold=True)
    assert updated.date_created == T0
    assert updated.date_updated == T0 + dt.timedelta(minutes=5)
    assert target.date_updated == T0 + dt.timedelta(minutes=5)


Request = Callable[[requests.Session, str], requests.Response]
REQUESTS: dict[str, Request] = {
    "fetch": lambda http, url: http.get(url),
    "update": lambda http, url: http.post(url, data={"Muted": "true"}),
    "delete": lambda http, url: http.delete(url),
}


@pytest.mark.parametrize("method", sorted(REQUESTS))
@pytest.mark.parametrize(
    ("conference", "call"),
    [
        ("room", UNKNOWN_CALL),
        ("room", "nobody"),
        (UNKNOWN_CONFERENCE, "present"),
        ("other", "present"),  # a real participant, asked for in the wrong conference
    ],
)
def test_unknown_participant_or_conference_is_404_naming_the_path(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    method: str,
    conference: str,
    call: str,
) -> None:
    room = fakeconf.create_conference("Room")
    other = fakeconf.create_conference("Other")
    present = room.add_participant(label="present")
    sid = {"room": room.sid, "other": other.sid}.get(conference, conference)
    url = participant_url(account_url, sid, call)
    response = REQUESTS[method](http, url)
    assert_twilio_error(response, 404, 20404)
    path = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{sid}/Participants/{call}.json"
    assert response.json()["message"] == f"The requested resource {path} was not found"
    assert present.muted is False
    assert room.participants == [present]


@pytest.mark.parametrize(
    ("method", "which"),
    [("PUT", "one"), ("PATCH", "one"), ("DELETE", "list"), ("PUT", "list")],
)
def test_methods_twilio_does_not_offer_are_405(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, method: str, which: str
) -> None:
    room = fakeconf.create_conference("Room")
    present = room.add_participant(label="present")
    url = (
        participant_url(account_url, room.sid, "present")
        if which == "one"
        else participants_url(account_url, room.sid)
    )
    response = http.request(method, url)
    assert response.status_code == 405
    assert room.participants == [present]


def test_delete_is_204_empty_and_the_participant_is_gone(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Room")
    stays = room.add_participant()
    goes = room.add_participant()
    kicked = room.add_participant()
    response = http.delete(participant_url(account_url, room.sid, goes.call_sid))
    assert response.status_code == 204
    assert response.content == b""
    assert client.conferences(room.sid).participants(kicked.call_sid).delete() is True
    for call in (goes.call_sid, kicked.call_sid):
        fetched = http.get(participant_url(account_url, room.sid, call))
        assert_twilio_error(fetched, 404, 20404)
        assert_twilio_error(http.delete(participant_url(account_url, room.sid, call)), 404, 20404)
    assert [p.call_sid for p in client.conferences(room.sid).participants.list()] == [
        stays.call_sid
    ]
    assert (goes.status, kicked.status) == ("complete", "complete")  # §1.2: not "completed"
    assert room.status == "in-progress"


def test_participants_of_an_ended_conference_are_404(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Room")
    a = room.add_participant(label="a")
    room.add_participant(label="b")
    room.end()
    for call in (a.call_sid, "b"):
        url = participant_url(account_url, room.sid, call)
        for response in (http.get(url), http.post(url, data={"Muted": "true"}), http.delete(url)):
            assert_twilio_error(response, 404, 20404)
    assert room.reason_conference_ended == "conference-ended-via-api"


# -- call outcomes ------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
def test_a_call_that_is_not_answered_is_queued_then_gone(
    fakeconf: FakeTwilio, client: Client, outcome: str
) -> None:
    room = fakeconf.create_conference("Room")
    host = room.add_participant(label="host")
    fakeconf.set_call_outcome("+15550009999", outcome)
    created = join(client, room.sid, to="+15550009999", label="callee")
    assert (created.status, created.queue_time) == ("queued", "1000")
    with pytest.raises(TwilioRestException) as caught:
        client.conferences(room.sid).participants(created.call_sid).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)
    assert [p.call_sid for p in client.conferences(room.sid).participants.list()] == [host.call_sid]
    leaves = [e for e in fakeconf.events if e.kind == "participant-leave"]
    # §4.2: ParticipantCallStatus no-answer|busy|failed…, ReasonParticipantLeft
    # participant_add_failed
    assert [
        (e.data["call_sid"], e.data["participant_call_status"], e.data["reason_participant_left"])
        for e in leaves
    ] == [(created.call_sid, outcome, "participant_add_failed")]
    assert "participant-join" not in [
        e.kind for e in fakeconf.events if e.data.get("call_sid") == created.call_sid
    ]
    # the conference goes on with the participants it has, and the label is free again
    assert room.status == "in-progress"
    assert join(client, room.sid, label="callee").label == "callee"


def test_other_numbers_still_answer(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    fakeconf.set_call_outcome("+15550009999", "busy")
    fakeconf.set_call_outcome("+15550008888", "answer")
    for to in ("+15550008888", "+15550007777"):
        created = join(client, room.sid, to=to)
        fetched = client.conferences(room.sid).participants(created.call_sid).fetch()
        assert fetched.status == "connected"


def test_a_failed_first_dial_makes_no_conference(fakeconf: FakeTwilio, client: Client) -> None:
    # "The Conference is created when the first participant connects" (§5.1; FIDELITY
    # F30): a first participant whose call fails never connects, so there is no
    # conference: the create still answers 201 queued, naming the SID the conference
    # would have had; that SID then answers 404 and takes no one (16022).
    fakeconf.set_call_outcome("+15550009999", "no-answer")
    failed = join(
        client,
        "Lonely",
        to="+15550009999",
        conference_status_callback="https://app.example.com/conf",
        conference_status_callback_event=["start", "end", "join", "leave"],
    )
    assert failed.status == "queued"
    assert CONFERENCE_SID_RE.fullmatch(failed.conference_sid)
    with pytest.raises(TwilioRestException) as missing:
        client.conferences(failed.conference_sid).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)
    assert client.conferences.list(status="init") == []
    assert client.conferences.list(status="completed") == []
    assert fakeconf.conferences == []
    events = kinds(fakeconf, failed.conference_sid)
    assert "conference-end" not in events
    assert "participant-join" not in events
    # no conference, so no conference callbacks at all
    assert [w for w in fakeconf.webhooks if w.kind == "conference-status"] == []
    assert fakeconf.get_call(failed.call_sid).status == "no-answer"
    again = join(client, "Lonely")
    assert again.conference_sid != failed.conference_sid
    assert client.conferences(again.conference_sid).fetch().status == "init"
    with pytest.raises(TwilioRestException) as caught:
        join(client, failed.conference_sid)
    assert caught.value.code == 16022


def test_a_failed_dial_into_a_conference_a_test_set_up_init_ends_it(
    fakeconf: FakeTwilio, client: Client
) -> None:
    # FIDELITY F31: a conference that exists (a test made it) and that nobody ever
    # connected to ends with the failed call as its last participant.
    room = fakeconf.create_conference("Set up", status="init")
    fakeconf.set_call_outcome("+15550009999", "busy")
    failed = join(client, room.sid, to="+15550009999")
    fetched = client.conferences(room.sid).fetch()
    assert (
        fetched.status,
        fetched.reason_conference_ended,
        fetched.call_sid_ending_conference,
    ) == ("completed", "last-participant-left", failed.call_sid)
