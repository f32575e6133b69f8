"""``<Dial>`` to numbers, clients and SIP addresses: a child call per destination,
bridged to the dialling call until either leg hangs up.

References: shared/reference/twilio-calls-and-twiml.md §1.3 (an ``outbound-dial`` child
"is initiated right away and never queued", ``parent_call_sid`` the dialling call),
§3.3 (``timeout`` 30, ``timeLimit``, ``callerId``; the action gets ``DialCallStatus``
``completed``/``busy``/``no-answer``/``failed``/``canceled``, ``DialCallSid``,
``DialCallDuration``), §3.1 (no action: the next verb, or the end of the document),
§4 (a redirect during the Dial: the action requested, its TwiML ignored).
"""

from __future__ import annotations

import datetime as _dt

import pytest
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import CallHandle, FakeTwilio, LogEntry

from .webhook_apps import App, response, routed_app

BASE = "https://pbx.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"
AGENT = "+15558675399"
START = _dt.datetime(2026, 3, 2, 9, 0, tzinfo=_dt.timezone.utc)


@pytest.fixture(params=["wsgi", "flask"])
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    return routed_app(fakeconf, request.param, BASE)


def legs(fakeconf: FakeTwilio) -> tuple[CallHandle, CallHandle]:
    """The dialling call and its (only) child."""
    (parent,) = [c for c in fakeconf.calls if c.direction == "inbound"]
    (child,) = [c for c in fakeconf.calls if c.direction == "outbound-dial"]
    return parent, child


def test_the_answered_child_is_bridged_until_it_hangs_up_then_the_action_runs(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(
        f'<Dial action="/dialled" callerId="+15005550006">{AGENT}</Dial>',
        "<Say>unreachable</Say>",
    )
    app.inbox.twiml["/dialled"] = response("<Say>The agent hung up</Say>")
    with freeze_time(START) as frozen:
        assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
        parent, child = legs(fakeconf)
        assert parent.status == child.status == "in-progress"
        assert child.parent_call_sid == parent.sid
        assert (child.to, child.from_) == (AGENT, "+15005550006")
        fetched = client.calls(child.sid).fetch()
        assert (fetched.direction, fetched.parent_call_sid) == ("outbound-dial", parent.sid)
        (listed,) = client.calls.list(parent_call_sid=parent.sid)
        assert listed.sid == child.sid
        assert app.inbox.at("/dialled") == []
        frozen.tick(42)
        child.hang_up()

    (dialled,) = app.inbox.at("/dialled")
    assert dialled.valid
    assert dialled.params["CallSid"] == parent.sid
    assert dialled.params["DialCallStatus"] == "completed"
    assert dialled.params["DialCallSid"] == child.sid
    assert dialled.params["DialCallDuration"] == "42"
    assert (child.status, child.duration) == ("completed", 42)
    assert parent.status == "completed"  # the action's document ran out
    assert parent.log == [
        LogEntry("Dial", AGENT, answer="completed"),
        LogEntry("Say", "The agent hung up"),
    ]


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
def test_an_unanswered_dial_reports_the_child_s_status(
    fakeconf: FakeTwilio, app: App, outcome: str
) -> None:
    fakeconf.set_call_outcome(AGENT, outcome)  # type: ignore[arg-type]
    app.inbox.twiml["/voice"] = response(f'<Dial action="/dialled"><Number>{AGENT}</Number></Dial>')
    app.inbox.twiml["/dialled"] = response("<Say>Try later</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    parent, child = legs(fakeconf)
    assert child.status == outcome
    (dialled,) = app.inbox.at("/dialled")
    assert dialled.params["DialCallStatus"] == outcome
    assert dialled.params["DialCallSid"] == child.sid
    assert "DialCallDuration" not in dialled.params
    assert parent.log[0] == LogEntry("Dial", AGENT, answer=outcome)
    assert parent.status == "completed"


def test_without_action_an_unanswered_dial_goes_on_with_the_next_verb(
    fakeconf: FakeTwilio, app: App
) -> None:
    fakeconf.set_call_outcome(AGENT, "busy")
    app.inbox.twiml["/voice"] = response(f"<Dial>{AGENT}</Dial>", "<Say>Leave a message</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    parent, _ = legs(fakeconf)
    assert [e.verb for e in parent.log] == ["Dial", "Say"]
    assert parent.status == "completed"


def test_the_child_hung_up_over_the_api_ends_the_bridge(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(f'<Dial action="/dialled">{AGENT}</Dial>')
    app.inbox.twiml["/dialled"] = response("<Hangup/>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    parent, child = legs(fakeconf)
    client.calls(child.sid).update(status="completed")
    (dialled,) = app.inbox.at("/dialled")
    assert dialled.params["DialCallStatus"] == "completed"
    assert parent.status == "completed"


def test_the_parent_hanging_up_completes_the_child(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response(f'<Dial action="/dialled">{AGENT}</Dial>')
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    parent, child = legs(fakeconf)
    parent.hang_up()
    assert (parent.status, child.status) == ("completed", "completed")
    assert app.inbox.at("/dialled") == []  # the caller is gone: nothing more runs (a guess)


def test_client_and_sip_nouns_ring_their_addresses(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response("<Dial><Client>alice</Client></Dial>")
    app.inbox.twiml["/sip"] = response("<Dial><Sip>sip:bob@pbx.example.com</Sip></Dial>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    fakeconf.dial_in(f"{BASE}/sip", from_=CALLER, to=LINE)
    children = sorted(c.to for c in fakeconf.calls if c.direction == "outbound-dial")
    assert children == ["client:alice", "sip:bob@pbx.example.com"]


def test_numbers_ring_together_the_first_to_answer_wins_the_rest_are_canceled(
    fakeconf: FakeTwilio, app: App
) -> None:
    fakeconf.set_call_outcome("+15558670001", "answer", ring_for=_dt.timedelta(seconds=10))
    fakeconf.set_call_outcome("+15558670002", "answer", ring_for=_dt.timedelta(seconds=4))
    fakeconf.set_call_outcome("+15558670003", "busy")
    app.inbox.twiml["/voice"] = response(
        '<Dial action="/dialled">'
        "<Number>+15558670001</Number><Number>+15558670002</Number>"
        "<Number>+15558670003</Number></Dial>"
    )
    with freeze_time(START) as frozen:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        children = {c.to: c for c in fakeconf.calls if c.direction == "outbound-dial"}
        assert {n: c.status for n, c in children.items()} == {
            "+15558670001": "ringing",
            "+15558670002": "ringing",
            "+15558670003": "busy",
        }
        frozen.tick(4)
        assert {n: c.status for n, c in children.items()} == {
            "+15558670001": "canceled",
            "+15558670002": "in-progress",
            "+15558670003": "busy",
        }
        assert app.inbox.at("/dialled") == []
        children["+15558670002"].hang_up()
    (dialled,) = app.inbox.at("/dialled")
    assert dialled.params["DialCallSid"] == children["+15558670002"].sid


def test_a_number_that_answers_at_once_leaves_the_later_ones_undialled(
    fakeconf: FakeTwilio, app: App
) -> None:
    """Ringing takes no clock time unless ``ring_for`` says so: the first number that
    answers at once is bridged before the next is dialled (a GUESS, see the README)."""
    app.inbox.twiml["/voice"] = response(
        "<Dial><Number>+15558670001</Number><Number>+15558670002</Number></Dial>"
    )
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert [c.to for c in fakeconf.calls if c.direction == "outbound-dial"] == ["+15558670001"]


def test_a_ringing_child_past_the_dial_timeout_is_no_answer(fakeconf: FakeTwilio, app: App) -> None:
    fakeconf.set_call_outcome(AGENT, "answer", ring_for=_dt.timedelta(seconds=25))
    app.inbox.twiml["/voice"] = response(f'<Dial timeout="20" action="/dialled">{AGENT}</Dial>')
    app.inbox.twiml["/dialled"] = response("<Hangup/>")
    with freeze_time(START) as frozen:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        parent, child = legs(fakeconf)
        frozen.tick(19)
        assert child.status == "ringing" and parent.status == "in-progress"
        frozen.tick(1)
        assert child.status == "no-answer"
    (dialled,) = app.inbox.at("/dialled")
    assert dialled.params["DialCallStatus"] == "no-answer"


def test_canceling_the_ringing_child_over_the_api_is_canceled(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    """§3.3: ``canceled`` — "canceled via the REST API before it was answered"."""
    fakeconf.set_call_outcome(AGENT, "answer", ring_for=_dt.timedelta(seconds=10))
    app.inbox.twiml["/voice"] = response(f'<Dial action="/dialled">{AGENT}</Dial>')
    app.inbox.twiml["/dialled"] = response("<Hangup/>")
    with freeze_time(START):
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        _, child = legs(fakeconf)
        client.calls(child.sid).update(status="canceled")
    (dialled,) = app.inbox.at("/dialled")
    assert dialled.params["DialCallStatus"] == "canceled"
    assert dialled.params["DialBridged"] == "false"


def test_time_limit_ends_the_bridge_on_the_clock(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response(f'<Dial timeLimit="60" action="/dialled">{AGENT}</Dial>')
    app.inbox.twiml["/dialled"] = response("<Say>Time is up</Say>")
    with freeze_time(START) as frozen:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        parent, child = legs(fakeconf)
        frozen.tick(59)
        assert child.status == "in-progress"
        frozen.tick(1)
        assert child.status == "completed"
        assert parent.status == "completed"
    (dialled,) = app.inbox.at("/dialled")
    assert (dialled.params["DialCallStatus"], dialled.params["DialCallDuration"]) == (
        "completed",
        "60",
    )


def test_redirecting_the_parent_ends_the_bridge_and_ignores_the_action_s_twiml(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(f'<Dial action="/dialled">{AGENT}</Dial>')
    app.inbox.twiml["/dialled"] = response("<Say>ignored</Say>")
    app.inbox.twiml["/moved"] = response("<Say>Moved</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    parent, child = legs(fakeconf)
    client.calls(parent.sid).update(url=f"{BASE}/moved")
    assert child.status == "completed"
    (dialled,) = app.inbox.at("/dialled")
    assert dialled.params["DialCallStatus"] == "completed"
    assert [e.text for e in parent.log if e.verb == "Say"] == ["Moved"]


def test_a_whisper_url_is_not_run_and_says_so(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response(f'<Dial><Number url="/whisper">{AGENT}</Number></Dial>')
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    (alert,) = fakeconf.alerts
    assert alert.code == 0 and alert.level == "warning" and "whisper" in alert.message
    _, child = legs(fakeconf)
    assert child.status == "in-progress"
