"""``<Gather>``: the caller's keys and words, the gather's timeout on the fake's clock,
and what a call ran (``CallHandle.log``).

References: shared/reference/twilio-calls-and-twiml.md §3.4 (attributes and their
defaults; ``Digits``, ``SpeechResult`` + ``Confidence``; ``finishOnKey`` "is not
included in Digits", "``#`` pressed first counts as no input"; no input "falls to
the next verb" unless ``actionOnEmptyResult``), §3.2/§8.4 (without ``action`` the
gather POSTs back to the current document URL), §3.1 (the end of the document hangs
up), §2.1 (the voice-webhook parameters).
"""

from __future__ import annotations

import datetime as _dt

import pytest
import time_machine
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import CallHandle, FakeTwilio, LogEntry

from .webhook_apps import App, Received, response, routed_app

BASE = "https://ivr.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"
START = _dt.datetime(2026, 3, 2, 9, 0, tzinfo=_dt.timezone.utc)


@pytest.fixture(params=["wsgi", "flask"])
def app(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> App:
    return routed_app(fakeconf, request.param, BASE)


PIN_PROMPT = response(
    '<Gather action="/pin" numDigits="4" timeout="10"><Say>Enter your PIN</Say></Gather>',
    "<Say>We did not get your PIN</Say>",
)


def pin_line(app: App) -> None:
    """A PIN line: the PIN 1234 joins the room, anything else is refused."""
    app.inbox.twiml["/voice"] = PIN_PROMPT

    def pin(received: Received) -> None:
        digits = received.params.get("Digits")
        app.inbox.twiml["/pin"] = (
            response("<Dial><Conference>Board</Conference></Dial>")
            if digits == "1234"
            else response("<Say>Wrong PIN</Say>", "<Hangup/>")
        )

    app.inbox.hooks["/pin"] = pin


def only_call(fakeconf: FakeTwilio) -> CallHandle:
    (call,) = fakeconf.calls
    return call


def test_a_pin_line_waits_in_the_gather_then_the_pressed_pin_joins_the_conference(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    pin_line(app)
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE) is None
    call = only_call(fakeconf)
    assert call.status == "in-progress" and call.gathering
    assert client.calls(call.sid).fetch().status == "in-progress"
    assert app.inbox.at("/pin") == []

    call.press("1234")

    (pin,) = app.inbox.at("/pin")
    assert pin.valid  # signed: RequestValidator accepts it
    assert pin.params["Digits"] == "1234"
    assert pin.params["FinishedOnKey"] == ""
    assert pin.params["CallSid"] == call.sid and pin.params["CallStatus"] == "in-progress"
    (room,) = client.conferences.list(friendly_name="Board", status="init")
    (member,) = client.conferences(room.sid).participants.list()
    assert member.call_sid == call.sid
    assert not call.gathering
    assert call.log == [
        LogEntry("Say", "Enter your PIN"),
        LogEntry("Gather", "dtmf", answer="1234"),
        LogEntry("Dial", "Board"),
    ]


def test_dial_in_digits_answer_the_gathers_in_order(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response('<Gather action="/menu" numDigits="1"/>')
    app.inbox.twiml["/menu"] = response('<Gather action="/pin" finishOnKey="#"/>')
    app.inbox.twiml["/pin"] = response("<Dial><Conference>Board</Conference></Dial>")
    member = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, digits=["2", "9876#"])
    assert member is not None
    (menu,) = app.inbox.at("/menu")
    (pin,) = app.inbox.at("/pin")
    assert (menu.params["Digits"], pin.params["Digits"]) == ("2", "9876")
    assert pin.params["FinishedOnKey"] == "#"
    assert fakeconf.get_conference(member.conference_sid).friendly_name == "Board"


def test_a_single_string_answers_the_first_gather(fakeconf: FakeTwilio, app: App) -> None:
    pin_line(app)
    member = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, digits="1234")
    assert member is not None
    assert member.call_sid == only_call(fakeconf).sid


def test_a_wrong_pin_runs_the_action_s_other_branch(fakeconf: FakeTwilio, app: App) -> None:
    pin_line(app)
    assert fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, digits="0000") is None
    call = only_call(fakeconf)
    assert call.status == "completed"
    assert [(e.verb, e.text, e.answer) for e in call.log] == [
        ("Say", "Enter your PIN", None),
        ("Gather", "dtmf", "0000"),
        ("Say", "Wrong PIN", None),
        ("Hangup", "", None),
    ]


@pytest.mark.parametrize(
    ("attributes", "pressed", "digits", "finished"),
    [
        ("", "12#34", "12", "#"),  # default finishOnKey "#", not in Digits
        ('numDigits="3"', "12345", "123", ""),  # submitted at 3 digits
        ('finishOnKey="*"', "9#8*7", "9#8", "*"),
        ('finishOnKey=""', "12#", "12#", ""),  # disabled: "#" is a digit
    ],
)
def test_finish_on_key_and_num_digits_shape_digits(
    fakeconf: FakeTwilio, app: App, attributes: str, pressed: str, digits: str, finished: str
) -> None:
    app.inbox.twiml["/voice"] = response(f'<Gather action="/got" {attributes}/>')
    app.inbox.twiml["/got"] = response("<Hangup/>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    only_call(fakeconf).press(pressed)
    (got,) = app.inbox.at("/got")
    assert (got.params["Digits"], got.params["FinishedOnKey"]) == (digits, finished)


def test_hash_first_is_no_input_and_falls_through(fakeconf: FakeTwilio, app: App) -> None:
    """§3.4: "``#`` pressed first counts as no input"; no input falls to the next verb."""
    app.inbox.twiml["/voice"] = response('<Gather action="/got"/>', "<Say>Bye</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = only_call(fakeconf)
    call.press("#")
    assert app.inbox.at("/got") == []
    assert [(e.verb, e.answer) for e in call.log] == [("Gather", None), ("Say", None)]
    assert call.status == "completed"


def test_speech_is_sent_as_speech_result_and_confidence(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Gather input="speech" action="/heard"><Say>Which team?</Say></Gather>'
    )
    app.inbox.twiml["/heard"] = response("<Say>Connecting you</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = only_call(fakeconf)
    with pytest.raises(ValueError, match="takes speech"):
        call.press("1")
    call.say("sales please", confidence=0.75)
    (heard,) = app.inbox.at("/heard")
    assert heard.valid
    assert heard.params["SpeechResult"] == "sales please"
    assert float(heard.params["Confidence"]) == 0.75
    assert "Digits" not in heard.params
    assert call.log[-2:] == [
        LogEntry("Gather", "speech", answer="sales please"),
        LogEntry("Say", "Connecting you"),
    ]


def test_dtmf_speech_takes_either(fakeconf: FakeTwilio, app: App) -> None:
    app.inbox.twiml["/voice"] = response('<Gather input="dtmf speech" action="/got"/>')
    app.inbox.twiml["/got"] = response("<Hangup/>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, digits=["support"])
    (got,) = app.inbox.at("/got")
    assert got.params["SpeechResult"] == "support"


def test_without_action_the_gather_posts_back_to_the_current_document(
    fakeconf: FakeTwilio, app: App
) -> None:
    """§8.4: "<Gather>/<Record> without action re-POST the current document"."""
    app.inbox.twiml["/menu"] = response('<Gather numDigits="1"/>', "<Say>no input</Say>")
    fakeconf.dial_in(f"{BASE}/menu", from_=CALLER, to=LINE)
    call = only_call(fakeconf)
    call.press("5")
    first, second = app.inbox.at("/menu")
    assert "Digits" not in first.params
    assert second.params["Digits"] == "5" and second.method == "POST"
    assert call.gathering  # the same document again: it gathers again


def test_press_checks_its_digits_and_that_the_call_is_gathering(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response("<Gather/>", "<Say>bye</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = only_call(fakeconf)
    for bad in ("", "12a", "1 2", "٣"):
        with pytest.raises(ValueError, match="0-9"):
            call.press(bad)
    call.press("#")  # no input: falls through, the call ends
    with pytest.raises(ValueError, match="not waiting in a <Gather>"):
        call.press("1")
    with pytest.raises(ValueError, match="not waiting in a <Gather>"):
        call.say("hello")


def test_the_gather_timeout_passes_on_the_clock_under_freezegun(
    fakeconf: FakeTwilio, app: App
) -> None:
    with freeze_time(START) as frozen:
        pin_line(app)  # timeout="10"
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        call = only_call(fakeconf)
        frozen.tick(9)
        assert call.gathering
        frozen.tick(1)
        assert not call.gathering
        assert call.status == "completed"  # fell through to <Say>, then the end
        assert call.end_time == START + _dt.timedelta(seconds=10)
    assert app.inbox.at("/pin") == []
    assert [(e.verb, e.text, e.answer) for e in call.log][-2:] == [
        ("Gather", "dtmf", None),
        ("Say", "We did not get your PIN", None),
    ]
    with pytest.raises(ValueError, match="not waiting"):
        call.press("1234")


def test_the_gather_timeout_passes_under_time_machine_with_action_on_empty_result(
    fakeconf: FakeTwilio, app: App
) -> None:
    app.inbox.twiml["/voice"] = response(
        '<Gather action="/got" actionOnEmptyResult="true"/>', "<Say>unreachable</Say>"
    )
    app.inbox.twiml["/got"] = response("<Say>Nothing? Goodbye</Say>")
    with time_machine.travel(START, tick=False) as traveller:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        call = only_call(fakeconf)
        traveller.shift(5)  # the default timeout, 5 s
        assert call.status == "completed"
    (got,) = app.inbox.at("/got")
    assert got.valid
    assert "Digits" not in got.params and "SpeechResult" not in got.params
    assert [e.text for e in call.log if e.verb == "Say"] == ["Nothing? Goodbye"]


def test_a_press_before_the_timeout_cancels_it(fakeconf: FakeTwilio, app: App) -> None:
    with freeze_time(START) as frozen:
        pin_line(app)
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        call = only_call(fakeconf)
        call.press("1234")
        frozen.tick(60)
        assert call.status == "in-progress" and call.conference_sid is not None
        assert fakeconf.scheduled == []


def test_hanging_up_while_gathering_ends_the_wait(fakeconf: FakeTwilio, app: App) -> None:
    pin_line(app)
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = only_call(fakeconf)
    call.hang_up()
    assert call.status == "completed" and not call.gathering
    assert fakeconf.scheduled == []
    assert app.inbox.at("/pin") == []


def test_redirecting_a_gathering_call_abandons_the_gather(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    pin_line(app)
    app.inbox.twiml["/elsewhere"] = response("<Say>Moved</Say>")
    fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    call = only_call(fakeconf)
    client.calls(call.sid).update(url=f"{BASE}/elsewhere")
    assert call.status == "completed"
    assert app.inbox.at("/pin") == []
    assert fakeconf.scheduled == []
    assert call.log[-1] == LogEntry("Say", "Moved")


@pytest.mark.parametrize(
    "gather",
    [
        '<Gather input="keys"/>',
        '<Gather finishOnKey="ab"/>',
        '<Gather numDigits="0"/>',
        '<Gather timeout="soon"/>',
        '<Gather actionOnEmptyResult="yes"/>',
        "<Gather><Dial>+15558675311</Dial></Gather>",
        '<Gather><Play digits="1">x.mp3</Play></Gather>',
    ],
)
def test_invalid_gathers_are_12200(fakeconf: FakeTwilio, app: App, gather: str) -> None:
    app.inbox.twiml["/voice"] = response(gather)
    with pytest.raises(Exception) as raised:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert getattr(raised.value, "code", None) == 12200
    assert [a.code for a in fakeconf.alerts] == [12200]


def test_a_gather_in_inline_twiml_needs_an_absolute_action(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    call = client.calls.create(
        to=LINE, from_=CALLER, twiml=response('<Gather action="/relative"/>')
    )
    assert fakeconf.get_call(call.sid).status == "completed"
    (alert,) = fakeconf.alerts
    assert "absolute action URL" in alert.message


def test_an_api_call_s_inline_gather_with_an_absolute_action(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    app.inbox.twiml["/got"] = response("<Say>Thanks</Say>")
    created = client.calls.create(
        to=LINE, from_=CALLER, twiml=response(f'<Gather action="{BASE}/got" numDigits="1"/>')
    )
    call = fakeconf.get_call(created.sid)
    assert call.gathering
    call.press("7")
    (got,) = app.inbox.at("/got")
    assert got.params["Digits"] == "7" and got.params["Direction"] == "outbound-api"
    assert call.log[-1] == LogEntry("Say", "Thanks")


def test_the_log_of_a_conference_dial_says_answered_once_it_is_over(
    fakeconf: FakeTwilio, app: App
) -> None:
    """§3.3: "answered" is the DialCallStatus "when calling a conference"."""
    pin_line(app)
    member = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, digits="1234")
    assert member is not None
    call = fakeconf.get_call(member.call_sid)
    assert call.log[-1] == LogEntry("Dial", "Board")  # still in it
    fakeconf.get_conference(member.conference_sid).end()
    assert call.log[-1] == LogEntry("Dial", "Board", answer="answered")
    assert call.status == "completed"  # no action, no next verb: the call hung up
