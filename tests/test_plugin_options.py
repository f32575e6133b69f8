"""``--fakeconf-guard`` (ini ``fakeconf_guard``) and ``--fakeconf-seed``, in inner pytest
runs. The inner tests point at an unroutable port of a ``*.twilio.com`` host through
a stub adapter underneath the guard, so nothing can reach a real host even when the
guard is off: what the guard blocks never reaches the stub."""

from __future__ import annotations

import json

import pytest

from .conftest import without_unused_plugins

pytest_plugins = ["pytester"]


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return without_unused_plugins(pytester, monkeypatch)


# The inner conftest puts a recording stub under everything (the guard wraps it), so
# an unguarded Twilio request is "sent" to the stub, never to the network.
STUB_NETWORK = """
import pytest
import requests.adapters

SENT = []

def send(adapter, request, *args, **kwargs):
    SENT.append(request.url)
    response = requests.models.Response()
    response.status_code, response._content, response.url = 299, b"stub", request.url
    response.request = request
    return response

# At import, before the plugin's pytest_configure installs the guard on top. The inner
# runs are subprocesses: this replacement never leaks into the outer suite.
requests.adapters.HTTPAdapter.send = send

@pytest.fixture
def sent():
    SENT.clear()
    return SENT
"""

GUARDED_TESTS = """
import pytest
import requests

TWILIO = "https://api.twilio.com/2010-04-01/Accounts.json"

def test_twilio_without_the_fixture(sent):
    try:
        requests.get(TWILIO)
    except Exception:  # the application swallowing errors does not hide it
        pass
    raise AssertionError("not reached when guarded")

def test_regional_host_without_the_fixture(sent):
    requests.post("https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json")
    raise AssertionError("not reached when guarded")

def test_other_hosts_pass(sent):
    assert requests.get("https://example.com/x").status_code == 299
    assert requests.get("https://twilio.com.example.org/").status_code == 299
    assert sent == ["https://example.com/x", "https://twilio.com.example.org/"]

def test_with_the_fixture(fakeconf, sent):
    response = requests.get(TWILIO, auth=(fakeconf.account_sid, fakeconf.auth_token))
    assert response.status_code != 299  # the fake answered
    assert requests.get("https://example.com/y").status_code == 299
    assert sent == ["https://example.com/y"]
    assert len(fakeconf.requests) == 1

@pytest.mark.usefixtures("fakeconf_server")
def test_with_the_server_fixture(sent):
    assert requests.get("https://example.com/z").status_code == 299
"""


def guarded_outcome(result: pytest.RunResult) -> dict[str, str]:
    outcomes = {}
    for line in result.stdout.lines:
        for word in ("PASSED", "FAILED"):
            if line.startswith(word + " "):
                outcomes[line.split()[1].split("::")[1]] = word
    return outcomes


@pytest.fixture
def guarded_suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(STUB_NETWORK)
    pytester.makepyfile(test_guarded=GUARDED_TESTS)
    return pytester


def test_the_flag_fails_twilio_requests_of_tests_without_the_fixture(
    guarded_suite: pytest.Pytester,
) -> None:
    result = guarded_suite.runpytest_subprocess("--fakeconf-guard", "-rA", "-p", "no:randomly")
    assert guarded_outcome(result) == {
        "test_twilio_without_the_fixture": "FAILED",
        "test_regional_host_without_the_fixture": "FAILED",
        "test_other_hosts_pass": "PASSED",
        "test_with_the_fixture": "PASSED",
        "test_with_the_server_fixture": "PASSED",
    }
    result.stdout.fnmatch_lines(
        [
            "*pytest-fakeconf guard: test_guarded.py::test_twilio_without_the_fixture sent GET "
            "https://api.twilio.com/2010-04-01/Accounts.json to a Twilio host without the fake*"
            "Add the `fakeconf` fixture*",
        ]
    )
    assert "not reached when guarded" not in result.stdout.str()


def test_the_ini_option_switches_it_on(guarded_suite: pytest.Pytester) -> None:
    guarded_suite.makeini("[pytest]\nfakeconf_guard = true\n")
    result = guarded_suite.runpytest_subprocess("-rA")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(["*pytest-fakeconf guard*Add the `fakeconf` fixture*"])


def test_off_by_default_nothing_is_patched(guarded_suite: pytest.Pytester) -> None:
    result = guarded_suite.runpytest_subprocess("-rA")
    # Both unguarded requests reach the stub and the tests fail on their own assertion.
    result.assert_outcomes(passed=3, failed=2)
    assert result.stdout.str().count("not reached when guarded") >= 2
    assert "pytest-fakeconf guard" not in result.stdout.str()


def test_the_guard_works_under_xdist(guarded_suite: pytest.Pytester) -> None:
    result = guarded_suite.runpytest_subprocess("--fakeconf-guard", "-n", "2")
    result.assert_outcomes(passed=3, failed=2)
    assert "not reached when guarded" not in result.stdout.str()


def test_the_guard_covers_aiohttp(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import asyncio
        import aiohttp
        from twilio.http.async_http_client import AsyncTwilioHttpClient
        from twilio.rest import Client

        def test_async_client_without_the_fixture():
            async def main():
                client = Client("AC" + "0" * 32, "x", http_client=AsyncTwilioHttpClient())
                try:
                    await client.conferences.list_async()
                finally:
                    await client.http_client.close()
            asyncio.run(main())

        def test_session_base_url_without_the_fixture():
            async def main():
                async with aiohttp.ClientSession("https://api.twilio.com") as session:
                    await session.get("/2010-04-01/Accounts.json")
            asyncio.run(main())

        def test_async_client_with_the_fixture(fakeconf):
            async def main():
                client = Client(http_client=AsyncTwilioHttpClient())
                try:
                    return await client.conferences.list_async()
                finally:
                    await client.http_client.close()
            assert asyncio.run(main()) == []
        """
    )
    result = pytester.runpytest_subprocess(
        "--fakeconf-guard", "-rA", "-p", "no:randomly", "-W", "ignore::DeprecationWarning"
    )
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*guard: *test_async_client_without_the_fixture sent GET https://api.twilio.com/*",
            "*guard: *test_session_base_url_without_the_fixture sent GET https://api.twilio.com/2010*",
        ]
    )


def test_the_plugin_stays_light_with_the_guard_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_nothing_heavy():
            assert "pytest_fakeconf.guard" not in sys.modules
            assert "requests" not in sys.modules and "aiohttp" not in sys.modules
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:faker", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


# -- --fakeconf-seed ------------------------------------------------------------------------

RECORD = """
import json, pathlib, pytest

def record(fakeconf, request):
    room = fakeconf.create_conference("r")
    out = pathlib.Path(request.config.rootpath, "sids.jsonl")
    with out.open("a") as f:
        f.write(json.dumps([request.node.name, fakeconf.account_sid, room.sid]) + "\\n")

def test_plain(fakeconf, request):
    record(fakeconf, request)

@pytest.mark.fakeconf(seed=7)
def test_marker_seed(fakeconf, request):
    record(fakeconf, request)
"""


def run_sids(pytester: pytest.Pytester, *args: str) -> dict[str, tuple[str, str]]:
    pytester.runpytest(*args).assert_outcomes(passed=2)
    path = pytester.path / "sids.jsonl"
    lines = path.read_text().splitlines()
    path.unlink()
    return {name: (account, sid) for name, account, sid in map(json.loads, lines)}


def test_the_seed_flag_salts_node_id_seeds_but_not_a_markers_seed(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_seeds=RECORD)
    plain = run_sids(pytester)
    salted = run_sids(pytester, "--fakeconf-seed", "run-42")
    again = run_sids(pytester, "--fakeconf-seed=run-42")
    other = run_sids(pytester, "--fakeconf-seed", "run-43")
    assert salted == again  # the same salt: the same SIDs
    assert salted["test_plain"][0] != plain["test_plain"][0]
    assert salted["test_plain"][1] != plain["test_plain"][1]
    assert other["test_plain"] != salted["test_plain"]
    # an explicit seed is used as given
    assert plain["test_marker_seed"] == salted["test_marker_seed"] == other["test_marker_seed"]


def test_help_describes_both_options(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(
        [
            "pytest-fakeconf:",
            "*--fakeconf-guard*Twilio host*",
            "*--fakeconf-seed=VALUE*",
            "*salt every test's seed*",
        ]
    )
    assert "marker's explicit seed" in result.stdout.str()
    result.stdout.fnmatch_lines(["*fakeconf_guard (bool)*"])
