"""``FakeTwilio`` without the fixture: in a plain script, as a decorator (sync and
async), in a ``unittest`` suite; instances never share state, a stopped fake no
longer intercepts, and ``reset()`` forgets everything but the credentials."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import inspect
import io
import json
import os
import socket
import subprocess
import sys
import textwrap
import unittest
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import pytest
import requests
import responses
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

T = TypeVar("T")
API = "https://api.twilio.com/2010-04-01"
CALLER = "+15017122661"

SCRIPT = """
import json, sys
from twilio.rest import Client
from pytest_fakeconf import FakeTwilio

with FakeTwilio(seed=1) as fake:
    client = Client(fake.account_sid, fake.auth_token)
    by_name = client.conferences("Demo").participants
    alice = by_name.create(from_="+15017122661", to="client:alice", label="alice")
    bob = by_name.create(from_="+15017122661", to="client:bob", label="bob")
    room = client.conferences(alice.conference_sid).fetch()
    listed = [c.sid for c in client.conferences.list()]
    client.conferences(room.sid).update(status="completed")
    handle = fake.get_conference(room.sid)
    result = {
        "account_sid": fake.account_sid,
        "started": fake.started,
        "alice": [alice.status, alice.conference_sid],
        "bob": [bob.status, bob.conference_sid],
        "room": [room.sid, room.friendly_name, room.status],
        "listed": listed,
        "ended": [handle.status, handle.reason_conference_ended],
        "requests": [[r.method, r.status_code] for r in fake.requests],
    }
result["started_after"] = fake.started
result["pytest_imported"] = "pytest" in sys.modules
print(json.dumps(result))
"""


def run_script(source: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )


def conference_url(fake: FakeTwilio, sid: str) -> str:
    return f"{API}/Accounts/{fake.account_sid}/Conferences/{sid}.json"


# -- a plain script -----------------------------------------------------------------


@pytest.fixture(scope="module")
def script_runs() -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
    """``SCRIPT`` run twice, once for the module: both tests below read the same runs."""
    return run_script(SCRIPT), run_script(SCRIPT)


def test_a_plain_script_uses_the_fake_with_the_twilio_client(
    script_runs: tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]],
) -> None:
    done = script_runs[0]
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    expected_account = FakeTwilio(seed=1).account_sid  # the seed fixes the credentials
    assert result["account_sid"] == expected_account
    sid = result["room"][0]
    assert result["alice"] == ["queued", sid]
    assert result["bob"] == ["queued", sid]
    assert result["room"] == [sid, "Demo", "in-progress"]
    assert result["listed"] == [sid]
    assert result["ended"] == ["completed", "conference-ended-via-api"]
    assert result["requests"] == [
        ["POST", 201],
        ["POST", 201],
        ["GET", 200],
        ["GET", 200],
        ["POST", 200],
    ]
    assert (result["started"], result["started_after"]) == (True, False)
    assert result["pytest_imported"] is False


def test_a_seeded_script_gives_the_same_sids_every_run(
    script_runs: tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]],
) -> None:
    first, second = script_runs
    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert json.loads(first.stdout)["room"] == json.loads(second.stdout)["room"]


# -- as a decorator -------------------------------------------------------------------


def test_decorating_a_sync_function_starts_the_fake_for_each_call() -> None:
    fake = FakeTwilio(seed="decorated")
    rooms = [fake.create_conference("one"), fake.create_conference("two")]
    seen: list[bool] = []

    @fake
    def end_room(sid: str) -> str:
        """Application code: end a room."""
        seen.append(fake.started)
        client = Client(fake.account_sid, fake.auth_token)
        return str(client.conferences(sid).update(status="completed").status)

    assert not fake.started
    assert end_room(rooms[0].sid) == "completed"
    assert not fake.started
    assert end_room(rooms[1].sid) == "completed"  # it starts again for the next call
    assert seen == [True, True]
    assert not fake.started
    assert (end_room.__name__, end_room.__doc__) == ("end_room", "Application code: end a room.")
    assert [r.status for r in rooms] == ["completed", "completed"]
    assert [(r.method, r.status_code) for r in fake.requests] == [("POST", 200), ("POST", 200)]


def test_a_decorated_function_that_raises_leaves_the_fake_stopped() -> None:
    fake = FakeTwilio(seed="raises")

    @fake
    def broken() -> None:
        assert fake.started
        raise LookupError("application bug")

    with pytest.raises(LookupError, match="application bug"):
        broken()
    assert not fake.started


def test_decorating_an_async_function_starts_the_fake_while_it_runs() -> None:
    fake = FakeTwilio(seed="async-decorated")
    room = fake.create_conference("Async room")

    @fake
    async def fetch_status(sid: str) -> tuple[bool, str]:
        client = Client(fake.account_sid, fake.auth_token, http_client=AsyncTwilioHttpClient())
        try:
            fetched = await client.conferences(sid).fetch_async()
        finally:
            await client.http_client.close()
        return fake.started, str(fetched.status)

    assert inspect.iscoroutinefunction(fetch_status)
    coroutine = fetch_status(room.sid)
    assert not fake.started  # nothing starts before the coroutine runs
    assert asyncio.run(coroutine) == (True, "in-progress")
    assert not fake.started
    (request,) = fake.requests
    assert (request.method, request.url, request.status_code) == (
        "GET",
        conference_url(fake, room.sid),
        200,
    )


# -- in a unittest suite ------------------------------------------------------------------


def room_tests(seen: list[tuple[str, str]], *, wrong_expectation: bool = False) -> type:
    """A ``unittest.TestCase`` as an application's suite would write it (built in a
    function so that pytest does not collect it)."""

    class RoomTests(unittest.TestCase):
        def setUp(self) -> None:
            self.fake = FakeTwilio(seed="unittest").start()
            self.client = Client(self.fake.account_sid, self.fake.auth_token)

        def tearDown(self) -> None:
            self.fake.stop()

        def test_fetch(self) -> None:
            room = self.fake.create_conference("Room")
            seen.append(("fetch", room.sid))
            fetched = self.client.conferences(room.sid).fetch()
            self.assertEqual(fetched.friendly_name, "Room")

        def test_each_test_has_a_fresh_store(self) -> None:
            self.assertEqual(self.fake.conferences, [])
            room = self.fake.create_conference("Room")  # no clash with test_fetch's room
            seen.append(("fresh", room.sid))

        def test_end(self) -> None:
            room = self.fake.create_conference("Room")
            self.client.conferences(room.sid).update(status="completed")
            expected = "in-progress" if wrong_expectation else "completed"
            self.assertEqual(room.status, expected)

    return RoomTests


def run_suite(case: type) -> tuple[unittest.TestResult, str]:
    stream = io.StringIO()
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
    result = unittest.TextTestRunner(stream=stream, verbosity=2).run(suite)
    return result, stream.getvalue()


def test_a_unittest_suite_starts_and_stops_a_fake_per_test() -> None:
    seen: list[tuple[str, str]] = []
    send = HTTPAdapter.send
    result, output = run_suite(room_tests(seen))
    assert result.wasSuccessful(), output
    assert result.testsRun == 3
    # the same seed in each test: each test's first conference has the same SID
    assert sorted(kind for kind, _ in seen) == ["fetch", "fresh"]
    assert len({sid for _, sid in seen}) == 1
    assert HTTPAdapter.send is send  # every test's fake was stopped


def test_a_failing_unittest_assertion_is_reported_by_the_runner() -> None:
    result, output = run_suite(room_tests([], wrong_expectation=True))
    assert not result.wasSuccessful()
    assert (result.testsRun, len(result.failures), len(result.errors)) == (3, 1, 0), output
    assert "test_end" in str(result.failures[0][0])


# -- instances are separate -----------------------------------------------------------------


def test_two_instances_share_no_conferences_credentials_or_journals() -> None:
    a, b = FakeTwilio(seed="a"), FakeTwilio(seed="b")
    assert a.account_sid != b.account_sid
    assert a.auth_token != b.auth_token
    room_a = a.create_conference("Shared name")
    room_b = b.create_conference("Shared name")  # no clash: separate stores
    assert [r.sid for r in a.conferences] == [room_a.sid]
    assert [r.sid for r in b.conferences] == [room_b.sid]
    client_a = Client(a.account_sid, a.auth_token)
    client_b = Client(b.account_sid, b.auth_token)
    with a:
        assert client_a.conferences(room_a.sid).fetch().friendly_name == "Shared name"
        with pytest.raises(TwilioRestException) as unknown:
            client_a.conferences(room_b.sid).fetch()
        with pytest.raises(TwilioRestException) as stranger:
            client_b.conferences(room_b.sid).fetch()
    assert (unknown.value.status, unknown.value.code) == (404, 20404)
    assert (stranger.value.status, stranger.value.code) == (401, 20003)
    with b:
        client_b.conferences(room_b.sid).update(status="completed")
    assert (room_a.status, room_b.status) == ("in-progress", "completed")
    assert [r.status_code for r in a.requests] == [200, 404, 401]
    assert [(r.method, r.status_code) for r in b.requests] == [("POST", 200)]
    assert [e.kind for e in a.events].count("conference-end") == 0


def test_two_instances_with_the_same_seed_share_sids_but_not_state() -> None:
    a, b = FakeTwilio(seed=7), FakeTwilio(seed=7)
    assert (a.account_sid, a.auth_token) == (b.account_sid, b.auth_token)
    room = a.create_conference("Only in a")
    assert b.conferences == []
    with b:
        client = Client(b.account_sid, b.auth_token)
        with pytest.raises(TwilioRestException) as caught:
            client.conferences(room.sid).fetch()
    assert caught.value.status == 404
    assert a.requests == []


def test_a_second_fake_can_start_while_another_is_started() -> None:
    """A helper decorated with its own fake, called while another fake (the fixture's,
    a suite's setUp) is started: the inner one answers while it runs, then the outer
    one answers again; neither journal holds the other's requests."""
    outer, inner = FakeTwilio(seed="outer"), FakeTwilio(seed="inner")
    outer_room = outer.create_conference("Outer")
    inner_room = inner.create_conference("Inner")
    with outer:
        with inner:
            client = Client(inner.account_sid, inner.auth_token)
            assert client.conferences(inner_room.sid).fetch().sid == inner_room.sid
        assert (outer.started, inner.started) == (True, False)
        client = Client(outer.account_sid, outer.auth_token)
        assert client.conferences(outer_room.sid).fetch().sid == outer_room.sid
    assert [r.url for r in outer.requests] == [conference_url(outer, outer_room.sid)]
    assert [r.url for r in inner.requests] == [conference_url(inner, inner_room.sid)]


def test_nested_fakes_answer_the_async_client_too() -> None:
    outer, inner = FakeTwilio(seed="outer-async"), FakeTwilio(seed="inner-async")
    outer_room = outer.create_conference("Outer")
    inner_room = inner.create_conference("Inner")

    async def fetch(fake: FakeTwilio, sid: str) -> str:
        client = Client(fake.account_sid, fake.auth_token, http_client=AsyncTwilioHttpClient())
        try:
            return str((await client.conferences(sid).fetch_async()).sid)
        finally:
            await client.http_client.close()

    async def local(port: int) -> Any:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://127.0.0.1:{port}/hello") as response,
        ):
            return await response.json()

    async def flow(port: int) -> tuple[str, Any, str]:
        with outer:
            with inner:
                answered_inner = await fetch(inner, inner_room.sid)
                passed = await local(port)  # other hosts still reach the network
            answered_outer = await fetch(outer, outer_room.sid)
        return answered_inner, passed, answered_outer

    answered_inner, passed, answered_outer = asyncio.run(with_local_server(flow))
    assert (answered_inner, answered_outer) == (inner_room.sid, outer_room.sid)
    assert passed == {"answered_by": "local server"}
    assert [r.url for r in outer.requests] == [conference_url(outer, outer_room.sid)]
    assert [r.url for r in inner.requests] == [conference_url(inner, inner_room.sid)]


# -- a stopped fake ---------------------------------------------------------------------------


def test_a_stopped_fake_no_longer_intercepts_requests() -> None:
    fake = FakeTwilio(seed="stopped")
    room = fake.create_conference("Room")
    url = conference_url(fake, room.sid)
    auth = (fake.account_sid, fake.auth_token)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as outer:
        outer.add(responses.GET, url, json={"answered_by": "outer stub"})
        with fake:
            assert requests.get(url, auth=auth).json()["sid"] == room.sid
        after = requests.get(url, auth=auth)
        assert after.json() == {"answered_by": "outer stub"}
        assert len(outer.calls) == 1
    assert len(fake.requests) == 1


class _Loopback(AbstractResolver):
    """Resolves every host to 127.0.0.1, so ``http://api.twilio.com:PORT`` reaches a
    local server whenever the fake does not intercept it."""

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


async def with_local_server(body: Callable[[int], Awaitable[T]]) -> T:
    async def handler(request: web.Request) -> web.Response:
        return web.json_response({"answered_by": "local server"})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        return await body(runner.addresses[0][1])
    finally:
        await runner.cleanup()


def test_a_stopped_fake_no_longer_intercepts_aiohttp() -> None:
    fake = FakeTwilio(seed="stopped-async")
    room = fake.create_conference("Room")
    credentials = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    headers = {"Authorization": f"Basic {credentials}"}

    path = f"/2010-04-01/Accounts/{fake.account_sid}/Conferences/{room.sid}.json"

    async def get(port: int) -> Any:
        url = f"http://api.twilio.com:{port}{path}"
        connector = aiohttp.TCPConnector(resolver=_Loopback())
        async with (
            aiohttp.ClientSession(connector=connector) as session,
            session.get(url, headers=headers) as response,
        ):
            return await response.json()

    async def flow(port: int) -> tuple[Any, Any]:
        with fake:
            during = await get(port)
        return during, await get(port)

    during, after = asyncio.run(with_local_server(flow))
    assert during["sid"] == room.sid
    assert after == {"answered_by": "local server"}
    assert len(fake.requests) == 1


# -- reset ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "credentials",
    [{}, {"account_sid": "AC" + "1" * 32, "auth_token": "fixed-token"}],
    ids=["seeded", "given"],
)
def test_reset_forgets_everything_but_the_credentials(credentials: dict[str, str]) -> None:
    fake = FakeTwilio(seed="reset", **credentials)
    sid, token = fake.account_sid, fake.auth_token
    room = fake.create_conference("Daily")
    room.add_participant(label="alice")
    room.end(at=fake.clock.now() + dt.timedelta(hours=1))
    key = fake.create_api_key()
    fake.set_call_outcome("+15005550001", "busy")
    client = Client(sid, token)
    with fake:
        client.conferences(room.sid).fetch()
        assert (len(fake.requests), len(fake.scheduled)) == (1, 1)
        fake.reset()
        assert fake.started  # still intercepting, now for the empty store
        assert (fake.account_sid, fake.auth_token) == (sid, token)
        assert (fake.conferences, fake.requests, fake.events, fake.scheduled) == ([], [], [], [])
        assert client.conferences.list() == []
        with pytest.raises(TwilioRestException) as gone:
            client.conferences(room.sid).fetch()
        with pytest.raises(TwilioRestException) as keyless:
            Client(key.sid, key.secret, sid).conferences(room.sid).fetch()
        fresh = fake.create_conference("Daily")  # the name is free again
        joined = client.conferences(fresh.sid).participants.create(
            from_=CALLER, to="+15005550001"
        )  # no longer busy: the call is answered and stays
    assert (gone.value.status, gone.value.code) == (404, 20404)
    assert (keyless.value.status, keyless.value.code) == (401, 20003)
    assert [p.call_sid for p in fresh.participants] == [joined.call_sid]
    assert [(r.method, r.status_code) for r in fake.requests] == [
        ("GET", 200),
        ("GET", 404),
        ("GET", 401),
        ("POST", 201),
    ]
