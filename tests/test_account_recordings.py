"""The account's Recordings (``/Accounts/{AC}/Recordings``): conference recordings
appear there, with the account schema's fields (§7 of
shared/reference/twilio-calls-and-twiml.md)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from freezegun import freeze_time
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

UTC = dt.timezone.utc
T0 = dt.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
CALLER = "+15017122661"
# §7 "Property order".
KEY_ORDER = [
    "account_sid", "api_version", "call_sid", "conference_sid", "date_created",
    "date_updated", "start_time", "duration", "sid", "price", "price_unit", "status",
    "channels", "source", "error_code", "uri", "encryption_details", "subresource_uris",
    "media_url",
]  # fmt: skip


def recorded_conference(client: Client, name: str) -> str:
    """A conference that records from its start, started by two participants; its SID."""
    first = client.conferences(name).participants.create(
        from_=CALLER, to="+15005550001", conference_record="record-from-start"
    )
    client.conferences(name).participants.create(from_=CALLER, to="+15005550002")
    return first.conference_sid


def three_days(client: Client) -> list[tuple[str, str, dt.datetime]]:
    """Three recorded conferences, one a day from T0, each ended an hour in:
    (recording SID, conference SID, created) oldest first."""
    made = []
    with freeze_time(T0) as frozen:
        for day in range(3):
            frozen.move_to(T0 + dt.timedelta(days=day))
            conference = recorded_conference(client, f"Room {day}")
            (recording,) = client.conferences(conference).recordings.list()
            frozen.tick(dt.timedelta(hours=1))
            client.conferences(conference).update(status="completed")
            made.append((recording.sid, conference, T0 + dt.timedelta(days=day)))
    return made


def test_conference_recordings_are_listed_and_fetched_at_account_level(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    made = three_days(client)
    assert [r.sid for r in client.recordings.list()] == [m[0] for m in reversed(made)]
    sid, conference, _ = made[1]
    assert [r.sid for r in client.recordings.list(conference_sid=conference)] == [sid]
    fetched = client.recordings(sid).fetch()
    assert (fetched.conference_sid, fetched.status, fetched.duration) == (
        conference,
        "completed",
        "3600",
    )
    body = http.get(f"{account_url}/Recordings/{sid}.json").json()
    assert list(body) == KEY_ORDER
    base = f"/2010-04-01/Accounts/{fakeconf.account_sid}/Recordings/{sid}"
    assert body["uri"] == base + ".json"
    assert body["media_url"].endswith(base)
    assert set(body["subresource_uris"]) == {"add_on_results", "transcriptions"}


def test_filters(client: Client) -> None:
    made = three_days(client)
    newest_first = list(reversed(made))
    day1 = T0 + dt.timedelta(days=1)

    def sids(**filters: object) -> list[str]:
        return [r.sid for r in client.recordings.list(**filters)]  # type: ignore[arg-type]

    # "on or after" / "on or before" (inclusive); twilio-python sends date-times.
    assert sids(date_created_after=day1) == [m[0] for m in newest_first if m[2] >= day1]
    assert sids(date_created_before=day1) == [m[0] for m in newest_first if m[2] <= day1]
    assert sids(date_created=day1) == [made[1][0]]
    assert sids(call_sid="CA" + "0" * 32) == []  # conference recordings name no call
    assert sids(conference_sid="CF" + "0" * 32) == []


def test_deleting_one_removes_it_everywhere(
    client: Client, http: requests.Session, account_url: str
) -> None:
    made = three_days(client)
    sid, conference, _ = made[0]
    response = http.delete(f"{account_url}/Recordings/{sid}.json")
    assert (response.status_code, response.content) == (204, b"")
    assert http.get(f"{account_url}/Recordings/{sid}.json").status_code == 404
    assert client.conferences(conference).recordings.list() == []
    assert sid not in [r.sid for r in client.recordings.list()]


@pytest.mark.parametrize(
    "query",
    [{"ConferenceSid": "nope"}, {"CallSid": "CF" + "0" * 32}, {"DateCreated>": "soon"}],
)
def test_bad_filters_are_400(
    http: requests.Session, account_url: str, query: dict[str, str]
) -> None:
    assert http.get(f"{account_url}/Recordings.json", params=query).status_code == 400


def test_pages_carry_the_filters(client: Client, http: requests.Session, account_url: str) -> None:
    made = three_days(client)
    query = {"DateCreated>": "2024-05-01T00:00:00Z", "PageSize": "2"}
    first = http.get(f"{account_url}/Recordings.json", params=query).json()
    assert [r["sid"] for r in first["recordings"]] == [made[2][0], made[1][0]]
    carried = dict(parse_qsl(urlsplit(first["next_page_uri"]).query))
    assert carried["DateCreated>"] == "2024-05-01T00:00:00Z"
    assert carried["PageToken"] == "PA" + made[1][0]
    second = http.get("https://api.twilio.com" + first["next_page_uri"]).json()
    assert [r["sid"] for r in second["recordings"]] == [made[0][0]]
    assert second["next_page_uri"] is None
