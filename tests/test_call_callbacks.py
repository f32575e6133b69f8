"""Call status callbacks (shared/reference/twilio-calls-and-twiml.md §2.2): the
``StatusCallback`` of a call gets the ``StatusCallbackEvent`` events it chose, signed,
with ``SequenceNumber`` from 0, ``CallbackSource=call-progress-events``, ``answered``
reported as ``CallStatus=in-progress`` and ``completed`` as the final status with
``CallDuration`` (seconds) and ``Duration`` (minutes)."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

from .webhook_apps import App, routed_app

BASE = "https://app.example.com"
CALLER = "+15017122661"
LINE = "+15558675310"
ALL = ["initiated", "ringing", "answered", "completed"]


@pytest.fixture(params=["wsgi", "flask"])
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    built = routed_app(fakeconf, request.param, BASE)
    built.inbox.twiml["/voice"] = "<Response><Dial><Conference>Room</Conference></Dial></Response>"
    return built


def test_every_event_of_an_answered_call(fakeconf: FakeTwilio, client: Client, app: App) -> None:
    with freeze_time("2030-01-01 10:00:00") as frozen:
        call = client.calls.create(
            to=LINE,
            from_=CALLER,
            url=f"{BASE}/voice",
            status_callback=f"{BASE}/status",
            status_callback_event=ALL,
        )
        frozen.tick(dt.timedelta(seconds=61))
        client.calls(call.sid).update(status="completed")
    received = app.inbox.at("/status")
    assert all(r.valid for r in received)
    assert [r.params["CallStatus"] for r in received] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert [r.params["SequenceNumber"] for r in received] == ["0", "1", "2", "3"]
    assert {r.params["CallbackSource"] for r in received} == {"call-progress-events"}
    assert {(r.params["CallSid"], r.params["Direction"]) for r in received} == {
        (call.sid, "outbound-api")
    }
    last = received[-1].params
    assert (last["CallDuration"], last["Duration"]) == ("61", "2")
    assert "CallDuration" not in received[0].params


def test_the_default_event_is_completed(fakeconf: FakeTwilio, client: Client, app: App) -> None:
    call = client.calls.create(
        to=LINE, from_=CALLER, url=f"{BASE}/voice", status_callback=f"{BASE}/status"
    )
    client.calls(call.sid).update(status="completed")
    assert [r.params["CallStatus"] for r in app.inbox.at("/status")] == ["completed"]


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
def test_a_call_never_answered_sends_no_answered(
    fakeconf: FakeTwilio, client: Client, app: App, outcome: str
) -> None:
    fakeconf.set_call_outcome(LINE, outcome)  # type: ignore[arg-type]
    client.calls.create(
        to=LINE,
        from_=CALLER,
        url=f"{BASE}/voice",
        status_callback=f"{BASE}/status",
        status_callback_event=ALL,
    )
    received = app.inbox.at("/status")
    assert [r.params["CallStatus"] for r in received] == ["initiated", "ringing", outcome]
    assert received[-1].params["CallDuration"] == "0"
    assert "Duration" not in received[-1].params
    assert app.inbox.at("/voice") == []  # never answered: no TwiML
