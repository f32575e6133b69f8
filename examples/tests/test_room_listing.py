"""Listing live rooms: status and name filters, paging, what goes on the wire."""

from __future__ import annotations

import datetime as dt

from room_moderator import list_live_rooms

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def test_lists_only_in_progress_rooms_newest_first(fakeconf, client):
    older = fakeconf.create_conference("Standup", date_created=T0 - dt.timedelta(hours=2))
    newer = fakeconf.create_conference("Sales sync", date_created=T0 - dt.timedelta(minutes=5))
    fakeconf.create_conference("Waiting room", status="init", date_created=T0)
    fakeconf.create_conference(
        "Yesterday", status="completed", date_created=T0 - dt.timedelta(days=1)
    )
    ended = fakeconf.create_conference("Ended today", date_created=T0 - dt.timedelta(hours=1))
    ended.end("last-participant-left")

    rooms = list_live_rooms(client)

    assert [room.sid for room in rooms] == [newer.sid, older.sid]
    assert [room.friendly_name for room in rooms] == ["Sales sync", "Standup"]
    assert rooms[1].date_created == older.date_created == T0 - dt.timedelta(hours=2)
    assert {room.status for room in rooms} == {"in-progress"}


def test_filters_by_friendly_name(fakeconf, client, api_calls):
    fakeconf.create_conference(
        "Support bridge", status="completed", date_created=T0 - dt.timedelta(days=2)
    )
    live = fakeconf.create_conference("Support bridge", date_created=T0)
    fakeconf.create_conference("Support", date_created=T0)  # a different name, not a prefix match
    fakeconf.create_conference("Sales bridge", date_created=T0)

    rooms = list_live_rooms(client, friendly_name="Support bridge")

    assert [room.sid for room in rooms] == [live.sid]
    assert api_calls() == [
        (
            "GET",
            "Conferences.json",
            {"Status": "in-progress", "FriendlyName": "Support bridge", "PageSize": "50"},
        )
    ]


def test_pages_through_120_live_rooms(fakeconf, client):
    for i in range(120):
        fakeconf.create_conference(f"room {i:03d}", date_created=T0 + dt.timedelta(minutes=i))
    # A few rooms that must not show up, spread between the live ones.
    for i in range(0, 120, 30):
        fakeconf.get_conference(fakeconf.conferences[i].sid).end("last-participant-kicked")
    expected = [c.sid for c in fakeconf.conferences if c.status == "in-progress"]
    assert len(expected) == 116

    rooms = list_live_rooms(client, page_size=25)

    assert [room.sid for room in rooms] == expected
    pages = [r for r in fakeconf.requests if r.path.endswith("/Conferences.json")]
    assert len(pages) == 5  # 25 + 25 + 25 + 25 + 16
    assert all(r.status_code == 200 for r in pages)
    assert "PageToken" not in pages[0].params
    for request in pages[1:]:
        # Each next page keeps the filter and the page size, and follows a token.
        assert request.params["Status"] == "in-progress"
        assert request.params["PageSize"] == "25"
        assert request.params["PageToken"].startswith("PACF")
    assert pages[-1].json()["next_page_uri"] is None


def test_no_live_rooms_is_an_empty_list_after_one_request(fakeconf, client):
    fakeconf.create_conference("Done", status="completed")

    assert list_live_rooms(client) == []
    assert len(fakeconf.requests) == 1
