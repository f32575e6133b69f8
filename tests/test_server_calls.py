"""Server mode runs calls' TwiML and delivers callbacks outside its request lock: an
app whose TwiML handler calls the server back (a warm transfer adding a participant
while the customer's call is being routed) is answered, over real sockets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .test_server import (  # noqa: F401  (the fixtures: both ways of serving)
    Served,
    serve_process,
    served,
)
from .webhook_apps import App, Received, make_app, served_live

CALLER = "+15017122661"
LINE = "+15558675310"
ROOM = "<Response><Dial><Conference>Warm</Conference></Dial></Response>"


@pytest.fixture
def receiver(served: Served) -> Iterator[tuple[str, App]]:  # noqa: F811
    app = make_app("wsgi", served.auth_token)
    with served_live(app.wsgi) as base:
        served.ok("POST", "webhooks", {"base_url": base})
        yield base, app


def test_a_twiml_handler_that_calls_the_server_back_is_answered(
    served: Served,  # noqa: F811
    receiver: tuple[str, App],
) -> None:
    base, app = receiver
    client = served.client()
    added: list[str] = []

    def warm_transfer(request: Received) -> None:
        # While Twilio waits for this TwiML, the app brings an agent into the room.
        agent = client.conferences("Warm").participants.create(
            from_=CALLER, to="client:agent", label="agent"
        )
        added.append(agent.call_sid)

    app.inbox.hooks["/voice"] = warm_transfer
    app.inbox.twiml["/voice"] = ROOM
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{base}/voice")

    assert call.status == "queued"
    (received,) = app.inbox.at("/voice")
    assert received.valid and received.params["CallSid"] == call.sid
    (conference,) = client.conferences.list(friendly_name="Warm")
    members = {p.call_sid for p in client.conferences(conference.sid).participants.list()}
    assert members == {added[0], call.sid}
    assert conference.status == "in-progress"
    assert served.ok("GET", "alerts") == []


def test_alerts_endpoint_lists_what_failed(
    served: Served,  # noqa: F811
    receiver: tuple[str, App],
) -> None:
    base, app = receiver
    app.inbox.twiml["/voice"] = "not TwiML"
    call = served.client().calls.create(to=LINE, from_=CALLER, url=f"{base}/voice")
    (alert,) = served.ok("GET", "alerts")
    assert (alert["code"], alert["call_sid"], alert["url"]) == (12100, call.sid, f"{base}/voice")
    state = served.ok("GET", "state")
    assert [a["code"] for a in state["alerts"]] == [12100]


def test_control_lists_fetches_and_hangs_up_calls(served: Served) -> None:  # noqa: F811
    client = served.client()
    room = client.conferences("Desk").participants.create(
        from_=CALLER, to="client:agent", label="agent"
    )
    other = client.conferences("Desk").participants.create(
        from_=CALLER, to="client:guest", label="guest"
    )
    listed = served.ok("GET", "calls")
    assert [c["sid"] for c in listed] == [other.call_sid, room.call_sid]  # newest first
    assert all(set(c) >= {"sid", "status", "direction", "from", "to", "uri"} for c in listed)
    fetched = served.ok("GET", f"calls/{room.call_sid}")
    api = client.calls(room.call_sid).fetch()
    assert (fetched["status"], fetched["direction"], fetched["to"]) == (
        api.status,
        api.direction,
        "client:agent",
    )
    assert fetched["status"] == "in-progress"
    hung = served.ok("POST", f"calls/{room.call_sid}/hang-up", {})
    assert hung["status"] == "completed"
    assert client.calls(room.call_sid).fetch().status == "completed"
    # The agent was a participant: hanging up its call made it leave the conference.
    assert [p.call_sid for p in client.conferences(room.conference_sid).participants.list()] == [
        other.call_sid
    ]
    again = served.control("POST", f"calls/{room.call_sid}/hang-up", {})
    assert again.status_code == 400
    assert again.json()["code"] == 21220
    missing = served.control("GET", "calls/CA00000000000000000000000000000000")
    assert missing.status_code == 404
    extra = served.control("POST", f"calls/{other.call_sid}/hang-up", {"now": True})
    assert extra.status_code == 400
    wrong = served.control("DELETE", f"calls/{other.call_sid}")
    assert (wrong.status_code, wrong.headers["Allow"]) == (405, "GET")


def test_press_and_say_answer_a_gather_over_the_control_api(
    served: Served,  # noqa: F811
    receiver: tuple[str, App],
) -> None:
    base, app = receiver
    app.inbox.twiml["/voice"] = (
        '<Response><Gather action="/pin" numDigits="4"><Say>PIN?</Say></Gather></Response>'
    )
    app.inbox.twiml["/pin"] = '<Response><Gather input="speech" action="/team"/></Response>'
    app.inbox.twiml["/team"] = ROOM
    call = served.client().calls.create(to=LINE, from_=CALLER, url=f"{base}/voice")

    pressed = served.ok("POST", f"calls/{call.sid}/press", {"digits": "1234"})
    assert pressed["status"] == "in-progress"
    (pin,) = app.inbox.at("/pin")
    assert pin.valid and pin.params["Digits"] == "1234"
    served.ok("POST", f"calls/{call.sid}/say", {"speech": "sales", "confidence": 0.5})
    (team,) = app.inbox.at("/team")
    assert (team.params["SpeechResult"], team.params["Confidence"]) == ("sales", "0.5")
    log = served.ok("GET", f"calls/{call.sid}/log")
    assert [(e["verb"], e["text"], e["answer"]) for e in log] == [
        ("Say", "PIN?", None),
        ("Gather", "dtmf", "1234"),
        ("Gather", "speech", "sales"),
        ("Dial", "Warm", None),
    ]


def test_press_on_a_call_not_gathering_is_400(
    served: Served,  # noqa: F811
    receiver: tuple[str, App],
) -> None:
    base, app = receiver
    app.inbox.twiml["/voice"] = ROOM
    call = served.client().calls.create(to=LINE, from_=CALLER, url=f"{base}/voice")
    refused = served.ok("POST", f"calls/{call.sid}/press", {"digits": "1"}, status=400)
    assert "not waiting in a <Gather>" in refused["error"]
    served.ok("POST", f"calls/{call.sid}/press", {"digits": 1}, status=400)
    refused = served.ok("POST", f"calls/{call.sid}/press", {"keys": "1"}, status=400)
    assert "unknown press option" in refused["error"]
    served.ok("POST", "calls/CA00000000000000000000000000000000/press", {"digits": "1"}, 404)


def test_control_call_outcomes_take_answered_by_and_ring_for(served: Served) -> None:  # noqa: F811
    served.ok("POST", "clock", {"now": "2030-01-01T10:00:00Z"})
    body = {"number": LINE, "outcome": "answer", "answered_by": "fax", "ring_for": 12}
    assert served.ok("POST", "call-outcomes", body) == body
    client = served.client()
    call = client.calls.create(
        to=LINE, from_=CALLER, twiml=ROOM, machine_detection="DetectMessageEnd"
    )
    assert client.calls(call.sid).fetch().status == "ringing"
    served.ok("POST", "clock", {"advance": 12})
    answered = client.calls(call.sid).fetch()
    assert (answered.status, answered.answered_by) == ("in-progress", "fax")
    assert answered.start_time.isoformat() == "2030-01-01T10:00:12+00:00"


@pytest.mark.parametrize(
    "body",
    [
        {"number": LINE, "outcome": "answer", "ring_for": "12"},
        {"number": LINE, "outcome": "answer", "ring_for": -1},
        {"number": LINE, "outcome": "answer", "ring_for": True},
        {"number": LINE, "outcome": "answer", "ring_for": 1e300},
        {"number": LINE, "outcome": "answer", "answered_by": "robot"},
        {"number": LINE, "outcome": "answer", "answered_by": 5},
        {"number": LINE, "outcome": "busy", "answered_by": "human"},
    ],
)
def test_control_call_outcomes_refuse_bad_answered_by_and_ring_for(
    served: Served,  # noqa: F811
    body: dict[str, object],
) -> None:
    assert served.control("POST", "call-outcomes", body).status_code == 400
