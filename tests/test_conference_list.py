"""Listing conferences: filters, ordering, the envelope, and paging by tokens."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from pytest_fakeconf import ConferenceHandle, FakeTwilio

UTC = dt.timezone.utc


def at(day: int, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2021, 3, day, hour, minute, second, tzinfo=UTC)


def make_rooms(fakeconf: FakeTwilio, count: int, **kwargs: object) -> list[ConferenceHandle]:
    """``count`` live rooms, one a minute from 2021-03-01 00:00, oldest first."""
    start = dt.datetime(2021, 3, 1, tzinfo=UTC)
    return [
        fakeconf.create_conference(
            f"room {i}",
            date_created=start + dt.timedelta(minutes=i),
            **kwargs,  # type: ignore[arg-type]
        )
        for i in range(count)
    ]


def test_list_is_newest_first(fakeconf: FakeTwilio, client: Client) -> None:
    rooms = make_rooms(fakeconf, 5)
    assert [c.sid for c in client.conferences.list()] == [r.sid for r in reversed(rooms)]


def test_without_status_only_in_progress_conferences_are_listed(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    # "Starting from September 30th, 2026, the default is `in-progress`. To read
    # completed conferences, set `Status` to `completed`." (twilio-python 9.13.0)
    live = fakeconf.create_conference("live", date_created=at(1))
    fakeconf.create_conference("waiting", status="init", date_created=at(2))
    fakeconf.create_conference("over", status="completed", date_created=at(3))
    assert [c.sid for c in client.conferences.list()] == [live.sid]
    body = http.get(f"{account_url}/Conferences.json", params={"FriendlyName": "over"}).json()
    assert body["conferences"] == []
    assert "Status" not in body["uri"]  # the URIs carry what the client sent


def test_same_second_ties_list_in_creation_order_newest_first(
    fakeconf: FakeTwilio, client: Client
) -> None:
    rooms = [fakeconf.create_conference(f"r{i}", date_created=at(5)) for i in range(4)]
    assert [c.sid for c in client.conferences.list()] == [r.sid for r in reversed(rooms)]
    assert [c.sid for c in fakeconf.conferences] == [r.sid for r in reversed(rooms)]


def test_envelope_has_exactly_twilios_keys_and_echoes_the_request(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    rooms = make_rooms(fakeconf, 7)
    response = http.get(
        f"{account_url}/Conferences.json",
        params=[("FriendlyName", "room 3"), ("Status", "in-progress"), ("PageSize", "3")],
    )
    body = response.json()
    base = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences.json"
    expected_uri = f"{base}?FriendlyName=room+3&Status=in-progress&PageSize=3&Page=0"
    assert list(body) == [
        "conferences",
        "first_page_uri",
        "next_page_uri",
        "previous_page_uri",
        "uri",
        "page",
        "page_size",
        "start",
        "end",
    ]
    assert [c["sid"] for c in body["conferences"]] == [rooms[3].sid]
    assert body["first_page_uri"] == expected_uri
    assert body["uri"] == expected_uri
    assert body["next_page_uri"] is None
    assert body["previous_page_uri"] is None
    assert (body["page"], body["page_size"], body["start"], body["end"]) == (0, 3, 0, 0)


def test_empty_page_has_start_and_end_zero(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    body = http.get(f"{account_url}/Conferences.json").json()
    assert body["conferences"] == []
    assert (body["page"], body["page_size"], body["start"], body["end"]) == (0, 50, 0, 0)
    assert body["uri"].endswith("/Conferences.json?PageSize=50&Page=0")


def test_paging_tokens_name_last_and_first_sid(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    rooms = list(reversed(make_rooms(fakeconf, 7)))  # newest first
    first = http.get(f"{account_url}/Conferences.json", params={"PageSize": 3}).json()
    assert [c["sid"] for c in first["conferences"]] == [r.sid for r in rooms[:3]]
    base = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences.json"
    assert first["next_page_uri"] == f"{base}?PageSize=3&Page=1&PageToken=PA{rooms[2].sid}"

    second = http.get("https://api.twilio.com" + first["next_page_uri"]).json()
    assert [c["sid"] for c in second["conferences"]] == [r.sid for r in rooms[3:6]]
    assert (second["page"], second["start"], second["end"]) == (1, 3, 5)
    assert second["uri"] == first["next_page_uri"]
    assert second["next_page_uri"] == f"{base}?PageSize=3&Page=2&PageToken=PA{rooms[5].sid}"
    assert second["previous_page_uri"] == f"{base}?PageSize=3&Page=0&PageToken=PB{rooms[3].sid}"

    third = http.get("https://api.twilio.com" + second["next_page_uri"]).json()
    assert [c["sid"] for c in third["conferences"]] == [rooms[6].sid]
    assert third["next_page_uri"] is None
    assert (third["start"], third["end"]) == (6, 6)

    back = http.get("https://api.twilio.com" + second["previous_page_uri"]).json()
    assert [c["sid"] for c in back["conferences"]] == [r.sid for r in rooms[:3]]


def test_next_page_uri_carries_every_filter(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    make_rooms(fakeconf, 6)
    params = [
        ("Status", "in-progress"),
        ("DateCreated>", "2021-03-01"),
        ("DateCreated<", "2021-03-02"),
        ("DateUpdated>", "2021-02-01"),
        ("PageSize", "2"),
        ("Unknown", "dropped"),
    ]
    body = http.get(f"{account_url}/Conferences.json", params=params).json()
    query = parse_qsl(urlsplit(body["next_page_uri"]).query)
    assert query[:4] == params[:4]
    assert [k for k, _ in query[4:]] == ["PageSize", "Page", "PageToken"]
    assert "%3E" in body["next_page_uri"] and "%3C" in body["next_page_uri"]


def test_client_stream_and_list_follow_pages(fakeconf: FakeTwilio, client: Client) -> None:
    rooms = list(reversed(make_rooms(fakeconf, 11)))
    assert [c.sid for c in client.conferences.stream(page_size=3)] == [r.sid for r in rooms]
    assert [c.sid for c in client.conferences.list(limit=5, page_size=2)] == [
        r.sid for r in rooms[:5]
    ]
    pages = [r.url for r in fakeconf.requests]
    assert len(pages) == 4 + 3  # 11 rooms in pages of 3, then 5 rooms in pages of 2


def test_client_page_next_and_previous(fakeconf: FakeTwilio, client: Client) -> None:
    rooms = list(reversed(make_rooms(fakeconf, 5)))
    page = client.conferences.page(page_size=2)
    nxt = page.next_page()
    assert [c.sid for c in nxt] == [r.sid for r in rooms[2:4]]
    prev = nxt.previous_page()
    assert [c.sid for c in prev] == [r.sid for r in rooms[:2]]
    last = nxt.next_page()
    assert [c.sid for c in last] == [rooms[4].sid]
    assert last.next_page() is None


def test_paging_stays_correct_when_the_store_changes_between_pages(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    live = [fakeconf.create_conference(f"live {i}", date_created=at(1, 10, i)) for i in range(6)]
    newest_first = list(reversed(live))
    first = http.get(
        f"{account_url}/Conferences.json", params={"Status": "in-progress", "PageSize": 2}
    ).json()
    assert [c["sid"] for c in first["conferences"]] == [r.sid for r in newest_first[:2]]
    # Between pages: a new room starts, the last room on page 1 ends, and a
    # room that page 2 would have shown ends too.
    fakeconf.create_conference("newcomer", date_created=at(2))
    newest_first[1].end()
    newest_first[2].end()
    second = http.get("https://api.twilio.com" + first["next_page_uri"]).json()
    assert [c["sid"] for c in second["conferences"]] == [r.sid for r in newest_first[3:5]]
    third = http.get("https://api.twilio.com" + second["next_page_uri"]).json()
    assert [c["sid"] for c in third["conferences"]] == [newest_first[5].sid]
    assert third["next_page_uri"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"DateCreated": "2021-03-03"}, {"midnight", "one second past", "d3"}),
        # "on or before midnight of the 3rd": midnight itself, nothing later that day
        ({"DateCreated<": "2021-03-03"}, {"d1", "d2", "midnight"}),
        ({"DateCreated>": "2021-03-03"}, {"midnight", "one second past", "d3", "d4", "d5"}),
        (
            {"DateCreated>": "2021-03-02", "DateCreated<": "2021-03-04"},
            {"d2", "midnight", "one second past", "d3"},
        ),
        ({"DateCreated": "2021-03-03", "DateCreated>": "2021-03-04"}, set()),
        ({"DateCreated": "2021-04-01"}, set()),
    ],
)
def test_date_created_filters_are_inclusive_against_midnight_utc(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    params: dict[str, str],
    expected: set[str],
) -> None:
    for day in range(1, 6):
        fakeconf.create_conference(f"d{day}", date_created=at(day))
    fakeconf.create_conference("midnight", date_created=at(3, 0))
    fakeconf.create_conference("one second past", date_created=at(3, 0, 0, 1))
    body = http.get(f"{account_url}/Conferences.json", params=params).json()
    assert {c["friendly_name"] for c in body["conferences"]} == expected


def test_date_updated_filters_use_date_updated(fakeconf: FakeTwilio, client: Client) -> None:
    old = fakeconf.create_conference("old", date_created=at(1))
    fakeconf.create_conference("untouched", date_created=at(1, 13))
    old.end()  # date_updated becomes "now", years after 2021
    today = dt.datetime.now(UTC).date()
    ended_today = client.conferences.list(date_updated=today, status="completed")
    assert [c.sid for c in ended_today] == [old.sid]
    untouched = client.conferences.list(date_updated_before=dt.date(2021, 3, 2))
    assert [c.friendly_name for c in untouched] == ["untouched"]
    assert (
        client.conferences.list(date_updated_before=dt.date(2021, 3, 2), status="completed") == []
    )


def test_status_and_friendly_name_filters(fakeconf: FakeTwilio, client: Client) -> None:
    a = fakeconf.create_conference("Team Sync", date_created=at(1))
    a.end()
    b = fakeconf.create_conference("Team Sync", date_created=at(2))
    c = fakeconf.create_conference("Other", status="init", date_created=at(3))
    assert [x.sid for x in client.conferences.list(friendly_name="Team Sync")] == [b.sid]
    assert [x.sid for x in client.conferences.list(status="in-progress")] == [b.sid]
    assert [x.sid for x in client.conferences.list(status="init")] == [c.sid]
    assert [
        x.sid for x in client.conferences.list(status="completed", friendly_name="Team Sync")
    ] == [a.sid]
    assert client.conferences.list(friendly_name="team sync") == []


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"Status": "active"}, 20001),
        ({"Status": "COMPLETED"}, 20001),
        ({"DateCreated": "2021-03-01T00:00:00Z"}, 20001),
        ({"DateCreated<": "2021-3-1"}, 20001),
        ({"DateUpdated>": "2021-02-30"}, 20001),
        ({"DateUpdated": "yesterday"}, 20001),
        ({"PageSize": "0"}, 20001),
        ({"PageSize": "-5"}, 20001),
        ({"PageSize": "ten"}, 20001),
        ({"PageSize": "1001"}, 20007),
        ({"PageSize": "99999999999999999999999"}, 20001),
        ({"Page": "2"}, 20001),
        ({"Page": "-1"}, 20001),
        ({"Page": "x", "PageToken": "PA" + "CF" + "0" * 32}, 20001),
        ({"PageToken": "garbage"}, 20001),
        ({"PageToken": "PA" + "CA" + "0" * 32}, 20001),
        ({"PageToken": "PA" + "CF" + "0" * 32}, 20001),  # well-formed, names no conference
    ],
)
def test_bad_list_parameters_are_400_with_twilio_codes(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    params: dict[str, str],
    code: int,
) -> None:
    fakeconf.create_conference("MyRoom")
    response = http.get(f"{account_url}/Conferences.json", params=params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_page_beyond_zero_needs_a_token_and_says_so(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    response = http.get(f"{account_url}/Conferences.json", params={"Page": "1"})
    assert response.json()["message"] == "PageToken is required for paging."


def test_list_errors_reach_the_client_as_plain_twilio_exception(
    fakeconf: FakeTwilio, client: Client
) -> None:
    with pytest.raises(TwilioException) as caught:
        client.conferences.list(page_size=1001)
    assert caught.value.args[1].status_code == 400


def test_history_pages_through_the_client(fakeconf: FakeTwilio, client: Client) -> None:
    fakeconf.generate_history(
        135, start=dt.datetime(2021, 1, 1, tzinfo=UTC), end=dt.datetime(2021, 2, 1, tzinfo=UTC)
    )
    for status in ("init", "in-progress", "completed"):
        listed = client.conferences.list(status=status, page_size=20)
        assert [c.sid for c in listed] == [
            c.sid for c in fakeconf.conferences if c.status == status
        ]
    completed = client.conferences.list(status="completed", page_size=7)
    assert {c.sid for c in completed} == {
        c.sid for c in fakeconf.conferences if c.status == "completed"
    }
    january_10 = client.conferences.list(date_created=dt.date(2021, 1, 10), status="completed")
    assert {c.sid for c in january_10} == {
        c.sid for c in fakeconf.conferences if c.date_created.date() == dt.date(2021, 1, 10)
    }


def test_date_updated_finds_rooms_by_when_they_ended_across_pages(
    fakeconf: FakeTwilio, client: Client
) -> None:
    ended_on: dict[str, int] = {}
    for i in range(12):
        room = fakeconf.create_conference(f"r{i}", date_created=at(1, 8, i))
        end_day = 2 + i % 3  # rooms end on the 2nd, 3rd or 4th
        room.end(at=at(end_day, 9))
        ended_on[room.sid] = end_day
    fakeconf.create_conference("still live", date_created=at(3, 10))
    on_third = client.conferences.list(
        status="completed", date_updated=dt.date(2021, 3, 3), page_size=1
    )
    assert {c.sid for c in on_third} == {sid for sid, day in ended_on.items() if day == 3}
    assert len(on_third) == 4
    # newest first by creation, not by update
    assert [c.date_created for c in on_third] == sorted(
        (c.date_created for c in on_third), reverse=True
    )
    by_third = client.conferences.list(
        status="completed", date_updated_before=dt.date(2021, 3, 3), page_size=5
    )
    assert {c.sid for c in by_third} == {sid for sid, day in ended_on.items() if day == 2}
    # an announcement is an update too
    live = client.conferences.list(date_updated_after=dt.date(2021, 3, 5))
    assert live == []
    sid = fakeconf.conferences[0].sid
    client.conferences(sid).update(announce_url="https://app.example/a.xml")
    assert [c.sid for c in client.conferences.list(date_updated_after=dt.date(2021, 3, 5))] == [sid]
