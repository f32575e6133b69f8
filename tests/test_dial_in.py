"""Inbound calls: the fake asks the app for TwiML (a signed voice webhook), follows
``<Redirect>``, and joins the ``<Dial><Conference>`` it names with the noun's
attributes, under the same rules as the REST API. Broken TwiML fails the call
with Twilio's error codes and joins nothing.

References: shared/reference/twilio-conference-api.md (§4 webhooks, §5 lifecycle,
§2.2 error codes) and twilio-python-client.md §6 (RequestValidator); the TwiML
attributes are those of [DOC-TWIML] https://www.twilio.com/docs/voice/twiml/conference.
"""

from __future__ import annotations

import re
import time
from html import escape

import pytest
from twilio.rest import Client

from pytest_fakeconf import FakeconfError, FakeTwilio, ParticipantHandle, TwilioError

from .webhook_apps import FLAVOURS, App, Received, make_app, routed_app

BASE = "https://app.example.com"
VOICE = f"{BASE}/voice"
CUSTOMER = "+15017122661"
SUPPORT_LINE = "+15558675310"


@pytest.fixture(params=sorted(FLAVOURS))
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    """The application, routed for every webhook under BASE (both flavours)."""
    return routed_app(fakeconf, request.param, BASE)


def conference(name: str = "Room", **attributes: str) -> str:
    """``<Response><Dial><Conference …>name</Conference></Dial></Response>``."""
    attrs = "".join(f' {key}="{escape(value)}"' for key, value in attributes.items())
    return f"<Response><Dial><Conference{attrs}>{escape(name)}</Conference></Dial></Response>"


def call(fakeconf: FakeTwilio, n: int = 1, url: str = VOICE) -> ParticipantHandle | None:
    return fakeconf.dial_in(url, from_=f"+1500555000{n}", to=SUPPORT_LINE)


def joined(fakeconf: FakeTwilio, n: int = 1, url: str = VOICE) -> ParticipantHandle:
    participant = call(fakeconf, n, url)
    assert participant is not None
    return participant


# -- joining ----------------------------------------------------------------------


def test_two_callers_meet_in_the_room_their_twiml_names(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§5.1: the first caller creates the conference (init, waiting); it starts when
    the second connects (two connected, one with startConferenceOnEnter, the default)."""
    app.inbox.twiml["/voice"] = conference("Support & Sales")
    first = joined(fakeconf, 1)
    assert first.status == "connected"
    room = fakeconf.get_conference(first.conference_sid)
    assert (room.friendly_name, room.status) == ("Support & Sales", "init")
    second = joined(fakeconf, 2)
    assert second.conference_sid == room.sid
    assert room.status == "in-progress"
    listed = client.conferences(room.sid).participants.list()
    assert {(p.call_sid, p.status) for p in listed} == {
        (first.call_sid, "connected"),
        (second.call_sid, "connected"),
    }
    assert [e.kind for e in fakeconf.events if e.kind.startswith("conference-")] == [
        "conference-create",
        "conference-start",
    ]


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_voice_webhook_is_signed_and_describes_the_inbound_call(
    fakeconf: FakeTwilio, app: App, method: str
) -> None:
    """Twilio's voice request carries CallSid, AccountSid, From, To, CallStatus and
    Direction=inbound, signed like every webhook (§4.3; a GET carries them in the
    query string and signs the URL only)."""
    app.inbox.twiml["/voice"] = conference()
    participant = fakeconf.dial_in(VOICE, from_="+15005550007", to=SUPPORT_LINE, method=method)
    assert participant is not None
    (received,) = app.inbox.at("/voice")
    assert (received.valid, received.method) == (True, method)
    expected = {
        "CallSid": participant.call_sid,
        "AccountSid": fakeconf.account_sid,
        "From": "+15005550007",
        "To": SUPPORT_LINE,
        "CallStatus": "ringing",
        "Direction": "inbound",
    }
    assert {k: received.params.get(k) for k in expected} == expected
    assert re.fullmatch(r"CA[0-9a-f]{32}", participant.call_sid)
    (delivery,) = [d for d in fakeconf.webhooks if d.kind == "voice"]
    assert (delivery.url.split("?")[0], delivery.method, delivery.status_code) == (
        VOICE,
        method,
        200,
    )


def test_a_voice_url_of_another_account_is_refused(fakeconf: FakeTwilio) -> None:
    """An app checking signatures with another auth token answers 403: the call gets
    no TwiML (11200, HTTP retrieval failure) and joins nothing."""
    impostor = make_app("wsgi", "0" * 32)
    impostor.inbox.twiml["/voice"] = conference()
    fakeconf.route_webhooks(BASE, impostor.wsgi)
    with pytest.raises(TwilioError) as caught:
        call(fakeconf)
    assert caught.value.code == 11200
    assert fakeconf.conferences == []
    assert [r.valid for r in impostor.inbox.received] == [False]


def test_the_moderator_hanging_up_ends_the_conference(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§5.3: a participant with endConferenceOnExit=true leaves → completed,
    participant-with-end-conference-on-exit-left, naming its call; the others are
    disconnected and only live participants exist (§5.4)."""
    app.inbox.twiml["/voice"] = conference("Board")
    app.inbox.twiml["/moderator"] = conference("Board", endConferenceOnExit="true")
    moderator = joined(fakeconf, 1, f"{BASE}/moderator")
    others = [joined(fakeconf, n) for n in (2, 3)]
    assert moderator.end_conference_on_exit is True
    moderator.leave()

    fetched = client.conferences(moderator.conference_sid).fetch()
    assert fetched.status == "completed"
    assert fetched.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert fetched.call_sid_ending_conference == moderator.call_sid
    assert [p.status for p in others] == ["complete", "complete"]
    assert fakeconf.get_conference(moderator.conference_sid).participants == []


# -- <Conference> attributes ----------------------------------------------------------


def test_start_conference_on_enter_false_waits_for_someone_who_starts_it(
    fakeconf: FakeTwilio, app: App
) -> None:
    """DOC-TWIML startConferenceOnEnter: the conference starts with two connected of
    whom one has startConferenceOnEnter=true (§5.1)."""
    app.inbox.twiml["/voice"] = conference(startConferenceOnEnter="false")
    app.inbox.twiml["/host"] = conference()
    a, b = joined(fakeconf, 1), joined(fakeconf, 2)
    assert (a.start_conference_on_enter, b.start_conference_on_enter) == (False, False)
    room = fakeconf.get_conference(a.conference_sid)
    assert room.status == "init"
    host = joined(fakeconf, 3, f"{BASE}/host")
    assert host.start_conference_on_enter is True
    assert room.status == "in-progress"


def test_muted_label_and_coach_are_honoured(fakeconf: FakeTwilio, client: Client, app: App) -> None:
    """DOC-TWIML: muted, participantLabel (the label can replace the CallSid in the
    participant path, §5.4) and coach (the CallSid of the participant to coach)."""
    app.inbox.twiml["/voice"] = conference(participantLabel="customer")
    customer = joined(fakeconf, 1)
    app.inbox.twiml["/agent"] = conference(muted="true", participantLabel="agent")
    app.inbox.twiml["/coach"] = conference(participantLabel="coach", coach=customer.call_sid)
    agent = joined(fakeconf, 2, f"{BASE}/agent")
    coach = joined(fakeconf, 3, f"{BASE}/coach")

    participants = client.conferences(customer.conference_sid).participants
    by_label = {label: participants(label).fetch() for label in ("customer", "agent", "coach")}
    assert by_label["customer"].call_sid == customer.call_sid
    assert (by_label["agent"].call_sid, by_label["agent"].muted) == (agent.call_sid, True)
    assert by_label["customer"].muted is False
    assert (by_label["coach"].call_sid, by_label["coach"].coaching) == (coach.call_sid, True)
    assert by_label["coach"].call_sid_to_coach == customer.call_sid


def test_a_coach_whose_target_is_absent_fails_with_13240(fakeconf: FakeTwilio, app: App) -> None:
    """§5.4: "The TwiML `coach` attribute fails with 13240 [DOC-TWIML]" when the
    participant to coach is not in the conference (the REST API's code is 16028)."""
    app.inbox.twiml["/voice"] = conference()
    first = joined(fakeconf, 1)
    app.inbox.twiml["/coach"] = conference(coach="CA" + "0" * 32)
    with pytest.raises(TwilioError) as caught:
        call(fakeconf, 2, f"{BASE}/coach")
    assert caught.value.code == 13240
    room = fakeconf.get_conference(first.conference_sid)
    assert [p.call_sid for p in room.participants] == [first.call_sid]


def test_max_participants_caps_the_room(fakeconf: FakeTwilio, app: App) -> None:
    """DOC-TWIML maxParticipants (2 to 250); going over is 16020 "Conference is full"."""
    app.inbox.twiml["/voice"] = conference(maxParticipants="2")
    first, second = joined(fakeconf, 1), joined(fakeconf, 2)
    with pytest.raises(TwilioError) as caught:
        call(fakeconf, 3)
    assert caught.value.code == 16020
    room = fakeconf.get_conference(first.conference_sid)
    assert {p.call_sid for p in room.participants} == {first.call_sid, second.call_sid}


def test_record_from_start_records_once_two_are_bridged(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§6: record="record-from-start": "the recording begins when the first two
    participants are bridged. The hold music is never recorded.\""""
    app.inbox.twiml["/voice"] = conference(record="record-from-start")
    first = joined(fakeconf, 1)
    recordings = client.conferences(first.conference_sid).recordings
    assert recordings.list() == []
    joined(fakeconf, 2)
    (recording,) = recordings.list()
    assert (recording.status, recording.source, recording.channels) == (
        "in-progress",
        "Conference",
        1,
    )


def test_the_first_callers_region_is_the_conferences(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§5.4: "Twilio sets the region parameter from the first participant that
    specifies the parameter and will ignore the parameter from subsequent participants"."""
    app.inbox.twiml["/voice"] = conference(region="ie1")
    first = joined(fakeconf, 1)
    app.inbox.twiml["/voice"] = conference(region="au1")
    joined(fakeconf, 2)
    assert client.conferences(first.conference_sid).fetch().region == "ie1"


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"statusCallbackEvent": "start end join leave"},
         ["participant-join", "participant-join", "conference-start", "participant-leave",
          "participant-leave", "conference-end"]),
        ({"statusCallbackEvent": "join", "statusCallbackMethod": "GET"},
         ["participant-join", "participant-join"]),
        ({}, []),  # TwiML statusCallbackEvent has no default (§4.1)
    ],
    ids=["start-end-join-leave", "join-by-GET", "no-events"],
)  # fmt: skip
def test_status_callback_of_the_conference_noun(
    fakeconf: FakeTwilio, app: App, attributes: dict[str, str], expected: list[str]
) -> None:
    """§4.1: statusCallback (a relative URL resolves against the TwiML's URL) gets the
    statusCallbackEvent events, POST by default; the attribute's default is *None*."""
    app.inbox.twiml["/voice"] = conference(statusCallback="/events", **attributes)
    first = joined(fakeconf, 1)
    second = joined(fakeconf, 2)
    second.leave()
    first.leave()

    deliveries = [d for d in fakeconf.webhooks if d.kind == "conference-status"]
    assert [d.params["StatusCallbackEvent"] for d in deliveries] == expected
    method = attributes.get("statusCallbackMethod", "POST")
    assert {(d.method, d.url.split("?")[0]) for d in deliveries} <= {(method, f"{BASE}/events")}
    received = app.inbox.at("/events")
    assert [(r.valid, r.event) for r in received] == [(True, e) for e in expected]


# -- following the TwiML ---------------------------------------------------------------


@pytest.mark.parametrize("target", ["relative", "absolute"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_redirects_are_followed_and_say_and_play_passed_over(
    fakeconf: FakeTwilio, app: App, target: str, method: str
) -> None:
    """<Redirect> fetches more TwiML (method POST by default, GET on request; a
    relative URL against the current document's); <Say>/<Play> only play."""
    step3 = "step3?lang=en&level=2"
    step3 = step3 if target == "relative" else f"{BASE}/menu/{step3}"
    app.inbox.twiml["/voice"] = "<Response><Redirect>/menu/step2</Redirect></Response>"
    app.inbox.twiml["/menu/step2"] = (
        "<Response><Say>Welcome</Say><Play>https://media.example.com/chime.mp3</Play>"
        f'<Redirect method="{method}">{escape(step3)}</Redirect></Response>'
    )
    app.inbox.twiml["/menu/step3"] = (
        "<Response><Say>Connecting you</Say><Pause/>" + conference("Redirected")[10:]
    )
    participant = joined(fakeconf)
    assert fakeconf.get_conference(participant.conference_sid).friendly_name == "Redirected"
    received = app.inbox.received
    assert [(r.method, r.path, r.valid) for r in received] == [
        ("POST", "/voice", True),
        ("POST", "/menu/step2", True),
        (method, "/menu/step3", True),
    ]
    assert received[2].url.startswith(f"{BASE}/menu/step3?lang=en&level=2")
    assert {r.params["CallSid"] for r in received} == {participant.call_sid}


@pytest.mark.parametrize(
    "twiml",
    [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Dial>\n'
        "    <Conference>Room</Conference>\n  </Dial>\n</Response>\n",
        "<Response><!-- to the room --><Dial><Conference>Room</Conference></Dial></Response>",
    ],
    ids=["xml-declaration-and-indentation", "comment"],
)
def test_ordinary_twiml_formatting_is_accepted(fakeconf: FakeTwilio, app: App, twiml: str) -> None:
    app.inbox.twiml["/voice"] = twiml
    participant = joined(fakeconf)
    assert fakeconf.get_conference(participant.conference_sid).friendly_name == "Room"


@pytest.mark.parametrize(
    "twiml",
    [
        "<Response><Say>Goodbye</Say><Hangup/></Response>",
        "<Response><Reject/></Response>",
        "<Response><Dial><Number>+15558675311</Number></Dial></Response>",
        "<Response><Say>Nothing more</Say></Response>",
        "<Response/>",
    ],
    ids=["hangup", "reject", "dial-number", "say-only", "empty"],
)
def test_twiml_without_a_conference_joins_nothing(
    fakeconf: FakeTwilio, app: App, twiml: str
) -> None:
    app.inbox.twiml["/voice"] = twiml
    assert call(fakeconf) is None
    assert fakeconf.conferences == []
    assert [r.valid for r in app.inbox.received] == [True]


# -- broken TwiML and broken apps --------------------------------------------------------

BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n<Response><Dial><Conference>&lol9;</Conference></Dial></Response>"
)

BROKEN: list[tuple[str, str, int]] = [
    ("not-xml", "Sorry, we are closed", 12100),
    ("unclosed", "<Response><Dial><Conference>Room</Conference></Dial>", 12100),
    ("empty-body", "", 12100),
    ("doctype", '<!DOCTYPE Response SYSTEM "https://evil.example/twiml.dtd">'
     "<Response><Dial><Conference>Room</Conference></Dial></Response>", 12100),
    ("billion-laughs", BILLION_LAUGHS, 12100),
    ("wrong-root", "<Twiml><Dial><Conference>Room</Conference></Dial></Twiml>", 12200),
    ("unknown-verb", "<Response><Shout>hi</Shout>" + conference()[10:], 12200),
    ("unknown-attribute", conference(colour="blue"), 12200),
    ("start-yes", conference(startConferenceOnEnter="yes"), 12200),
    ("max-participants-1", conference(maxParticipants="1"), 12200),
    ("max-participants-251", conference(maxParticipants="251"), 12200),
    ("record-always", conference(record="always"), 12200),
    ("unknown-event", conference(statusCallback="/e", statusCallbackEvent="start finish"), 12200),
]  # fmt: skip


@pytest.mark.parametrize(("twiml", "code"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_twiml_fails_the_call_and_joins_nothing(
    fakeconf: FakeTwilio, app: App, twiml: str, code: int
) -> None:
    """12100 Document parse failure (not XML; DTDs/entities are refused without being
    expanded); 12200 Schema validation warning (not TwiML, or a <Conference>
    attribute Twilio does not know or a value outside its documented range)."""
    app.inbox.twiml["/voice"] = twiml
    fakeconf.create_conference("Lobby")  # something that must stay as it is
    before = [(c.sid, c.status, len(c.participants)) for c in fakeconf.conferences]
    started = time.perf_counter()
    with pytest.raises(TwilioError) as caught:
        call(fakeconf)
    assert time.perf_counter() - started < 2.0  # nothing was expanded
    assert caught.value.code == code
    assert [(c.sid, c.status, len(c.participants)) for c in fakeconf.conferences] == before
    assert [e.kind for e in fakeconf.events if not e.kind.startswith("call-")] == [
        "conference-create"
    ]
    # The inbound call itself ended, and the Debugger shows why (calls reference §3.8).
    assert [e.kind for e in fakeconf.events if e.kind.startswith("call-")][-1] == "call-completed"
    assert [a.code for a in fakeconf.alerts] == [code]


def _raise(received: Received) -> None:
    raise RuntimeError("voice handler bug")


@pytest.mark.parametrize("failure", ["404", "500", "raises"])
def test_an_app_that_does_not_answer_fails_the_call_with_11200(
    fakeconf: FakeTwilio, app: App, failure: str
) -> None:
    """11200 HTTP retrieval failure: the voice URL did not answer 2xx."""
    app.inbox.twiml["/voice"] = conference()
    if failure == "raises":
        app.inbox.hooks["/voice"] = _raise
    else:
        app.inbox.status["/voice"] = int(failure)
    with pytest.raises(TwilioError) as caught:
        call(fakeconf)
    assert caught.value.code == 11200
    assert fakeconf.conferences == []


def test_a_voice_url_nobody_serves_fails_with_11200(fakeconf: FakeTwilio, app: App) -> None:
    with pytest.raises(TwilioError) as caught:
        call(fakeconf, url="https://unrouted.example.org/voice")
    assert caught.value.code == 11200
    assert fakeconf.conferences == []


def test_an_endless_redirect_loop_is_stopped(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/loop"] = "<Response><Redirect>/loop</Redirect></Response>"
    with pytest.raises(FakeconfError):
        call(fakeconf, url=f"{BASE}/loop")
    assert fakeconf.conferences == []
    assert 1 < len(app.inbox.received) < 100


# -- the REST API's rules apply through TwiML too --------------------------------------


def test_a_label_in_use_skips_the_conference_and_goes_on_with_16025(
    fakeconf: FakeTwilio, app: App
) -> None:
    """TwiML <Conference participantLabel>: with a duplicate label "the call will not be
    added into the conference and instead continue to the next TwiML verb" (16025)."""
    app.inbox.twiml["/voice"] = (
        '<Response><Dial><Conference participantLabel="agent">Room</Conference></Dial>'
        "<Say>Sorry, that seat is taken</Say></Response>"
    )
    first = joined(fakeconf, 1)
    assert call(fakeconf, 2) is None  # no conference joined, nothing raised
    assert [p.call_sid for p in fakeconf.get_conference(first.conference_sid).participants] == [
        first.call_sid
    ]
    second = fakeconf.calls[0]
    assert second.sid != first.call_sid
    assert [(a.code, a.call_sid) for a in fakeconf.alerts] == [(16025, second.sid)]
    assert [(e.verb, e.text) for e in second.log][-1] == ("Say", "Sorry, that seat is taken")
    assert second.status == "completed"  # the document ran out after the <Say>


@pytest.mark.parametrize("label", ["a/b", "x" * 129, "CA" + "0" * 32])
def test_an_invalid_label_skips_the_conference_and_goes_on_with_16023(
    fakeconf: FakeTwilio, app: App, label: str
) -> None:
    app.inbox.twiml["/voice"] = conference(participantLabel=label)
    assert call(fakeconf, 1) is None
    assert [a.code for a in fakeconf.alerts] == [16023]
    assert fakeconf.conferences == []


def test_a_room_full_from_the_rest_api_is_refused_with_16020(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """The first participant's MaxParticipants holds for callers arriving by TwiML."""
    client.conferences("Room").participants.create(
        from_=CUSTOMER, to="client:a", max_participants=2
    )
    client.conferences("Room").participants.create(from_=CUSTOMER, to="client:b")
    app.inbox.twiml["/voice"] = conference("Room")
    (room,) = fakeconf.conferences
    with pytest.raises(TwilioError) as caught:
        call(fakeconf)
    assert caught.value.code == 16020
    assert len(room.participants) == 2
