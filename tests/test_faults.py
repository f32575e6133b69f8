"""Injected faults (``fakeconf.inject_fault``): Twilio's 429/500/503, refused connections
and read timeouts, latency on the fake's clock; through the real twilio client (sync and
async) and raw ``requests``. Server mode's ``/_fakeconf/faults`` is in test_server.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import pytest
import requests
import time_machine
from freezegun import freeze_time
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

import pytest_fakeconf
from pytest_fakeconf import FakeTwilio, Fault

T = TypeVar("T")
UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 1, 10, 0, 0, tzinfo=UTC)
CALLER = "+15017122661"

# Twilio's error bodies, written out here rather than taken from the fake.
BODIES = {
    429: {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    },
    500: {
        "code": 20500,
        "message": "Internal Server Error",
        "more_info": "https://www.twilio.com/docs/errors/20500",
        "status": 500,
    },
    503: {
        "code": 20503,
        "message": "Service Unavailable",
        "more_info": "https://www.twilio.com/docs/errors/20503",
        "status": 503,
    },
}


def snapshot(fakeconf: FakeTwilio) -> list[tuple[str, str, str | None]]:
    """What the store holds, to show a fault changed nothing."""
    return [(c.sid, c.status, c.reason_conference_ended) for c in fakeconf.conferences]


def run_async(fakeconf: FakeTwilio, flow: Callable[[Client], Awaitable[T]]) -> T:
    async def main() -> T:
        client = Client(
            fakeconf.account_sid, fakeconf.auth_token, http_client=AsyncTwilioHttpClient()
        )
        try:
            return await flow(client)
        finally:
            await client.http_client.close()

    return asyncio.run(main())


# -- statuses through the twilio client ------------------------------------------------


def test_a_429_reaches_the_client_the_store_is_unchanged_and_the_retry_succeeds(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Standup")
    before, events = snapshot(fakeconf), len(fakeconf.events)
    fault = fakeconf.inject_fault(429)
    with pytest.raises(TwilioRestException) as caught:
        client.conferences(room.sid).update(status="completed")
    assert (caught.value.status, caught.value.code) == (429, 20429)
    assert caught.value.msg.endswith(": Too Many Requests")
    assert snapshot(fakeconf) == before
    assert len(fakeconf.events) == events
    assert fault.hits == 1
    ended = client.conferences(room.sid).update(status="completed")  # the retry
    assert (ended.status, room.status) == ("completed", "completed")
    assert fault.hits == 1
    assert [r.status_code for r in fakeconf.requests] == [429, 200]


@pytest.mark.parametrize("status", [429, 500, 503])
def test_bodies_and_retry_after_over_raw_http(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str, status: int
) -> None:
    fakeconf.inject_fault(status)
    plain = http.get(f"{account_url}/Conferences.json")
    assert plain.status_code == status
    assert plain.json() == BODIES[status]
    assert plain.headers["Content-Type"].startswith("application/json")
    assert "Retry-After" not in plain.headers  # only when asked for

    fakeconf.inject_fault(status, retry_after=7)
    told = http.get(f"{account_url}/Conferences.json")
    assert (told.status_code, told.headers["Retry-After"]) == (status, "7")
    assert told.json() == BODIES[status]
    assert http.get(f"{account_url}/Conferences.json").status_code == 200


@pytest.mark.parametrize(
    ("retry_after", "requests_made", "succeeds"),
    [(0, 3, True), (None, 1, False)],
)
def test_twilio_http_client_max_retries_retries_only_with_retry_after(
    fakeconf: FakeTwilio, retry_after: int | None, requests_made: int, succeeds: bool
) -> None:
    # twilio-python retries 429/503 only when they carry Retry-After
    # (../shared/reference/twilio-python-client.md §7.3).
    room = fakeconf.create_conference("Retried")
    client = Client(
        fakeconf.account_sid,
        fakeconf.auth_token,
        http_client=TwilioHttpClient(max_retries=2),
    )
    fakeconf.inject_fault(429, times=2, retry_after=retry_after)
    if succeeds:
        assert client.conferences(room.sid).fetch().sid == room.sid
    else:
        with pytest.raises(TwilioRestException):
            client.conferences(room.sid).fetch()
    assert len(fakeconf.requests) == requests_made


def test_a_list_error_is_a_plain_twilio_exception(fakeconf: FakeTwilio, client: Client) -> None:
    fakeconf.inject_fault(503)
    with pytest.raises(TwilioException, match="Unable to fetch page"):
        client.conferences.list()


# -- transport errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        ("connection", requests.exceptions.ConnectionError),
        ("timeout", requests.exceptions.ReadTimeout),
    ],
)
def test_connection_and_timeout_raise_what_requests_raises(
    fakeconf: FakeTwilio,
    client: Client,
    http: requests.Session,
    account_url: str,
    error: str,
    raised: type[Exception],
) -> None:
    fakeconf.inject_fault(error=error, method="POST", times=2)
    with pytest.raises(raised):
        client.conferences("Support").participants.create(from_=CALLER, to="+15005550001")
    with pytest.raises(raised):
        http.post(
            f"{account_url}/Conferences/Support/Participants.json",
            data={"From": CALLER, "To": "+15005550002"},
        )
    assert fakeconf.conferences == []  # nothing was created
    journal = fakeconf.requests
    assert [(r.status_code, r.response_body, r.error) for r in journal] == [(0, b"", error)] * 2
    assert journal[0].params == {"From": CALLER, "To": "+15005550001"}
    joined = client.conferences("Support").participants.create(from_=CALLER, to="+15005550001")
    assert joined.status == "queued"
    assert fakeconf.requests[-1].error is None


def test_a_timeout_is_not_a_connection_error_for_requests(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    # Apps often retry connection errors and give up on read timeouts (the request
    # may have been applied): the two must be told apart.
    fakeconf.inject_fault(error="timeout")
    with pytest.raises(requests.exceptions.Timeout) as caught:
        http.get(f"{account_url}/Conferences.json")
    assert not isinstance(caught.value, requests.exceptions.ConnectionError)


# -- the async client ------------------------------------------------------------------------


def test_async_client_gets_the_429_then_the_retry_succeeds(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Async")
    fakeconf.inject_fault(429, retry_after=3)

    async def flow(client: Client) -> tuple[TwilioRestException, Any]:
        with pytest.raises(TwilioRestException) as caught:
            await client.conferences(room.sid).update_async(status="completed")
        assert room.status == "in-progress"
        return caught.value, await client.conferences(room.sid).update_async(status="completed")

    error, ended = run_async(fakeconf, flow)
    assert (error.status, error.code) == (429, 20429)
    assert ended.status == "completed"
    assert fakeconf.requests[0].response_headers["Retry-After"] == "3"


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        ("connection", aiohttp.ClientConnectorError),
        ("timeout", aiohttp.ServerTimeoutError),
        ("timeout", asyncio.TimeoutError),
    ],
)
def test_async_connection_and_timeout_raise_what_aiohttp_raises(
    fakeconf: FakeTwilio, error: str, raised: type[Exception]
) -> None:
    room = fakeconf.create_conference("Async")
    fakeconf.inject_fault(error=error)

    async def flow(client: Client) -> None:
        with pytest.raises(raised):
            await client.conferences(room.sid).update_async(status="completed")

    run_async(fakeconf, flow)
    assert room.status == "in-progress"
    assert fakeconf.requests[-1].error == error


# -- which requests a fault matches ------------------------------------------------------------


@pytest.mark.parametrize(
    ("glob", "faulted"),
    [
        ("/Conferences.json", {"list"}),
        ("/Conferences/*.json", {"fetch", "participants"}),  # "*" crosses "/"
        ("/Conferences/*/Participants.json", {"participants"}),
        ("/Conferences/CF*", {"fetch", "participants"}),
        ("*", {"list", "fetch", "participants"}),
        ("/Calls.json", set()),
    ],
)
def test_path_globs(
    fakeconf: FakeTwilio,
    http: requests.Session,
    account_url: str,
    glob: str,
    faulted: set[str],
) -> None:
    room = fakeconf.create_conference("Globbed")
    urls = {
        "list": f"{account_url}/Conferences.json?Status=completed",
        "fetch": f"{account_url}/Conferences/{room.sid}.json",
        "participants": f"{account_url}/Conferences/{room.sid}/Participants.json",
    }
    fault = fakeconf.inject_fault(503, path=glob, times=None)
    got = {name: http.get(url).status_code for name, url in urls.items()}
    assert {name for name, status in got.items() if status == 503} == faulted
    assert {status for name, status in got.items() if name not in faulted} <= {200}
    assert fault.hits == len(faulted)


def test_a_path_glob_matches_account_paths_only_none_matches_every_path(
    fakeconf: FakeTwilio, http: requests.Session
) -> None:
    outside = "https://api.twilio.com/2010-04-01/Accounts.json"
    globbed = fakeconf.inject_fault(503, path="*", times=None)
    assert http.get(outside).status_code == 404  # not implemented, not faulted
    assert globbed.hits == 0
    globbed.remove()
    fakeconf.inject_fault(503)
    assert http.get(outside).status_code == 503


def test_method_filter_is_case_insensitive(
    fakeconf: FakeTwilio, client: Client, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Methods")
    fault = fakeconf.inject_fault(500, method="post", times=None)
    assert fault.method == "POST"
    assert http.get(f"{account_url}/Conferences/{room.sid}.json").status_code == 200
    with pytest.raises(TwilioRestException) as caught:
        client.conferences(room.sid).update(status="completed")
    assert (caught.value.status, caught.value.code) == (500, 20500)
    assert room.status == "in-progress"
    assert fault.hits == 1


def test_times_then_answers_normally(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    fault = fakeconf.inject_fault(503, times=3)
    statuses = [http.get(f"{account_url}/Conferences.json").status_code for _ in range(5)]
    assert statuses == [503, 503, 503, 200, 200]
    assert (fault.hits, fault.active) == (3, False)


def test_times_none_lasts_until_removed_and_remove_is_idempotent(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    fault = fakeconf.inject_fault(429, times=None)
    for _ in range(4):
        assert http.get(f"{account_url}/Conferences.json").status_code == 429
    assert fault.active
    fault.remove()
    fault.remove()
    assert not fault.active
    assert fakeconf.faults == []
    assert http.get(f"{account_url}/Conferences.json").status_code == 200
    assert fault.hits == 4


def test_the_oldest_fault_that_fires_decides(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    first = fakeconf.inject_fault(429)
    second = fakeconf.inject_fault(503, times=2)
    statuses = [http.get(f"{account_url}/Conferences.json").status_code for _ in range(4)]
    assert statuses == [429, 503, 503, 200]
    assert (first.hits, second.hits) == (1, 2)
    assert fakeconf.faults == [first, second]  # used up, still listed with their hits


# -- probability -----------------------------------------------------------------------------


def pattern(seed: str, probability: float, count: int) -> list[int]:
    with FakeTwilio(seed=seed) as fake:
        session = requests.Session()
        session.auth = (fake.account_sid, fake.auth_token)
        url = f"https://api.twilio.com/2010-04-01/Accounts/{fake.account_sid}/Conferences.json"
        fault = fake.inject_fault(503, probability=probability)
        statuses = [session.get(url).status_code for _ in range(count)]
        assert fault.hits == statuses.count(503)
        assert fault.times is None  # with a probability: until removed
        return statuses


def test_probability_is_drawn_from_the_seed() -> None:
    first = pattern("seed-a", 0.3, 200)
    assert pattern("seed-a", 0.3, 200) == first
    assert set(first) == {200, 503}
    # Binomial(200, 0.3): mean 60, sd 6.5; outside 30..90 has odds below 1e-5.
    assert 30 <= first.count(503) <= 90
    assert pattern("seed-b", 0.3, 200) != first


def test_probability_one_always_fails(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    fakeconf.inject_fault(500, probability=1)
    assert {http.get(f"{account_url}/Conferences.json").status_code for _ in range(20)} == {500}


# -- delay on the fake's clock -------------------------------------------------------------------


def test_a_delay_moves_the_fakes_clock_then_answers_normally(
    fakeconf: FakeTwilio, client: Client
) -> None:
    with freeze_time(T0):
        fault = fakeconf.inject_fault(delay=90, method="GET")
        assert client.conferences.list() == []  # the normal answer
        created = client.conferences("Later").participants.create(from_=CALLER, to="+15005550001")
        room = fakeconf.get_conference(created.conference_sid)
        assert room.date_created == T0 + dt.timedelta(seconds=90)
        assert time.time() == T0.timestamp()  # the test's clock did not move
    assert fault.hits == 1
    assert fakeconf.requests[0].status_code == 200


def test_a_delay_before_a_status_under_time_machine(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    with time_machine.travel(T0, tick=False):
        fakeconf.inject_fault(503, delay=30)
        assert http.get(f"{account_url}/Conferences.json").status_code == 503
        assert fakeconf.create_conference("After").date_created == T0 + dt.timedelta(seconds=30)


def test_a_delay_lets_a_scheduled_end_happen_first(fakeconf: FakeTwilio, client: Client) -> None:
    with freeze_time(T0):
        room = fakeconf.create_conference("Ending")
        room.end(at=T0 + dt.timedelta(seconds=10))
        fakeconf.inject_fault(delay=60)
        fetched = client.conferences(room.sid).fetch()
    assert fetched.status == "completed"
    assert fetched.date_updated == T0 + dt.timedelta(seconds=10)


def test_a_timeout_after_a_delay(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    with freeze_time(T0):
        fakeconf.inject_fault(error="timeout", delay=15)
        with pytest.raises(requests.exceptions.ReadTimeout):
            http.get(f"{account_url}/Conferences.json")
        assert fakeconf.clock.now() == T0 + dt.timedelta(seconds=15)


# -- authentication wins, the journal, reset ---------------------------------------------------


def test_a_wrong_credential_still_gets_401(fakeconf: FakeTwilio, account_url: str) -> None:
    fault = fakeconf.inject_fault(503, times=None)
    wrong = requests.get(f"{account_url}/Conferences.json", auth=(fakeconf.account_sid, "nope"))
    assert wrong.status_code == 401
    assert wrong.json()["code"] == 20003
    other = "https://api.twilio.com/2010-04-01/Accounts/AC" + "1" * 32 + "/Conferences.json"
    foreign = requests.get(other, auth=(fakeconf.account_sid, fakeconf.auth_token))
    assert foreign.status_code == 401
    assert fault.hits == 0


def test_the_journal_records_what_faulted_requests_got(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    fakeconf.inject_fault(429, retry_after=2)
    fakeconf.inject_fault(error="connection")
    http.get(f"{account_url}/Conferences.json?Status=completed")
    with pytest.raises(requests.exceptions.ConnectionError):
        http.get(f"{account_url}/Conferences.json")
    limited, dropped = fakeconf.requests
    assert (limited.status_code, limited.json(), limited.error) == (429, BODIES[429], None)
    assert limited.response_headers["Retry-After"] == "2"
    assert limited.params == {"Status": "completed"}
    assert (dropped.method, dropped.status_code, dropped.json(), dropped.error) == (
        "GET",
        0,
        None,
        "connection",
    )


def test_reset_forgets_faults(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    fault = fakeconf.inject_fault(503, times=None)
    fakeconf.reset()
    assert fakeconf.faults == []
    assert not fault.active
    assert http.get(f"{account_url}/Conferences.json").status_code == 200


def test_fault_is_public() -> None:
    assert "Fault" in pytest_fakeconf.__all__
    assert pytest_fakeconf.Fault is Fault


# -- invalid arguments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((), {}, "needs a status, an error or a delay"),
        ((404,), {}, "status must be one of 429, 500, 503"),
        ((True,), {}, "status must be one of"),
        (("429",), {}, "status must be one of"),
        ((429,), {"error": "timeout"}, "not both"),
        ((), {"error": "dns"}, "error must be one of"),
        ((429,), {"times": 0}, "times must be"),
        ((429,), {"times": 1.5}, "times must be"),
        ((429,), {"probability": 0}, r"probability must be in \(0, 1\]"),
        ((429,), {"probability": 1.5}, "probability must be"),
        ((429,), {"probability": 0.5, "times": 1}, "times or probability, not both"),
        ((429,), {"probability": 0.5, "times": 3}, "times or probability, not both"),
        ((429,), {"retry_after": -1}, "retry_after must be"),
        ((429,), {"retry_after": 1.5}, "whole seconds"),
        ((), {"error": "timeout", "retry_after": 1}, "retry_after goes with a status"),
        ((), {"delay": -1}, "delay must be"),
        ((), {"delay": float("nan")}, "delay must be"),
        ((), {"delay": 1e12}, "delay is at most"),
        ((429,), {"method": "FETCH"}, "method must be one of"),
        ((429,), {"method": 1}, "method must be one of"),
        ((429,), {"path": "Conferences.json"}, "path is a glob"),
        ((429,), {"path": "/2010-04-01/Accounts/AC1/Conferences.json"}, "drop that prefix"),
    ],
)
def test_bad_arguments_are_value_errors(
    fakeconf: FakeTwilio, args: tuple[Any, ...], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        fakeconf.inject_fault(*args, **kwargs)
    assert fakeconf.faults == []


# -- an application's retry loop -------------------------------------------------------------------

RETRIABLE = {429, 503}


def fetch_status(
    client: Client, sid: str, *, sleep: Callable[[float], None], attempts: int = 4
) -> str:
    """Application code: fetch a conference, retrying 429/503 with exponential back-off
    (0.5 s, 1 s, 2 s, …). TwilioRestException carries no headers, so no Retry-After."""
    for attempt in range(attempts):
        try:
            return str(client.conferences(sid).fetch().status)
        except TwilioRestException as error:
            if error.status not in RETRIABLE or attempt == attempts - 1:
                raise
            sleep(0.5 * 2**attempt)
    raise AssertionError("unreachable")


def get_json(
    session: requests.Session, url: str, *, sleep: Callable[[float], None], attempts: int = 4
) -> Any:
    """Application code over plain requests: honours Retry-After, else backs off."""
    for attempt in range(attempts):
        response = session.get(url, timeout=10)
        if response.status_code not in RETRIABLE or attempt == attempts - 1:
            response.raise_for_status()
            return response.json()
        retry_after = response.headers.get("Retry-After")
        sleep(float(retry_after) if retry_after is not None else 0.5 * 2**attempt)
    raise AssertionError("unreachable")


def test_an_app_level_retry_loop_backs_off_and_succeeds(
    fakeconf: FakeTwilio, client: Client
) -> None:
    room = fakeconf.create_conference("Retry me")
    fakeconf.inject_fault(429)
    fakeconf.inject_fault(503, times=2)
    slept: list[float] = []
    assert fetch_status(client, room.sid, sleep=slept.append) == "in-progress"
    assert slept == [0.5, 1.0, 2.0]
    assert [r.status_code for r in fakeconf.requests] == [429, 503, 503, 200]


def test_an_app_level_retry_loop_gives_up(fakeconf: FakeTwilio, client: Client) -> None:
    room = fakeconf.create_conference("Never")
    fakeconf.inject_fault(503, times=None)
    slept: list[float] = []
    with pytest.raises(TwilioRestException) as caught:
        fetch_status(client, room.sid, sleep=slept.append, attempts=3)
    assert caught.value.status == 503
    assert slept == [0.5, 1.0]
    assert len(fakeconf.requests) == 3


def test_a_requests_retry_loop_honours_retry_after(
    fakeconf: FakeTwilio, http: requests.Session, account_url: str
) -> None:
    room = fakeconf.create_conference("Polite")
    fakeconf.inject_fault(429, retry_after=5)
    fakeconf.inject_fault(503)
    slept: list[float] = []
    body = get_json(http, f"{account_url}/Conferences/{room.sid}.json", sleep=slept.append)
    assert body["sid"] == room.sid
    assert slept == [5.0, 1.0]


def test_a_fractional_delay_never_leaks_microseconds_into_stamps(fakeconf: FakeTwilio) -> None:
    # Regression: an unfrozen clock advanced by 0.5 s stamped ``….500000``.
    fakeconf.clock.advance(dt.timedelta(seconds=0.5))
    assert fakeconf.clock.now().microsecond == 0
    room = fakeconf.create_conference("Half")
    assert room.date_created.microsecond == 0
