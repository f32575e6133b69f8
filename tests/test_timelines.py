"""Scheduled ends and leaves: they happen when the clock (freezegun or
time-machine) passes their moment, in time order, stamped with that moment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import time_machine
from freezegun import freeze_time
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import ConferenceHandle, FakeTwilio, TwilioError

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


@dataclass(frozen=True)
class Clock:
    """Moves a frozen clock forward: by a delta, or to a moment."""

    advance: Callable[[dt.timedelta], object]
    move_to: Callable[[dt.datetime], object]


@pytest.fixture(params=["freezegun", "time-machine"])
def clock(request: pytest.FixtureRequest) -> Iterator[Clock]:
    """The clock frozen at T0, steered by freezegun (tick/move_to) or by
    time-machine (travel with tick=False, then shift/move_to)."""
    if request.param == "freezegun":
        with freeze_time(T0) as frozen:
            yield Clock(frozen.tick, frozen.move_to)
    else:
        with time_machine.travel(T0, tick=False) as traveller:
            yield Clock(traveller.shift, lambda when: traveller.move_to(when, tick=False))


def status_via_handle(fakeconf: FakeTwilio, client: Client, room: ConferenceHandle) -> str:
    return room.status


def status_via_conferences(fakeconf: FakeTwilio, client: Client, room: ConferenceHandle) -> str:
    (found,) = [c for c in fakeconf.conferences if c.sid == room.sid]
    return found.status


def status_via_http(fakeconf: FakeTwilio, client: Client, room: ConferenceHandle) -> str:
    status = client.conferences(room.sid).fetch().status
    assert status is not None
    return str(status)


NOTICERS = [status_via_handle, status_via_conferences, status_via_http]


def ends(fakeconf: FakeTwilio) -> list[tuple[str, dt.datetime]]:
    return [(e.conference_sid, e.at) for e in fakeconf.events if e.kind == "conference-end"]


# -- a scheduled end ---------------------------------------------------------------------


@pytest.mark.parametrize("notice", NOTICERS)
def test_scheduled_end_happens_when_the_clock_passes_it(
    fakeconf: FakeTwilio,
    client: Client,
    clock: Clock,
    notice: Callable[[FakeTwilio, Client, ConferenceHandle], str],
) -> None:
    room = fakeconf.create_conference("Standup")
    when = T0 + minutes(30)
    scheduled = room.end("last-participant-left", at=when)
    assert scheduled is not None
    assert (scheduled.when, scheduled.pending) == (when, True)
    assert room.sid in scheduled.what
    assert fakeconf.scheduled == [scheduled]

    clock.advance(minutes(30) - dt.timedelta(seconds=1))
    assert notice(fakeconf, client, room) == "in-progress"
    assert ends(fakeconf) == []

    clock.advance(minutes(20))  # noticed at T0+50min
    assert notice(fakeconf, client, room) == "completed"
    assert room.date_updated == when  # the scheduled moment, not the moment noticed
    assert room.reason_conference_ended == "last-participant-left"
    assert room.call_sid_ending_conference is not None
    assert room.call_sid_ending_conference.startswith("CA")
    assert ends(fakeconf) == [(room.sid, when)]
    assert scheduled.pending is False
    assert fakeconf.scheduled == []
    fetched = client.conferences(room.sid).fetch()
    assert (fetched.status, fetched.date_updated) == ("completed", when)
    assert fetched.reason_conference_ended == "last-participant-left"


def test_scheduled_end_is_stamped_even_when_the_moment_is_exactly_reached(
    fakeconf: FakeTwilio, clock: Clock
) -> None:
    room = fakeconf.create_conference("Exact")
    room.end(at=T0 + minutes(10))
    clock.move_to(T0 + minutes(10))
    assert (room.status, room.date_updated) == ("completed", T0 + minutes(10))
    assert room.reason_conference_ended == "conference-ended-via-api"
    assert room.call_sid_ending_conference is None


def test_scheduled_end_disconnects_the_participants_at_that_moment(
    fakeconf: FakeTwilio, client: Client, clock: Clock
) -> None:
    room = fakeconf.create_conference("Crowd", status="init")
    alice = room.add_participant(label="alice")
    bob = room.add_participant(label="bob")
    assert room.status == "in-progress"
    room.end(at=T0 + minutes(15))
    clock.advance(minutes(45))
    assert client.conferences(room.sid).participants.list() == []
    assert (alice.status, bob.status) == ("complete", "complete")
    assert (alice.date_updated, bob.date_updated) == (T0 + minutes(15), T0 + minutes(15))
    leaves = [e for e in fakeconf.events if e.kind == "participant-leave"]
    assert [(e.data["call_sid"], e.at) for e in leaves] == [
        (alice.call_sid, T0 + minutes(15)),
        (bob.call_sid, T0 + minutes(15)),
    ]
    assert {e.data["reason_participant_left"] for e in leaves} == {"conference_ended_via_api"}


def test_app_request_after_a_scheduled_end_sees_it_first(
    fakeconf: FakeTwilio, client: Client, clock: Clock
) -> None:
    room = fakeconf.create_conference("Race")
    room.end("last-participant-kicked", call_sid="CA" + "7" * 32, at=T0 + minutes(5))
    clock.advance(minutes(6))
    # The app tries to end it over HTTP: it is already over (§2.2, twilio-node #663).
    with pytest.raises(TwilioRestException) as raised:
        client.conferences(room.sid).update(status="completed")
    assert raised.value.status == 400
    assert (room.reason_conference_ended, room.call_sid_ending_conference) == (
        "last-participant-kicked",
        "CA" + "7" * 32,
    )
    assert room.date_updated == T0 + minutes(5)


# -- several actions due at once ---------------------------------------------------------


@pytest.mark.parametrize("schedule_later_first", [False, True])
def test_several_due_actions_apply_in_time_order(
    fakeconf: FakeTwilio, client: Client, clock: Clock, schedule_later_first: bool
) -> None:
    room = fakeconf.create_conference("Pair", status="init")
    a = room.add_participant(label="a")
    b = room.add_participant(label="b")
    if schedule_later_first:
        b.leave(at=T0 + minutes(10))
        a.leave(at=T0 + minutes(5))
    else:
        a.leave(at=T0 + minutes(5))
        b.leave(at=T0 + minutes(10))
    assert [s.when for s in fakeconf.scheduled] == [T0 + minutes(5), T0 + minutes(10)]
    clock.move_to(T0 + minutes(20))  # straight past both
    fetched = client.conferences(room.sid).fetch()
    assert fetched.status == "completed"
    assert fetched.reason_conference_ended == "last-participant-left"
    assert fetched.call_sid_ending_conference == b.call_sid
    assert fetched.date_updated == T0 + minutes(10)
    timeline = [
        (e.kind, e.data.get("call_sid"), e.at)
        for e in fakeconf.events
        if e.kind in ("participant-leave", "conference-end")
    ]
    assert timeline == [
        ("participant-leave", a.call_sid, T0 + minutes(5)),
        ("participant-leave", b.call_sid, T0 + minutes(10)),
        ("conference-end", None, T0 + minutes(10)),
    ]


def test_due_actions_of_several_conferences_interleave_by_time(
    fakeconf: FakeTwilio, clock: Clock
) -> None:
    first = fakeconf.create_conference("First")
    second = fakeconf.create_conference("Second")
    second.end(at=T0 + minutes(3))
    first.end(at=T0 + minutes(7))
    clock.advance(minutes(60))
    assert ends(fakeconf) == [(second.sid, T0 + minutes(3)), (first.sid, T0 + minutes(7))]
    assert (first.date_updated, second.date_updated) == (T0 + minutes(7), T0 + minutes(3))


def test_an_earlier_scheduled_end_makes_a_later_leave_a_skip(
    fakeconf: FakeTwilio, clock: Clock
) -> None:
    room = fakeconf.create_conference("Short")
    guest = room.add_participant(label="guest")
    guest.leave(at=T0 + minutes(20))
    room.end(at=T0 + minutes(10))
    clock.advance(minutes(30))
    assert (room.status, room.reason_conference_ended) == (
        "completed",
        "conference-ended-via-api",
    )
    assert room.date_updated == T0 + minutes(10)
    assert guest.date_updated == T0 + minutes(10)
    skipped = [e for e in fakeconf.events if e.kind == "schedule-skipped"]
    assert [(e.at, guest.call_sid in str(e.data["what"])) for e in skipped] == [
        (T0 + minutes(20), True)
    ]


# -- the moderator's scheduled leave ------------------------------------------------------


@pytest.mark.parametrize(("how", "reason"), [("leave", "left"), ("kick", "kicked")])
def test_scheduled_moderator_exit_ends_the_conference(
    fakeconf: FakeTwilio, client: Client, clock: Clock, how: str, reason: str
) -> None:
    room = fakeconf.create_conference("Lecture", status="init")
    moderator = room.add_participant(label="teacher", end_conference_on_exit=True)
    students = [room.add_participant(label=f"student {i}") for i in range(3)]
    scheduled = getattr(moderator, how)(at=T0 + minutes(15))
    assert scheduled is not None and scheduled.when == T0 + minutes(15)
    clock.advance(minutes(14))
    assert room.status == "in-progress"
    assert len(client.conferences(room.sid).participants.list()) == 4
    clock.advance(minutes(10))
    assert room.status == "completed"
    assert room.reason_conference_ended == f"participant-with-end-conference-on-exit-{reason}"
    assert room.call_sid_ending_conference == moderator.call_sid
    assert room.date_updated == T0 + minutes(15)
    assert room.participants == []
    assert all(s.status == "complete" for s in students)
    (end,) = [e for e in fakeconf.events if e.kind == "conference-end"]
    assert end.at == T0 + minutes(15)
    assert end.data["participant_label_ending_conference"] == "teacher"


def test_scheduled_leave_of_a_non_moderator_does_not_end_the_conference(
    fakeconf: FakeTwilio, clock: Clock
) -> None:
    room = fakeconf.create_conference("Three", status="init")
    room.add_participant(label="a")
    b = room.add_participant(label="b")
    room.add_participant(label="c")
    b.kick(at=T0 + minutes(2))
    clock.advance(minutes(5))
    assert room.status == "in-progress"
    assert [p.label for p in room.participants] == ["a", "c"]
    assert b.status == "complete"
    assert b.date_updated == T0 + minutes(2)


# -- cancel ------------------------------------------------------------------------------


def test_cancel_stops_a_scheduled_end(fakeconf: FakeTwilio, client: Client, clock: Clock) -> None:
    room = fakeconf.create_conference("Stays")
    keep = room.end(at=T0 + minutes(30))
    assert keep is not None
    keep.cancel()
    assert keep.pending is False
    assert fakeconf.scheduled == []
    clock.advance(minutes(90))
    assert client.conferences(room.sid).fetch().status == "in-progress"
    assert room.reason_conference_ended is None
    assert room.date_updated == T0
    assert ends(fakeconf) == []


def test_cancel_one_of_several(fakeconf: FakeTwilio, clock: Clock) -> None:
    room = fakeconf.create_conference("Pair", status="init")
    a = room.add_participant(label="a")
    b = room.add_participant(label="b")
    leave_a = a.leave(at=T0 + minutes(5))
    leave_b = b.leave(at=T0 + minutes(10))
    end = room.end(at=T0 + minutes(20))
    assert leave_a is not None and leave_b is not None and end is not None
    leave_b.cancel()
    assert fakeconf.scheduled == [leave_a, end]
    clock.advance(minutes(30))
    assert (a.status, b.status) == ("complete", "complete")
    assert b.date_updated == T0 + minutes(20)  # disconnected by the end, not by its leave
    assert room.reason_conference_ended == "conference-ended-via-api"
    assert room.date_updated == T0 + minutes(20)


# -- already ended by then ---------------------------------------------------------------


def test_scheduled_end_of_a_conference_ended_meanwhile_is_skipped(
    fakeconf: FakeTwilio, client: Client, clock: Clock
) -> None:
    room = fakeconf.create_conference("Early")
    scheduled = room.end("participant-with-end-conference-on-exit-left", at=T0 + minutes(30))
    assert scheduled is not None
    clock.advance(minutes(10))
    client.conferences(room.sid).update(status="completed")
    clock.advance(minutes(60))
    # reading everything raises nothing
    assert client.conferences(room.sid).fetch().status == "completed"
    assert room.reason_conference_ended == "conference-ended-via-api"
    assert room.call_sid_ending_conference is None
    assert room.date_updated == T0 + minutes(10)
    assert ends(fakeconf) == [(room.sid, T0 + minutes(10))]
    (skipped,) = [e for e in fakeconf.events if e.kind == "schedule-skipped"]
    assert skipped.at == T0 + minutes(30)
    assert skipped.data["what"] == scheduled.what
    assert scheduled.pending is False
    assert fakeconf.scheduled == []


def test_scheduled_leave_of_a_participant_gone_meanwhile_is_skipped(
    fakeconf: FakeTwilio, clock: Clock
) -> None:
    room = fakeconf.create_conference("Gone", status="init")
    a = room.add_participant(label="a")
    room.add_participant(label="b")
    a.leave(at=T0 + minutes(30))
    clock.advance(minutes(5))
    a.kick()
    clock.advance(minutes(60))
    assert room.status == "in-progress"
    assert a.date_updated == T0 + minutes(5)
    assert [e.at for e in fakeconf.events if e.kind == "schedule-skipped"] == [T0 + minutes(30)]


@freeze_time(T0)
def test_ending_a_completed_conference_later_is_refused_now(fakeconf: FakeTwilio) -> None:
    # handles.ConferenceHandle.end: "ending a completed conference raises
    # TwilioError (16001)" -- a future ``at`` cannot make it active again, so
    # the mistake is reported when it is made, not skipped silently later.
    room = fakeconf.create_conference("Over")
    room.end()
    with pytest.raises(TwilioError) as raised:
        room.end(at=T0 + minutes(60))
    assert raised.value.code == 16001
    assert fakeconf.scheduled == []


@freeze_time(T0)
def test_a_later_leave_of_a_participant_already_gone_is_refused_now(fakeconf: FakeTwilio) -> None:
    # Leaving now raises 404 (the participant no longer exists, §5.4); a future
    # ``at`` cannot bring the call back, so it is refused the same way.
    room = fakeconf.create_conference("Gone", status="init")
    a = room.add_participant(label="a")
    room.add_participant(label="b")
    a.leave()
    with pytest.raises(TwilioError) as now:
        a.leave()
    with pytest.raises(TwilioError) as later:
        a.leave(at=T0 + minutes(60))
    assert later.value.status == now.value.status == 404
    assert fakeconf.scheduled == []


def test_a_future_at_before_the_conference_existed_is_refused(fakeconf: FakeTwilio) -> None:
    # A past ``at`` before the last change is refused (ValueError); a future one
    # must be too, or the end is stamped at another moment than ``when`` says.
    with freeze_time(T0) as frozen:
        room = fakeconf.create_conference("Tomorrow", date_created=T0 + minutes(120))
        with pytest.raises(ValueError):
            room.end(at=T0 + minutes(60))
        assert fakeconf.scheduled == []
        frozen.tick(minutes(180))
        assert room.status == "in-progress"


# -- past, naive and bad values --------------------------------------------------------------


def test_past_at_back_dates_the_end(fakeconf: FakeTwilio, client: Client, clock: Clock) -> None:
    room = fakeconf.create_conference("Yesterday")
    clock.advance(minutes(60))
    assert room.end("last-participant-left", at=T0 + minutes(20)) is None
    assert fakeconf.scheduled == []
    assert room.status == "completed"
    assert room.date_updated == T0 + minutes(20)
    assert client.conferences(room.sid).fetch().date_updated == T0 + minutes(20)
    assert ends(fakeconf) == [(room.sid, T0 + minutes(20))]


def test_past_at_back_dates_a_leave(fakeconf: FakeTwilio, clock: Clock) -> None:
    room = fakeconf.create_conference("Solo", status="init")
    solo = room.add_participant(label="solo")
    clock.advance(minutes(60))
    assert solo.leave(at=T0 + minutes(25)) is None
    assert (room.status, room.reason_conference_ended) == ("completed", "last-participant-left")
    assert room.call_sid_ending_conference == solo.call_sid
    assert room.date_updated == T0 + minutes(25)


def test_past_at_before_the_conference_existed_is_refused(
    fakeconf: FakeTwilio, clock: Clock
) -> None:
    clock.advance(minutes(30))
    room = fakeconf.create_conference("Late")
    with pytest.raises(ValueError):
        room.end(at=T0 + minutes(10))
    assert room.status == "in-progress"
    assert ends(fakeconf) == []


@pytest.mark.parametrize("naive", [dt.datetime(2024, 5, 1, 11, 0), dt.datetime(2024, 5, 1, 9, 0)])
def test_naive_datetimes_are_refused(
    fakeconf: FakeTwilio, clock: Clock, naive: dt.datetime
) -> None:
    room = fakeconf.create_conference("Naive", status="init")
    guest = room.add_participant(label="guest")
    with pytest.raises(ValueError, match="timezone"):
        room.end(at=naive)
    with pytest.raises(ValueError, match="timezone"):
        guest.leave(at=naive)
    with pytest.raises(ValueError, match="timezone"):
        guest.kick(at=naive)
    assert fakeconf.scheduled == []
    clock.advance(minutes(600))
    assert room.status == "init"
    assert guest.status == "connected"


@pytest.mark.parametrize(
    ("reason", "call_sid"),
    [
        ("hung-up", None),
        ("completed", None),
        ("last_participant_left", None),  # the webhook's underscore style is not a reason
        ("conference-ended-via-api", "CA" + "1" * 32),  # the API names no call
        ("last-participant-left", "CF" + "1" * 32),
        ("last-participant-left", "CA123"),
    ],
)
def test_bad_reason_is_refused_at_scheduling_time(
    fakeconf: FakeTwilio, clock: Clock, reason: str, call_sid: str | None
) -> None:
    room = fakeconf.create_conference("Strict")
    with pytest.raises(ValueError):
        room.end(reason, call_sid=call_sid, at=T0 + minutes(5))
    assert fakeconf.scheduled == []
    clock.advance(minutes(10))
    assert room.status == "in-progress"
    assert [e.kind for e in fakeconf.events] == ["conference-create"]


def test_other_timezones_are_converted_to_utc(fakeconf: FakeTwilio, clock: Clock) -> None:
    room = fakeconf.create_conference("Paris")
    paris = dt.timezone(dt.timedelta(hours=2))
    scheduled = room.end(at=dt.datetime(2024, 5, 1, 12, 45, 30, 999, tzinfo=paris))
    assert scheduled is not None
    assert scheduled.when == T0 + minutes(45.5)
    assert scheduled.when.utcoffset() == dt.timedelta(0)
    clock.advance(minutes(46))
    assert room.date_updated == T0 + minutes(45.5)


def test_scheduled_lists_pending_actions_earliest_first(fakeconf: FakeTwilio, clock: Clock) -> None:
    a_room = fakeconf.create_conference("A", status="init")
    late = a_room.end(at=T0 + minutes(50))
    alice = a_room.add_participant(label="alice")
    early = alice.leave(at=T0 + minutes(10))
    middle = fakeconf.create_conference("B").end(at=T0 + minutes(30))
    assert early is not None and middle is not None and late is not None
    assert fakeconf.scheduled == [early, middle, late]
    clock.advance(minutes(31))
    assert fakeconf.scheduled == [late]
    assert [s.pending for s in (early, middle, late)] == [False, False, True]


def test_a_clock_moved_back_never_stamps_a_change_before_the_last_one(
    fakeconf: FakeTwilio, client: Client, clock: Clock
) -> None:
    room = fakeconf.create_conference("Rewind", status="init")
    clock.advance(minutes(10))
    guest = room.add_participant(label="guest")
    room.add_participant(label="host")
    assert room.date_updated == T0 + minutes(10)  # started
    clock.move_to(T0 - minutes(60))
    guest.leave()
    client.conferences(room.sid).update(status="completed")
    fetched = client.conferences(room.sid).fetch()
    assert fetched.status == "completed"
    assert fetched.date_updated == T0 + minutes(10)
    assert fetched.date_updated >= fetched.date_created
