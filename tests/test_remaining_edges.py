"""Edges nothing else reaches: the clock refusing a step, a seed of the wrong type, the
401 hint for credentials that are not an account's, both fixtures in one test, the
server app under another WSGI server, and the server's life cycle driven by hand."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.core.clock import EARLIEST, LATEST, UTC
from pytest_fakeconf.plugin import unauthorized_hint
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.app import ServerApp
from pytest_fakeconf.server.cli import main

from .conftest import without_unused_plugins
from .webhook_apps import served_live

pytest_plugins = ["pytester"]

PROMPTLY = 10.0  # seconds a server may take to come up or stop
WHOLE_RANGE = (LATEST - EARLIEST).total_seconds()


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    return without_unused_plugins(pytester, monkeypatch)


# -- the clock ---------------------------------------------------------------------------


def test_release_of_a_running_clock_keeps_its_offset() -> None:
    clock = FakeTwilio(seed="release").clock
    clock.advance(90)
    clock.release()  # not frozen: nothing to release, and time never goes back
    assert clock.state == (None, dt.timedelta(seconds=90))


@pytest.mark.parametrize("step", ["60", True, None, [1]])
def test_advance_refuses_a_step_that_is_not_seconds_or_a_timedelta(step: Any) -> None:
    clock = FakeTwilio(seed="advance-type").clock
    clock.freeze(dt.datetime(2030, 1, 1, tzinfo=UTC))
    with pytest.raises(TypeError, match="advance takes a timedelta or seconds, not"):
        clock.advance(step)
    assert clock.now() == dt.datetime(2030, 1, 1, tzinfo=UTC)  # unmoved


@pytest.mark.parametrize(
    "step", [WHOLE_RANGE, dt.timedelta(days=999_999_999)], ids=["seconds", "timedelta"]
)
def test_a_step_past_datetimes_range_is_refused_not_an_overflow(step: Any) -> None:
    """From the last moment the clock holds, a step as long as its whole range leaves
    datetime's range (an OverflowError inside): a ValueError, the clock unmoved."""
    frozen = FakeTwilio(seed="overflow").clock
    frozen.freeze(LATEST)
    with pytest.raises(ValueError, match="the clock must stay between"):
        frozen.advance(step)
    assert frozen.now() == LATEST

    running = FakeTwilio(seed="overflow-running").clock
    with pytest.raises(ValueError, match="the clock must stay between"):
        running.advance(step)
    assert running.state == (None, dt.timedelta(0))


# -- seeds -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1.5, None, True, ["a"]])
def test_a_seed_of_another_type_is_refused(seed: Any) -> None:
    with pytest.raises(TypeError, match="seed must be an int, str or bytes, not"):
        FakeTwilio(seed=seed)


# -- the 401 hint ------------------------------------------------------------------------


def test_the_hint_names_a_header_that_is_not_basic_credentials(fakeconf: FakeTwilio) -> None:
    url = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences.json"
    answer = requests.get(url, headers={"Authorization": "Bearer abc.def"}, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["code"] == 20003
    hint = unauthorized_hint(fakeconf)
    assert (
        "sent an Authorization header that is not HTTP Basic credentials: 1 request(s), "
        f"e.g. GET /2010-04-01/Accounts/{fakeconf.account_sid}/Conferences.json"
    ) in hint
    assert "abc.def" not in hint


def test_the_hint_names_a_username_that_is_no_sid(fakeconf: FakeTwilio) -> None:
    room = fakeconf.create_conference("Hint")
    with pytest.raises(TwilioRestException) as refused:
        Client("bob", "hunter2").api.v2010.accounts(fakeconf.account_sid).conferences(
            room.sid
        ).fetch()
    assert (refused.value.status, refused.value.code) == (401, 20003)
    url = f"https://api.twilio.com/2010-04-01/Accounts/{fakeconf.account_sid}/Conferences.json"
    assert requests.get(url, auth=("bob", "hunter2"), timeout=10).status_code == 401
    hint = unauthorized_hint(fakeconf)
    assert "sent username bob (neither an account SID nor an API key SID): 2 request(s)" in hint
    assert "hunter2" not in hint


# -- both fixtures in one test -------------------------------------------------------------


def test_fakeconf_and_fakeconf_server_in_one_test_tear_down_cleanly(
    pytester: pytest.Pytester,
) -> None:
    """Each fixture drops only its own fake from the report's stash: either order of
    setup tears down without an error, and a failure's 401 hint is about the fake the
    test asked for first (the server's fake answered no 401: it would give no hint)."""
    pytester.makepyfile(
        """
        import requests

        def test_fakeconf_first(fakeconf, fakeconf_server):
            assert fakeconf_server.fake is not fakeconf
            assert fakeconf_server.base_url.startswith("http://127.0.0.1:")

        def test_server_first(fakeconf_server, fakeconf):
            assert fakeconf_server.fake is not fakeconf

        def test_fails_with_a_401(fakeconf, fakeconf_server):
            url = "https://api.twilio.com/2010-04-01/Accounts/" + fakeconf.account_sid + ".json"
            assert requests.get(url, timeout=10).status_code == 401
            assert not any(r.status_code == 401 for r in fakeconf_server.fake.requests)
            raise AssertionError("boom")
        """
    )
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)  # and errors=0: no teardown broke
    out = result.stdout.str()
    assert out.count("- fakeconf -") == 1
    assert "sent no credentials (no Authorization header): 1 request(s)" in out


# -- the server app under another WSGI server ---------------------------------------------


def test_the_app_keeps_the_query_under_a_wsgi_server_without_request_uri() -> None:
    """wsgiref sets no REQUEST_URI (waitress does): the URL the fake answers is rebuilt
    from PATH_INFO and QUERY_STRING, so filters and paging work the same."""
    fake = FakeTwilio(seed="wsgiref")
    rooms = [fake.create_conference(name) for name in ("Standup", "Daily review", "Retro")]
    with served_live(ServerApp(fake)) as base:
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = base
        paged = client.conferences.list(page_size=1)  # follows next_page_uri twice
        assert sorted(c.sid for c in paged) == sorted(r.sid for r in rooms)
        named = client.conferences.list(friendly_name="Daily review")
        assert [c.sid for c in named] == [rooms[1].sid]

        url = f"{base}/2010-04-01/Accounts/{fake.account_sid}/Conferences.json"
        auth = (fake.account_sid, fake.auth_token)
        page = requests.get(url, params={"PageSize": 1}, auth=auth, timeout=10).json()
        assert page["page_size"] == 1 and len(page["conferences"]) == 1
        assert "PageSize=1" in page["next_page_uri"]
        filtered = requests.get(url, params={"FriendlyName": "Retro"}, auth=auth, timeout=10)
        assert [c["sid"] for c in filtered.json()["conferences"]] == [rooms[2].sid]


def test_a_webhook_sent_by_the_test_thread_leaves_the_server_answering() -> None:
    """The test scripts the fake of a running server (``server.fake.dial_in``): the
    webhook it sends is delivered outside any request, and the app may call the server
    back while it handles it."""
    server = FakeconfServer(FakeTwilio(seed="scripted"), port=0)
    seen: list[int] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        sid = server.fake.account_sid
        url = f"{server.base_url}/2010-04-01/Accounts/{sid}/Conferences.json"
        auth = (server.fake.account_sid, server.fake.auth_token)
        seen.append(requests.get(url, auth=auth, timeout=10).status_code)
        start_response("200 OK", [("Content-Type", "text/xml")])
        return [b"<Response><Dial><Conference>Scripted</Conference></Dial></Response>"]

    with server:
        server.fake.route_webhooks("https://app.example.com", app)
        joined = server.fake.dial_in(
            "https://app.example.com/voice", from_="+15550001111", to="+15550002222"
        )
    assert seen == [200]
    assert joined is not None
    assert server.fake.conferences[0].friendly_name == "Scripted"


# -- the server's life cycle ---------------------------------------------------------------


def test_base_url_before_the_server_is_created_is_an_error() -> None:
    server = FakeconfServer(FakeTwilio(seed="unbound"), port=0)
    with pytest.raises(RuntimeError, match="the server is not started"):
        server.base_url  # noqa: B018
    server.stop()  # never started: nothing to stop, no error
    server.stop()
    with pytest.raises(RuntimeError, match="the server is not started"):
        server.base_url  # noqa: B018


def test_serve_forever_creates_the_server_when_not_created_yet() -> None:
    fake = FakeTwilio(seed="serve-forever")
    server = FakeconfServer(fake, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + PROMPTLY
        base = None
        while base is None and time.monotonic() < deadline:
            try:
                base = server.base_url
            except RuntimeError:
                thread.join(timeout=0.01)  # wait for the thread to bind
        assert base is not None, "serve_forever() never bound a socket"
        room = fake.create_conference("Served")
        url = f"{base}/2010-04-01/Accounts/{fake.account_sid}/Conferences/{room.sid}.json"
        answer = requests.get(url, auth=(fake.account_sid, fake.auth_token), timeout=10)
        assert answer.json()["friendly_name"] == "Served"
    finally:
        server.stop()
        thread.join(timeout=PROMPTLY)
    assert not thread.is_alive()
    with pytest.raises(RuntimeError):
        server.base_url  # noqa: B018


def test_start_serves_on_the_socket_create_bound() -> None:
    fake = FakeTwilio(seed="create-then-start")
    server = FakeconfServer(fake, port=0)
    server.create()
    bound = server.base_url
    with server:
        assert server.base_url == bound
        client = Client(fake.account_sid, fake.auth_token)
        client.api.base_url = bound
        room = fake.create_conference("Bound")
        assert client.conferences(room.sid).fetch().friendly_name == "Bound"
    server.stop()  # a second stop changes nothing
    with pytest.raises(RuntimeError):
        server.base_url  # noqa: B018


# -- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize("port", ["65536", "-1"])
def test_serve_refuses_a_port_out_of_range(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", f"--port={port}"])
    assert exit_.value.code == 2
    assert "--port must be 0 to 65535" in capsys.readouterr().err
