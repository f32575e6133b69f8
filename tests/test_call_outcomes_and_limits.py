"""A dialled number's outcome on the fake's clock (``set_call_outcome(..., ring_for=)``),
a call's ``Timeout`` and ``TimeLimit``, and Answering Machine Detection.

References are to shared/reference/twilio-calls-and-twiml.md: §1.3 (statuses, "no-answer
(after Timeout)"), §1.5 (``Timeout`` default 60, ``TimeLimit``), §1.8 (``TimeLimit`` on
update), §5 (AMD: ``AnsweredBy`` in the synchronous ``Url`` request, the async callback's
``AccountSid, CallSid, AnsweredBy, MachineDetectionDuration``, ``SendDigits`` disables
it). Expected moments are computed here from T0 and the durations the test chose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
import time_machine
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.core.backend import Backend
from pytest_fakeconf.core.sids import SidSource

from .webhook_apps import App, make_app

UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 1, 10, 0, 0, tzinfo=UTC)
BASE = "https://app.example.com"
CALLER = "+15017122661"
LINE = "+15558675310"
HOLD = "<Response><Pause length='600'/><Dial><Conference>Room</Conference></Dial></Response>"
AMD_KEYS = {"AccountSid", "CallSid", "AnsweredBy", "MachineDetectionDuration"}


def seconds(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=n)


@dataclass(frozen=True)
class Clock:
    advance: Callable[[dt.timedelta], object]


@pytest.fixture(params=["freezegun", "time-machine"])
def clock(request: pytest.FixtureRequest) -> Iterator[Clock]:
    """The clock frozen at T0, moved by freezegun's tick or time-machine's shift."""
    if request.param == "freezegun":
        with freeze_time(T0) as frozen:
            yield Clock(frozen.tick)
    else:
        with time_machine.travel(T0, tick=False) as traveller:
            yield Clock(traveller.shift)


@pytest.fixture
def app(fakeconf: FakeTwilio) -> App:
    built = make_app("wsgi", fakeconf.auth_token)
    fakeconf.route_webhooks(BASE, built.wsgi)
    # The call waits in a conference: it stays in progress until the test ends it.
    built.inbox.twiml["/voice"] = "<Response><Dial><Conference>Room</Conference></Dial></Response>"
    return built


def statuses(app: App) -> list[str]:
    return [r.params["CallStatus"] for r in app.inbox.at("/status")]


# -- set_call_outcome: the contract ----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "error"),
    [
        (("+1555", "maybe"), {}, ValueError),
        ((5, "answer"), {}, TypeError),
        (("", "answer"), {}, TypeError),
        (("+1555", "answer"), {"answered_by": "machine"}, ValueError),
        (("+1555", "busy"), {"answered_by": "human"}, ValueError),
        (("+1555", "answer"), {"ring_for": 5}, TypeError),
        (("+1555", "answer"), {"ring_for": seconds(-1)}, ValueError),
    ],
)
def test_set_call_outcome_refuses_bad_input(
    fakeconf: FakeTwilio, args: tuple[object, ...], kwargs: dict[str, object], error: type
) -> None:
    with pytest.raises(error):
        fakeconf.set_call_outcome(*args, **kwargs)  # type: ignore[arg-type]


def test_answered_by_is_a_public_literal() -> None:
    import typing

    import pytest_fakeconf

    assert typing.get_args(pytest_fakeconf.AnsweredBy) == (
        "human", "machine_start", "machine_end_beep", "machine_end_silence",
        "machine_end_other", "fax", "unknown",
    )  # fmt: skip


# -- ringing on the clock -------------------------------------------------------------------


def test_a_call_rings_until_the_clock_passes_ring_for(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", ring_for=seconds(20))
    call = client.calls.create(
        to=LINE,
        from_=CALLER,
        url=f"{BASE}/voice",
        status_callback=f"{BASE}/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )
    assert call.status == "queued"
    assert client.calls(call.sid).fetch().status == "ringing"
    assert app.inbox.at("/voice") == []  # not answered: the Url is fetched on answer
    clock.advance(seconds(19))
    assert fakeconf.get_call(call.sid).status == "ringing"
    assert statuses(app) == ["initiated", "ringing"]
    clock.advance(seconds(1))
    fetched = client.calls(call.sid).fetch()
    assert (fetched.status, fetched.start_time) == ("in-progress", T0 + seconds(20))
    (voice,) = app.inbox.at("/voice")
    assert voice.valid and voice.params["CallStatus"] == "in-progress"
    assert statuses(app) == ["initiated", "ringing", "in-progress"]


@pytest.mark.parametrize("outcome", ["busy", "failed", "no-answer"])
def test_an_unanswered_outcome_comes_after_ring_for(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock, outcome: str
) -> None:
    fakeconf.set_call_outcome(LINE, outcome, ring_for=seconds(15))  # type: ignore[arg-type]
    call = client.calls.create(
        to=LINE, from_=CALLER, url=f"{BASE}/voice", status_callback=f"{BASE}/status"
    )
    clock.advance(seconds(14))
    assert fakeconf.get_call(call.sid).status == "ringing"
    clock.advance(seconds(1))
    ended = client.calls(call.sid).fetch()
    assert (ended.status, ended.start_time, ended.end_time, ended.duration) == (
        outcome, None, None, None,
    )  # fmt: skip
    assert ended.date_updated == T0 + seconds(15)
    (completed,) = app.inbox.at("/status")
    assert completed.params["CallStatus"] == outcome
    assert completed.params["Timestamp"] == "Tue, 01 Jan 2030 10:00:15 +0000"
    assert app.inbox.at("/voice") == []


def test_ringing_longer_than_the_timeout_is_no_answer_at_the_timeout(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", ring_for=seconds(45))
    call = client.calls.create(
        to=LINE,
        from_=CALLER,
        url=f"{BASE}/voice",
        timeout=30,
        status_callback=f"{BASE}/status",
    )
    clock.advance(seconds(29))
    assert fakeconf.get_call(call.sid).status == "ringing"
    clock.advance(seconds(1))
    ended = client.calls(call.sid).fetch()
    assert (ended.status, ended.date_updated, ended.start_time) == (
        "no-answer", T0 + seconds(30), None,
    )  # fmt: skip
    clock.advance(seconds(60))  # the number would have answered at 45 s: it no longer does
    assert fakeconf.get_call(call.sid).status == "no-answer"
    assert statuses(app) == ["no-answer"]
    assert app.inbox.at("/voice") == []


def test_the_default_timeout_is_60_seconds(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", ring_for=seconds(61))
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice")
    clock.advance(seconds(59))
    assert fakeconf.get_call(call.sid).status == "ringing"
    clock.advance(seconds(1))
    assert client.calls(call.sid).fetch().status == "no-answer"


def test_a_ringing_call_canceled_over_the_api_stays_canceled(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", ring_for=seconds(10))
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice")
    assert client.calls(call.sid).update(status="canceled").status == "canceled"
    clock.advance(seconds(30))
    assert fakeconf.get_call(call.sid).status == "canceled"
    assert fakeconf.scheduled == []
    assert [e.kind for e in fakeconf.events if e.kind == "schedule-skipped"] == []


# -- TimeLimit ----------------------------------------------------------------------------


def test_time_limit_ends_the_call_at_start_plus_the_limit(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", ring_for=seconds(10))
    call = client.calls.create(
        to=LINE,
        from_=CALLER,
        url=f"{BASE}/voice",
        time_limit=120,
        status_callback=f"{BASE}/status",
    )
    clock.advance(seconds(10 + 119))
    assert fakeconf.get_call(call.sid).status == "in-progress"
    clock.advance(seconds(1))
    ended = client.calls(call.sid).fetch()
    assert (ended.status, ended.start_time, ended.end_time, ended.duration) == (
        "completed", T0 + seconds(10), T0 + seconds(130), "120",
    )  # fmt: skip
    (completed,) = app.inbox.at("/status")
    assert (completed.params["CallStatus"], completed.params["CallDuration"]) == (
        "completed", "120",
    )  # fmt: skip
    # The call was in the conference of its TwiML: its participant left, the last one.
    (room,) = fakeconf.conferences
    assert (room.status, room.reason_conference_ended) == ("completed", "last-participant-left")
    assert room.call_sid_ending_conference == call.sid


def test_the_clock_passing_several_moments_applies_them_in_order(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", ring_for=seconds(5))
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice", time_limit=60)
    clock.advance(seconds(3600))  # one jump past the answer and the limit
    # What the answer set off (the TwiML joined a conference) is stamped at the answer.
    (room,) = fakeconf.conferences
    assert room.date_created == T0 + seconds(5)
    joins = [e.at for e in fakeconf.events if e.kind == "participant-join"]
    assert joins == [T0 + seconds(5)]
    ended = fakeconf.get_call(call.sid)
    assert (ended.start_time, ended.end_time, ended.duration) == (
        T0 + seconds(5), T0 + seconds(65), 60,
    )  # fmt: skip


def test_update_time_limit_sets_a_new_limit_from_the_start(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice", time_limit=600)
    clock.advance(seconds(30))
    client.calls(call.sid).update(time_limit=45)
    clock.advance(seconds(14))
    assert fakeconf.get_call(call.sid).status == "in-progress"
    clock.advance(seconds(1))
    ended = client.calls(call.sid).fetch()
    assert (ended.status, ended.end_time, ended.duration) == ("completed", T0 + seconds(45), "45")


def test_a_limit_already_passed_ends_the_call_now(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice")
    clock.advance(seconds(90))
    assert client.calls(call.sid).update(time_limit=60).status == "completed"
    assert fakeconf.get_call(call.sid).end_time == T0 + seconds(90)


def test_say_play_and_pause_take_no_clock_time(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock
) -> None:
    app.inbox.twiml["/voice"] = HOLD
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice", time_limit=30)
    # A 600 s <Pause> took no time: the call is already in its conference.
    assert fakeconf.get_call(call.sid).conference_sid is not None
    clock.advance(seconds(30))
    assert fakeconf.get_call(call.sid).end_time == T0 + seconds(30)


# -- Answering Machine Detection ------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "number_answered_by", "reported"),
    [
        ("Enable", None, "human"),
        ("Enable", "machine_start", "machine_start"),
        ("Enable", "machine_end_beep", "machine_start"),  # Enable stops at identification
        ("Enable", "fax", "fax"),
        ("DetectMessageEnd", None, "human"),
        ("DetectMessageEnd", "machine_end_beep", "machine_end_beep"),
        ("DetectMessageEnd", "machine_end_silence", "machine_end_silence"),
        ("DetectMessageEnd", "unknown", "unknown"),
    ],
)
def test_synchronous_detection_reaches_the_voice_request_and_the_record(
    fakeconf: FakeTwilio,
    client: Client,
    app: App,
    mode: str,
    number_answered_by: str | None,
    reported: str,
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", answered_by=number_answered_by)  # type: ignore[arg-type]
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice", machine_detection=mode)
    assert call.answered_by is None  # the create answers queued (§1.4)
    (voice,) = app.inbox.at("/voice")
    assert voice.valid and voice.params["AnsweredBy"] == reported
    assert client.calls(call.sid).fetch().answered_by == reported
    assert fakeconf.get_call(call.sid).answered_by == reported
    assert [d for d in fakeconf.webhooks if d.kind == "amd-status"] == []


def test_without_machine_detection_answered_by_stays_null(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", answered_by="machine_start")
    call = client.calls.create(to=LINE, from_=CALLER, url=f"{BASE}/voice")
    (voice,) = app.inbox.at("/voice")
    assert "AnsweredBy" not in voice.params
    assert client.calls(call.sid).fetch().answered_by is None


def test_send_digits_turns_detection_off(fakeconf: FakeTwilio, client: Client, app: App) -> None:
    call = client.calls.create(
        to=LINE, from_=CALLER, url=f"{BASE}/voice", machine_detection="Enable", send_digits="1w2"
    )
    assert "AnsweredBy" not in app.inbox.at("/voice")[0].params
    assert client.calls(call.sid).fetch().answered_by is None


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_async_detection_posts_the_result_to_its_callback(
    fakeconf: FakeTwilio, client: Client, app: App, clock: Clock, method: str
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", answered_by="machine_end_beep", ring_for=seconds(7))
    call = client.calls.create(
        to=LINE,
        from_=CALLER,
        url=f"{BASE}/voice",
        machine_detection="DetectMessageEnd",
        async_amd="true",
        async_amd_status_callback=f"{BASE}/amd",
        async_amd_status_callback_method=method,
    )
    assert app.inbox.at("/amd") == []  # still ringing
    clock.advance(seconds(7))
    assert fakeconf.get_call(call.sid).status == "in-progress"
    (voice,) = app.inbox.at("/voice")
    assert "AnsweredBy" not in voice.params  # Url "is fetched immediately" (§5)
    (amd,) = app.inbox.at("/amd")
    assert amd.valid and amd.method == method
    assert set(amd.params) == AMD_KEYS
    assert (amd.params["AccountSid"], amd.params["CallSid"], amd.params["AnsweredBy"]) == (
        fakeconf.account_sid, call.sid, "machine_end_beep",
    )  # fmt: skip
    assert amd.params["MachineDetectionDuration"].isdigit()
    assert client.calls(call.sid).fetch().answered_by == "machine_end_beep"
    # the callback arrives after the Url request
    order = [r.path for r in app.inbox.received if r.path in ("/voice", "/amd")]
    assert order == ["/voice", "/amd"]


def test_detection_on_an_unanswered_call_reports_nothing(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    fakeconf.set_call_outcome(LINE, "busy")
    call = client.calls.create(
        to=LINE,
        from_=CALLER,
        url=f"{BASE}/voice",
        machine_detection="Enable",
        async_amd="true",
        async_amd_status_callback=f"{BASE}/amd",
    )
    assert app.inbox.at("/amd") == []
    assert client.calls(call.sid).fetch().answered_by is None


def test_raw_http_create_with_detection_and_limits(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, app: App, clock: Clock
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", answered_by="fax", ring_for=seconds(4))
    created = http.post(
        f"{account_url}/Calls.json",
        data={
            "To": LINE,
            "From": CALLER,
            "Url": f"{BASE}/voice",
            "MachineDetection": "Enable",
            "Timeout": "5",
            "TimeLimit": "10",
        },
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["status"], body["answered_by"]) == ("queued", None)
    clock.advance(seconds(4 + 10))
    fetched = http.get(f"{account_url}/Calls/{body['sid']}.json").json()
    assert (fetched["status"], fetched["answered_by"], fetched["duration"]) == (
        "completed", "fax", "10",
    )  # fmt: skip
    assert fetched["end_time"] == "Tue, 01 Jan 2030 10:00:14 +0000"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"Timeout": "0"}, 21208),
        ({"Timeout": "601"}, 21208),
        ({"TimeLimit": "0"}, 20001),
        ({"TimeLimit": "soon"}, 20001),
        ({"MachineDetection": "enable"}, 20001),
        ({"AsyncAmd": "yes"}, 20001),
    ],
)
def test_bad_limits_and_detection_are_400(
    http: requests.Session, account_url: str, form: dict[str, str], code: int
) -> None:
    answer = http.post(
        f"{account_url}/Calls.json",
        data={"To": LINE, "From": CALLER, "Twiml": "<Response/>", **form},
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == code


def test_a_huge_time_limit_is_cut_to_a_day(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, app: App, clock: Clock
) -> None:
    answer = http.post(
        f"{account_url}/Calls.json",
        data={"To": LINE, "From": CALLER, "Url": f"{BASE}/voice", "TimeLimit": "9" * 18},
    )
    assert answer.status_code == 201
    clock.advance(dt.timedelta(days=1))
    ended = fakeconf.get_call(answer.json()["sid"])
    assert (ended.status, ended.end_time) == ("completed", T0 + dt.timedelta(days=1))


# -- the <Dial><Number> child call (the core op the TwiML runner uses) ------------------------


@pytest.fixture
def backend() -> Backend:
    b = Backend(SidSource(11))
    b.add_account()
    return b


def test_dial_makes_an_outbound_dial_child_that_rings_and_answers(backend: Backend) -> None:
    account = backend.add_account().sid
    parent = backend.calls.receive(account, to=LINE, from_=CALLER, url="https://a/voice")
    child = backend.calls.dial(parent, to="+15550001111", from_=LINE)
    assert (child.direction, child.parent_call_sid, child.status) == (
        "outbound-dial", parent.sid, "in-progress",
    )  # fmt: skip
    kinds = [e.kind for e in backend.events if e.data.get("call") is child]
    assert kinds == ["call-initiated", "call-ringing", "call-answered"]
    backend.calls.hang_up(parent)  # the parent ends: so does its bridged child
    assert (child.status, parent.status) == ("completed", "completed")


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
def test_dial_of_an_unanswered_number_ends_the_child_with_it(
    backend: Backend, outcome: str
) -> None:
    account = backend.add_account().sid
    parent = backend.calls.receive(account, to=LINE, from_=CALLER, url="https://a/voice")
    backend.calls.set_call_outcome("+15550001111", outcome)  # type: ignore[arg-type]
    child = backend.calls.dial(parent, to="+15550001111", from_=LINE)
    assert (child.status, child.duration, parent.status) == (outcome, None, "in-progress")
    assert [e.kind for e in backend.events][-1] == "call-completed"


def test_dial_rings_on_the_clock_up_to_its_timeout_then_the_time_limit(backend: Backend) -> None:
    backend.clock.freeze(T0)
    account = backend.add_account().sid
    parent = backend.calls.receive(account, to=LINE, from_=CALLER, url="https://a/voice")
    backend.calls.set_call_outcome("+15550001111", "answer", ring_for=seconds(40))
    late = backend.calls.dial(parent, to="+15550001111", from_=LINE)  # timeout: 30 s
    backend.clock.advance(29)
    backend.catch_up()
    assert late.status == "ringing"
    backend.clock.advance(1)
    backend.catch_up()
    assert (late.status, late.date_updated) == ("no-answer", T0 + seconds(30))

    backend.calls.set_call_outcome("+15550002222", "answer", ring_for=seconds(5))
    child = backend.calls.dial(parent, to="+15550002222", from_=LINE, timeout=10, time_limit=60)
    backend.clock.advance(5 + 60)
    backend.catch_up()
    assert (child.status, child.start_time, child.end_time, child.duration) == (
        "completed", T0 + seconds(35), T0 + seconds(95), 60,
    )  # fmt: skip
    assert parent.status == "in-progress"


def test_a_ringing_child_is_canceled_with_its_dial(backend: Backend) -> None:
    account = backend.add_account().sid
    parent = backend.calls.receive(account, to=LINE, from_=CALLER, url="https://a/voice")
    backend.calls.set_call_outcome("+15550001111", "answer", ring_for=seconds(10))
    child = backend.calls.dial(parent, to="+15550001111", from_=LINE)
    backend.calls.end_children(parent)
    assert (child.status, parent.status) == ("canceled", "in-progress")
    assert backend.scheduler.pending() == []


def test_a_redirected_parent_closes_its_child_completed(backend: Backend) -> None:
    account = backend.add_account().sid
    parent = backend.calls.receive(account, to=LINE, from_=CALLER, url="https://a/voice")
    child = backend.calls.dial(parent, to="+15550001111", from_=LINE)
    backend.calls.redirect(parent, twiml="<Response/>")
    assert (child.status, parent.status) == ("completed", "in-progress")


def test_dial_child_detection_reports_to_its_amd_callback(backend: Backend) -> None:
    account = backend.add_account().sid
    parent = backend.calls.receive(account, to=LINE, from_=CALLER, url="https://a/voice")
    backend.calls.set_call_outcome("+15550001111", "answer", answered_by="machine_start")
    child = backend.calls.dial(
        parent,
        to="+15550001111",
        from_=LINE,
        options={"MachineDetection": "Enable", "AmdStatusCallback": "https://a/amd"},
    )
    assert child.answered_by == "machine_start"
    assert child.webhook_answered_by == "machine_start"  # <Number> has no AsyncAmd
    (detected,) = [e for e in backend.events if e.kind == "call-machine-detected"]
    assert detected.data["answered_by"] == "machine_start"


def test_dial_needs_a_parent_in_progress(backend: Backend) -> None:
    account = backend.add_account().sid
    parent = backend.calls.receive(account, to=LINE, from_=CALLER, url="https://a/voice")
    backend.calls.hang_up(parent)
    with pytest.raises(ValueError):
        backend.calls.dial(parent, to="+15550001111", from_=LINE)


def test_a_participant_leg_reports_detection_to_its_amd_callback(
    fakeconf: FakeTwilio, client: Client, app: App
) -> None:
    fakeconf.set_call_outcome(LINE, "answer", answered_by="machine_start")
    room = fakeconf.create_conference("Room")
    leg = client.conferences(room.sid).participants.create(
        from_=CALLER,
        to=LINE,
        machine_detection="Enable",
        amd_status_callback=f"{BASE}/amd",
    )
    (amd,) = app.inbox.at("/amd")
    assert amd.valid and set(amd.params) == AMD_KEYS
    assert (amd.params["CallSid"], amd.params["AnsweredBy"]) == (leg.call_sid, "machine_start")
    assert client.calls(leg.call_sid).fetch().answered_by == "machine_start"
