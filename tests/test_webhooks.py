"""Status callbacks as the application receives them: signed, with the documented
parameters, for the documented events only, in a sensible order, and never able to
break the conference when the application misbehaves.

Every delivery goes to a test app (tests/webhook_apps.py) that validates the
``X-Twilio-Signature`` with twilio's ``RequestValidator``, as a production app does.
References are to shared/reference/twilio-conference-api.md (§4 webhooks, §5
lifecycle) and twilio-python-client.md (§6 RequestValidator).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from freezegun import freeze_time
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.rest.api.v2010.account.conference.participant import ParticipantInstance

from pytest_fakeconf import FakeTwilio, ParticipantHandle, WebhookDelivery

from .webhook_apps import FLAVOURS, App, Received, make_app, routed_app, served_live

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
BASE = "https://app.example.com"
CONF_PATH = "/conference"
CONF_URL = f"{BASE}{CONF_PATH}?tenant=acme"  # a query string of its own, kept as configured
CALL_PATH = "/call"
REC_PATH = "/recording"
CALLER = "+15017122661"
ALL_KEYWORDS = ("start", "end", "join", "leave", "mute", "hold", "modify", "announcement")
# §4.1: subscription keyword -> the StatusCallbackEvent values it brings
KEYWORD_EVENTS = {
    "start": {"conference-start"},
    "end": {"conference-end"},
    "join": {"participant-join"},
    "leave": {"participant-leave"},
    "mute": {"participant-mute", "participant-unmute"},
    "hold": {"participant-hold", "participant-unhold"},
    "modify": {"participant-modify"},
    "announcement": {"announcement-end"},
}
# §4.2: sent on every conference status callback
COMMON = frozenset(
    {"ConferenceSid", "FriendlyName", "AccountSid", "SequenceNumber", "Timestamp",
     "StatusCallbackEvent"}
)  # fmt: skip
# §4.2: sent on join leave mute hold modify speaker announcement (participant ones)
PARTICIPANT = COMMON | {
    "CallSid", "Muted", "Hold", "Coaching", "EndConferenceOnExit", "StartConferenceOnEnter",
}  # fmt: skip
LEAVE = PARTICIPANT | {"ParticipantCallStatus", "ReasonParticipantLeft"}
END = COMMON | {"ReasonConferenceEnded", "Reason"}
RFC2822 = re.compile(
    r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000"
)


@pytest.fixture(params=sorted(FLAVOURS))
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    """The application, routed for every webhook under BASE (both flavours)."""
    return routed_app(fakeconf, request.param, BASE)


@pytest.fixture
def wsgi_app(fakeconf: FakeTwilio) -> App:
    """The bare WSGI flavour only, for the widely parametrized tests whose subject is
    the payload, not the app (both flavours validate every event above)."""
    return routed_app(fakeconf, "wsgi", BASE)


def join(
    client: Client, conference: str, label: str | None = None, **kwargs: Any
) -> ParticipantInstance:
    """A participant added by the app through the twilio client."""
    to = f"client:{label or 'anonymous'}"
    if label is not None:
        kwargs["label"] = label
    return client.conferences(conference).participants.create(from_=CALLER, to=to, **kwargs)


def subscribed(
    keywords: Any = ALL_KEYWORDS, method: str = "POST", url: str = CONF_URL
) -> dict[str, Any]:
    """The first participant's ConferenceStatusCallback* parameters."""
    subscription: dict[str, Any] = {
        "conference_status_callback": url,
        "conference_status_callback_method": method,
    }
    if keywords is not None:
        subscription["conference_status_callback_event"] = (
            list(keywords) if isinstance(keywords, tuple) else keywords
        )
    return subscription


def status_callbacks(
    fakeconf: FakeTwilio, conference_sid: str | None = None
) -> list[WebhookDelivery]:
    return [
        d
        for d in fakeconf.webhooks
        if d.kind == "conference-status"
        and (conference_sid is None or d.params.get("ConferenceSid") == conference_sid)
    ]


def events(deliveries: list[WebhookDelivery]) -> list[str | None]:
    return [d.params.get("StatusCallbackEvent") for d in deliveries]


def handle(fakeconf: FakeTwilio, conference_sid: str, call_sid: str) -> ParticipantHandle:
    (found,) = [
        p for p in fakeconf.get_conference(conference_sid).participants if p.call_sid == call_sid
    ]
    return found


# -- signatures -----------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET"])
@pytest.mark.parametrize(
    "keywords",
    [list(ALL_KEYWORDS), " ".join(ALL_KEYWORDS)],
    ids=["repeated-keys", "space-separated"],
)
def test_every_conference_callback_passes_the_validator(
    fakeconf: FakeTwilio, client: Client, app: App, method: str, keywords: list[str] | str
) -> None:
    """§4.3: X-Twilio-Signature = HMAC-SHA1(auth token, URL + sorted POST params);
    for GET the parameters are in the query string and only the URL is signed."""
    alice = join(client, "Room", "alice", **subscribed(keywords, method))
    sid = alice.conference_sid
    bob = join(client, sid, "bob")
    client.conferences(sid).participants(alice.call_sid).update(muted=True, hold=True)
    client.conferences(sid).participants(bob.call_sid).delete()
    handle(fakeconf, sid, alice.call_sid).leave()

    deliveries = status_callbacks(fakeconf, sid)
    assert Counter(events(deliveries)) == Counter(
        ["participant-join", "participant-join", "conference-start", "participant-mute",
         "participant-hold", "participant-leave", "participant-leave", "conference-end"]
    )  # fmt: skip
    assert [d.status_code for d in deliveries] == [200] * len(deliveries)
    received = app.inbox.at(CONF_PATH)
    assert [r.valid for r in received] == [True] * len(deliveries)
    validator = RequestValidator(fakeconf.auth_token)
    for delivery, seen in zip(deliveries, received, strict=True):
        assert delivery.method == seen.method == method
        signature = delivery.headers["X-Twilio-Signature"]
        if method == "GET":
            parts = urlsplit(delivery.url)
            query = dict(parse_qsl(parts.query))
            assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}{CONF_PATH}"
            assert query == {"tenant": "acme", **delivery.params}
            assert seen.params == query
            assert validator.validate(delivery.url, {}, signature)
        else:
            assert delivery.url == CONF_URL
            assert delivery.headers["Content-Type"] == "application/x-www-form-urlencoded"
            assert seen.params == dict(delivery.params)
            assert validator.validate(delivery.url, dict(delivery.params), signature)


@pytest.mark.parametrize("flavour", sorted(FLAVOURS))
def test_a_receiver_with_another_auth_token_rejects_every_callback(
    fakeconf: FakeTwilio, client: Client, flavour: str
) -> None:
    """Signed with *this* account's auth token (§4.3): an app holding another token
    answers 403, which the fake records and shrugs off."""
    impostor = make_app(flavour, "f" * 32)
    fakeconf.route_webhooks(BASE, impostor.wsgi)
    alice = join(client, "Room", "alice", **subscribed())
    sid = alice.conference_sid
    join(client, sid, "bob")
    ended = client.conferences(sid).update(status="completed")

    assert ended.status == "completed"
    assert ended.reason_conference_ended == "conference-ended-via-api"
    deliveries = status_callbacks(fakeconf, sid)
    assert events(deliveries)[-1] == "conference-end"  # it went on to the end
    assert {d.status_code for d in deliveries} == {403}
    assert not any(d.ok for d in deliveries)
    assert [r.valid for r in impostor.inbox.received] == [False] * len(deliveries)


# -- which events ---------------------------------------------------------------


def test_without_conference_status_callback_event_only_start_and_end_arrive(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """OAI CreateParticipant: ConferenceStatusCallbackEvent "Defaults to `start end`"."""
    alice = join(client, "Room", "alice", **subscribed(keywords=None))
    sid = alice.conference_sid
    bob = join(client, sid, "bob")
    client.conferences(sid).participants(alice.call_sid).update(muted=True)
    client.conferences(sid).participants(bob.call_sid).delete()
    client.conferences(sid).participants(alice.call_sid).delete()

    assert events(status_callbacks(fakeconf)) == ["conference-start", "conference-end"]
    assert [r.event for r in app.inbox.at(CONF_PATH)] == ["conference-start", "conference-end"]


@dataclass
class Scenario:
    """A conference that went through every subscribable event (§4.1)."""

    sid: str
    alice: str  # labelled "alice": muted, held, modified, announced to
    carol: str  # unlabelled; hangs up
    host: str  # labelled "host", endConferenceOnExit: hangs up and ends the conference
    moments: dict[str, dt.datetime]  # StatusCallbackEvent (+ who) -> when it happened


ANNOUNCEMENT = "https://media.example.com/welcome.xml"


def run_scenario(fakeconf: FakeTwilio, client: Client, keywords: Any = ALL_KEYWORDS) -> Scenario:
    moments: dict[str, dt.datetime] = {}
    with freeze_time(T0) as frozen:

        def step(*names: str) -> None:
            now = T0 + dt.timedelta(minutes=len(moments) + 1)
            frozen.move_to(now)
            for name in names:
                moments[name] = now

        step("join alice")
        alice = join(client, "Standup", "alice", **subscribed(keywords))
        sid = alice.conference_sid
        participants = client.conferences(sid).participants
        step("join carol", "conference-start")
        carol = join(client, sid, start_conference_on_enter=False)
        step("join host")
        host = join(client, sid, "host", end_conference_on_exit=True)
        step("participant-mute")
        participants(alice.call_sid).update(muted=True)
        step("participant-unmute")
        participants(alice.call_sid).update(muted=False)
        step("participant-hold")
        participants(alice.call_sid).update(hold=True)
        step("participant-unhold")
        participants(alice.call_sid).update(hold=False)
        step("participant-modify")
        participants(alice.call_sid).update(beep_on_exit=False)
        step("announce alice")
        participants(alice.call_sid).update(announce_url=ANNOUNCEMENT)
        step("announce conference")
        client.conferences(sid).update(announce_url=ANNOUNCEMENT)
        step("leave carol")
        handle(fakeconf, sid, carol.call_sid).leave()
        step("leave host", "leave alice", "conference-end")
        handle(fakeconf, sid, host.call_sid).leave()
    return Scenario(sid, alice.call_sid, carol.call_sid, host.call_sid, moments)


def _who(scenario: Scenario, delivery: WebhookDelivery) -> str:
    event = delivery.params["StatusCallbackEvent"]
    names = {scenario.alice: "alice", scenario.carol: "carol", scenario.host: "host"}
    if event == "announcement-end":
        return "announce " + names.get(delivery.params.get("CallSid", ""), "conference")
    if event in ("participant-join", "participant-leave"):
        return f"{event.split('-')[1]} {names[delivery.params['CallSid']]}"
    return event


# (who, exact parameter names, parameter values beyond the common ones)
PARAMETER_CASES: list[tuple[str, frozenset[str], dict[str, str]]] = [
    ("join alice", PARTICIPANT | {"ParticipantLabel"},
     {"StatusCallbackEvent": "participant-join", "ParticipantLabel": "alice", "Muted": "false",
      "Hold": "false", "Coaching": "false", "EndConferenceOnExit": "false",
      "StartConferenceOnEnter": "true"}),
    ("join carol", PARTICIPANT,
     {"StatusCallbackEvent": "participant-join", "StartConferenceOnEnter": "false"}),
    ("join host", PARTICIPANT | {"ParticipantLabel"},
     {"ParticipantLabel": "host", "EndConferenceOnExit": "true"}),
    ("conference-start", COMMON, {}),
    ("participant-mute", PARTICIPANT | {"ParticipantLabel"}, {"Muted": "true", "Hold": "false"}),
    ("participant-unmute", PARTICIPANT | {"ParticipantLabel"}, {"Muted": "false"}),
    ("participant-hold", PARTICIPANT | {"ParticipantLabel"}, {"Hold": "true", "Muted": "false"}),
    ("participant-unhold", PARTICIPANT | {"ParticipantLabel"}, {"Hold": "false"}),
    ("participant-modify", PARTICIPANT | {"ParticipantLabel"}, {"ParticipantLabel": "alice"}),
    ("announce alice", PARTICIPANT | {"ParticipantLabel", "AnnounceUrl"},
     {"StatusCallbackEvent": "announcement-end", "AnnounceUrl": ANNOUNCEMENT}),
    ("announce conference", COMMON | {"AnnounceUrl"},
     {"StatusCallbackEvent": "announcement-end", "AnnounceUrl": ANNOUNCEMENT}),
    ("leave carol", LEAVE,
     {"ParticipantCallStatus": "completed", "ReasonParticipantLeft": "participant_hung_up"}),
    ("leave host", LEAVE | {"ParticipantLabel"},
     {"ParticipantCallStatus": "completed", "ReasonParticipantLeft": "participant_hung_up",
      "EndConferenceOnExit": "true"}),
    ("leave alice", LEAVE | {"ParticipantLabel"},
     {"ParticipantCallStatus": "completed",
      "ReasonParticipantLeft": "moderator_ended_conference"}),
    ("conference-end", END | {"CallSidEndingConference", "ParticipantLabelEndingConference"},
     {"ReasonConferenceEnded": "participant-with-end-conference-on-exit-left",
      "ParticipantLabelEndingConference": "host"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("who", "names", "values"), PARAMETER_CASES, ids=[c[0] for c in PARAMETER_CASES]
)
def test_each_event_carries_exactly_its_documented_parameters(
    fakeconf: FakeTwilio,
    client: Client,
    wsgi_app: App,
    who: str,
    names: frozenset[str],
    values: dict[str, str],
) -> None:
    """§4.2's table: which parameter is sent on which event, and in which format
    (booleans `true`/`false`, Timestamp RFC 2822, reasons with underscores for
    ReasonParticipantLeft and hyphens for ReasonConferenceEnded)."""
    scenario = run_scenario(fakeconf, client)
    (delivery,) = [d for d in status_callbacks(fakeconf) if _who(scenario, d) == who]
    params = dict(delivery.params)
    assert set(params) == names
    assert {k: params[k] for k in values} == values
    assert params["ConferenceSid"] == scenario.sid
    assert params["FriendlyName"] == "Standup"
    assert params["AccountSid"] == fakeconf.account_sid
    assert RFC2822.fullmatch(params["Timestamp"]), params["Timestamp"]
    assert email.utils.parsedate_to_datetime(params["Timestamp"]) == scenario.moments[who]
    call = {"alice": scenario.alice, "carol": scenario.carol, "host": scenario.host}
    if "CallSid" in names:
        assert params["CallSid"] == call.get(who.split()[-1], scenario.alice)
    if "CallSidEndingConference" in names:
        assert params["CallSidEndingConference"] == scenario.host
    if "Reason" in names:
        assert params["Reason"]  # "A message indicating why the conference ended"
    # and the app got the very same parameters, validly signed
    (seen,) = [
        r
        for r in wsgi_app.inbox.at(CONF_PATH)
        if r.params["SequenceNumber"] == params["SequenceNumber"]
    ]
    assert (seen.valid, seen.params) == (True, params)


def test_conference_end_via_the_api_names_no_call(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§5.3: conference-ended-via-api has no ending call, so neither
    CallSidEndingConference nor ParticipantLabelEndingConference is sent."""
    alice = join(client, "Room", "alice", **subscribed(("end",)))
    join(client, alice.conference_sid, "bob")
    client.conferences(alice.conference_sid).update(status="completed")
    (end,) = status_callbacks(fakeconf)
    assert set(end.params) == END
    assert end.params["ReasonConferenceEnded"] == "conference-ended-via-api"


def test_sequence_numbers_count_from_one_per_conference(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§4.2: SequenceNumber starts at 1; it orders one conference's events."""
    a = join(client, "Room A", "a1", **subscribed())
    b = join(client, "Room B", "b1", **subscribed())
    for conference, label in ((a, "a2"), (b, "b2"), (a, "a3")):
        join(client, conference.conference_sid, label)
    client.conferences(b.conference_sid).update(status="completed")
    client.conferences(a.conference_sid).participants(a.call_sid).update(muted=True)
    client.conferences(a.conference_sid).update(status="completed")

    for conference in (a, b):
        deliveries = status_callbacks(fakeconf, conference.conference_sid)
        numbers = [int(d.params["SequenceNumber"]) for d in deliveries]
        assert numbers == list(range(1, len(deliveries) + 1))
        assert events(deliveries)[-1] == "conference-end"


@pytest.mark.parametrize(
    "keywords",
    [("join",), ("mute", "hold"), ("end",), ("leave", "end"), ("modify", "announcement"),
     ("start",)],
    ids=" ".join,
)  # fmt: skip
def test_unsubscribed_events_never_arrive(
    fakeconf: FakeTwilio, client: Client, wsgi_app: App, keywords: tuple[str, ...]
) -> None:
    """§4.1: only the subscribed keywords' StatusCallbackEvents are sent."""
    run_scenario(fakeconf, client, keywords)
    expected = set().union(*(KEYWORD_EVENTS[k] for k in keywords))
    assert set(events(status_callbacks(fakeconf))) == expected
    assert {r.event for r in wsgi_app.inbox.at(CONF_PATH)} == expected


def test_the_first_participants_subscription_wins(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§4.1/§5.4: "Only the value set by the first participant to join the conference
    is used" — for the URL, the method and the events."""
    alice = join(client, "Room", "alice", **subscribed(("join",)))
    sid = alice.conference_sid
    second = subscribed(ALL_KEYWORDS, "GET", f"{BASE}/other")
    bob = join(client, sid, "bob", **second)
    client.conferences(sid).participants(bob.call_sid).update(muted=True)
    client.conferences(sid).update(status="completed")

    deliveries = status_callbacks(fakeconf)
    assert events(deliveries) == ["participant-join", "participant-join"]
    assert {(d.url, d.method) for d in deliveries} == {(CONF_URL, "POST")}
    assert app.inbox.at("/other") == []


def _end_via_api(fakeconf: FakeTwilio, client: Client, sid: str, host: str) -> None:
    client.conferences(sid).update(status="completed")


def _end_by_script(fakeconf: FakeTwilio, client: Client, sid: str, host: str) -> None:
    fakeconf.get_conference(sid).end()


def _host_hangs_up(fakeconf: FakeTwilio, client: Client, sid: str, host: str) -> None:
    handle(fakeconf, sid, host).leave()


def _host_kicked(fakeconf: FakeTwilio, client: Client, sid: str, host: str) -> None:
    client.conferences(sid).participants(host).delete()


@pytest.mark.parametrize(
    ("end", "reason", "left_because"),
    [
        (_end_via_api, "conference-ended-via-api", "conference_ended_via_api"),
        (_end_by_script, "conference-ended-via-api", "conference_ended_via_api"),
        (_host_hangs_up, "participant-with-end-conference-on-exit-left",
         "moderator_ended_conference"),
        (_host_kicked, "participant-with-end-conference-on-exit-kicked",
         "moderator_ended_conference"),
    ],
    ids=["api", "script", "moderator-hangs-up", "moderator-kicked"],
)  # fmt: skip
def test_remaining_participants_leave_before_the_conference_ends(
    fakeconf: FakeTwilio,
    client: Client,
    app: App,
    end: Callable[[FakeTwilio, Client, str, str], None],
    reason: str,
    left_because: str,
) -> None:
    """§5.3: on end all remaining participants are disconnected (their leave events
    carry ReasonParticipantLeft, e.g. conference_ended_via_api or
    moderator_ended_conference); conference-end is the conference's last event."""
    alice = join(client, "Room", "alice", **subscribed())
    sid = alice.conference_sid
    bob = join(client, sid, "bob")
    host = join(client, sid, "host", end_conference_on_exit=True)
    before = len(status_callbacks(fakeconf))
    end(fakeconf, client, sid, host.call_sid)

    after = status_callbacks(fakeconf)[before:]
    assert events(after)[-1] == "conference-end"
    assert after[-1].params["ReasonConferenceEnded"] == reason
    leaves = {d.params["CallSid"]: d.params["ReasonParticipantLeft"] for d in after[:-1]}
    remaining = {alice.call_sid: left_because, bob.call_sid: left_because}
    assert set(events(after[:-1])) == {"participant-leave"}
    assert {c: r for c, r in leaves.items() if c != host.call_sid} == remaining
    numbers = [int(d.params["SequenceNumber"]) for d in status_callbacks(fakeconf)]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize(
    ("kicked", "reason"), [(False, "last-participant-left"), (True, "last-participant-kicked")]
)
def test_the_last_participant_leaving_ends_the_conference_naming_it(
    fakeconf: FakeTwilio, client: Client, app: App, kicked: bool, reason: str
) -> None:
    """§5.3: the last participant hangs up / is removed → last-participant-left /
    -kicked with that call; conference-end names it and its label (§4.2)."""
    alice = join(client, "Room", "alice", **subscribed())
    sid = alice.conference_sid
    bob = join(client, sid, "bob")
    client.conferences(sid).participants(bob.call_sid).delete()
    if kicked:
        client.conferences(sid).participants("alice").delete()
    else:
        handle(fakeconf, sid, alice.call_sid).leave()

    *_, leave, end = status_callbacks(fakeconf)
    assert (leave.params["StatusCallbackEvent"], leave.params["CallSid"]) == (
        "participant-leave",
        alice.call_sid,
    )
    assert set(end.params) == END | {"CallSidEndingConference", "ParticipantLabelEndingConference"}
    assert end.params["ReasonConferenceEnded"] == reason
    assert end.params["CallSidEndingConference"] == alice.call_sid
    assert end.params["ParticipantLabelEndingConference"] == "alice"


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
def test_a_participant_whose_call_fails_leaves_without_joining(
    fakeconf: FakeTwilio, client: Client, app: App, outcome: str
) -> None:
    """§4.2: participant-leave's ParticipantCallStatus (no-answer, busy, failed…) and
    ReasonParticipantLeft participant_add_failed; a call never answered never joined."""
    alice = join(client, "Room", "alice", **subscribed())
    fakeconf.set_call_outcome("client:bob", outcome)
    bob = join(client, alice.conference_sid, "bob")

    deliveries = status_callbacks(fakeconf)
    about_bob = [d for d in deliveries if d.params.get("CallSid") == bob.call_sid]
    (leave,) = about_bob
    assert set(leave.params) == LEAVE | {"ParticipantLabel"}
    assert leave.params["StatusCallbackEvent"] == "participant-leave"
    assert leave.params["ParticipantCallStatus"] == outcome
    assert leave.params["ReasonParticipantLeft"] == "participant_add_failed"
    assert "conference-start" not in events(deliveries)


def test_non_ascii_values_are_signed_as_utf8(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """RequestValidator hashes the UTF-8 bytes of URL + params (§4.3)."""
    alice = join(client, "Café ☕ Standup", "émilie", **subscribed(("join",)))
    (delivery,) = status_callbacks(fakeconf)
    assert (delivery.params["FriendlyName"], delivery.params["ParticipantLabel"]) == (
        "Café ☕ Standup",
        "émilie",
    )
    (seen,) = app.inbox.at(CONF_PATH)
    assert (seen.valid, seen.params["FriendlyName"], delivery.status_code) == (
        True,
        "Café ☕ Standup",
        200,
    )
    assert seen.params["CallSid"] == alice.call_sid


# -- changes, by the app's REST calls and by the test's script ------------------


def _kwargs(case: str, other: str) -> dict[str, Any]:
    return {
        "mute": {"muted": True},
        "unmute": {"muted": False},
        "hold": {"hold": True},
        "unhold": {"hold": False},
        "beep-on-exit": {"beep_on_exit": False},
        "end-conference-on-exit": {"end_conference_on_exit": True},
        "coaching": {"coaching": True, "call_sid_to_coach": other},
        "wait-url": {"wait_url": f"{BASE}/hold-music.xml"},
        "announce": {"announce_url": ANNOUNCEMENT},
    }[case]


# case -> (what comes first, StatusCallbackEvent, parameters expected)
CHANGES: dict[str, tuple[dict[str, Any], str, dict[str, str]]] = {
    "mute": ({}, "participant-mute", {"Muted": "true"}),
    "unmute": ({"muted": True}, "participant-unmute", {"Muted": "false"}),
    "hold": ({}, "participant-hold", {"Hold": "true"}),
    "unhold": ({"hold": True}, "participant-unhold", {"Hold": "false"}),
    "beep-on-exit": ({}, "participant-modify", {}),
    "end-conference-on-exit": ({}, "participant-modify", {"EndConferenceOnExit": "true"}),
    "coaching": ({}, "participant-modify", {"Coaching": "true"}),
    "wait-url": ({}, "participant-modify", {}),
    "announce": ({}, "announcement-end", {"AnnounceUrl": ANNOUNCEMENT}),
}


@pytest.mark.parametrize("via", ["rest", "script"])
@pytest.mark.parametrize("case", sorted(CHANGES))
def test_a_participant_change_sends_its_event(
    fakeconf: FakeTwilio, client: Client, wsgi_app: App, case: str, via: str
) -> None:
    """§4.1: mute→participant-mute/-unmute, hold→participant-hold/-unhold, modify
    ("BeepOnExit, EndConferenceOnExit, Coaching, WaitUrl")→participant-modify, a
    participant announcement→announcement-end; the same whoever makes the change."""
    first, event, values = CHANGES[case]
    alice = join(client, "Room", "alice", **subscribed())
    sid = alice.conference_sid
    bob = join(client, sid, "bob")
    participant = client.conferences(sid).participants(alice.call_sid)
    if first:
        participant.update(**first)
    before = len(status_callbacks(fakeconf))
    kwargs = _kwargs(case, bob.call_sid)
    if via == "rest":
        participant.update(**kwargs)
    else:
        handle(fakeconf, sid, alice.call_sid).update(**kwargs)

    (delivery,) = status_callbacks(fakeconf)[before:]
    assert delivery.ok
    expected = {"StatusCallbackEvent": event, "CallSid": alice.call_sid, **values}
    assert {k: delivery.params.get(k) for k in expected} == expected
    state = participant.fetch()
    if "Muted" in values:
        assert state.muted is (values["Muted"] == "true")
    if "Hold" in values:
        assert state.hold is (values["Hold"] == "true")
    if "Coaching" in values:
        assert (state.coaching, state.call_sid_to_coach) == (True, bob.call_sid)
    if "EndConferenceOnExit" in values:
        assert state.end_conference_on_exit is True


@pytest.mark.parametrize("via", ["rest", "script"])
def test_a_conference_announcement_sends_announcement_end(
    fakeconf: FakeTwilio, client: Client, app: App, via: str
) -> None:
    """OAI UpdateConference AnnounceUrl; §4.1 announcement-end for "a participant or
    conference announcement"; only participant announcements carry CallSid (§4.2)."""
    alice = join(client, "Room", "alice", **subscribed())
    sid = alice.conference_sid
    join(client, sid, "bob")
    before = len(status_callbacks(fakeconf))
    if via == "rest":
        updated = client.conferences(sid).update(announce_url=ANNOUNCEMENT, announce_method="GET")
        assert updated.status == "in-progress"
    else:
        fakeconf.get_conference(sid).announce(ANNOUNCEMENT, "GET")

    (delivery,) = status_callbacks(fakeconf)[before:]
    assert set(delivery.params) == COMMON | {"AnnounceUrl"}
    assert delivery.params["StatusCallbackEvent"] == "announcement-end"
    assert delivery.params["AnnounceUrl"] == ANNOUNCEMENT
    assert fakeconf.get_conference(sid).status == "in-progress"


# -- call progress and recording callbacks ------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "call_events", "statuses"),
    [
        ("answer", ["initiated", "ringing", "answered", "completed"],
         ["initiated", "ringing", "in-progress", "completed"]),
        ("answer", None, ["completed"]),
        ("busy", None, ["busy"]),
        ("no-answer", None, ["no-answer"]),
        ("failed", None, ["failed"]),
        ("busy", ["initiated", "completed"], ["initiated", "busy"]),
        ("no-answer", ["answered", "completed"], ["no-answer"]),
        ("failed", ["initiated", "answered", "completed"], ["initiated", "failed"]),
    ],
    ids=["all-events", "default", "busy", "no-answer", "failed", "busy-initiated",
         "no-answer-not-answered", "failed-initiated"],
)  # fmt: skip
def test_participant_call_progress_callbacks(
    fakeconf: FakeTwilio,
    client: Client,
    app: App,
    outcome: str,
    call_events: list[str] | None,
    statuses: list[str],
) -> None:
    """OAI CreateParticipant StatusCallbackEvent: call progress `initiated ringing
    answered completed`, "the default is `completed`"; the answered event reports
    CallStatus in-progress; a call that is busy, unanswered or failed completes
    with that status."""
    host = join(client, "Room", "host")
    number = "+14155550123"
    if outcome != "answer":
        fakeconf.set_call_outcome(number, outcome)
    kwargs: dict[str, Any] = {"status_callback": f"{BASE}{CALL_PATH}"}
    if call_events is not None:
        kwargs["status_callback_event"] = call_events
    guest = client.conferences(host.conference_sid).participants.create(
        from_=CALLER, to=number, **kwargs
    )
    assert guest.status == "queued"  # 201, whatever becomes of the call
    if outcome == "answer":
        handle(fakeconf, host.conference_sid, guest.call_sid).leave()

    deliveries = [d for d in fakeconf.webhooks if d.kind == "call-status"]
    assert [d.params["CallStatus"] for d in deliveries] == statuses
    assert {(d.params["CallSid"], d.params["AccountSid"]) for d in deliveries} == {
        (guest.call_sid, fakeconf.account_sid)
    }
    assert [r.valid for r in app.inbox.at(CALL_PATH)] == [True] * len(statuses)
    # the conference started only if the guest connected
    expected = "in-progress" if outcome == "answer" else "init"
    assert fakeconf.get_conference(host.conference_sid).status == expected


@pytest.mark.parametrize(
    ("recording_events", "statuses"),
    [(["in-progress", "completed"], ["in-progress", "completed"]), (None, ["completed"])],
    ids=["in-progress+completed", "default"],
)
def test_conference_recording_callbacks(
    fakeconf: FakeTwilio,
    client: Client,
    app: App,
    recording_events: list[str] | None,
    statuses: list[str],
) -> None:
    """§4.2 "Conference recording status callback": AccountSid, ConferenceSid,
    RecordingSid, RecordingUrl, RecordingStatus, RecordingDuration,
    RecordingSource=Conference; the default event is `completed`. §6:
    record-from-start "begins when the first two participants are bridged"."""
    kwargs: dict[str, Any] = {
        "conference_record": "record-from-start",
        "conference_recording_status_callback": f"{BASE}{REC_PATH}",
    }
    if recording_events is not None:
        kwargs["conference_recording_status_callback_event"] = recording_events
    with freeze_time(T0) as frozen:
        alice = join(client, "Recorded", "alice", **kwargs)
        sid = alice.conference_sid
        frozen.tick(dt.timedelta(minutes=1))
        assert [d for d in fakeconf.webhooks if d.kind == "recording-status"] == []
        join(client, sid, "bob")
        frozen.tick(dt.timedelta(seconds=90))
        client.conferences(sid).update(status="completed")

    (recording,) = client.conferences(sid).recordings.list()
    deliveries = [d for d in fakeconf.webhooks if d.kind == "recording-status"]
    assert [d.params["RecordingStatus"] for d in deliveries] == statuses
    for delivery in deliveries:
        params = delivery.params
        assert (params["AccountSid"], params["ConferenceSid"]) == (fakeconf.account_sid, sid)
        assert params["RecordingSid"] == recording.sid
        assert params["RecordingSource"] == "Conference"
        assert params["RecordingChannels"] == "1"  # "Only `1` channel is supported"
        assert params["RecordingUrl"].endswith(f"/Recordings/{recording.sid}")
    completed = deliveries[-1].params
    assert completed["RecordingDuration"] == str(recording.duration)
    assert 0 < int(completed["RecordingDuration"]) <= 90
    assert [r.valid for r in app.inbox.at(REC_PATH)] == [True] * len(statuses)


# -- an application that misbehaves --------------------------------------------------


def _raise(received: Received) -> None:
    raise RuntimeError(f"handler bug on {received.event}")


@pytest.mark.parametrize("failure", ["raises", "answers-500", "no-route"])
def test_a_failing_receiver_does_not_stop_the_conference(
    fakeconf: FakeTwilio, client: Client, app: App, failure: str
) -> None:
    """A webhook's failure is the application's problem: Twilio records it (in its
    debugger) and the call goes on; the REST call that caused it still succeeds."""
    url = CONF_URL
    if failure == "raises":
        app.inbox.hooks[CONF_PATH] = _raise
    elif failure == "answers-500":
        app.inbox.status[CONF_PATH] = 500
    else:
        url = "https://elsewhere.example.net/conference"
    alice = join(client, "Room", "alice", **subscribed(url=url))
    sid = alice.conference_sid
    bob = join(client, sid, "bob")
    assert (alice.status, bob.status) == ("queued", "queued")
    assert client.conferences(sid).fetch().status == "in-progress"
    assert {p.call_sid for p in client.conferences(sid).participants.list()} == {
        alice.call_sid,
        bob.call_sid,
    }
    assert client.conferences(sid).update(status="completed").status == "completed"

    deliveries = status_callbacks(fakeconf, sid)
    assert events(deliveries) == [
        "participant-join", "participant-join", "conference-start", "participant-leave",
        "participant-leave", "conference-end",
    ]  # fmt: skip
    assert not any(d.ok for d in deliveries)
    if failure == "answers-500" or (failure == "raises" and app.flavour == "flask"):
        # Flask turns an exception in a view into a 500 response
        assert {d.status_code for d in deliveries} == {500}
    else:
        assert {d.status_code for d in deliveries} == {None}
        assert all(d.error for d in deliveries)
        if failure == "raises":
            assert all("handler bug" in (d.error or "") for d in deliveries)
    assert fakeconf.crashes == []


# -- over real HTTP --------------------------------------------------------------


@pytest.fixture
def live_app(fakeconf: FakeTwilio) -> Iterator[tuple[str, App]]:
    """The bare WSGI app served by wsgiref on 127.0.0.1 (a free port), in a thread."""
    app = make_app("wsgi", fakeconf.auth_token)
    with served_live(app.wsgi) as base:
        yield base, app


def test_callbacks_reach_a_live_server_over_http(
    fakeconf: FakeTwilio, client: Client, live_app: tuple[str, App]
) -> None:
    base, served = live_app
    fakeconf.route_webhooks_over_http(base)
    alice = join(client, "Room", "alice", **subscribed(url=f"{base}{CONF_PATH}"))
    join(client, alice.conference_sid, "bob")
    client.conferences(alice.conference_sid).update(status="completed")

    deliveries = status_callbacks(fakeconf)
    assert len(deliveries) == 6
    assert {d.status_code for d in deliveries} == {200}
    received = served.inbox.at(CONF_PATH)
    assert [r.valid for r in received] == [True] * 6
    assert [r.url for r in received] == [f"{base}{CONF_PATH}"] * 6
    assert [r.event for r in received] == events(deliveries)


# -- an application that calls back -----------------------------------------------


def test_a_handler_may_call_the_rest_api_back(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """A common app: mute everyone as they join, from the participant-join webhook.
    The handler finds the participant live and the conference as the operation
    that caused the webhook left it."""
    seen: list[tuple[str, str, str]] = []

    def mute_on_join(received: Received) -> None:
        if received.event != "participant-join":
            return
        conference = client.conferences(received.params["ConferenceSid"])
        participant = conference.participants(received.params["CallSid"]).fetch()
        seen.append((participant.call_sid, participant.status, conference.fetch().status))
        conference.participants(participant.call_sid).update(muted=True)

    app.inbox.hooks[CONF_PATH] = mute_on_join
    alice = join(client, "Room", "alice", **subscribed())
    sid = alice.conference_sid
    bob = join(client, sid, "bob")

    assert seen == [
        (alice.call_sid, "connected", "init"),
        (bob.call_sid, "connected", "in-progress"),
    ]
    assert [p.muted for p in client.conferences(sid).participants.list()] == [True, True]
    deliveries = status_callbacks(fakeconf, sid)
    mutes = [
        d.params["CallSid"]
        for d in deliveries
        if d.params["StatusCallbackEvent"] == "participant-mute"
    ]
    assert mutes == [alice.call_sid, bob.call_sid]
    numbers = [int(d.params["SequenceNumber"]) for d in deliveries]
    assert numbers == list(range(1, len(deliveries) + 1))
    assert all(d.ok for d in deliveries)
    assert fakeconf.crashes == []
