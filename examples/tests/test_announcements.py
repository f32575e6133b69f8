"""Announcing into rooms: the URL and method on the wire, rooms that are gone."""

from __future__ import annotations

import pytest

from room_moderator import RoomNotLiveError, announce, announce_to_live_rooms

MESSAGE = "https://moderator.example.com/twiml/closing-in-5-minutes.xml"


def test_announce_sends_the_url_and_method(fakeconf, client, api_calls):
    room = fakeconf.create_conference("All-hands")

    reported = announce(client, room.sid, MESSAGE, method="get")

    assert api_calls() == [
        (
            "POST",
            f"Conferences/{room.sid}.json",
            {"AnnounceUrl": MESSAGE, "AnnounceMethod": "GET"},
        )
    ]
    assert fakeconf.requests[0].form == (("AnnounceUrl", MESSAGE), ("AnnounceMethod", "GET"))
    (event,) = [e for e in fakeconf.events if e.kind == "conference-announce"]
    assert (event.conference_sid, event.data["url"], event.data["method"]) == (
        room.sid,
        MESSAGE,
        "GET",
    )
    # An announcement does not end the room, nor does it send Status.
    assert room.status == "in-progress"
    assert reported.status == "in-progress"
    assert "Status" not in fakeconf.requests[0].params


def test_announce_defaults_to_post(fakeconf, client):
    room = fakeconf.create_conference("Standup")

    announce(client, room.sid, MESSAGE)

    assert fakeconf.requests[0].params["AnnounceMethod"] == "POST"


def test_announce_into_an_ended_room_raises(fakeconf, client):
    room = fakeconf.create_conference("Retro")
    room.end("last-participant-left")

    with pytest.raises(RoomNotLiveError) as excinfo:
        announce(client, room.sid, MESSAGE)

    assert excinfo.value.sid == room.sid
    assert fakeconf.requests[0].status_code == 400
    assert fakeconf.requests[0].json()["code"] == 16001
    assert [e.kind for e in fakeconf.events].count("conference-announce") == 0


def test_announce_into_an_unknown_room_raises(fakeconf, client):
    with pytest.raises(RoomNotLiveError):
        announce(client, "CF" + "f" * 32, MESSAGE)
    assert fakeconf.requests[0].status_code == 404


def test_a_bad_method_is_refused_before_any_request(fakeconf, client):
    room = fakeconf.create_conference("Demo")

    with pytest.raises(ValueError, match="GET or POST"):
        announce(client, room.sid, MESSAGE, method="PUT")
    assert fakeconf.requests == []


def test_broadcast_reaches_every_live_room_of_that_name_only(fakeconf, client):
    fakeconf.create_conference("Support bridge", status="completed")
    target = fakeconf.create_conference("Support bridge")
    other = fakeconf.create_conference("Sales bridge")

    announced = announce_to_live_rooms(client, MESSAGE, friendly_name="Support bridge")

    assert announced == [target.sid]
    heard = {e.conference_sid for e in fakeconf.events if e.kind == "conference-announce"}
    assert heard == {target.sid}
    assert other.sid not in heard


def test_broadcast_to_all_live_rooms(fakeconf, client):
    live = [fakeconf.create_conference(f"Room {i}") for i in range(3)]
    fakeconf.create_conference("Lobby", status="init")

    announced = announce_to_live_rooms(client, MESSAGE)

    assert sorted(announced) == sorted(room.sid for room in live)
    methods = [r.method for r in fakeconf.requests]
    assert methods == ["GET", "POST", "POST", "POST"]
