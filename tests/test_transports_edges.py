"""Edges of the doors into the fake and of the guard: starting and stopping twice,
aiohttp request bodies and credentials in each shape aiohttp takes, the fake without
the ``async`` extra, and the guard's treatment of hosts and URLs it cannot parse.
Nothing leaves the machine: the one real server here listens on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import http.server
import importlib.util
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
import requests
import requests.adapters

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.guard import TwilioGuard, is_twilio_host
from pytest_fakeconf.transports import aiohttp_mock

CALLER = "+15017122661"
CALLEE = "+15558675310"
TWIML = "<Response><Say>hi</Say></Response>"


def api(fake: FakeTwilio, path: str) -> str:
    return f"https://api.twilio.com/2010-04-01/Accounts/{fake.account_sid}/{path}"


def basic(fake: FakeTwilio) -> str:
    token = f"{fake.account_sid}:{fake.auth_token}".encode()
    return "Basic " + base64.b64encode(token).decode()


def basic_auth(login: str, password: str) -> aiohttp.BasicAuth:
    """``aiohttp.BasicAuth``, as twilio's async client passes it (aiohttp >= 3.14
    deprecates building one; the request is what these tests look at)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return aiohttp.BasicAuth(login, password)


async def post(url: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.post(url, **kwargs) as response:
        return response.status, await response.json()


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from loopback"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def loopback() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- starting and stopping ------------------------------------------------------------------


def test_starting_a_started_fake_again_changes_nothing_and_one_stop_ends_it() -> None:
    original = requests.adapters.HTTPAdapter.send
    fake = FakeTwilio()
    fake.start()
    mock = fake.mock
    assert fake.start() is fake and fake.mock is mock  # the same responses mock
    mock.start()  # responses' own start on the running mock: no second patch
    session = requests.Session()
    session.auth = (fake.account_sid, fake.auth_token)
    assert session.get(api(fake, "Conferences.json")).status_code == 200
    fake.stop()
    assert not fake.started
    assert requests.adapters.HTTPAdapter.send is original
    fake.stop()  # stopping a stopped fake is a no-op
    assert requests.adapters.HTTPAdapter.send is original


def test_without_the_async_extra_the_fake_leaves_aiohttp_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = aiohttp.ClientSession._request
    aiohttp_mock._aioresponses.cache_clear()
    monkeypatch.setitem(sys.modules, "aioresponses", None)  # import fails, as if absent
    try:
        assert aiohttp_mock.available() is False
        with FakeTwilio() as fake:
            assert fake.started
            assert aiohttp.ClientSession._request is original
        assert aiohttp.ClientSession._request is original
    finally:
        aiohttp_mock._aioresponses.cache_clear()
    monkeypatch.undo()
    assert aiohttp_mock.available() is True


def test_an_aiohttp_door_stopped_before_any_request_unpatches_aiohttp() -> None:
    original = aiohttp.ClientSession._request
    with FakeTwilio():
        assert aiohttp.ClientSession._request is not original
    assert aiohttp.ClientSession._request is original


# -- aiohttp bodies and credentials -------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    ["pairs", "tuple", "bytearray", "mapping-with-none"],
)
def test_an_aiohttp_form_in_any_shape_aiohttp_sends_reaches_the_fake(shape: str) -> None:
    pairs = [("To", CALLEE), ("From", CALLER), ("Twiml", TWIML)]
    data: object
    if shape == "pairs":
        data = pairs
    elif shape == "tuple":
        data = tuple(pairs)
    elif shape == "bytearray":
        data = bytearray(b"To=%2B15558675310&From=%2B15017122661&Twiml=%3CResponse%2F%3E")
    else:
        data = {**dict(pairs), "StatusCallback": None}
    with FakeTwilio() as fake:
        headers = {"Authorization": basic(fake)}
        if shape == "bytearray":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, body = asyncio.run(post(api(fake, "Calls.json"), data=data, headers=headers))
        assert status == 201, body
        assert (body["to"], body["from"]) == (CALLEE, CALLER)
        assert [c.to for c in fake.calls] == [CALLEE]


def test_an_aiohttp_multipart_body_is_no_form_for_the_fake() -> None:
    form = aiohttp.FormData({"To": CALLEE, "From": CALLER, "Twiml": TWIML})
    form.add_field("note", b"bytes", filename="note.txt")  # multipart, as aiohttp sends it
    with FakeTwilio() as fake:
        status, body = asyncio.run(
            post(api(fake, "Calls.json"), data=form, headers={"Authorization": basic(fake)})
        )
        assert status == 400 and set(body) == {"code", "message", "more_info", "status"}
        assert fake.calls == []


def test_aiohttp_auth_becomes_the_authorization_header_the_fake_checks() -> None:
    with FakeTwilio() as fake:
        auth = basic_auth(fake.account_sid, fake.auth_token)
        data = {"To": CALLEE, "From": CALLER, "Twiml": TWIML}
        status, _ = asyncio.run(post(api(fake, "Calls.json"), data=data, auth=auth))
        assert status == 201
        wrong = basic_auth(fake.account_sid, "not-the-token")
        status, body = asyncio.run(post(api(fake, "Calls.json"), data=data, auth=wrong))
        assert (status, body["code"]) == (401, 20003)


def test_aiohttp_auth_with_an_authorization_header_is_refused_as_aiohttp_refuses_it() -> None:
    # Bug fixed here: the fake used to answer this for a Twilio host, where aiohttp
    # itself raises before sending anything.
    with FakeTwilio() as fake:
        auth = basic_auth(fake.account_sid, fake.auth_token)
        headers = {"Authorization": basic(fake)}
        with pytest.raises(ValueError, match="Cannot combine AUTHORIZATION header"):
            asyncio.run(post(api(fake, "Calls.json"), data={}, auth=auth, headers=headers))
        assert fake.requests == []


def test_aiohttp_auth_with_credentials_in_the_url_is_refused_as_aiohttp_refuses_it() -> None:
    with FakeTwilio() as fake:
        auth = basic_auth(fake.account_sid, fake.auth_token)
        url = api(fake, "Calls.json").replace("https://", f"https://{fake.account_sid}:x@")
        with pytest.raises(ValueError, match="Cannot combine AUTH argument"):
            asyncio.run(post(url, data={}, auth=auth))
        assert fake.requests == []


def test_the_same_refusal_comes_from_aiohttp_for_a_host_that_is_not_twilio(
    loopback: str,
) -> None:
    async def get() -> None:
        async with aiohttp.ClientSession() as session:
            auth = basic_auth("user", "pass")
            await session.get(loopback, auth=auth, headers={"Authorization": "Basic x"})

    with FakeTwilio(), pytest.raises(ValueError, match="Cannot combine AUTHORIZATION header"):
        asyncio.run(get())


# -- the guard ---------------------------------------------------------------------------------


@pytest.fixture
def guard() -> Iterator[TwilioGuard]:
    installed = TwilioGuard()
    installed.install()
    try:
        yield installed
    finally:
        installed.uninstall()


def test_a_url_that_does_not_parse_is_not_a_twilio_host() -> None:
    assert is_twilio_host("https://api.twilio.com/x") and is_twilio_host("http://twilio.com")
    assert not is_twilio_host("http://[::1")  # urlsplit refuses it
    assert not is_twilio_host("https://nottwilio.com/")


def test_the_guard_fails_a_requests_call_to_twilio_and_lets_loopback_through(
    guard: TwilioGuard, loopback: str
) -> None:
    with pytest.raises(pytest.fail.Exception, match="pytest-fakeconf guard"):
        requests.get("https://api.twilio.com/2010-04-01/Accounts.json")
    assert requests.get(loopback).text == "hello from loopback"


def test_the_guard_fails_an_aiohttp_call_to_twilio_and_lets_loopback_through(
    guard: TwilioGuard, loopback: str
) -> None:
    async def fetch(url: str) -> str:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return await response.text()

    with pytest.raises(pytest.fail.Exception, match=r"GET https://api\.twilio\.com/"):
        asyncio.run(fetch("https://api.twilio.com/2010-04-01/Accounts.json"))
    assert asyncio.run(fetch(loopback)) == "hello from loopback"


def test_the_guard_leaves_a_url_aiohttp_cannot_build_to_aiohttp(guard: TwilioGuard) -> None:
    async def fetch() -> None:
        async with aiohttp.ClientSession() as session:
            await session.get("http://[::1")

    with pytest.raises(ValueError) as refused:
        asyncio.run(fetch())
    assert not isinstance(refused.value, pytest.fail.Exception)
    assert "guard" not in str(refused.value)


def test_without_aiohttp_the_guard_wraps_requests_only(monkeypatch: pytest.MonkeyPatch) -> None:
    original = aiohttp.ClientSession._request
    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "aiohttp" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    installed = TwilioGuard()
    installed.install()
    try:
        assert aiohttp.ClientSession._request is original
        with pytest.raises(pytest.fail.Exception):
            requests.get("https://api.twilio.com/")
    finally:
        installed.uninstall()
    assert requests.adapters.HTTPAdapter.send is not None
