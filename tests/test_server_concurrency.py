"""Many clients at once against one server (the ``fakeconf_server`` fixture) over real
sockets, each thread with its own ``requests`` session: no 5xx, no lost update (what
the server holds is exactly what the clients did), one conference per name even when
threads race to create it, and paging by a stable status filter returns every
conference exactly once while other threads keep writing."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from pytest_fakeconf.server import FakeconfServer

THREADS = 8
ROUNDS = 6  # conferences each thread creates by name
TOWN_HALL_JOINS = 5  # times each thread joins the shared conference
PAGE_SIZE = 4
HALLS = 6  # names all threads race to create at the same moment
CALLER = "+15017122661"


@dataclass
class Worker:
    """One client thread's session and the record of what it did."""

    index: int
    base: str
    session: requests.Session
    statuses: Counter[int] = field(default_factory=Counter)
    requests_made: int = 0

    def call(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        self.requests_made += 1
        self.statuses[response.status_code] += 1
        if response.status_code != expect:
            raise AssertionError(
                f"{method} {path}: {response.status_code} (expected {expect}) {response.text}"
            )
        return response.json() if response.content else None


def start_workers(
    server: FakeconfServer,
    count: int,
    work: Callable[[Worker], None],
    barriers: tuple[threading.Barrier, ...] = (),
) -> list[Worker]:
    """Run ``work`` in ``count`` threads that start together; re-raise what they raise
    (and then break ``barriers`` so that no thread waits for one that failed)."""
    fake = server.fake
    account = f"/2010-04-01/Accounts/{fake.account_sid}"
    barrier = threading.Barrier(count)
    barriers = (barrier, *barriers)
    workers = []
    for index in range(count):
        session = requests.Session()
        session.auth = (fake.account_sid, fake.auth_token)
        workers.append(Worker(index, server.base_url + account, session))
    errors: list[BaseException] = []

    def run(worker: Worker) -> None:
        try:
            barrier.wait(timeout=30)
            work(worker)
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)
            for waiting in barriers:
                waiting.abort()  # release the other threads at once

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    if errors:
        raise errors[0]
    return workers


def walk(worker: Worker, status: str) -> list[str]:
    """Every SID of a status filter, following next_page_uri (PageSize 4)."""
    root = worker.base.split("/2010-04-01/")[0]
    body = worker.call(
        "GET", "/Conferences.json", 200, params={"Status": status, "PageSize": PAGE_SIZE}
    )
    sids: list[str] = []
    while body is not None:
        sids += [c["sid"] for c in body["conferences"]]
        if body["next_page_uri"] is None:
            break
        response = worker.session.get(root + body["next_page_uri"], timeout=30)
        worker.requests_made += 1
        worker.statuses[response.status_code] += 1
        body = response.json() if response.status_code == 200 else None
    return sids


def test_many_clients_at_once_lose_nothing(fakeconf_server: FakeconfServer) -> None:
    fake = fakeconf_server.fake
    created: dict[int, list[tuple[str, str]]] = {}  # thread -> [(conference, kept call)]
    town_hall_calls: dict[int, list[str]] = {}  # thread -> the calls it left in the hall

    def hammer(worker: Worker) -> None:
        # all threads start together by joining the same, not yet existing, conference
        kept = town_hall_calls.setdefault(worker.index, [])
        for join in range(TOWN_HALL_JOINS):
            joined = worker.call(
                "POST",
                "/Conferences/Town Hall/Participants.json",
                201,
                data={"From": CALLER, "To": f"client:t{worker.index}-{join}"},
            )
            kept.append(joined["call_sid"])
        mine = created.setdefault(worker.index, [])
        for round_ in range(ROUNDS):
            name = f"thread {worker.index} round {round_}"
            first = worker.call(
                "POST",
                f"/Conferences/{name}/Participants.json",
                201,
                data={"From": CALLER, "To": f"client:{name} a", "Label": "a"},
            )
            sid = first["conference_sid"]
            second = worker.call(
                "POST",
                f"/Conferences/{sid}/Participants.json",
                201,
                data={"From": CALLER, "To": f"client:{name} b", "Label": "b"},
            )
            assert second["conference_sid"] == sid
            room = worker.call("GET", f"/Conferences/{sid}.json", 200)
            assert (room["friendly_name"], room["status"]) == (name, "in-progress")
            worker.call("DELETE", f"/Conferences/{sid}/Participants/b.json", 204)
            listed = worker.call("GET", f"/Conferences/{sid}/Participants.json", 200)
            assert [p["label"] for p in listed["participants"]] == ["a"]
            worker.call(
                "GET", "/Conferences.json", 200, params={"Status": "in-progress", "PageSize": 5}
            )
            mine.append((sid, first["call_sid"]))
        gone = kept.pop(0)  # the hall keeps the others, so it goes on
        worker.call(
            "DELETE", f"/Conferences/{joined['conference_sid']}/Participants/{gone}.json", 204
        )

    workers = start_workers(fakeconf_server, THREADS, hammer)
    statuses = sum((w.statuses for w in workers), Counter())
    assert not [code for code in statuses if code >= 500], statuses
    assert set(statuses) <= {200, 201, 204}
    assert fake.crashes == []

    # every request was answered and journaled once
    assert len(fake.requests) == sum(w.requests_made for w in workers)
    # every conference a client created is there, once, with exactly what it left in it
    rooms = {r.friendly_name: r for r in fake.conferences}
    assert len(rooms) == len(fake.conferences) == THREADS * ROUNDS + 1  # one Town Hall
    for index, made in created.items():
        for round_, (sid, kept_call) in enumerate(made):
            room = rooms[f"thread {index} round {round_}"]
            assert room.sid == sid
            assert room.status == "in-progress"
            assert [(p.label, p.call_sid) for p in room.participants] == [("a", kept_call)]
    hall = rooms["Town Hall"]
    assert hall.status == "in-progress"
    expected_calls = {call for calls in town_hall_calls.values() for call in calls}
    assert len(expected_calls) == THREADS * (TOWN_HALL_JOINS - 1)
    assert {p.call_sid for p in hall.participants} == expected_calls
    joins = [e for e in fake.events if e.kind == "participant-join"]
    assert len(joins) == THREADS * (2 * ROUNDS + TOWN_HALL_JOINS)


def test_paging_a_stable_status_returns_each_conference_once_while_others_write(
    fakeconf_server: FakeconfServer,
) -> None:
    fake = fakeconf_server.fake
    live = [fake.create_conference(f"live {i}") for i in range(30)]
    for room in live:
        room.add_participant(label="host")
    expected = [r.sid for r in reversed(live)]  # newest first
    walks: list[list[str]] = []
    written: list[str] = []

    def mixed(worker: Worker) -> None:
        if worker.index % 2 == 0:  # readers: walk the in-progress list, page by page
            for _ in range(3):
                walks.append(walk(worker, "in-progress"))
            return
        for i in range(12):  # writers: new init conferences, and a join+leave in a live one
            made = worker.call(
                "POST",
                f"/Conferences/writer {worker.index}-{i}/Participants.json",
                201,
                data={"From": CALLER, "To": f"client:w{worker.index}-{i}"},
            )
            written.append(made["conference_sid"])
            target = live[(worker.index * 12 + i) % len(live)].sid
            guest = worker.call(
                "POST",
                f"/Conferences/{target}/Participants.json",
                201,
                data={"From": CALLER, "To": f"client:guest {worker.index}-{i}"},
            )
            worker.call(
                "DELETE", f"/Conferences/{target}/Participants/{guest['call_sid']}.json", 204
            )

    workers = start_workers(fakeconf_server, THREADS, mixed)
    statuses = sum((w.statuses for w in workers), Counter())
    assert not [code for code in statuses if code >= 500], statuses
    assert len(walks) == (THREADS // 2) * 3
    for sids in walks:
        assert sids == expected  # each once, none skipped, newest first
    assert len(written) == len(set(written)) == (THREADS // 2) * 12
    init = {r.sid for r in fake.conferences if r.status == "init"}
    assert init == set(written)
    assert all([p.label for p in room.participants] == ["host"] for room in live)
    assert fake.crashes == []


@pytest.fixture
def eager_thread_switches() -> Iterator[None]:
    """Let the interpreter switch threads every microsecond instead of every 5 ms, so
    that a request handled without the server's lock would interleave with another
    inside the fake (a check-then-create race shows up within a few rounds)."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def test_threads_racing_to_create_the_same_name_make_one_conference(
    fakeconf_server: FakeconfServer, eager_thread_switches: None
) -> None:
    fake = fakeconf_server.fake
    joined: dict[str, list[tuple[str, str]]] = {}  # hall -> [(conference, call)]
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def race(worker: Worker) -> None:
        for hall in range(HALLS):
            name = f"Hall {hall}"
            barrier.wait(timeout=30)  # everyone asks for the new name at once
            made = worker.call(
                "POST",
                f"/Conferences/{name}/Participants.json",
                201,
                data={"From": CALLER, "To": f"client:{worker.index}"},
            )
            with lock:
                joined.setdefault(name, []).append((made["conference_sid"], made["call_sid"]))

    workers = start_workers(fakeconf_server, THREADS, race, (barrier,))
    assert fake.crashes == []
    assert set(sum((w.statuses for w in workers), Counter())) == {201}
    by_name: dict[str, list[str]] = {}
    for room in fake.conferences:
        by_name.setdefault(room.friendly_name, []).append(room.sid)
    assert sorted(by_name) == [f"Hall {i}" for i in range(HALLS)]
    for name, calls in joined.items():
        (sid,) = by_name[name]  # exactly one conference per name
        assert {conference for conference, _ in calls} == {sid}
        room = fake.get_conference(sid)
        assert {p.call_sid for p in room.participants} == {call for _, call in calls}
        assert len(room.participants) == THREADS
        assert room.status == "in-progress"
    assert len(fake.requests) == THREADS * HALLS
