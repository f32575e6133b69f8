"""Edges of the TwiML runner: documents that fail after the call started, actions
that cannot be fetched, the app redirecting the call from inside its own webhook, a
redirected ``<Dial>`` child, ``dial_in`` answers that do not fit their ``<Gather>``,
and what :meth:`CallHandle.say` refuses. References are to
shared/reference/twilio-calls-and-twiml.md (§3.1 inline Twiml and absolute URLs,
§3.4 ``<Gather>``, §4 a redirect: "Twilio will not execute any TwiML returned")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
import requests
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio, TwilioError

from .webhook_apps import App, Received, response, routed_app

BASE = "https://pbx.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"
AGENT = "+15558675399"
T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def app(fakeconf: FakeTwilio) -> App:
    return routed_app(fakeconf, "wsgi", BASE)


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(T0) as factory:
        assert isinstance(factory, FrozenDateTimeFactory)
        yield factory


def inbound(fakeconf: FakeTwilio) -> str:
    (call,) = [c for c in fakeconf.calls if c.direction == "inbound"]
    return call.sid


# -- inline Twiml that fails once the call runs it --------------------------------------


def test_inline_twiml_that_is_not_valid_twiml_ends_the_answered_call_with_12200(
    fakeconf: FakeTwilio, client: Client
) -> None:
    call = client.calls.create(to=AGENT, from_=CALLER, twiml=response('<Reject reason="nope"/>'))
    handle = fakeconf.get_call(call.sid)
    assert handle.status == "completed"
    assert [a.code for a in fakeconf.alerts] == [12200]
    assert handle.log == []


def test_a_redirect_without_a_url_in_inline_twiml_ends_the_call_with_an_alert(
    fakeconf: FakeTwilio, client: Client
) -> None:
    call = client.calls.create(to=AGENT, from_=CALLER, twiml=response("<Say>a</Say><Redirect/>"))
    handle = fakeconf.get_call(call.sid)
    assert handle.status == "completed"
    (alert,) = fakeconf.alerts
    assert "<Redirect> needs a URL" in alert.message
    assert [e.verb for e in handle.log] == ["Say", "Redirect"]


# -- actions that cannot be fetched --------------------------------------------------------


def test_a_gather_answer_whose_action_fails_ends_the_call_with_11200(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response('<Gather action="/menu"/>', "<Say>unreached</Say>")
    app.inbox.status["/menu"] = 500
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = fakeconf.get_call(inbound(fakeconf))
    assert call.gathering
    call.press("1")
    assert call.status == "completed"
    assert [a.code for a in fakeconf.alerts] == [11200]
    assert [r.params.get("Digits") for r in app.inbox.at("/menu")] == ["1"]
    assert "unreached" not in [e.text for e in call.log]


def test_a_gather_timeout_whose_empty_result_action_fails_ends_the_call(
    fakeconf: FakeTwilio, app: App, frozen: FrozenDateTimeFactory
) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Gather action="/menu" actionOnEmptyResult="true" timeout="5"/>', "<Say>unreached</Say>"
    )
    app.inbox.status["/menu"] = 503
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = fakeconf.get_call(inbound(fakeconf))
    frozen.tick(dt.timedelta(seconds=5))
    assert call.status == "completed"
    assert [a.code for a in fakeconf.alerts] == [11200]
    assert len(app.inbox.at("/menu")) == 1
    assert "Digits" not in app.inbox.at("/menu")[0].params


def test_a_conference_dial_action_that_fails_after_a_kick_ends_the_call(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Dial action="/after"><Conference>Room</Conference></Dial>', "<Say>unreached</Say>"
    )
    app.inbox.status["/after"] = 500
    joined = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert joined is not None
    joined.kick()  # the TwiML goes on (§3.6): the action is requested
    call = fakeconf.get_call(joined.call_sid)
    assert call.status == "completed"
    assert [a.code for a in fakeconf.alerts] == [11200]
    (after,) = app.inbox.at("/after")
    assert after.params["DialCallStatus"] == "answered"


# -- the app redirects the call from inside its webhook -----------------------------------


def test_a_call_redirected_by_the_app_inside_its_webhook_runs_the_new_twiml_only(
    fakeconf: FakeTwilio, app: App
) -> None:
    def redirect_back(received: Received) -> None:
        url = (
            f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}"
            f"/Calls/{received.params['CallSid']}.json"
        )
        answer = requests.post(
            url,
            data={"Url": f"{BASE}/moved"},
            auth=(fakeconf.account_sid, fakeconf.auth_token),
        )
        assert answer.status_code == 200

    app.inbox.twiml["/voice"] = response('<Redirect method="POST">/step</Redirect>')
    app.inbox.twiml["/step"] = response("<Say>ignored</Say>")
    app.inbox.hooks["/step"] = redirect_back
    app.inbox.twiml["/moved"] = response("<Say>moved</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = fakeconf.get_call(inbound(fakeconf))
    said = [e.text for e in call.log if e.verb == "Say"]
    assert said == ["moved"]
    assert len(app.inbox.at("/moved")) == 1
    assert fakeconf.alerts == []


# -- a <Dial> child redirected over the API ---------------------------------------------------


def test_a_dialled_child_redirected_over_the_api_sends_its_parent_call_sid(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(f"<Dial>{AGENT}</Dial>")
    app.inbox.twiml["/child"] = response("<Say>just you</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    parent = inbound(fakeconf)
    (child,) = [c for c in fakeconf.calls if c.direction == "outbound-dial"]
    client.calls(child.sid).update(url=f"{BASE}/child")
    (fetched,) = app.inbox.at("/child")
    assert fetched.params["ParentCallSid"] == parent
    assert fetched.params["CallSid"] == child.sid
    assert [e.text for e in child.log if e.verb == "Say"] == ["just you"]


# -- dial_in answers -----------------------------------------------------------------------


def test_a_dial_in_answer_that_is_no_digits_for_a_dtmf_gather_is_no_input(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Gather input="dtmf" action="/menu"/>', "<Say>no input</Say>"
    )
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, digits="sales please")
    call = fakeconf.get_call(inbound(fakeconf))
    (warning,) = fakeconf.alerts
    assert warning.level == "warning" and "does not fit" in warning.message
    assert app.inbox.at("/menu") == []  # no input: the next verb
    gather = [e for e in call.log if e.verb == "Gather"]
    assert [e.answer for e in gather] == [None]
    assert "no input" in [e.text for e in call.log]


# -- CallHandle.say -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("speech", "confidence"), [("  ", 0.9), ("", 0.9), ("yes", 1.5), ("yes", -0.1)]
)
def test_say_refuses_empty_speech_or_a_confidence_outside_0_to_1(
    fakeconf: FakeTwilio, app: App, speech: str, confidence: float
) -> None:
    app.inbox.twiml["/voice"] = response('<Gather input="speech" action="/heard"/>')
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = fakeconf.get_call(inbound(fakeconf))
    with pytest.raises(ValueError, match=r"(speech|confidence) must be"):
        call.say(speech, confidence=confidence)
    assert call.gathering  # still waiting
    call.say("yes", confidence=1.0)
    (heard,) = app.inbox.at("/heard")
    assert (heard.params["SpeechResult"], heard.params["Confidence"]) == ("yes", "1.0")


# -- the app hangs the call up from inside one of its webhooks -----------------------------


def hang_up_from_the_app(fakeconf: FakeTwilio) -> Callable[[Received], None]:
    def hang_up(received: Received) -> None:
        url = (
            f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}"
            f"/Calls/{received.params['CallSid']}.json"
        )
        auth = (fakeconf.account_sid, fakeconf.auth_token)
        assert requests.post(url, data={"Status": "completed"}, auth=auth).status_code == 200

    return hang_up


def test_a_call_hung_up_by_the_app_whose_webhook_then_fails_is_alerted_once(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response("<Redirect>/next</Redirect>")
    app.inbox.hooks["/next"] = hang_up_from_the_app(fakeconf)
    app.inbox.status["/next"] = 500
    with pytest.raises(TwilioError) as raised:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert raised.value.code == 11200
    call = fakeconf.get_call(inbound(fakeconf))
    assert call.status == "completed"
    assert [a.code for a in fakeconf.alerts] == [11200]  # no 21220 for hanging up twice


def test_a_caller_hung_up_by_the_wait_music_handler_runs_no_further_verb(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Dial><Conference waitUrl="/wait">Lobby</Conference></Dial>', "<Say>unreached</Say>"
    )
    app.inbox.twiml["/wait"] = response("<Play>https://cdn.example.com/hold.mp3</Play>")
    app.inbox.hooks["/wait"] = hang_up_from_the_app(fakeconf)
    joined = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert joined is not None and joined.status == "complete"
    call = fakeconf.get_call(joined.call_sid)
    assert call.status == "completed"
    assert "unreached" not in [e.text for e in call.log]
    assert len(app.inbox.at("/wait")) == 1


# -- a redirect while the <Dial> rings or is bridged ------------------------------------------


def test_redirecting_a_bridged_call_whose_dial_has_no_action_runs_the_new_twiml(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(f"<Dial>{AGENT}</Dial>", "<Say>unreached</Say>")
    app.inbox.twiml["/moved"] = response("<Say>moved</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    (child,) = [c for c in fakeconf.calls if c.direction == "outbound-dial"]
    assert child.status == "in-progress"
    parent = fakeconf.get_call(inbound(fakeconf))
    client.calls(parent.sid).update(url=f"{BASE}/moved")
    assert child.status == "completed"
    assert [e.text for e in parent.log if e.verb == "Say"] == ["moved"]
    assert [r.path for r in app.inbox.received] == ["/voice", "/moved"]


def test_redirecting_a_call_whose_two_numbers_still_ring_cancels_both_and_reports_once(
    fakeconf: FakeTwilio, client: Client, app: App, frozen: FrozenDateTimeFactory
) -> None:
    other = "+15558675398"
    for number in (AGENT, other):
        fakeconf.set_call_outcome(number, "answer", ring_for=dt.timedelta(seconds=20))
    app.inbox.twiml["/voice"] = response(
        f'<Dial action="/dialled"><Number>{AGENT}</Number><Number>{other}</Number></Dial>'
    )
    app.inbox.twiml["/moved"] = response("<Say>moved</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    children = [c for c in fakeconf.calls if c.direction == "outbound-dial"]
    assert sorted(c.status for c in children) == ["ringing", "ringing"]
    parent = fakeconf.get_call(inbound(fakeconf))
    client.calls(parent.sid).update(url=f"{BASE}/moved")
    assert sorted(c.status for c in children) == ["canceled", "canceled"]
    (dialled,) = app.inbox.at("/dialled")  # once, for the pair
    assert dialled.params["DialCallStatus"] == "canceled"
    assert [e.answer for e in parent.log if e.verb == "Dial"] == ["canceled"]
    assert [e.text for e in parent.log if e.verb == "Say"] == ["moved"]
