"""Page tokens of deleted records, with bounded memory (FIDELITY: F72).

A token naming a deleted call, participant or recording pages on from where that
record stood, as long as the record is among the newest ``DELETED_TOKEN_KEYS``
deleted from its list; a token naming one deleted before those is refused with
Twilio's 400 / 20001, so a long-running server keeps a bounded number of keys.
These tests shrink the bound to 3 (the module's autouse fixture) to reach it quickly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from freezegun import freeze_time
from twilio.base.exceptions import TwilioException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.core import bounded, call_store, collection
from pytest_fakeconf.core.bounded import RecentMap

from .test_account_recordings import T0, recorded_conference

KEPT = 3  # the bound these tests run with
CALLER, CALLEE = "+15017122661", "+15558675310"
HANG_UP = "<Response><Hangup/></Response>"
TWILIO = "https://api.twilio.com"


@pytest.fixture(autouse=True)
def _small_bound(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Stores built during the test keep the keys of their 3 newest deleted records."""
    monkeypatch.setattr(collection, "DELETED_TOKEN_KEYS", KEPT)
    monkeypatch.setattr(call_store, "DELETED_TOKEN_KEYS", KEPT)
    yield


# -- the map -----------------------------------------------------------------------------


def test_a_recent_map_keeps_its_newest_entries() -> None:
    keys: RecentMap[str, int] = RecentMap(2)
    keys["a"] = 1
    keys["b"] = 2
    keys["a"] = 3  # set anew: now the newest
    keys["c"] = 4  # forgets "b", the oldest
    assert len(keys) == 2
    assert (keys.get("a"), keys.get("b"), keys.get("c")) == (3, None, 4)


def test_a_recent_map_of_size_zero_keeps_nothing() -> None:
    keys: RecentMap[str, int] = RecentMap(0)
    keys["a"] = 1
    assert (len(keys), keys.get("a")) == (0, None)


def test_the_default_bound_is_a_thousand_per_store() -> None:
    assert bounded.DELETED_TOKEN_KEYS == 1000


def _refused_next_page(page: Any) -> tuple[int, int]:
    """The status and code the twilio client got when it asked for ``page``'s next."""
    with pytest.raises(TwilioException) as raised:
        page.next_page()
    _message, response = raised.value.args  # twilio.base.page: "Unable to fetch page"
    return response.status_code, json.loads(response.text)["code"]


# -- calls -------------------------------------------------------------------------------


def _ended_calls(client: Client, count: int) -> list[str]:
    """``count`` calls that ended at once, oldest first."""
    sids = []
    for _ in range(count):
        call = client.calls.create(to=CALLEE, from_=CALLER, twiml=HANG_UP)
        assert client.calls(call.sid).fetch().status == "completed"
        sids.append(call.sid)
    return sids


def _next_uri(http: requests.Session, url: str, **params: str) -> str:
    body = http.get(url, params=params).json()
    next_uri: str = body["next_page_uri"]
    return TWILIO + next_uri


def test_a_token_naming_a_recently_deleted_call_pages_on(
    client: Client, http: requests.Session, account_url: str
) -> None:
    sids = _ended_calls(client, 5)
    first = client.calls.page(page_size=2)
    assert [c.sid for c in first] == [sids[4], sids[3]]
    client.calls(sids[3]).delete()  # the page's anchor
    second = first.next_page()
    assert [c.sid for c in second] == [sids[2], sids[1]]
    # raw HTTP: a token naming the deleted anchor still answers the same page
    token_url = _next_uri(http, f"{account_url}/Calls.json", PageSize="1")
    assert dict(parse_qsl(urlsplit(token_url).query))["PageToken"] == "PA" + sids[4]
    client.calls(sids[4]).delete()
    body = http.get(token_url).json()
    assert [c["sid"] for c in body["calls"]] == [sids[2]]


def test_a_token_naming_a_call_deleted_long_ago_is_a_400(
    client: Client, http: requests.Session, account_url: str
) -> None:
    sids = _ended_calls(client, 6)
    first = client.calls.page(page_size=1)
    token_url = _next_uri(http, f"{account_url}/Calls.json", PageSize="1")
    client.calls(sids[5]).delete()  # the anchor, then KEPT more: the anchor is forgotten
    for sid in sids[:KEPT]:
        client.calls(sid).delete()
    response = http.get(token_url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 20001
    assert body["message"].startswith(f"Invalid PageToken: 'PA{sids[5]}'")
    assert set(body) == {"code", "message", "more_info", "status"}
    assert _refused_next_page(first) == (400, 20001)


# -- participants and recordings ---------------------------------------------------------


def test_participant_tokens_outlive_the_newest_departures_only(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Room")
    handles = [room.add_participant(label=f"p{i}") for i in range(1, 8)]
    first = client.conferences(room.sid).participants.page(page_size=2)
    assert [p.label for p in first] == ["p7", "p6"]
    handles[5].leave()  # p6: the page's anchor, remembered
    second = first.next_page()
    assert [p.label for p in second] == ["p5", "p4"]
    handles[4].leave()  # p5: the anchor of the previous page's token
    assert [p.label for p in second.previous_page()] == ["p7"]
    for handle in handles[1 : 1 + KEPT - 1]:  # p2, p3 leave: p6 is forgotten, p5 is not
        handle.leave()
    assert _refused_next_page(first) == (400, 20001)
    assert [p.label for p in second.previous_page()] == ["p7"]  # p5 is among the newest
    # a token naming a live participant still pages, whatever left
    again = client.conferences(room.sid).participants.page(page_size=1)
    assert [p.label for p in again.next_page()] == ["p4"]


def test_account_recording_tokens_outlive_the_newest_deletions_only(
    client: Client, http: requests.Session, account_url: str
) -> None:
    sids = []
    with freeze_time(T0) as frozen:
        for i in range(6):
            frozen.move_to(T0 + dt.timedelta(days=i))
            conference = recorded_conference(client, f"Room {i}")
            (recording,) = client.conferences(conference).recordings.list()
            frozen.tick(dt.timedelta(hours=1))
            client.conferences(conference).update(status="completed")
            sids.append(recording.sid)
    token_url = _next_uri(http, f"{account_url}/Recordings.json", PageSize="1")
    assert dict(parse_qsl(urlsplit(token_url).query))["PageToken"] == "PA" + sids[5]
    for sid in (sids[5], sids[4]):
        assert http.delete(f"{account_url}/Recordings/{sid}.json").status_code == 204
    assert [r["sid"] for r in http.get(token_url).json()["recordings"]] == [sids[3]]
    for sid in sids[:KEPT]:
        assert http.delete(f"{account_url}/Recordings/{sid}.json").status_code == 204
    refused = http.get(token_url)
    assert (refused.status_code, refused.json()["code"]) == (400, 20001)
