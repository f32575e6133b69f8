"""Edges where the app calls the API back while its call's TwiML runs, a dialling
call that ends while its ``<Dial>`` rings or is bridged, and timers rebuilt from data
for calls that moved on.

References are to shared/reference/twilio-calls-and-twiml.md: §1.8 (``Status=completed``
hangs up a call in progress), §3.1 (the interpreter runs verbs top to bottom), §3.6 (a
call leaving ``<Dial><Conference>``: the action, or the next verb), §4 (a redirect: the
old ``<Dial>``'s action is requested but "Twilio will not execute any TwiML returned").
"""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.core.backend import Backend
from pytest_fakeconf.core.schedule import ScheduledRow
from pytest_fakeconf.core.sids import SidSource

from .webhook_apps import App, Received, response, routed_app

BASE = "https://pbx.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"
AGENT = "+15558675399"
DESK = "+15558675398"
T0 = dt.datetime(2030, 1, 1, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(params=["wsgi", "flask"])
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    return routed_app(fakeconf, request.param, BASE)


def update_call(fakeconf: FakeTwilio, call_sid: str, **form: str) -> None:
    """What the app's handler does: ``POST /Calls/{CallSid}.json`` over plain HTTP."""
    url = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Calls/{call_sid}.json"
    auth = (fakeconf.account_sid, fakeconf.auth_token)
    answer = requests.post(url, data=form, auth=auth)
    assert answer.status_code == 200, answer.text


# -- the app hangs up the call while serving its TwiML ---------------------------------------


@pytest.mark.parametrize("path", ["/voice", "/next"])
def test_a_call_hung_up_by_the_app_while_it_serves_twiml_runs_none_of_it(
    fakeconf: FakeTwilio, client: Client, app: App, path: str
) -> None:
    # §1.8: Status=completed hangs up the call in progress; the TwiML the same request
    # then returns has no call left to run on (§3.1), so nothing of it is heard.
    def hang_up(received: Received) -> None:
        update_call(fakeconf, received.params["CallSid"], Status="completed")

    app.inbox.twiml["/voice"] = response("<Say>first</Say>", "<Redirect>/next</Redirect>")
    app.inbox.twiml["/next"] = response("<Say>too late</Say>", "<Hangup/>")
    app.inbox.hooks[path] = hang_up
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
    (call,) = fakeconf.calls
    fetched = client.calls(call.sid).fetch()
    assert fetched.status == "completed"
    said = [e.text for e in call.log if e.verb == "Say"]
    assert said == ([] if path == "/voice" else ["first"])
    assert len(app.inbox.at(path)) == 1
    assert fakeconf.alerts == []  # no 21220 for a second hang-up


# -- the conference's leave callback redirects the call ----------------------------------------


@pytest.mark.parametrize(("action", "action_status"), [(True, 200), (True, 500), (False, 200)])
def test_a_call_redirected_by_the_conference_leave_callback_runs_only_the_new_twiml(
    fakeconf: FakeTwilio, client: Client, app: App, action: bool, action_status: int
) -> None:
    # The participant is kicked: its call would go on with the <Dial> action or the next
    # verb (§3.6), but the app's participant-leave status callback redirects it first,
    # so this is a redirect (§4): the action is requested, its TwiML not run (so an
    # action that fails does not end the redirected call either, as with a redirect made
    # over the API directly), and the next verb of the old document is skipped.
    def redirect(received: Received) -> None:
        if received.event == "participant-leave":
            update_call(fakeconf, received.params["CallSid"], Url=f"{BASE}/moved")

    dial = '<Dial action="/after">' if action else "<Dial>"
    app.inbox.twiml["/voice"] = response(
        dial,
        '<Conference statusCallback="/conference" statusCallbackEvent="leave">Room</Conference>',
        "</Dial>",
        "<Say>next verb</Say>",
    )
    app.inbox.twiml["/after"] = response("<Say>action twiml</Say>")
    app.inbox.twiml["/moved"] = response("<Say>moved</Say>")
    app.inbox.hooks["/conference"] = redirect
    app.inbox.status["/after"] = action_status
    joined = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert joined is not None and joined.status == "connected"
    client.conferences(joined.conference_sid).participants(joined.call_sid).delete()

    call = fakeconf.get_call(joined.call_sid)
    assert [e.text for e in call.log if e.verb == "Say"] == ["moved"]
    assert [(e.verb, e.answer) for e in call.log if e.verb == "Dial"] == [("Dial", "answered")]
    assert [r.event for r in app.inbox.at("/conference")] == ["participant-leave"]
    after = app.inbox.at("/after")
    assert [r.params["DialCallStatus"] for r in after] == (["answered"] if action else [])
    assert len(app.inbox.at("/moved")) == 1
    assert client.calls(call.sid).fetch().status == "completed"  # the moved TwiML ran out
    assert fakeconf.alerts == []


# -- timers rebuilt from data for a call that moved on -----------------------------------------


@pytest.mark.parametrize(
    ("kind", "slot", "extra"),
    [("call-pick-up", "ring", {"outcome": "answer"}), ("call-expire", "limit", {})],
)
@pytest.mark.parametrize("state", ["in-progress", "completed", "ringing"])
def test_a_call_timer_is_rebuilt_only_while_its_call_is_as_the_timer_left_it(
    kind: str, slot: str, extra: dict[str, str], state: str
) -> None:
    # A ring timer acts on a ringing call, a time limit on a call in progress; a row
    # for a call in any other state (an ended one included) is skipped as gone.
    backend = Backend(SidSource("moved-on"))
    backend.clock.freeze(T0)
    account = backend.add_account()
    call = backend.calls.create(account.sid, to=LINE, from_=CALLER, direction="outbound-api")
    if state != "ringing":
        backend.calls.ring(call, call.date_created)
        backend.calls.answer(call, call.date_created)
    else:
        backend.calls.ring(call, call.date_created)
    if state == "completed":
        backend.calls.hang_up(call)
    args = {"account": account.sid, "call": call.sid, "slot": slot, **extra}
    due = T0 + dt.timedelta(seconds=30)
    restored = backend.scheduler.restore(ScheduledRow(3, due, "timer", kind, args))
    wanted = "ringing" if kind == "call-pick-up" else "in-progress"
    if state != wanted:
        assert restored is None
        assert backend.scheduler.pending() == []
        return
    assert restored is not None and restored.pending
    backend.clock.freeze(due)
    backend.catch_up()
    assert not restored.pending
    assert call.status == ("in-progress" if kind == "call-pick-up" else "completed")


# -- the dialling call ends while its <Dial> rings or is bridged -------------------------------


def test_the_parent_s_own_time_limit_ends_the_bridge_and_completes_the_child(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    # §1.8 TimeLimit on the dialling call: it hangs up at its limit, and its bridged
    # child with it; the caller is gone, so the Dial's action is not requested (a guess
    # the runner shares with a caller hanging up, §3.6 "UNVERIFIED").
    app.inbox.twiml["/voice"] = response(f'<Dial action="/dialled">{AGENT}</Dial>')
    with freeze_time(T0) as frozen:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        (parent,) = [c for c in fakeconf.calls if c.direction == "inbound"]
        (child,) = [c for c in fakeconf.calls if c.direction == "outbound-dial"]
        client.calls(parent.sid).update(time_limit=30)
        frozen.tick(29)
        assert (parent.status, child.status) == ("in-progress", "in-progress")
        frozen.tick(1)
        assert client.calls(parent.sid).fetch().status == "completed"
        fetched = client.calls(child.sid).fetch()
    assert (fetched.status, fetched.duration) == ("completed", "30")
    assert [(e.verb, e.answer) for e in parent.log] == [("Dial", "completed")]
    assert app.inbox.at("/dialled") == []


def test_the_parent_hung_up_while_its_numbers_ring_cancels_every_child(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    # Two <Number>s ring together; the caller hangs up before either answers: both
    # ringing legs end canceled (§1.3), the Dial is over canceled, and nothing more runs.
    app.inbox.twiml["/voice"] = response(
        f'<Dial action="/dialled"><Number>{AGENT}</Number><Number>{DESK}</Number></Dial>',
        "<Say>unreached</Say>",
    )
    for number in (AGENT, DESK):
        fakeconf.set_call_outcome(number, "answer", ring_for=dt.timedelta(seconds=10))
    with freeze_time(T0) as frozen:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        (parent,) = [c for c in fakeconf.calls if c.direction == "inbound"]
        children = [c for c in fakeconf.calls if c.direction == "outbound-dial"]
        assert sorted(c.status for c in children) == ["ringing", "ringing"]
        parent.hang_up()
        frozen.tick(11)  # the ring timers were cancelled with the children
        statuses = {c.to: client.calls(c.sid).fetch().status for c in children}
    assert statuses == {AGENT: "canceled", DESK: "canceled"}
    assert fakeconf.scheduled == []
    assert [(e.verb, e.answer) for e in parent.log] == [("Dial", "canceled")]
    assert app.inbox.at("/dialled") == []
