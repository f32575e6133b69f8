"""Fetch and update of one conference, through the twilio client and raw HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

UTC = dt.timezone.utc


def test_fetch_returns_every_field_as_twilio_serialises_it(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference(
        "Sales Standup", region="ie1", date_created=dt.datetime(2021, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    response = http.get(f"{account_url}/Conferences/{room.sid}.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    base = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{room.sid}"
    assert response.json() == {
        "account_sid": fakeconf.account_sid,
        "api_version": "2010-04-01",
        "date_created": "Sat, 02 Jan 2021 03:04:05 +0000",
        "date_updated": "Sat, 02 Jan 2021 03:04:05 +0000",
        "friendly_name": "Sales Standup",
        "sid": room.sid,
        "region": "ie1",
        "status": "in-progress",
        "subresource_uris": {
            "participants": f"{base}/Participants.json",
            "recordings": f"{base}/Recordings.json",
        },
        "uri": f"{base}.json",
        "reason_conference_ended": None,
        "call_sid_ending_conference": None,
    }


def test_fetch_through_the_twilio_client(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("MyRoom")
    fetched = client.conferences(room.sid).fetch()
    assert (fetched.sid, fetched.friendly_name, fetched.status) == (
        room.sid,
        "MyRoom",
        "in-progress",
    )
    assert fetched.date_created == room.date_created
    assert fetched.date_created.tzinfo is not None
    assert fetched.account_sid == fakeconf.account_sid


def test_update_completed_ends_the_conference_via_the_api(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("MyRoom", date_created=dt.datetime(2020, 5, 1, tzinfo=UTC))
    updated = client.conferences(room.sid).update(status="completed")
    assert updated.status == "completed"
    assert updated.reason_conference_ended == "conference-ended-via-api"
    assert updated.call_sid_ending_conference is None
    # the handle is a live view of the same record
    assert room.status == "completed"
    assert room.reason_conference_ended == "conference-ended-via-api"
    assert room.date_updated > room.date_created
    assert updated.date_updated == room.date_updated
    assert fakeconf.requests[-1].form == (("Status", "completed"),)


def test_ending_a_completed_conference_is_refused_and_changes_nothing(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("MyRoom")
    room.end("last-participant-left", call_sid="CA" + "1" * 32)
    before = (room.status, room.reason_conference_ended, room.call_sid_ending_conference)
    updated_before = room.date_updated
    with pytest.raises(TwilioRestException) as caught:
        client.conferences(room.sid).update(status="completed")
    assert caught.value.status == 400
    assert caught.value.code == 16001
    assert (room.status, room.reason_conference_ended, room.call_sid_ending_conference) == before
    assert room.date_updated == updated_before


def test_announce_is_recorded_and_the_conference_keeps_running(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("MyRoom")
    updated = client.conferences(room.sid).update(
        announce_url="https://app.example/announce.xml", announce_method="GET"
    )
    assert updated.status == "in-progress"
    assert room.status == "in-progress"
    sent = fakeconf.requests[-1]
    assert sent.params == {
        "AnnounceUrl": "https://app.example/announce.xml",
        "AnnounceMethod": "GET",
    }
    announce = [e for e in fakeconf.events if e.kind == "conference-announce"]
    assert [(e.conference_sid, e.data["url"], e.data["method"]) for e in announce] == [
        (room.sid, "https://app.example/announce.xml", "GET")
    ]


def test_announce_method_defaults_to_post(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("MyRoom")
    client.conferences(room.sid).update(announce_url="https://app.example/a.xml")
    (event,) = [e for e in fakeconf.events if e.kind == "conference-announce"]
    assert event.data["method"] == "POST"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"Status": "in-progress"}, 20001),
        ({"Status": "COMPLETED"}, 20001),
        ({"Status": ""}, 20001),
        ({"AnnounceUrl": "not a url"}, 21205),
        ({"AnnounceUrl": "ftp://x.example/a"}, 21205),
        ({"AnnounceUrl": "https://x.example/a", "AnnounceMethod": "PUT"}, 20001),
    ],
)
def test_update_refuses_bad_values_with_twilio_codes(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    form: dict[str, str],
    code: int,
) -> None:
    room = fakeconf.create_conference("MyRoom")
    response = http.post(f"{account_url}/Conferences/{room.sid}.json", data=form)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    assert room.status == "in-progress"
    assert not [e for e in fakeconf.events if e.kind == "conference-announce"]


def test_bad_announce_does_not_end_the_conference_either(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("MyRoom")
    response = http.post(
        f"{account_url}/Conferences/{room.sid}.json",
        data={"Status": "completed", "AnnounceUrl": "nope"},
    )
    assert response.status_code == 400
    assert room.status == "in-progress"


def test_unknown_form_parameters_are_ignored(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("MyRoom")
    response = http.post(
        f"{account_url}/Conferences/{room.sid}.json",
        data={"Status": "completed", "SomeFutureParam": "x"},
    )
    assert response.status_code == 200
    assert room.status == "completed"


def test_update_with_no_parameters_changes_nothing(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("MyRoom", date_created=dt.datetime(2020, 1, 1, tzinfo=UTC))
    response = http.post(f"{account_url}/Conferences/{room.sid}.json")
    assert response.status_code == 200
    assert response.json()["date_updated"] == "Wed, 01 Jan 2020 00:00:00 +0000"
    assert room.status == "in-progress"


@pytest.mark.parametrize(
    "sid",
    [
        "CF" + "0" * 32,  # well-formed, unknown
        "1",  # not a conference SID at all
        "CA" + "0" * 32,  # a call SID
        "CF" + "0" * 31,  # one digit short
        "CF%20x",
    ],
)
def test_unknown_or_malformed_sid_is_404_naming_the_path(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, sid: str
) -> None:
    fakeconf.create_conference("MyRoom")
    url = f"{account_url}/Conferences/{sid}.json"
    for response in (http.get(url), http.post(url, data={"Status": "completed"})):
        assert response.status_code == 404
        path = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{sid}.json"
        assert response.json() == {
            "code": 20404,
            "message": f"The requested resource {path} was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404",
            "status": 404,
        }


def test_client_raises_twilio_rest_exception_on_404(fakeconf: FakeTwilio, client: Client) -> None:
    with pytest.raises(TwilioRestException) as caught:
        client.conferences("CF" + "a" * 32).fetch()
    assert (caught.value.status, caught.value.code) == (404, 20404)


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH"])
def test_methods_twilio_does_not_offer_are_405(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, method: str
) -> None:
    room = fakeconf.create_conference("MyRoom")
    response = http.request(method, f"{account_url}/Conferences/{room.sid}.json")
    assert response.status_code == 405
    assert response.json()["code"] == 20004
    assert room.status == "in-progress"


def test_ending_a_conference_dated_after_the_clock_keeps_time_moving_forward(
    fakeconf: FakeTwilio, client: Client
) -> None:
    future = dt.datetime(2099, 1, 1, tzinfo=UTC)
    room = fakeconf.create_conference("Future", date_created=future)
    updated = client.conferences(room.sid).update(status="completed")
    assert updated.date_updated == future
    assert room.date_updated >= room.date_created
