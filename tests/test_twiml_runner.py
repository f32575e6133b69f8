"""The TwiML runner: a call's document run verb by verb, what happens after it leaves
a conference, and a live call moved to new TwiML.

References: shared/reference/twilio-calls-and-twiml.md §2.1 (voice-webhook
parameters), §3.1 (verbs top to bottom; the end of the document hangs up), §3.3/§3.6
(the Dial action after a conference: ``DialCallStatus=answered``, no ``DialCallSid``),
§4 (a redirected call: the old action is requested, its TwiML ignored, the new TwiML
runs on the same CallSid), §3.7 (a loop must end).
"""

from __future__ import annotations

from html import escape

import pytest
from twilio.rest import Client

from pytest_fakeconf import FakeconfError, FakeTwilio

from .webhook_apps import App, response, routed_app

BASE = "https://app.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"


@pytest.fixture(params=["wsgi", "flask"])
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    return routed_app(fakeconf, request.param, BASE)


def room(name: str = "Room", dial: str = "", **attributes: str) -> str:
    attrs = "".join(f' {key}="{escape(value)}"' for key, value in attributes.items())
    return f"<Dial{dial}><Conference{attrs}>{escape(name)}</Conference></Dial>"


def call_status(fakeconf: FakeTwilio, call_sid: str) -> str:
    """The call's status from the event log (the last call event of that call)."""
    statuses = [
        str(e.data["status"])
        for e in fakeconf.events
        if e.kind.startswith("call-") and e.data.get("call_sid") == call_sid
    ]
    return statuses[-1]


def test_say_play_pause_are_journalled_and_the_end_of_the_document_hangs_up(
    fakeconf: FakeTwilio, app: App
) -> None:
    """§3.1: "If there is no further verb, Twilio will end the phone call"."""
    app.inbox.twiml["/voice"] = response(
        "<Say>Welcome</Say>",
        '<Play loop="2">https://media.example/a.mp3</Play>',
        '<Pause length="3"/>',
    )
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
    (received,) = app.inbox.received
    assert received.valid
    sid = received.params["CallSid"]
    heard = fakeconf._runner.heard(sid)
    assert [(h.verb, h.text, h.loop) for h in heard] == [
        ("Say", "Welcome", 1),
        ("Play", "https://media.example/a.mp3", 2),
        ("Pause", "3", 1),
    ]
    assert call_status(fakeconf, sid) == "completed"
    assert fakeconf.alerts == []


def test_kicked_from_the_conference_the_dial_action_runs(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§3.6: leaving the conference completes the <Dial>: its action is requested with
    DialCallStatus=answered and no DialCallSid/DialCallDuration, and its TwiML runs;
    the verbs after the <Dial> are unreachable."""
    app.inbox.twiml["/voice"] = response(room(dial=' action="/after"'), "<Say>unreachable</Say>")
    app.inbox.twiml["/after"] = response("<Say>Goodbye</Say>")
    member = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert member is not None
    client.conferences(member.conference_sid).participants(member.call_sid).delete()

    (after,) = app.inbox.at("/after")
    assert after.valid
    assert after.params["DialCallStatus"] == "answered"
    assert after.params["CallSid"] == member.call_sid
    assert "DialCallSid" not in after.params and "DialCallDuration" not in after.params
    said = [h.text for h in fakeconf._runner.heard(member.call_sid)]
    assert said == ["Goodbye"]
    assert call_status(fakeconf, member.call_sid) == "completed"


def test_the_conference_ending_goes_on_with_the_next_verb(fakeconf: FakeTwilio, app: App) -> None:
    """§3.6: endConferenceOnExit "allow[s] either call leg to continue executing TwiML";
    without action the next verb runs (here a <Redirect> to more TwiML)."""
    app.inbox.twiml["/voice"] = response(room(), "<Redirect>/survey</Redirect>")
    app.inbox.twiml["/host"] = response(room(endConferenceOnExit="true"))
    app.inbox.twiml["/survey"] = response("<Say>Rate the call</Say>", "<Hangup/>")
    guest = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    host = fakeconf.dial_in(f"{BASE}/host", from_="+15005550002", to=LINE)
    assert guest is not None and host is not None
    host.leave()

    assert fakeconf.get_conference(guest.conference_sid).status == "completed"
    (survey,) = app.inbox.at("/survey")
    assert survey.params["CallSid"] == guest.call_sid
    assert [h.text for h in fakeconf._runner.heard(guest.call_sid)] == ["Rate the call"]
    assert call_status(fakeconf, guest.call_sid) == "completed"


def test_a_call_that_hangs_up_in_the_conference_runs_nothing_more(
    fakeconf: FakeTwilio, app: App
) -> None:
    """§3.6: "The caller hangs up: the session ends; later verbs do not run"."""
    app.inbox.twiml["/voice"] = response(room(dial=' action="/after"'), "<Say>never</Say>")
    member = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert member is not None
    member.leave()
    assert app.inbox.at("/after") == []
    assert fakeconf._runner.heard(member.call_sid) == []


@pytest.mark.parametrize(
    ("verb", "name"),
    [
        ("<Dial><Queue>support</Queue></Dial>", "Dial<Queue>"),
        ("<Dial><Number>+15558675311</Number><Queue>q</Queue></Dial>", "Dial<Number><Queue>"),
        ("<Record/>", "Record"),
        ("<Enqueue>support</Enqueue>", "Enqueue"),
    ],
)
def test_a_verb_the_fake_does_not_implement_ends_the_call_with_an_alert(
    fakeconf: FakeTwilio, app: App, verb: str, name: str
) -> None:
    app.inbox.twiml["/voice"] = response("<Say>Hello</Say>", verb, room())
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
    (alert,) = fakeconf.alerts
    assert alert.code == 0 and alert.code != 12200
    assert alert.message == f"pytest-fakeconf does not implement <{name}>"
    assert (alert.url, alert.call_sid) == (VOICE, app.inbox.received[0].params["CallSid"])
    assert fakeconf.conferences == []


def test_reject_first_leaves_the_call_unanswered(fakeconf: FakeTwilio, app: App) -> None:
    """§1.3: <Reject> first ends the call busy or no-answer (mapping UNVERIFIED)."""
    app.inbox.twiml["/voice"] = response('<Reject reason="busy"/>')
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
    sid = app.inbox.received[0].params["CallSid"]
    assert call_status(fakeconf, sid) == "busy"


def test_a_redirect_loop_ends_after_a_bounded_number_of_documents(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/loop"] = response("<Say>again</Say>", "<Redirect/>")
    with pytest.raises(FakeconfError):
        fakeconf.dial_in(f"{BASE}/loop", from_=CALLER, to=LINE)
    assert len(app.inbox.received) == 50
    (alert,) = fakeconf.alerts
    assert alert.code == 0 and "50 TwiML documents" in alert.message
    assert call_status(fakeconf, app.inbox.received[0].params["CallSid"]) == "completed"


def test_a_live_call_redirected_leaves_and_runs_the_new_twiml(
    fakeconf: FakeTwilio, app: App
) -> None:
    """§4: the participant leaves (participant_updated_via_api), the old Dial action
    is requested but its TwiML ignored, the new TwiML runs on the same CallSid, which
    can join a conference again as a new participant."""
    app.inbox.twiml["/voice"] = response(room("First", dial=' action="/after"'))
    app.inbox.twiml["/after"] = response("<Say>ignored</Say>")
    member = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert member is not None
    first = member.conference_sid
    call = fakeconf._backend.calls.get(fakeconf.account_sid, member.call_sid)
    assert call is not None
    fakeconf._backend.calls.redirect(call, twiml=response("<Say>Moving</Say>", room("Second")))

    assert member.status == "complete"
    leave = [e for e in fakeconf.events if e.kind == "participant-leave"][-1]
    assert leave.data["reason_participant_left"] == "participant_updated_via_api"
    assert [r.params["DialCallStatus"] for r in app.inbox.at("/after")] == ["answered"]
    assert [h.text for h in fakeconf._runner.heard(member.call_sid)] == ["Moving"]
    (second,) = [c for c in fakeconf.conferences if c.friendly_name == "Second"]
    assert [p.call_sid for p in second.participants] == [member.call_sid]
    assert fakeconf.get_conference(first).status == "completed"
    assert call.status == "in-progress"


# -- through the REST API: client.calls.create / update ---------------------------------


def test_a_created_call_fetches_its_url_and_joins_with_its_own_call_sid(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§1.3: "Conference participants joined by <Dial><Conference> are not new calls:
    the caller's own call joins"; §2.1: the Url request is signed and describes the call."""
    app.inbox.twiml["/voice"] = response(room())
    call = client.calls.create(to=LINE, from_=CALLER, url=VOICE)
    assert call.status == "queued"  # the create's answer; the TwiML ran before it returned
    (received,) = app.inbox.at("/voice")
    assert received.valid and received.method == "POST"
    expected = {
        "CallSid": call.sid,
        "AccountSid": fakeconf.account_sid,
        "From": CALLER,
        "To": LINE,
        "Caller": CALLER,
        "Called": LINE,
        "Direction": "outbound-api",
        "ApiVersion": "2010-04-01",
        "CallStatus": "in-progress",
    }
    assert {k: received.params.get(k) for k in expected} == expected
    (conference,) = fakeconf.conferences
    assert [p.call_sid for p in conference.participants] == [call.sid]
    assert client.calls(call.sid).fetch().status == "in-progress"

    client.calls(call.sid).update(status="completed")  # hang up
    assert client.calls(call.sid).fetch().status == "completed"
    assert conference.participants == []
    assert fakeconf.alerts == []


def test_kick_requests_the_dial_action_through_the_client(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(room(dial=' action="/after" method="GET"'))
    app.inbox.twiml["/after"] = response("<Hangup/>")
    call = client.calls.create(to=LINE, from_=CALLER, url=VOICE)
    (conference,) = fakeconf.conferences
    client.conferences(conference.sid).participants(call.sid).delete()
    (after,) = app.inbox.at("/after")
    assert (after.valid, after.method, after.params["DialCallStatus"]) == (True, "GET", "answered")
    assert client.calls(call.sid).fetch().status == "completed"


def test_update_with_twiml_moves_a_call_to_another_conference(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§4 through the client: the participant leaves, the new TwiML runs, same CallSid."""
    app.inbox.twiml["/voice"] = response(room("Queue"))
    call = client.calls.create(to=LINE, from_=CALLER, url=VOICE)
    updated = client.calls(call.sid).update(twiml=response(room("Agent")))
    assert updated.status == "in-progress"
    by_name = {c.friendly_name: c for c in fakeconf.conferences}
    assert by_name["Queue"].participants == []
    assert [p.call_sid for p in by_name["Agent"].participants] == [call.sid]
    assert len(client.calls.list()) == 1  # no new call


def test_raw_http_create_with_twiml_runs_it(
    fakeconf: FakeTwilio, http: object, account_url: str
) -> None:
    """``Twiml`` instead of ``Url``: nothing is fetched, the document runs as given."""
    import requests

    assert isinstance(http, requests.Session)
    reply = http.post(
        f"{account_url}/Calls.json",
        data={"To": LINE, "From": CALLER, "Twiml": response("<Say>Hi</Say>", room("Inline"))},
    )
    assert reply.status_code == 201
    sid = reply.json()["sid"]
    (conference,) = fakeconf.conferences
    assert (conference.friendly_name, [p.call_sid for p in conference.participants]) == (
        "Inline",
        [sid],
    )
    assert [h.text for h in fakeconf._runner.heard(sid)] == ["Hi"]
    assert [d for d in fakeconf.webhooks if d.kind == "voice"] == []
