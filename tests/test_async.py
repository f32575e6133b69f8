"""The async door: twilio's ``AsyncTwilioHttpClient`` (aiohttp) against the ``fakeconf``
fixture, with no change to the application's code. The flows mirror the sync tests:
fetch, end, list and page, participants by name and by label, kicks, recordings, and
Twilio's errors. Coroutines run with ``asyncio.run`` inside plain sync tests."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client
from twilio.rest.api.v2010.account.conference.participant import ParticipantInstance

from pytest_fakeconf import ConferenceHandle, FakeTwilio

T = TypeVar("T")
UTC = dt.timezone.utc
CALLER = "+15017122661"
START = dt.datetime(2024, 5, 1, 9, 0, 0, tzinfo=UTC)
UNKNOWN_CONFERENCE = "CF" + "0" * 32


def run(
    fakeconf: FakeTwilio,
    flow: Callable[[Client], Awaitable[T]],
    *,
    auth_token: str | None = None,
    **client_options: Any,
) -> T:
    """Run ``flow`` with an async twilio client on a fresh event loop; always close
    the client's aiohttp session."""

    async def main() -> T:
        client = Client(
            fakeconf.account_sid,
            fakeconf.auth_token if auth_token is None else auth_token,
            http_client=AsyncTwilioHttpClient(),
            **client_options,
        )
        try:
            return await flow(client)
        finally:
            await client.http_client.close()

    return asyncio.run(main())


def make_rooms(fakeconf: FakeTwilio, count: int) -> list[ConferenceHandle]:
    """``count`` live rooms, one a minute from START, oldest first."""
    return [
        fakeconf.create_conference(f"room {i}", date_created=START + dt.timedelta(minutes=i))
        for i in range(count)
    ]


async def dial_in(
    client: Client, conference: str, label: str, **kwargs: Any
) -> ParticipantInstance:
    return await client.conferences(conference).participants.create_async(
        from_=CALLER, to=f"client:{label}", label=label, **kwargs
    )


def kinds(fakeconf: FakeTwilio, conference_sid: str) -> list[str]:
    return [e.kind for e in fakeconf.events if e.conference_sid == conference_sid]


# -- conferences ----------------------------------------------------------------


def test_fetch_async_returns_the_conference(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Morning call", date_created=START)

    async def flow(client: Client) -> Any:
        return await client.conferences(room.sid).fetch_async()

    fetched = run(fakeconf, flow)
    assert (fetched.sid, fetched.friendly_name, fetched.status) == (
        room.sid,
        "Morning call",
        "in-progress",
    )
    assert fetched.account_sid == fakeconf.account_sid
    assert fetched.date_created == START
    assert fetched.reason_conference_ended is None
    (request,) = fakeconf.requests
    assert (request.method, request.status_code) == ("GET", 200)
    assert request.url == (
        f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}"
        f"/Conferences/{room.sid}.json"
    )


def test_update_async_ends_the_conference_via_the_api(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Standup")

    async def flow(client: Client) -> Any:
        return await client.conferences(room.sid).update_async(status="completed")

    ended = run(fakeconf, flow)
    assert (ended.sid, ended.status, ended.reason_conference_ended) == (
        room.sid,
        "completed",
        "conference-ended-via-api",
    )
    assert (room.status, room.reason_conference_ended) == (
        "completed",
        "conference-ended-via-api",
    )
    assert fakeconf.requests[-1].method == "POST"
    assert fakeconf.requests[-1].params == {"Status": "completed"}
    assert kinds(fakeconf, room.sid)[-1] == "conference-end"


def test_list_async_follows_every_page(fakeconf: FakeTwilio) -> None:
    rooms = make_rooms(fakeconf, 5)
    newest_first = [r.sid for r in reversed(rooms)]

    async def flow(client: Client) -> list[Any]:
        return list(await client.conferences.list_async(page_size=2))

    listed = run(fakeconf, flow)
    assert [c.sid for c in listed] == newest_first
    pages = fakeconf.requests
    assert [(r.method, r.status_code) for r in pages] == [("GET", 200)] * 3
    assert [r.params.get("PageToken") for r in pages] == [
        None,
        f"PA{newest_first[1]}",
        f"PA{newest_first[3]}",
    ]
    assert {r.params["PageSize"] for r in pages} == {"2"}


def test_stream_async_pages_lazily_and_honours_limit_and_filters(fakeconf: FakeTwilio) -> None:
    rooms = make_rooms(fakeconf, 5)
    done = fakeconf.create_conference("over", status="completed", date_created=START)

    async def flow(client: Client) -> tuple[list[str], list[str], list[str]]:
        everything = [c.sid async for c in await client.conferences.stream_async(page_size=2)]
        first_three = [
            c.sid async for c in await client.conferences.stream_async(limit=3, page_size=2)
        ]
        completed = [
            c.sid
            async for c in await client.conferences.stream_async(status="completed", page_size=2)
        ]
        return everything, first_three, completed

    everything, first_three, completed = run(fakeconf, flow)
    newest_first = [r.sid for r in reversed(rooms)]
    assert everything == newest_first
    assert first_three == newest_first[:3]
    assert completed == [done.sid]
    # 3 pages, then 2 pages (the limit stops the stream), then 1 filtered page
    assert len(fakeconf.requests) == 3 + 2 + 1
    assert fakeconf.requests[-1].params == {"Status": "completed", "PageSize": "2"}


def test_page_async_next_and_previous(fakeconf: FakeTwilio) -> None:
    newest_first = [r.sid for r in reversed(make_rooms(fakeconf, 5))]

    async def flow(client: Client) -> list[list[str]]:
        first = await client.conferences.page_async(page_size=2)
        second = await first.next_page_async()
        third = await second.next_page_async()
        back = await third.previous_page_async()
        assert await third.next_page_async() is None
        return [[c.sid for c in page] for page in (first, second, third, back)]

    first, second, third, back = run(fakeconf, flow)
    assert first == newest_first[:2]
    assert second == newest_first[2:4]
    assert third == newest_first[4:]
    assert back == second


# -- participants -----------------------------------------------------------------


def test_create_async_by_name_is_queued_and_makes_an_init_conference(
    fakeconf: FakeTwilio,
) -> None:
    async def flow(client: Client) -> tuple[ParticipantInstance, Any, ParticipantInstance, Any]:
        alice = await dial_in(client, "Daily Sync", "alice")
        waiting = await client.conferences(alice.conference_sid).fetch_async()
        bob = await dial_in(client, "Daily Sync", "bob")
        started = await client.conferences(alice.conference_sid).fetch_async()
        return alice, waiting, bob, started

    alice, waiting, bob, started = run(fakeconf, flow)
    assert (alice.status, alice.queue_time, alice.label) == ("queued", "1000", "alice")
    (room,) = fakeconf.conferences
    assert alice.conference_sid == room.sid
    assert (waiting.friendly_name, waiting.status) == ("Daily Sync", "init")
    assert bob.conference_sid == room.sid
    assert started.status == "in-progress"
    assert [p.call_sid for p in room.participants] == [alice.call_sid, bob.call_sid]
    assert [p.status for p in room.participants] == ["connected", "connected"]
    create = fakeconf.requests[0]
    assert (create.method, create.status_code) == ("POST", 201)
    assert create.path.endswith("/Conferences/Daily%20Sync/Participants.json")
    assert create.params["From"] == CALLER
    assert create.params["To"] == "client:alice"


def test_fetch_async_and_update_async_by_a_label_with_a_space(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Support")
    room.add_participant(label="customer")
    agent = room.add_participant(label="agent 1")

    async def flow(client: Client) -> tuple[ParticipantInstance, ParticipantInstance]:
        participant = client.conferences(room.sid).participants("agent 1")
        return await participant.fetch_async(), await participant.update_async(muted=True)

    fetched, updated = run(fakeconf, flow)
    assert (fetched.call_sid, fetched.label, fetched.muted) == (agent.call_sid, "agent 1", False)
    assert (updated.call_sid, updated.muted) == (agent.call_sid, True)
    assert agent.muted is True
    assert [p.muted for p in room.participants if p.label == "customer"] == [False]
    assert all(r.path.endswith("/Participants/agent%201.json") for r in fakeconf.requests)
    assert [r.method for r in fakeconf.requests] == ["GET", "POST"]
    assert fakeconf.requests[-1].params == {"Muted": "true"}
    assert kinds(fakeconf, room.sid)[-1] == "participant-mute"


def test_delete_async_kicks_the_moderator_and_the_conference_ends(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Board", status="init")
    moderator = room.add_participant(label="moderator", end_conference_on_exit=True)

    async def flow(client: Client) -> tuple[bool, Any, list[Any]]:
        await dial_in(client, room.sid, "guest")
        kicked = await client.conferences(room.sid).participants("moderator").delete_async()
        ended = await client.conferences(room.sid).fetch_async()
        left = await client.conferences(room.sid).participants.list_async()
        return kicked, ended, left

    kicked, ended, left = run(fakeconf, flow)
    assert kicked is True
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "participant-with-end-conference-on-exit-kicked",
        moderator.call_sid,
    )
    assert left == []
    assert (moderator.status, room.participants) == ("complete", [])
    delete = fakeconf.requests[1]
    assert (delete.method, delete.status_code, delete.response_body) == ("DELETE", 204, b"")
    assert kinds(fakeconf, room.sid)[-1] == "conference-end"


def test_recordings_list_async(fakeconf: FakeTwilio) -> None:
    async def flow(client: Client) -> tuple[str, list[Any]]:
        first = await dial_in(client, "Recorded", "a", conference_record="record-from-start")
        await dial_in(client, "Recorded", "b")
        sid = first.conference_sid
        assert sid is not None
        return sid, await client.conferences(sid).recordings.list_async()

    sid, recordings = run(fakeconf, flow)
    (expected,) = fakeconf.get_conference(sid).recordings
    assert [(r.sid, r.conference_sid, r.status) for r in recordings] == [
        (expected.sid, sid, "in-progress")
    ]
    assert recordings[0].source == "Conference"
    assert fakeconf.requests[-1].path.endswith(f"/Conferences/{sid}/Recordings.json")


# -- errors -----------------------------------------------------------------------


def test_unknown_conference_is_a_404_rest_exception(fakeconf: FakeTwilio) -> None:
    async def flow(client: Client) -> TwilioRestException:
        with pytest.raises(TwilioRestException) as caught:
            await client.conferences(UNKNOWN_CONFERENCE).fetch_async()
        return caught.value

    error = run(fakeconf, flow)
    assert (error.status, error.code) == (404, 20404)
    assert UNKNOWN_CONFERENCE in error.uri
    assert fakeconf.requests[-1].status_code == 404


def test_a_kicked_participant_is_a_404(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")
    room.add_participant(label="stays")
    leaver = room.add_participant(label="leaves")

    async def flow(client: Client) -> TwilioRestException:
        participants = client.conferences(room.sid).participants
        assert await participants(leaver.call_sid).delete_async() is True
        with pytest.raises(TwilioRestException) as caught:
            await participants(leaver.call_sid).fetch_async()
        return caught.value

    error = run(fakeconf, flow)
    assert (error.status, error.code) == (404, 20404)
    assert room.status == "in-progress"


def test_bad_credentials_are_401_and_change_nothing(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Secret")

    async def flow(client: Client) -> list[TwilioRestException]:
        errors = []
        with pytest.raises(TwilioRestException) as fetch:
            await client.conferences(room.sid).fetch_async()
        errors.append(fetch.value)
        with pytest.raises(TwilioRestException) as update:
            await client.conferences(room.sid).update_async(status="completed")
        errors.append(update.value)
        return errors

    errors = run(fakeconf, flow, auth_token=fakeconf.auth_token + "x")
    assert [(e.status, e.code) for e in errors] == [(401, 20003), (401, 20003)]
    assert room.status == "in-progress"
    assert [r.status_code for r in fakeconf.requests] == [401, 401]
    assert fakeconf.requests[-1].response_headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'


# -- the journal and the hosts ------------------------------------------------------


def test_the_journal_records_async_calls_with_their_credentials(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Room")

    async def flow(client: Client) -> None:
        await client.conferences(room.sid).fetch_async()
        await client.conferences.list_async(status="in-progress")
        await client.conferences(room.sid).update_async(status="completed")

    run(fakeconf, flow)
    journal = fakeconf.requests
    assert [(r.method, r.status_code) for r in journal] == [
        ("GET", 200),
        ("GET", 200),
        ("POST", 200),
    ]
    assert journal[1].params == {"Status": "in-progress"}
    assert journal[2].form == (("Status", "completed"),)
    assert journal[2].json()["status"] == "completed"
    expected = base64.b64encode(f"{fakeconf.account_sid}:{fakeconf.auth_token}".encode())
    assert {r.headers["Authorization"] for r in journal} == {f"Basic {expected.decode()}"}


@pytest.mark.parametrize(
    ("edge", "region", "host"),
    [("sydney", "au1", "api.sydney.au1.twilio.com"), (None, "ie1", "api.ie1.twilio.com")],
)
def test_regional_hosts_are_answered_async(
    fakeconf: FakeTwilio, edge: str | None, region: str | None, host: str
) -> None:
    room = fakeconf.create_conference("Regional")

    async def flow(client: Client) -> Any:
        return await client.conferences(room.sid).fetch_async()

    assert run(fakeconf, flow, edge=edge, region=region).sid == room.sid
    assert fakeconf.requests[-1].url.startswith(f"https://{host}/2010-04-01/")


def test_other_hosts_are_not_answered_by_the_fake(fakeconf: FakeTwilio) -> None:
    """A real aiohttp server on 127.0.0.1 gets the requests meant for it, including
    an async twilio client pointed at it; the fake's journal stays empty."""
    room = fakeconf.create_conference("Not here")
    seen: list[tuple[str, str]] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append((request.method, request.path_qs))
        return web.json_response({"served_by": "local"}, status=418)

    async def main() -> tuple[int, Any, TwilioRestException]:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        try:
            port = runner.addresses[0][1]
            base = f"http://127.0.0.1:{port}"
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{base}/hello?x=1") as response,
            ):
                status, body = response.status, await response.json()
            client = Client(
                fakeconf.account_sid, fakeconf.auth_token, http_client=AsyncTwilioHttpClient()
            )
            client.api.base_url = base
            try:
                with pytest.raises(TwilioRestException) as caught:
                    await client.conferences(room.sid).fetch_async()
            finally:
                await client.http_client.close()
            return status, body, caught.value
        finally:
            await runner.cleanup()

    status, body, error = asyncio.run(main())
    assert (status, body) == (418, {"served_by": "local"})
    assert error.status == 418
    assert seen == [
        ("GET", "/hello?x=1"),
        ("GET", f"/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences/{room.sid}.json"),
    ]
    assert fakeconf.requests == []
