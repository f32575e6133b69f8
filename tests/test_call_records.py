"""Every call is a Call record: participant legs, calls over the API and inbound calls
appear in ``/Calls`` with a status consistent with the participant's lifecycle; the
core call operations the TwiML runner uses, through the scripting API and the core.
References are to shared/reference/twilio-calls-and-twiml.md."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import CallHandle, FakeTwilio, NotFoundError, TwilioError
from pytest_fakeconf.core.backend import Backend
from pytest_fakeconf.core.participant_store import Dial
from pytest_fakeconf.core.sids import SidSource

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
CALLER = "+15017122661"


def test_a_participant_leg_is_an_outbound_api_call_through_its_lifecycle(
    fakeconf: FakeTwilio, client: Client
) -> None:
    with freeze_time(T0) as frozen:
        room = fakeconf.create_conference("Room")
        p = client.conferences(room.sid).participants.create(from_=CALLER, to="+15550000001")
        call = client.calls(p.call_sid).fetch()
        assert (call.direction, call.status) == ("outbound-api", "in-progress")
        assert call.start_time == T0 and call.end_time is None and call.duration is None
        handle = fakeconf.get_call(p.call_sid)
        assert handle.conference_sid == room.sid
        frozen.tick(dt.timedelta(seconds=90))
        room.end()
    ended = client.calls(p.call_sid).fetch()
    assert ended.status == "completed"
    assert ended.end_time == T0 + dt.timedelta(seconds=90)
    assert ended.duration == "90"
    assert handle.conference_sid is None and handle.duration == 90


def test_the_call_kinds_emitted_for_a_leg_keep_their_order(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    alice = room.add_participant(label="alice")
    kinds = [e.kind for e in fakeconf.events]
    assert kinds == [
        "conference-create", "call-initiated", "call-ringing", "call-answered",
        "participant-join",
    ]  # fmt: skip
    assert {e.data["call_sid"] for e in fakeconf.events[1:]} == {alice.call_sid}
    alice.leave()
    assert fakeconf.events[-3].kind == "participant-leave"
    completed = [e for e in fakeconf.events if e.kind == "call-completed"]
    assert [e.data["call_sid"] for e in completed] == [alice.call_sid]
    assert fakeconf.get_call(alice.call_sid).status == "completed"


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
def test_a_failed_leg_ends_its_call_with_the_outcome(
    fakeconf: FakeTwilio, client: Client, outcome: str
) -> None:
    fakeconf.set_call_outcome("+15550000009", outcome)  # type: ignore[arg-type]
    room = fakeconf.create_conference("Room")
    p = client.conferences(room.sid).participants.create(from_=CALLER, to="+15550000009")
    assert p.status == "queued"
    call = fakeconf.get_call(p.call_sid)
    assert call.status == outcome
    assert call.start_time is None and call.end_time is None and call.duration is None


def test_calls_are_newest_first_and_handles_are_live(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    first = room.add_participant()
    second = room.add_participant()
    assert [c.sid for c in fakeconf.calls] == [second.call_sid, first.call_sid]
    handle = fakeconf.get_call(first.call_sid)
    assert isinstance(handle, CallHandle)
    handle.hang_up()
    assert handle.status == "completed"
    assert room.participants == [second]
    with pytest.raises(TwilioError) as ended:
        handle.hang_up()
    assert ended.value.code == 21220
    with pytest.raises(NotFoundError):
        fakeconf.get_call("CA" + "0" * 32)


def test_hanging_up_the_last_one_ends_the_conference_naming_it(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    only = room.add_participant()
    fakeconf.get_call(only.call_sid).hang_up()
    assert room.status == "completed"
    assert room.reason_conference_ended == "last-participant-left"
    assert room.call_sid_ending_conference == only.call_sid


def test_to_json_is_the_fetch_answer(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Room")
    leg = room.add_participant()
    handle = fakeconf.get_call(leg.call_sid)
    fetched = client.calls(leg.call_sid).fetch()
    assert handle.to_json()["sid"] == fetched.sid
    assert handle.to_json()["status"] == fetched.status == "in-progress"


# -- the core operations the runner uses ---------------------------------------------------


@pytest.fixture
def backend() -> Backend:
    b = Backend(SidSource(7))
    b.add_account()
    return b


def _any_account(backend: Backend) -> str:
    return backend.add_account().sid  # a fresh account of the same backend


def test_receive_makes_an_answered_inbound_call(backend: Backend) -> None:
    account = _any_account(backend)
    call = backend.calls.receive(account, to="+15550000001", from_=CALLER, url="https://a/v")
    assert (call.direction, call.status) == ("inbound", "in-progress")
    assert call.start_time == call.date_created
    assert [e.kind for e in backend.events] == ["call-answered"]


def test_join_of_an_existing_call_connects_it_without_dialling(backend: Backend) -> None:
    account = _any_account(backend)
    call = backend.calls.receive(account, to="+15550000001", from_=CALLER, url="https://a/v")
    joined = backend.participants.join(account, "Room", Dial(call_sid=call.sid))
    assert joined.participant.status == "connected"
    assert call.conference_sid == joined.participant.conference_sid
    kinds = [e.kind for e in backend.events]
    assert kinds.count("call-initiated") == 0 and kinds.count("call-answered") == 1
    # A TwiML-driven call that is kicked goes on; its conference is cleared.
    backend.participants.leave(joined.participant, kicked=True)
    assert (call.status, call.conference_sid) == ("in-progress", None)


def test_redirect_cancel_reject_and_delete(backend: Backend) -> None:
    account = _any_account(backend)
    call = backend.calls.receive(account, to="+15550000001", from_=CALLER, url="https://a/v")
    backend.participants.join(account, "Room", Dial(call_sid=call.sid))
    backend.participants.join(account, "Room", Dial(to="+15550000002"))
    backend.calls.redirect(call, twiml="<Response/>")
    assert (call.status, call.twiml, call.url, call.conference_sid) == (
        "in-progress",
        "<Response/>",
        None,
        None,
    )
    leave = [e for e in backend.events if e.kind == "participant-leave"][-1]
    assert leave.data["redirected"] is True
    assert [e.kind for e in backend.events][-1] == "call-redirected"
    with pytest.raises(TwilioError) as both:
        backend.calls.redirect(call, url="https://a/b", twiml="<Response/>")
    assert both.value.code == 20001
    backend.calls.cancel(call)  # in progress: not affected (§1.8)
    assert call.status == "in-progress"
    with pytest.raises(TwilioError):
        backend.calls.delete(call)
    backend.calls.reject(call, "busy")
    assert (call.status, call.start_time) == ("busy", None)
    backend.calls.delete(call)
    assert backend.calls.get(account, call.sid) is None


def test_a_queued_call_can_be_canceled_and_then_not_placed(backend: Backend) -> None:
    account = _any_account(backend)
    call = backend.calls.create(
        account, to="+15550000001", from_=CALLER, direction="outbound-api", url="https://a/v"
    )
    assert call.status == "queued"
    backend.calls.cancel(call)
    assert call.status == "canceled"
    with pytest.raises(ValueError):
        backend.calls.place(call)
