"""freezegun and time-machine both steer every timestamp the fake stamps."""

from __future__ import annotations

import datetime as dt

import time_machine
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


def test_freezegun_steers_creation_and_end(fakeconf: FakeTwilio, client: Client) -> None:
    with freeze_time(T0) as frozen:
        room = fakeconf.create_conference("Frozen")
        assert room.date_created == T0
        frozen.tick(dt.timedelta(minutes=42))
        client.conferences(room.sid).update(status="completed")
        assert room.date_updated == T0 + dt.timedelta(minutes=42)
        fetched = client.conferences(room.sid).fetch()
        assert fetched.date_created == T0
        assert fetched.date_updated == T0 + dt.timedelta(minutes=42)
        frozen.move_to("2024-05-03 00:00:00")
        later = fakeconf.create_conference("Later")
        assert later.date_created == dt.datetime(2024, 5, 3, tzinfo=UTC)
        listed = client.conferences.list(date_created=dt.date(2024, 5, 1), status="completed")
        assert [c.sid for c in listed] == [room.sid]


def test_freezegun_with_a_timezone_offset_still_stamps_utc(fakeconf: FakeTwilio) -> None:
    with freeze_time("2024-05-01 12:00:00", tz_offset=5):
        room = fakeconf.create_conference("Offset")
    assert room.date_created == dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_time_machine_steers_creation_and_end(fakeconf: FakeTwilio, client: Client) -> None:
    with time_machine.travel(T0, tick=False) as traveller:
        room = fakeconf.create_conference("Travelled")
        assert room.date_created == T0
        traveller.shift(dt.timedelta(hours=3))
        room.end("last-participant-left")
        assert room.date_updated == T0 + dt.timedelta(hours=3)
        fetched = client.conferences(room.sid).fetch()
        assert fetched.date_updated == T0 + dt.timedelta(hours=3)
        assert fakeconf.events[-1].at == T0 + dt.timedelta(hours=3)


def test_time_machine_as_a_marker_like_decorator(fakeconf: FakeTwilio) -> None:
    @time_machine.travel(dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC), tick=False)
    def make() -> str:
        return fakeconf.create_conference("Y2K").sid

    sid = make()
    assert fakeconf.get_conference(sid).date_created.year == 1999


def test_history_default_range_follows_the_frozen_clock(fakeconf: FakeTwilio) -> None:
    with freeze_time(T0):
        rooms = fakeconf.generate_history(40)
    assert all(T0 - dt.timedelta(days=30) <= r.date_created <= T0 for r in rooms)
