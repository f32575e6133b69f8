"""The async door warns about nothing of its own: aiohttp >= 3.14 deprecates the
``auth=`` argument twilio's ``AsyncTwilioHttpClient`` passes, and the fake turns it
into the ``Authorization`` header before aiohttp (or aioresponses) sees it. twilio
still builds an ``aiohttp.BasicAuth`` itself: that warning is twilio's, attributed to
``twilio.http.async_http_client``, and is the only one let through here. Also: the
async runners the README names, with its snippets."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from aiohttp import web
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
TWILIOS_OWN = "ignore::DeprecationWarning:twilio.http.async_http_client"


def not_twilios(caught: list[warnings.WarningMessage]) -> list[str]:
    return [
        f"{w.filename}:{w.lineno}: {w.message}"
        for w in caught
        if issubclass(w.category, DeprecationWarning)
        and not w.filename.endswith("twilio/http/async_http_client.py")
    ]


def test_the_fake_and_a_passed_through_host_warn_nothing(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Quiet")

    async def local_server_and_fake() -> tuple[str, int]:
        async def handler(request: web.Request) -> web.Response:
            return web.json_response({"auth": request.headers.get("Authorization", "")}, status=418)

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        client = Client(http_client=AsyncTwilioHttpClient())
        local = Client(http_client=AsyncTwilioHttpClient())
        local.api.base_url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        try:
            status = (await client.conferences(room.sid).fetch_async()).status
            with pytest.raises(TwilioRestException) as passed_through:
                await local.conferences(room.sid).fetch_async()
            return status, passed_through.value.status
        finally:
            await client.http_client.close()
            await local.http_client.close()
            await runner.cleanup()

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert asyncio.run(local_server_and_fake()) == ("in-progress", 418)
    assert not_twilios(caught) == []
    assert [r.status_code for r in fakeconf.requests] == [200]


# Plugins these runs do not use (both async runners stay): they only cost each subprocess
# its start (hypothesis's alone ~2 s of CPU).
UNUSED_PLUGINS = ("-p", "no:hypothesispytest", "-p", "no:faker")


def test_the_async_suite_passes_with_deprecation_warnings_as_errors() -> None:
    result = subprocess.run(
        [
            sys.executable, "-m", "pytest", "tests/test_async.py", "-q", "-p", "no:cacheprovider",
            "-p", "no:xdist", "-W", "error::DeprecationWarning", "-W", TWILIOS_OWN,
            *UNUSED_PLUGINS,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


RUNNER_SNIPPETS = """
import pytest
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client


async def end_room(client, sid):  # your application code
    await client.conferences(sid).update_async(status="completed")


@pytest.mark.{mark}
async def test_end_room(fakeconf):
    room = fakeconf.create_conference("Async")
    client = Client(http_client=AsyncTwilioHttpClient())  # credentials from the fixture
    try:
        await end_room(client, room.sid)
    finally:
        await client.http_client.close()
    assert room.status == "completed"


@pytest.fixture
def anyio_backend():
    return "asyncio"  # aiohttp runs on asyncio, not trio
"""


@pytest.mark.parametrize(("plugin", "mark"), [("pytest_asyncio", "asyncio"), ("anyio", "anyio")])
def test_async_runners_named_in_the_readme(
    pytester: pytest.Pytester, plugin: str, mark: str
) -> None:
    __import__(plugin)  # both are in the test extra: a missing one fails, never skips
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(RUNNER_SNIPPETS.replace("{mark}", mark))
    result = pytester.runpytest_subprocess(
        "-W", "error::DeprecationWarning", "-W", TWILIOS_OWN, *UNUSED_PLUGINS
    )  # fmt: skip
    result.assert_outcomes(passed=1)
