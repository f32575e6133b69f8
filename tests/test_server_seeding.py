"""Bulk seeding (``POST /_fakeconf/history``) and the paged state
(``GET /_fakeconf/state?page_size=&page_token=``): one request seeds thousands of
conferences, the answer is counts and the first and last SIDs, and the state walks
them a page at a time, newest first, with the account's counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.core.backend import Backend
from pytest_fakeconf.core.sids import SidSource, seed_to_int
from pytest_fakeconf.history import _MEETINGS, _REASON_WEIGHT, _REGIONS, generate_history
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.control import state

UTC = dt.timezone.utc
END = dt.datetime(2030, 1, 31, 12, 0, tzinfo=UTC)
START = END - dt.timedelta(days=30)


@pytest.fixture
def server() -> Iterator[FakeconfServer]:
    with FakeconfServer(FakeTwilio(seed="seeding"), port=0) as started:
        yield started


def control(
    server: FakeconfServer, method: str, path: str, body: object = None, **params: Any
) -> requests.Response:
    return requests.request(
        method,
        f"{server.base_url}/_fakeconf/{path}",
        auth=(server.fake.account_sid, server.fake.auth_token),
        json=body,
        params=params,
        timeout=60,
    )


def seed(server: FakeconfServer, **body: Any) -> dict[str, Any]:
    response = control(server, "POST", "history", body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_one_request_seeds_the_history_and_answers_counts_not_records(
    server: FakeconfServer,
) -> None:
    answer = seed(server, count=2000, start=START.isoformat(), end=END.isoformat(), seed="bulk")
    created = sorted(server.fake.conferences, key=lambda c: c.date_created)
    assert set(answer) == {"created", "first_sid", "last_sid", "conferences"}
    assert (answer["created"], answer["conferences"]) == (2000, 2000)
    # first and last in creation order: the oldest and the newest seeded
    assert answer["first_sid"] == server.fake.conferences[-1].sid
    assert answer["last_sid"] == server.fake.conferences[0].sid
    assert all(START <= c.date_created <= END for c in created)
    assert len(created) == 2000
    # the twilio client reads them back
    client = Client(server.fake.account_sid, server.fake.auth_token)
    client.api.base_url = server.base_url
    completed = client.conferences.list(status="completed", page_size=1000)
    assert len(completed) == sum(c.status == "completed" for c in created) > 1900


def test_the_same_seed_seeds_the_same_history(server: FakeconfServer) -> None:
    first = seed(server, count=300, end=END.isoformat(), seed=7)
    with FakeconfServer(FakeTwilio(seed="seeding"), port=0) as again:
        second = seed(again, count=300, end=END.isoformat(), seed=7)
    assert (first["first_sid"], first["last_sid"]) == (second["first_sid"], second["last_sid"])


def test_seeding_defaults_to_the_30_days_before_now(server: FakeconfServer) -> None:
    now = server.fake.clock.now()
    answer = seed(server, count=50)
    assert answer["created"] == 50
    oldest = server.fake.get_conference(answer["first_sid"]).date_created
    assert now - dt.timedelta(days=30, seconds=1) <= oldest <= now
    start_only = seed(server, count=5, start=(now - dt.timedelta(days=1)).isoformat())
    assert server.fake.get_conference(start_only["first_sid"]).date_created >= now - dt.timedelta(
        days=1, seconds=1
    )
    empty = seed(server, count=0)
    assert empty == {"created": 0, "first_sid": None, "last_sid": None, "conferences": 55}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({}, "count takes a whole number from 0 to 1000000"),
        ({"count": -1}, "count takes"),
        ({"count": 1_000_001}, "count takes"),
        ({"count": "ten"}, "count takes"),
        ({"count": True}, "count takes"),
        ({"count": 5, "seed": 1.5}, "seed must be an integer or a string"),
        ({"count": 5, "seed": False}, "seed must be"),
        ({"count": 5, "start": "yesterday"}, "ISO 8601"),
        ({"count": 5, "start": END.isoformat(), "end": START.isoformat()}, "is after end"),
        ({"count": 5, "until": END.isoformat()}, "unknown history option"),
    ],
)
def test_seeding_refuses_bad_input(
    server: FakeconfServer, body: dict[str, Any], words: str
) -> None:
    response = control(server, "POST", "history", body)
    assert response.status_code == 400, response.text
    assert words in response.json()["error"]
    assert server.fake.conferences == []


def test_state_pages_walk_every_conference_newest_first(server: FakeconfServer) -> None:
    seed(server, count=1234, end=END.isoformat(), seed="pages")
    expected = [c.sid for c in server.fake.conferences]  # newest first
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        params = {"page_size": "500"} if token is None else {"page_size": 500, "page_token": token}
        page = control(server, "GET", "state", **params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["counts"]["conferences"] == 1234
        assert body["page_size"] == 500
        seen += [c["sid"] for c in body["conferences"]]
        pages += 1
        token = body["next_page_token"]
        if token is None:
            assert body["next_page_uri"] is None
            break
        assert body["next_page_uri"] == (f"/_fakeconf/state?page_size=500&page_token={token}")
    assert pages == 3
    assert seen == expected


def test_the_first_state_page_keeps_the_fields_the_live_page_reads(
    server: FakeconfServer,
) -> None:
    room = server.fake.create_conference("Live")
    agent = room.add_participant(label="agent", muted=True)
    body = control(server, "GET", "state").json()
    assert body["account_sid"] == server.fake.account_sid
    assert body["now"]
    (shown,) = body["conferences"]
    assert shown["sid"] == room.sid
    assert [(p["call_sid"], p["label"], p["muted"]) for p in shown["participants"]] == [
        (agent.call_sid, "agent", True)
    ]
    assert [e["kind"] for e in body["events"]][-1] == "conference-create"  # newest first
    assert body["alerts"] == []
    assert body["counts"] == {"conferences": 1, "calls": 1, "events": len(server.fake.events),
                              "alerts": 0}  # fmt: skip
    assert (body["page_size"], body["page_token"], body["next_page_token"]) == (50, None, None)


def test_state_keeps_at_most_50_recent_events(server: FakeconfServer) -> None:
    for i in range(30):
        server.fake.create_conference(f"room {i}").end()
    body = control(server, "GET", "state").json()
    assert len(body["events"]) == 50
    newest = server.fake.events[-1]
    assert (body["events"][0]["kind"], body["events"][0]["conference_sid"]) == (
        newest.kind,
        newest.conference_sid,
    )
    assert body["counts"]["events"] == len(server.fake.events) == 60


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"page_size": "0"}, "page_size takes a whole number from 1 to 1000"),
        ({"page_size": "1001"}, "page_size takes"),
        ({"page_size": "ten"}, "page_size takes"),
        ({"page_size": "-1"}, "page_size takes"),
        ({"page_token": "PB123"}, "unknown page_token"),
        ({"page_token": "PACF" + "0" * 32}, "unknown page_token"),
    ],
)
def test_state_refuses_bad_paging(
    server: FakeconfServer, params: dict[str, str], words: str
) -> None:
    response = control(server, "GET", "state", **params)
    assert response.status_code == 400, response.text
    assert words in response.json()["error"]


def test_state_ignores_query_parameters_it_does_not_read(server: FakeconfServer) -> None:
    assert control(server, "GET", "state", cachebust="123").status_code == 200


def test_state_is_importable_from_control_and_pages_in_process() -> None:
    fake = FakeTwilio(seed=1)
    fake.generate_history(120, end=END)
    first = state(fake, 100)
    assert len(first["conferences"]) == 100
    rest = state(fake, 100, first["next_page_token"])
    assert len(rest["conferences"]) == 20 and rest["next_page_token"] is None


def reference_history(
    backend: Backend, account_sid: str, count: int, start: dt.datetime, end: dt.datetime, seed: str
) -> None:
    """The history as generate_history made it before its speed-up: one
    ``create_ended`` (or ``create``) per conference, the same draws in the same order."""
    from faker import Faker

    rng = random.Random(seed_to_int(seed))
    faker = Faker()
    faker.seed_instance(rng.getrandbits(32))
    names = [
        f"{faker.company()} {rng.choice(_MEETINGS)}"[:128] for _ in range(max(1, min(count, 64)))
    ]
    span = int((end - start).total_seconds())
    for offset in sorted(rng.randint(0, span) for _ in range(count)):
        when = start + dt.timedelta(seconds=offset)
        name = rng.choice(names)
        store = backend.conference_store(account_sid)
        if end - when < dt.timedelta(hours=2) and store.active_named(name) is None:
            status = rng.choice(("init", "in-progress", "in-progress"))
            backend.conferences.create(
                account_sid, name, status=status, region=rng.choice(_REGIONS), date_created=when
            )
        else:
            backend.conferences.create_ended(
                account_sid,
                name,
                region=rng.choice(_REGIONS),
                date_created=when,
                reason=rng.choices(tuple(_REASON_WEIGHT), weights=_REASON_WEIGHT.values())[0],
                ended_at=min(end, when + dt.timedelta(seconds=rng.randint(60, 90 * 60))),
            )


def test_the_fast_history_is_the_history_one_create_at_a_time_made() -> None:
    rows = []
    for build in (generate_history, reference_history):
        backend = Backend(SidSource(3))
        account = backend.add_account()
        if build is generate_history:
            generate_history(backend, account.sid, 3000, start=START, end=END, seed="same")
        else:
            reference_history(backend, account.sid, 3000, START, END, "same")
        rows.append(
            [
                (c.sid, c.friendly_name, c.region, c.status, c.date_created, c.date_updated,
                 c.reason_conference_ended, c.call_sid_ending_conference, c.key)
                for c in backend.conference_store(account.sid).newest_first()
            ]
        )  # fmt: skip
    assert len(rows[0]) == 3000
    assert {r[3] for r in rows[0]} >= {"completed", "in-progress"}
    assert rows[0] == rows[1]


def test_a_history_older_than_the_stores_conferences_lists_in_order() -> None:
    """Seeded conferences land among those already there: every index stays sorted."""
    fake = FakeTwilio(seed="mixed")
    fake.clock.freeze(END)
    live = fake.create_conference("Live now")
    old = fake.create_conference("Old", status="completed", date_created=START)
    fake.generate_history(500, start=START - dt.timedelta(days=5), end=END - dt.timedelta(days=1))
    listed = [c.sid for c in fake.conferences]
    by_time = sorted(fake.conferences, key=lambda c: c.date_created, reverse=True)
    assert listed[0] == live.sid and old.sid in listed and len(listed) == 502
    assert [c.date_created for c in fake.conferences] == [c.date_created for c in by_time]
    client = Client(fake.account_sid, fake.auth_token)
    with fake:
        api = [c.sid for c in client.conferences.list(status="completed", page_size=100)]
        named = client.conferences.list(friendly_name=by_time[5].friendly_name)
    assert api == [c.sid for c in fake.conferences if c.status == "completed"]
    assert all(c.friendly_name == by_time[5].friendly_name for c in named)


def test_adding_completed_conferences_at_once_checks_them_all_first() -> None:
    backend = Backend(SidSource(9))
    account = backend.add_account()
    ended = backend.conferences.create_ended(account.sid, "Ended", date_created=START)
    live = backend.conferences.create(account.sid, "Live", date_created=START)
    fresh = backend.conferences.create_ended(account.sid, "Fresh", date_created=START)
    other = Backend(SidSource(10))
    other_account = other.add_account(account.sid, "t")
    target = other.conference_store(other_account.sid)
    with pytest.raises(ValueError, match="not completed"):
        target.add_completed([ended, live])
    with pytest.raises(Exception, match=ended.sid):
        target.add_completed([ended, ended])
    with pytest.raises(ValueError, match="region"):
        target.add_completed([dataclasses.replace(ended, region="zz1")])  # type: ignore[arg-type]
    assert len(target) == 0  # nothing added by a refused batch
    target.add_completed([ended, fresh])
    with pytest.raises(Exception, match=ended.sid):
        target.add_completed([ended])
    assert [c.sid for c in target.newest_first()] == [fresh.sid, ended.sid]
