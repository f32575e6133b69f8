"""The control endpoints' field checks, through ``control.handle`` (what the WSGI door
calls): a wrong type is a 400 naming the field, never a 500, and nothing changes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import control


def call(fake: FakeTwilio, method: str, path: str, body: Any = None, query: str = "") -> Any:
    token = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    status, headers, content = control.handle(
        fake,
        method,
        f"/_fakeconf/{path}",
        {"Authorization": f"Basic {token}"},
        b"" if body is None else json.dumps(body).encode(),
        query,
    )
    assert headers["Content-Type"].startswith("application/json")
    return status, json.loads(content)


@pytest.fixture
def fake() -> FakeTwilio:
    return FakeTwilio(seed="fields")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"date_created": 5}, "expected an ISO 8601 time, got 5"),
        ({"date_created": "2030-01-01T00:00:00"}, "needs a UTC offset"),
        ({"friendly_name": None, "status": 3}, "status must be a string"),
    ],
)
def test_conference_fields(fake: FakeTwilio, body: dict[str, Any], words: str) -> None:
    status, answer = call(fake, "POST", "conferences", body)
    assert status == 400 and words in answer["error"], answer
    assert fake.conferences == []


def test_participant_flags_take_json_booleans_only(fake: FakeTwilio) -> None:
    room = fake.create_conference("Flags")
    status, answer = call(fake, "POST", f"conferences/{room.sid}/participants", {"muted": "no"})
    assert (status, answer["error"]) == (400, 'muted must be true or false, got "no"')
    assert room.participants == []


def test_a_participant_is_found_by_label_among_several(fake: FakeTwilio) -> None:
    room = fake.create_conference("Several")
    room.add_participant(label="first")
    second = room.add_participant(label="second")
    status, answer = call(fake, "POST", f"conferences/{room.sid}/participants/second/kick")
    assert status == 200 and answer["call_sid"] == second.call_sid
    assert [p.label for p in room.participants] == ["first"]
    status, answer = call(fake, "POST", f"conferences/{room.sid}/participants/third/kick")
    assert status == 404 and "no live participant third" in answer["error"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"speech": 1}, "speech must be a string"),
        ({"speech": "yes", "confidence": True}, "confidence must be a number"),
        ({"speech": "yes", "confidence": "high"}, "confidence must be a number"),
    ],
)
def test_say_fields(fake: FakeTwilio, body: dict[str, Any], words: str) -> None:
    status, answer = call(fake, "POST", "calls/CA00000000000000000000000000000000/say", body)
    assert status == 400 and words in answer["error"]


def test_get_reads_only_the_query_parameters_it_takes(fake: FakeTwilio) -> None:
    fake.create_conference("One")
    fake.create_conference("Two")
    status, answer = call(fake, "GET", "state", query="page_size=1&other=x")
    assert status == 200
    assert [c["friendly_name"] for c in answer["conferences"]] == ["Two"]
    status, again = call(fake, "GET", "state", query=f"page_token={answer['next_page_token']}")
    assert [c["friendly_name"] for c in again["conferences"]] == ["One"]


def test_an_unknown_path_is_404_and_a_wrong_method_405(fake: FakeTwilio) -> None:
    assert call(fake, "GET", "nowhere")[0] == 404
    status, answer = call(fake, "DELETE", "accounts")
    assert status == 405 and "GET, POST" in answer["error"]
