"""The support line end to end: a caller dials in through the app's TwiML, agents join,
the room is muted, callers are kicked, and the app logs the room's signed status callbacks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from flask import Flask
from twilio.request_validator import RequestValidator

from room_moderator import add_agent, kick, mute_everyone_but
from room_moderator.calls import SUPPORT_LINE
from room_moderator.web import ConferenceLog, create_app

BASE = "https://moderator.example"
CUSTOMER = "+15551230001"
ANA = "+15551239001"  # an agent's phone


@pytest.fixture
def log() -> ConferenceLog:
    return ConferenceLog()


@pytest.fixture
def app(fakeconf, log) -> Flask:
    """The app, receiving every webhook the fake sends to ``BASE``."""
    app = create_app(fakeconf.auth_token, log)
    fakeconf.route_webhooks(BASE, app)
    return app


def call_support(fakeconf):
    return fakeconf.dial_in(f"{BASE}/voice", from_=CUSTOMER, to=SUPPORT_LINE)


def logged(log, sid):
    return [(e.event, e.label) for e in log.of(sid)]


def test_a_caller_waits_in_the_support_room(fakeconf, app, log):
    caller = call_support(fakeconf)

    (voice,) = [d for d in fakeconf.webhooks if d.kind == "voice"]
    twiml = ET.fromstring(voice.response_body)
    assert twiml.findtext("Say") == "Thanks for calling. An agent will join you shortly."
    conference = twiml.find("Dial/Conference")
    assert conference is not None and conference.text == "Support"
    assert conference.attrib == {
        "startConferenceOnEnter": "true",
        "statusCallback": "/conference-events",
        "statusCallbackEvent": "start end join leave",
        "participantLabel": "caller",
    }
    assert (voice.params["From"], voice.params["Direction"]) == (CUSTOMER, "inbound")
    room = fakeconf.get_conference(caller.conference_sid)
    assert (room.friendly_name, room.status) == ("Support", "init")  # alone: not started yet
    assert (caller.label, caller.status, caller.call_sid) == (
        "caller",
        "connected",
        voice.params["CallSid"],
    )
    # The relative statusCallback was resolved against the voice URL.
    assert logged(log, room.sid) == [("participant-join", "caller")]
    assert fakeconf.webhooks[-1].url == f"{BASE}/conference-events"


def test_the_moderator_mutes_the_caller_then_hangs_up_for_everyone(fakeconf, client, app, log):
    caller = call_support(fakeconf)
    sid = caller.conference_sid

    agent = add_agent(client, "Support", ANA, label="agent-ana", moderator=True)

    assert (agent.conference_sid, agent.status) == (sid, "queued")  # joined the caller's room
    room = fakeconf.get_conference(sid)
    assert room.status == "in-progress"
    assert mute_everyone_but(client, sid, "agent-ana") == [caller.call_sid]
    assert client.conferences(sid).participants("caller").fetch().muted is True
    assert client.conferences(sid).participants(agent.call_sid).fetch().muted is False
    assert caller.muted is True
    # Nobody is left to mute: one list, no update.
    before = len(fakeconf.requests)
    assert mute_everyone_but(client, sid, "agent-ana") == []
    assert [r.method for r in fakeconf.requests[before:]] == ["GET"]

    (ana,) = [p for p in room.participants if p.label == "agent-ana"]
    assert ana.call_sid == agent.call_sid and ana.end_conference_on_exit
    ana.leave()

    assert room.status == "completed"
    assert room.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert room.call_sid_ending_conference == agent.call_sid
    assert caller.status == "complete" and room.participants == []
    assert logged(log, sid) == [
        ("participant-join", "caller"),
        ("participant-join", "agent-ana"),
        ("conference-start", None),
        ("participant-leave", "agent-ana"),
        ("participant-leave", "caller"),  # disconnected by the moderator's exit
        ("conference-end", None),
    ]
    assert [e.sequence_number for e in log.of(sid)] == [1, 2, 3, 4, 5, 6]
    end = log.of(sid)[-1]
    assert end.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    # The mute happened, but the room subscribed to start/end/join/leave only.
    assert "participant-mute" in [e.kind for e in fakeconf.events]
    assert "participant-mute" not in [e.event for e in log.entries]
    # Every callback (and the voice webhook) was signed well enough for the app.
    assert [d.kind for d in fakeconf.webhooks] == ["voice"] + ["conference-status"] * 6
    assert all(d.ok for d in fakeconf.webhooks), [(d.url, d.status_code) for d in fakeconf.webhooks]


def test_add_agent_subscribes_the_room_when_the_agent_is_first(fakeconf, client, app, log):
    agent = add_agent(client, "Support", ANA, label="agent-ana")

    (create,) = fakeconf.requests
    assert create.path.endswith("/Conferences/Support/Participants.json")
    assert ("EndConferenceOnExit", "false") in create.form
    assert ("ConferenceStatusCallback", f"{BASE}/conference-events") in create.form
    events = [v for k, v in create.form if k == "ConferenceStatusCallbackEvent"]
    assert events == ["start", "end", "join", "leave"]

    caller = call_support(fakeconf)

    # The room kept the agent's settings: each event is delivered once, not twice.
    assert caller.conference_sid == agent.conference_sid
    assert logged(log, agent.conference_sid) == [
        ("participant-join", "agent-ana"),
        ("participant-join", "caller"),
        ("conference-start", None),
    ]
    assert all(d.ok for d in fakeconf.webhooks)


def test_kicking_an_abusive_caller_leaves_the_agent_in_a_live_room(fakeconf, client, app, log):
    caller = call_support(fakeconf)
    sid = caller.conference_sid
    add_agent(client, "Support", ANA, label="agent-ana")

    assert kick(client, sid, "caller") is True

    room = fakeconf.get_conference(sid)
    assert room.status == "in-progress"  # the agent is still there
    assert [p.label for p in room.participants] == ["agent-ana"]
    assert [p.label for p in client.conferences(sid).participants.list()] == ["agent-ana"]
    assert kick(client, sid, "caller") is False  # already gone: Twilio answers 404
    assert fakeconf.requests[-1].status_code == 404
    assert logged(log, sid)[-1] == ("participant-leave", "caller")

    (ana,) = room.participants
    ana.leave()

    assert room.reason_conference_ended == "last-participant-left"
    assert room.call_sid_ending_conference == ana.call_sid
    assert [e.event for e in log.of(sid)][-2:] == ["participant-leave", "conference-end"]
    assert log.of(sid)[-1].reason_conference_ended == "last-participant-left"
    assert all(d.ok for d in fakeconf.webhooks)


def test_requests_not_signed_by_twilio_are_refused(fakeconf, app, log):
    form = {
        "StatusCallbackEvent": "conference-end",
        "ConferenceSid": "CF" + "0" * 32,
        "SequenceNumber": "1",
        "ReasonConferenceEnded": "conference-ended-via-api",
    }
    url = "http://localhost/conference-events"  # what the test client requests
    http = app.test_client()

    forged = RequestValidator("someone-elses-token").compute_signature(url, form)
    assert http.post("/conference-events", data=form).status_code == 403
    assert (
        http.post(
            "/conference-events", data=form, headers={"X-Twilio-Signature": forged}
        ).status_code
        == 403
    )
    assert http.post("/voice", data={"CallSid": "CA" + "0" * 32}).status_code == 403
    assert log.entries == []

    genuine = RequestValidator(fakeconf.auth_token).compute_signature(url, form)
    response = http.post("/conference-events", data=form, headers={"X-Twilio-Signature": genuine})
    assert response.status_code == 204
    assert [e.reason_conference_ended for e in log.entries] == ["conference-ended-via-api"]
