"""Ending rooms that ran for too long, under a controlled clock."""

from __future__ import annotations

import datetime as dt

import pytest
import responses
from freezegun import freeze_time
from twilio.base.exceptions import TwilioRestException

from room_moderator import end_room, end_stale_rooms, list_live_rooms

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 6, 9, 0, tzinfo=UTC)
TWO_HOURS = dt.timedelta(hours=2)
VIA_API = "conference-ended-via-api"


def posts(fakeconf):
    return [r for r in fakeconf.requests if r.method == "POST"]


@freeze_time(T0)
def test_ends_rooms_older_than_max_age_and_keeps_the_rest(fakeconf, client):
    old = fakeconf.create_conference("All-hands", date_created=T0 - dt.timedelta(hours=3))
    exactly = fakeconf.create_conference("Retro", date_created=T0 - TWO_HOURS)
    young = fakeconf.create_conference("Standup", date_created=T0 - dt.timedelta(minutes=30))

    result = end_stale_rooms(client, TWO_HOURS)

    assert old.status == "completed"
    assert old.reason_conference_ended == VIA_API
    assert old.call_sid_ending_conference is None
    assert old.date_updated == T0
    assert exactly.status == "in-progress"
    assert young.status == "in-progress"
    assert [room.sid for room in result.ended] == [old.sid]
    assert {room.sid for room in result.kept} == {exactly.sid, young.sid}
    assert result.skipped == []
    # Exactly one update, carrying exactly Status=completed, to the old room only.
    (update,) = posts(fakeconf)
    assert update.path.endswith(f"/Conferences/{old.sid}.json")
    assert update.form == (("Status", "completed"),)
    assert update.status_code == 200


def test_a_room_becomes_stale_as_time_passes(fakeconf, client):
    with freeze_time("2024-05-06 09:00:00") as frozen:
        room = fakeconf.create_conference("Planning")  # stamped with the frozen clock
        assert room.date_created == T0

        frozen.tick(TWO_HOURS)
        assert end_stale_rooms(client, TWO_HOURS).ended == []
        assert room.status == "in-progress"

        frozen.tick(dt.timedelta(seconds=1))
        result = end_stale_rooms(client, TWO_HOURS)
        assert [r.sid for r in result.ended] == [room.sid]
        assert room.status == "completed"
        assert room.date_updated == T0 + TWO_HOURS + dt.timedelta(seconds=1)

        # The next morning a new room with the same name is young again.
        frozen.move_to("2024-05-07 08:00:00")
        again = fakeconf.create_conference("Planning")
        frozen.tick(dt.timedelta(minutes=10))
        assert end_stale_rooms(client, TWO_HOURS).ended == []
        assert again.status == "in-progress"
    assert len(posts(fakeconf)) == 1


def test_now_can_be_injected_instead_of_freezing_time(fakeconf, client):
    now = dt.datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
    stale = fakeconf.create_conference("Night shift", date_created=now - dt.timedelta(hours=9))
    fresh = fakeconf.create_conference("Day shift", date_created=now - dt.timedelta(hours=1))

    result = end_stale_rooms(client, dt.timedelta(hours=8), now=now)

    assert [r.sid for r in result.ended] == [stale.sid]
    assert (stale.status, fresh.status) == ("completed", "in-progress")


@freeze_time(T0)
def test_room_ended_between_listing_and_ending_is_skipped(fakeconf, client):
    first = fakeconf.create_conference("Interview", date_created=T0 - dt.timedelta(hours=5))
    second = fakeconf.create_conference("Demo", date_created=T0 - dt.timedelta(hours=4))
    hung_up = "CA" + "ab" * 16

    def last_caller_hangs_up(room):
        # The app has listed the room and is about to end it: the last caller leaves first.
        if room.sid == second.sid:
            fakeconf.get_conference(room.sid).end("last-participant-left", call_sid=hung_up)

    result = end_stale_rooms(client, TWO_HOURS, before_end=last_caller_hangs_up)

    assert [r.sid for r in result.ended] == [first.sid]
    assert [(room.sid, o.outcome, o.reason_conference_ended) for room, o in result.skipped] == [
        (second.sid, "already-ended", "last-participant-left")
    ]
    # The app did not overwrite how the room really ended.
    assert second.reason_conference_ended == "last-participant-left"
    assert second.call_sid_ending_conference == hung_up
    assert first.reason_conference_ended == VIA_API
    # Twilio refused the second update with 16001; the app then checked the room once.
    refused = [r for r in fakeconf.requests if r.status_code >= 400]
    assert [(r.method, r.status_code, r.json()["code"]) for r in refused] == [("POST", 400, 16001)]
    after_refusal = fakeconf.requests[fakeconf.requests.index(refused[0]) + 1]
    assert after_refusal.method == "GET"
    assert after_refusal.path.endswith(f"/Conferences/{second.sid}.json")


def test_ending_a_room_that_the_test_already_ended(fakeconf, client):
    room = fakeconf.create_conference("Incident bridge")
    (listed,) = list_live_rooms(client)
    fakeconf.get_conference(listed.sid).end(
        "participant-with-end-conference-on-exit-left"
    )  # the moderator's list is now stale

    outcome = end_room(client, listed.sid)

    assert outcome.outcome == "already-ended"
    assert outcome.reason_conference_ended == "participant-with-end-conference-on-exit-left"
    assert room.reason_conference_ended == "participant-with-end-conference-on-exit-left"


def test_ending_an_unknown_room_reports_not_found(fakeconf, client):
    outcome = end_room(client, "CF" + "0" * 32)

    assert outcome.outcome == "not-found"
    assert [r.status_code for r in fakeconf.requests] == [404]


def test_an_unrelated_400_is_raised_not_skipped(fakeconf, client):
    room = fakeconf.create_conference("Sales call")
    url = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{room.sid}.json"
    # A stub added to the fake's mock answers before the fake does.
    fakeconf.mock.add(
        responses.POST,
        url,
        status=400,
        json={"code": 20001, "message": "Invalid parameter", "more_info": "", "status": 400},
    )

    with pytest.raises(TwilioRestException) as excinfo:
        end_room(client, room.sid)

    assert (excinfo.value.status, excinfo.value.code) == (400, 20001)
    assert room.status == "in-progress"
    # The app looked at the room (answered by the fake) before giving up.
    assert [(r.method, r.status_code) for r in fakeconf.requests] == [("GET", 200)]


def test_ending_a_live_room(fakeconf, client):
    room = fakeconf.create_conference("Customer onboarding")

    outcome = end_room(client, room.sid)

    assert (outcome.outcome, outcome.reason_conference_ended) == ("ended", VIA_API)
    assert room.status == "completed"
    assert [(e.kind, e.conference_sid) for e in fakeconf.events][-1] == ("conference-end", room.sid)


@freeze_time(T0)
def test_dry_run_sends_no_update(fakeconf, client):
    room = fakeconf.create_conference("All-hands", date_created=T0 - dt.timedelta(days=1))

    result = end_stale_rooms(client, TWO_HOURS, dry_run=True)

    assert [r.sid for r in result.ended] == [room.sid]
    assert room.status == "in-progress"
    assert posts(fakeconf) == []


@freeze_time(T0)
def test_rooms_still_starting_are_not_swept(fakeconf, client):
    waiting = fakeconf.create_conference(
        "Waiting for the host", status="init", date_created=T0 - dt.timedelta(days=1)
    )

    assert end_stale_rooms(client, TWO_HOURS).ended == []
    assert waiting.status == "init"
    assert fakeconf.requests[0].params["Status"] == "in-progress"


@freeze_time(T0)
def test_sweep_ends_every_stale_room_while_paging(fakeconf, client):
    # Ending rooms while paging through "in-progress" shrinks the list under the
    # app's feet; a token-based next page must still reach every stale room.
    rooms = [
        fakeconf.create_conference(
            f"room {i:03d}", date_created=T0 - dt.timedelta(hours=3, minutes=i)
        )
        for i in range(120)
    ]
    young = fakeconf.create_conference("young", date_created=T0)

    result = end_stale_rooms(client, TWO_HOURS, page_size=50)

    assert len(result.ended) == 120
    assert {r.sid for r in result.ended} == {room.sid for room in rooms}
    assert all(room.status == "completed" for room in rooms)
    assert young.status == "in-progress"
    lists = [r for r in fakeconf.requests if r.method == "GET"]
    assert [len(r.json()["conferences"]) for r in lists] == [50, 50, 21]


def test_max_age_must_be_positive(client):
    with pytest.raises(ValueError, match="positive"):
        end_stale_rooms(client, dt.timedelta(0))
