"""``fakeconf.alerts``: what Twilio reports to its Debugger rather than on the API
(shared/reference/twilio-calls-and-twiml.md §3.8): the create already answered 201
when the app's TwiML fails the call."""

from __future__ import annotations

import datetime as dt

import pytest
from twilio.rest import Client

import pytest_fakeconf
from pytest_fakeconf import Alert, FakeTwilio

from .webhook_apps import App, make_app

BASE = "https://app.example.com"
CALLER = "+15017122661"
LINE = "+15558675310"


@pytest.fixture
def app(fakeconf: FakeTwilio) -> App:
    built = make_app("wsgi", fakeconf.auth_token)
    fakeconf.route_webhooks(BASE, built.wsgi)
    return built


@pytest.mark.parametrize(
    ("served", "code"),
    [
        (None, 11200),  # nothing at the URL: 404
        ("Sorry, we are closed", 12100),
        ("<Twiml><Say>hi</Say></Twiml>", 12200),
        ("<Response><Shout>hi</Shout></Response>", 12200),
    ],
    ids=["not-2xx", "not-xml", "wrong-root", "unknown-verb"],
)
def test_a_call_whose_twiml_fails_ends_with_an_alert(
    fakeconf: FakeTwilio, client: Client, app: App, served: str | None, code: int
) -> None:
    if served is None:
        app.inbox.status["/voice"] = 404
    else:
        app.inbox.twiml["/voice"] = served
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice")
    assert call.status == "queued"  # the API is not affected (§3.8)
    (alert,) = fakeconf.alerts
    assert isinstance(alert, Alert)
    assert (alert.code, alert.call_sid, alert.url) == (code, call.sid, f"{BASE}/voice")
    assert alert.conference_sid is None
    assert alert.at.tzinfo is not None and isinstance(alert.at, dt.datetime)
    assert client.calls(call.sid).fetch().status == "completed"


def test_a_status_callback_not_answered_2xx_is_a_warning(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§2.2: a wrong answer to a status callback "logs Debugger warnings" (11200: a guess)."""
    app.inbox.status["/status"] = 500
    app.inbox.twiml["/voice"] = "<Response><Hangup/></Response>"
    call = client.calls.create(
        to=LINE, from_=CALLER, url=f"{BASE}/voice", status_callback=f"{BASE}/status"
    )
    (alert,) = fakeconf.alerts
    assert (alert.code, alert.level, alert.call_sid) == (11200, "warning", call.sid)
    assert alert.url == f"{BASE}/status"


def test_alert_is_a_public_lazy_name() -> None:
    assert "Alert" in pytest_fakeconf.__all__
    assert pytest_fakeconf.Alert is Alert
