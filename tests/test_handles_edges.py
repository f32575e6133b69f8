"""Edges of the scripting handles: equality and hashing, the fields each handle
mirrors, their reprs naming what they show, and the arguments they refuse."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from freezegun import freeze_time
from freezegun.api import FrozenDateTimeFactory
from twilio.rest import Client

from pytest_fakeconf import CallHandle, FakeTwilio

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
CALLER = "+15017122661"


@pytest.fixture
def frozen() -> Iterator[FrozenDateTimeFactory]:
    with freeze_time(T0) as factory:
        assert isinstance(factory, FrozenDateTimeFactory)
        yield factory


def test_two_handles_on_one_record_are_equal_and_hash_alike(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    again = fakeconf.get_conference(room.sid)
    assert room == again and hash(room) == hash(again)
    assert len({room, again}) == 1
    other = fakeconf.create_conference("Other")
    assert room != other


def test_a_handle_is_never_equal_to_another_kind_of_object(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    p = room.add_participant()
    call = fakeconf.get_call(p.call_sid)
    assert room != room.sid
    assert p != call  # a participant and its call are different things
    assert room.__eq__(room.sid) is NotImplemented


def test_the_handles_mirror_the_fields_twilio_returns(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    room = fakeconf.create_conference("Room")
    assert room.account_sid == fakeconf.account_sid
    frozen.tick(dt.timedelta(seconds=5))
    p = room.add_participant()
    assert p.conference_sid == room.sid
    assert p.to_json()["call_sid"] == p.call_sid
    assert p.to_json()["conference_sid"] == room.sid
    assert p.date_created == T0 + dt.timedelta(seconds=5)
    assert p.date_created.tzinfo is not None
    call = fakeconf.get_call(p.call_sid)
    assert call.date_created == p.date_created
    fetched = client.calls(p.call_sid).fetch()
    assert fetched.date_created == call.date_created


def test_a_recording_handle_names_its_conference(
    fakeconf: FakeTwilio, client: Client, frozen: FrozenDateTimeFactory
) -> None:
    first = client.conferences("Board").participants.create(
        from_=CALLER, to="+15550000001", conference_record="record-from-start"
    )
    frozen.tick(dt.timedelta(seconds=10))
    client.conferences("Board").participants.create(from_=CALLER, to="+15550000002")
    room = fakeconf.get_conference(str(first.conference_sid))
    (recording,) = room.recordings
    assert recording.conference_sid == room.sid
    assert recording.sid in repr(recording) and "in-progress" in repr(recording)
    frozen.tick(dt.timedelta(seconds=30))
    recording.stop()
    assert recording.duration == 30 and "completed" in repr(recording)


def test_the_reprs_name_the_record_and_its_state(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Weekly sync")
    p = room.add_participant(label="host")
    call = fakeconf.get_call(p.call_sid)
    shown = repr(room)
    assert room.sid in shown and "Weekly sync" in shown and "in-progress" in shown
    shown = repr(p)
    assert p.call_sid in shown and "host" in shown and "connected" in shown
    shown = repr(call)
    assert call.sid in shown and call.to in shown and "in-progress" in shown
    p.kick()
    assert "complete" in repr(p)
    assert "completed" in repr(call)


def test_announce_takes_only_get_or_post(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    with pytest.raises(ValueError, match="GET or POST"):
        room.announce("https://app.example/announce", method="PUT")
    assert not [e for e in fakeconf.events if e.kind == "conference-announce"]


def test_a_participant_announce_method_is_only_get_or_post(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    p = room.add_participant()
    with pytest.raises(ValueError, match="announce_method must be GET or POST"):
        p.update(announce_url="https://app.example/a", announce_method="DELETE", muted=True)
    assert p.muted is False  # nothing changed


def test_a_call_handle_without_a_twiml_runner_cannot_press_or_say(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    p = room.add_participant()
    bare = CallHandle(
        fakeconf._backend, fakeconf._backend.calls.get(fakeconf.account_sid, p.call_sid)
    )  # type: ignore[arg-type]
    assert bare == fakeconf.get_call(p.call_sid)
    with pytest.raises(RuntimeError, match="no TwiML runner"):
        bare.press("1")
    with pytest.raises(RuntimeError, match="no TwiML runner"):
        bare.gathering  # noqa: B018
