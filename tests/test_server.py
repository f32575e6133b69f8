"""Server mode over a real socket: ``fakeconf serve`` as a subprocess and the
``fakeconf_server`` fixture in-process, driven by the real twilio client, ``requests``
and ``curl``. Covers the API, every control endpoint of ``server/control.py``, the live
page, credentials, signals and a port already in use."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client
from twilio.rest.api.v2010.account.conference.participant import ParticipantInstance

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer

from .webhook_apps import App, make_app, served_live

UTC = dt.timezone.utc
T0 = dt.datetime(2030, 1, 1, 10, 0, 0, tzinfo=UTC)
CALLER = "+15017122661"
BANNER = re.compile(r"fakeconf serving at (http://127\.0\.0\.1:(\d+))")
SID_LINE = re.compile(r"  account sid: (AC[0-9a-f]{32})")
TOKEN_LINE = re.compile(r"  auth token:  (\S+)")
PROMPTLY = 5.0  # seconds a stop may take
AUTHENTICATE = {
    "code": 20003,
    "message": "Authenticate",
    "more_info": "https://www.twilio.com/docs/errors/20003",
    "status": 401,
}


def rfc2822(moment: dt.datetime) -> str:
    return email.utils.format_datetime(moment)


# -- the two ways to run a server ---------------------------------------------------------


class ServeProcess:
    """``python -m pytest_fakeconf.server.cli serve …`` with its stdout read line by line."""

    def __init__(self, *args: str) -> None:
        self.stderr_file: IO[str] = tempfile.TemporaryFile("w+")  # noqa: SIM115 (closed in close())
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "pytest_fakeconf.server.cli", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=self.stderr_file,
            text=True,
            bufsize=1,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.output.append(line.rstrip("\n"))
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def read_line(self, timeout: float = 15.0) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} s: {self.output}") from None
        if line is None:
            raise AssertionError(f"the server exited: {self.output} {self.stderr()}")
        return line

    def banner(self) -> tuple[str, str, str]:
        """(base URL, account SID, auth token) from the three lines it prints first."""
        url = BANNER.fullmatch(self.read_line())
        sid = SID_LINE.fullmatch(self.read_line())
        token = TOKEN_LINE.fullmatch(self.read_line())
        assert url and sid and token, self.output
        return url.group(1), sid.group(1), token.group(1)

    def drained(self, timeout: float) -> None:
        """Wait (at most ``timeout`` s) until the reader thread has read stdout to its end."""
        deadline = time.monotonic() + timeout
        try:
            while self.lines.get(timeout=max(0.0, deadline - time.monotonic())) is not None:
                pass
        except queue.Empty:
            raise AssertionError(f"stdout still open after {timeout} s: {self.output}") from None

    def stderr(self) -> str:
        self.stderr_file.seek(0)
        return self.stderr_file.read()

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    def close(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=PROMPTLY)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self.stderr_file.close()


@dataclass
class Served:
    """A running server, whichever way it was started."""

    base_url: str
    account_sid: str
    auth_token: str
    process: ServeProcess | None = None
    server: FakeconfServer | None = None

    @property
    def account_url(self) -> str:
        return f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}"

    def client(self, auth_token: str | None = None) -> Client:
        client = Client(self.account_sid, auth_token or self.auth_token)
        client.api.base_url = self.base_url
        return client

    def http(self) -> requests.Session:
        session = requests.Session()
        session.auth = (self.account_sid, self.auth_token)
        return session

    def control(self, method: str, path: str, body: Any = None) -> requests.Response:
        return self.http().request(
            method, f"{self.base_url}/_fakeconf/{path}", json=body, timeout=10
        )

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.control(method, path, body)
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        return response.json()


@pytest.fixture
def process() -> Iterator[ServeProcess]:
    started = ServeProcess("--port", "0", "--seed", "x")
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="module")
def serve_process() -> Iterator[tuple[ServeProcess, tuple[str, str, str]]]:
    """One ``fakeconf serve`` per module (and xdist worker) for the ``served`` tests: a
    process start costs more than most of those tests. ``served`` resets it before each."""
    started = ServeProcess("--port", "0", "--seed", "x")
    try:
        yield started, started.banner()
    finally:
        started.close()


@pytest.fixture(params=["subprocess", "fixture"])
def served(request: pytest.FixtureRequest) -> Iterator[Served]:
    """The same tests against ``fakeconf serve`` and against the ``fakeconf_server`` fixture.

    The subprocess is shared by the module's tests and reset (``POST /_fakeconf/reset``)
    before each: the same seed draws the same SIDs again, as from a new process. Tests
    that stop the process or add accounts (which a reset keeps) start their own."""
    if request.param == "fixture":
        server: FakeconfServer = request.getfixturevalue("fakeconf_server")
        yield Served(server.base_url, server.fake.account_sid, server.fake.auth_token, None, server)
        return
    started, banner = request.getfixturevalue("serve_process")
    assert started.popen.poll() is None, f"the shared server exited: {started.stderr()}"
    served = Served(*banner, process=started)
    assert served.ok("POST", "reset") == {"reset": True}
    yield served
    assert started.popen.poll() is None, f"the shared server exited: {started.stderr()}"


def dial_in(client: Client, conference: str, label: str, **kwargs: Any) -> ParticipantInstance:
    return client.conferences(conference).participants.create(
        from_=CALLER, to=f"client:{label}", label=label, **kwargs
    )


# -- the command line -----------------------------------------------------------------------


def test_serve_prints_the_base_url_and_the_seeded_credentials(
    serve_process: tuple[ServeProcess, tuple[str, str, str]],
) -> None:
    _, (base_url, sid, token) = serve_process  # started with --seed x
    expected = FakeTwilio(seed="x")  # the same seed gives the same credentials
    assert (sid, token) == (expected.account_sid, expected.auth_token)
    port = int(urlsplit(base_url).port or 0)
    assert port > 0
    state = requests.get(f"{base_url}/_fakeconf/state", auth=(sid, token), timeout=10).json()
    assert state["account_sid"] == sid


def test_serve_uses_the_credentials_it_is_given() -> None:
    sid, token = "AC" + "1" * 32, "given-token"
    started = ServeProcess("--port", "0", "--account-sid", sid, "--auth-token", token)
    try:
        base_url, printed_sid, printed_token = started.banner()
        assert (printed_sid, printed_token) == (sid, token)
        served = Served(base_url, sid, token)
        room = dial_in(served.client(), "Given", "alice")
        assert room.account_sid == sid
    finally:
        started.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_promptly_with_exit_code_0(
    process: ServeProcess, signum: signal.Signals
) -> None:
    served = Served(*process.banner())
    session = served.http()  # a keep-alive connection stays open across the stop
    assert session.get(f"{served.account_url}/Conferences.json", timeout=10).status_code == 200
    started = time.monotonic()
    process.popen.send_signal(signum)
    assert process.wait(timeout=PROMPTLY) == 0, process.stderr()
    assert time.monotonic() - started < PROMPTLY
    process.drained(timeout=PROMPTLY)
    assert process.output[-1] == "fakeconf: stopped", process.output
    assert f"fakeconf: {signum.name}, shutting down" in process.output


def test_sigterm_right_after_the_first_line_stops_the_server() -> None:
    """A supervisor may stop the server as soon as it printed its URL, maybe before
    its loop runs: it must still exit 0, not serve on. (Timing-dependent: a few tries.)"""
    command = [sys.executable, "-m", "pytest_fakeconf.server.cli", "serve", "--port", "0"]
    outcomes: list[int | None] = []
    for _ in range(6):
        with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as started:
            try:
                assert started.stdout is not None
                assert BANNER.fullmatch(started.stdout.readline().rstrip("\n"))
                started.send_signal(signal.SIGTERM)
                outcomes.append(started.wait(timeout=PROMPTLY))
            except subprocess.TimeoutExpired:
                outcomes.append(None)
            finally:
                if started.poll() is None:
                    started.kill()
                    started.wait()
    assert outcomes == [0] * 6, "None: still running 5 s after SIGTERM"


def test_a_port_in_use_exits_1_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = ServeProcess("--port", str(port))
        try:
            code = started.wait(timeout=15)
            stderr = started.stderr()
        finally:
            started.close()
    assert code == 1
    assert f"fakeconf: cannot listen on 127.0.0.1:{port}" in stderr
    assert started.output == []


def test_a_port_held_by_another_fakeconf_exits_1(
    serve_process: tuple[ServeProcess, tuple[str, str, str]],
) -> None:
    process, (base_url, _, _) = serve_process
    port = str(urlsplit(base_url).port)
    second = ServeProcess("--port", port)
    try:
        assert second.wait(timeout=15) == 1
        assert f"cannot listen on 127.0.0.1:{port}" in second.stderr()
    finally:
        second.close()
    assert process.popen.poll() is None  # the first one serves on


def test_stop_before_serving_makes_serve_forever_return() -> None:
    """``fakeconf serve`` installs its signal handlers before its loop runs: a signal
    in between calls ``stop()`` first, and the loop must then not start serving."""
    server = FakeconfServer(FakeTwilio(seed="early-stop"), port=0)
    server.create()
    server.stop()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    thread.join(timeout=PROMPTLY)
    try:
        assert not thread.is_alive(), "serve_forever() served on after stop()"
    finally:
        if thread.is_alive():
            print(f"serving again at {server.base_url}")
            server.stop()
            thread.join(timeout=PROMPTLY)


def test_stop_releases_the_port_even_when_it_never_served() -> None:
    server = FakeconfServer(FakeTwilio(seed="never-served"), port=0)
    server.create()  # bound, so base_url is known; serve_forever() is never called
    port = urlsplit(server.base_url).port
    server.stop()
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.settimeout(2)
        probe.connect(("127.0.0.1", port))


def test_a_stopped_server_starts_again_on_a_new_socket() -> None:
    fake = FakeTwilio(seed="restart")
    room = fake.create_conference("Kept")
    server = FakeconfServer(fake, port=0).start()
    try:
        first = server.base_url
        server.stop()
        server.start()
        second = server.base_url
        auth = (fake.account_sid, fake.auth_token)
        state = requests.get(f"{second}/_fakeconf/state", auth=auth, timeout=10).json()
    finally:
        server.stop()
    assert second != first
    assert [c["sid"] for c in state["conferences"]] == [room.sid]  # the same fake


def test_stopping_right_after_requests_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    """``stop()`` while a worker thread is finishing the request it just answered must
    not pull the trigger of a closed server (waitress logs "Exception when servicing")."""
    fake = FakeTwilio(seed="stop-after-requests")
    with caplog.at_level(logging.WARNING, logger="waitress"):
        for _ in range(40):
            with FakeconfServer(fake, port=0) as server:
                session = requests.Session()
                state = f"{server.base_url}/_fakeconf/state"
                clients = [
                    threading.Thread(target=session.get, args=(state,), kwargs={"timeout": 10})
                    for _ in range(4)
                ]
                for client in clients:
                    client.start()
                for client in clients:
                    client.join()
            session.close()  # after the stop: the connections are still open during it
    # Only errors count: waitress's "Task queue depth is N" (a WARNING of waitress.queue)
    # says every worker was busy when a request arrived, which a loaded machine does.
    errors = [
        f"{r.name} {r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith("waitress") and (r.levelno >= logging.ERROR or r.exc_info)
    ]
    assert errors == []


def test_an_idle_server_does_not_busy_loop() -> None:
    """An idle server waits for connections; it must not spin a core meanwhile."""
    with FakeconfServer(FakeTwilio(seed="idle"), port=0) as server:
        requests.get(f"{server.base_url}/_fakeconf/state", timeout=10)
        cpu, wall = time.process_time(), time.monotonic()
        time.sleep(1.5)
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    assert cpu < 0.25 * wall, f"{cpu:.2f} s of CPU in {wall:.2f} s idle"


# -- the API over the socket ------------------------------------------------------------------


def test_participants_create_conferences_by_name_and_updates_end_them(served: Served) -> None:
    client = served.client()
    alice = dial_in(client, "Daily Sync", "alice")
    assert (alice.status, alice.queue_time) == ("queued", "1000")
    sid = alice.conference_sid
    assert sid is not None
    waiting = client.conferences(sid).fetch()
    assert (waiting.friendly_name, waiting.status) == ("Daily Sync", "init")
    bob = dial_in(client, "Daily Sync", "bob")
    assert bob.conference_sid == sid
    assert client.conferences(sid).fetch().status == "in-progress"
    assert [c.sid for c in client.conferences.list(friendly_name="Daily Sync")] == [sid]
    labels = [p.label for p in client.conferences(sid).participants.list()]
    assert labels == ["bob", "alice"]  # newest first
    ended = client.conferences(sid).update(status="completed")
    assert (ended.status, ended.reason_conference_ended) == (
        "completed",
        "conference-ended-via-api",
    )
    assert client.conferences(sid).participants.list() == []
    assert client.conferences.list() == []  # only in-progress without a Status
    assert [c.sid for c in client.conferences.list(status="completed")] == [sid]


def test_lists_page_through_the_base_url(served: Served) -> None:
    client = served.client()
    created = [dial_in(client, f"room {i}", "host").conference_sid for i in range(5)]
    newest_first = list(reversed(created))
    assert [c.sid for c in client.conferences.list(status="init", page_size=2)] == newest_first
    # by hand: page URIs are host-relative and work appended to the base URL
    http = served.http()
    body = http.get(
        f"{served.account_url}/Conferences.json", params={"Status": "init", "PageSize": "2"}
    ).json()
    seen = [c["sid"] for c in body["conferences"]]
    pages = 1
    while body["next_page_uri"] is not None:
        assert body["next_page_uri"].startswith(f"/2010-04-01/Accounts/{served.account_sid}/")
        query = dict(parse_qsl(urlsplit(body["next_page_uri"]).query))
        assert query["Status"] == "init"
        assert query["PageToken"] == f"PA{seen[-1]}"
        body = http.get(served.base_url + body["next_page_uri"]).json()
        seen += [c["sid"] for c in body["conferences"]]
        pages += 1
    assert (seen, pages) == (newest_first, 3)
    previous = http.get(served.base_url + body["previous_page_uri"]).json()
    assert [c["sid"] for c in previous["conferences"]] == newest_first[2:4]


def test_bad_credentials_are_401_with_20003_and_www_authenticate(served: Served) -> None:
    room = served.ok("POST", "conferences", {"friendly_name": "Secret"}, status=201)
    url = f"{served.account_url}/Conferences/{room['sid']}.json"
    for auth in [None, (served.account_sid, "wrong"), ("AC" + "f" * 32, served.auth_token)]:
        response = requests.post(url, data={"Status": "completed"}, auth=auth, timeout=10)
        assert response.status_code == 401
        assert response.json() == AUTHENTICATE
        assert response.headers["WWW-Authenticate"] == 'Basic realm="Twilio API"'
        assert "Secret" not in response.text
    with pytest.raises(TwilioRestException) as caught:
        served.client(auth_token="wrong").conferences(room["sid"]).fetch()
    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert served.client().conferences(room["sid"]).fetch().status == "in-progress"


def test_a_label_with_a_space_addresses_the_participant_over_the_socket(served: Served) -> None:
    client = served.client()
    agent = dial_in(client, "Support", "agent 1")
    dial_in(client, "Support", "customer")
    participant = client.conferences(agent.conference_sid).participants("agent 1")
    assert participant.fetch().call_sid == agent.call_sid
    assert participant.update(muted=True).muted is True
    assert participant.delete() is True
    remaining = client.conferences(agent.conference_sid).participants.list()
    assert [p.label for p in remaining] == ["customer"]


def test_curl_lists_conferences_and_drives_a_control_endpoint(served: Served) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is not installed: this test needs it (apt-get install curl)")
    user = f"{served.account_sid}:{served.auth_token}"
    created = subprocess.run(
        [
            curl,
            "-sS",
            "-u",
            user,
            "-X",
            "POST",
            f"{served.base_url}/_fakeconf/conferences",
            "-d",
            '{"friendly_name": "From curl"}',
            "-w",
            "\n%{http_code}",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, _, code = created.stdout.rpartition("\n")
    assert code == "201"
    sid = json.loads(body)["sid"]
    listed = subprocess.run(
        [curl, "-sS", "-u", user, f"{served.account_url}/Conferences.json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    conferences = json.loads(listed.stdout)["conferences"]
    assert [(c["sid"], c["friendly_name"]) for c in conferences] == [(sid, "From curl")]
    refused = subprocess.run(
        [
            curl,
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            f"{served.account_url}/Conferences.json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert refused.stdout == "401"


# -- the page and the state ---------------------------------------------------------------------


def test_the_root_serves_the_html_page(served: Served) -> None:
    response = requests.get(f"{served.base_url}/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.text.startswith("<!doctype html>")
    assert "<title>pytest-fakeconf</title>" in response.text
    assert "/_fakeconf/state" in response.text


def test_state_lists_what_the_api_created(served: Served) -> None:
    alice = dial_in(served.client(), "Board", "alice", muted=True)
    response = served.control("GET", "state")
    assert response.status_code == 200
    state = response.json()
    assert state["account_sid"] == served.account_sid
    (room,) = state["conferences"]
    assert (room["sid"], room["friendly_name"], room["status"]) == (
        alice.conference_sid,
        "Board",
        "init",
    )
    assert [(p["call_sid"], p["label"], p["muted"]) for p in room["participants"]] == [
        (alice.call_sid, "alice", True)
    ]
    kinds = [e["kind"] for e in state["events"]]
    assert kinds[-1] == "conference-create"  # events are newest first
    assert "participant-join" in kinds


# -- control endpoints ----------------------------------------------------------------------------


def test_control_create_a_conference(served: Served) -> None:
    room = served.ok(
        "POST",
        "conferences",
        {
            "friendly_name": "Daily",
            "status": "init",
            "region": "ie1",
            "date_created": "2030-01-01T10:00:00Z",
        },
        status=201,
    )
    assert re.fullmatch(r"CF[0-9a-f]{32}", room["sid"])
    # an init conference's region is "unknown" on the wire (FIDELITY F40)
    assert (room["friendly_name"], room["status"], room["region"]) == ("Daily", "init", "unknown")
    assert room["date_created"] == rfc2822(T0)
    fetched = served.client().conferences(room["sid"]).fetch()
    assert (fetched.friendly_name, fetched.status, fetched.region) == ("Daily", "init", "unknown")
    assert fetched.date_created == T0
    bad = served.control("POST", "conferences", {"friendly_name": "x", "status": "sleeping"})
    assert bad.status_code == 400
    assert "error" in bad.json()


def test_control_end_now(served: Served) -> None:
    room = served.ok("POST", "conferences", {"friendly_name": "Now"}, status=201)
    call = "CA" + "1" * 32
    ended = served.ok(
        "POST",
        f"conferences/{room['sid']}/end",
        {"reason": "last-participant-left", "call_sid": call},
    )
    assert (ended["status"], ended["reason_conference_ended"]) == (
        "completed",
        "last-participant-left",
    )
    assert ended["call_sid_ending_conference"] == call
    fetched = served.client().conferences(room["sid"]).fetch()
    assert (fetched.status, fetched.call_sid_ending_conference) == ("completed", call)
    missing = served.control("POST", f"conferences/CF{'0' * 32}/end", {})
    assert missing.status_code == 404


def test_control_end_at_a_moment_happens_when_the_clock_passes_it(served: Served) -> None:
    assert served.ok("POST", "clock", {"now": "2030-01-01T10:00:00Z"}) == {
        "now": rfc2822(T0),
        "scheduled": 0,
    }
    room = served.ok("POST", "conferences", {"friendly_name": "Later"}, status=201)
    pending = served.ok("POST", f"conferences/{room['sid']}/end", {"at": "2030-01-01T10:30:00Z"})
    assert pending["status"] == "in-progress"
    client = served.client()
    assert client.conferences(room["sid"]).fetch().status == "in-progress"
    assert served.ok("POST", "clock", {"advance": 1799}) == {
        "now": rfc2822(T0 + dt.timedelta(seconds=1799)),
        "scheduled": 1,
    }
    assert client.conferences(room["sid"]).fetch().status == "in-progress"
    assert served.ok("POST", "clock", {"advance": 1})["scheduled"] == 0
    ended = client.conferences(room["sid"]).fetch()
    assert (ended.status, ended.reason_conference_ended) == (
        "completed",
        "conference-ended-via-api",
    )
    assert ended.date_updated == T0 + dt.timedelta(minutes=30)


def test_control_add_a_participant(served: Served) -> None:
    room = served.ok("POST", "conferences", {"friendly_name": "Room", "status": "init"}, status=201)
    path = f"conferences/{room['sid']}/participants"
    added = served.ok("POST", path, {"label": "agent", "muted": True}, status=201)
    assert re.fullmatch(r"CA[0-9a-f]{32}", added["call_sid"])
    assert (added["label"], added["muted"], added["status"]) == ("agent", True, "connected")
    served.ok("POST", path, {"label": "customer"}, status=201)
    client = served.client()
    listed = client.conferences(room["sid"]).participants.list()
    assert [(p.label, p.muted) for p in listed] == [("customer", False), ("agent", True)]
    assert client.conferences(room["sid"]).fetch().status == "in-progress"
    unknown = served.control("POST", path, {"label": "x", "volume": 11})
    assert unknown.status_code == 400
    assert "volume" in unknown.json()["error"]


def test_control_leave_now_and_later(served: Served) -> None:
    served.ok("POST", "clock", {"now": "2030-01-01T10:00:00Z"})
    room = served.ok("POST", "conferences", {"friendly_name": "Chat"}, status=201)
    base = f"conferences/{room['sid']}/participants"
    first = served.ok("POST", base, {"label": "first"}, status=201)
    last = served.ok("POST", base, {"label": "last"}, status=201)
    left = served.ok("POST", f"{base}/first/leave", {})
    assert (left["scheduled"], left["call_sid"]) == (False, first["call_sid"])
    later = served.ok("POST", f"{base}/{last['call_sid']}/leave", {"at": "2030-01-01T10:05:00Z"})
    assert later["scheduled"] is True
    client = served.client()
    assert [p.label for p in client.conferences(room["sid"]).participants.list()] == ["last"]
    served.ok("POST", "clock", {"advance": 300})
    ended = client.conferences(room["sid"]).fetch()
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "last-participant-left",
        last["call_sid"],
    )
    gone = served.control("POST", f"{base}/first/leave", {})
    assert gone.status_code == 404


def test_control_kick_the_moderator_ends_the_conference(served: Served) -> None:
    room = served.ok(
        "POST", "conferences", {"friendly_name": "Board", "status": "init"}, status=201
    )
    base = f"conferences/{room['sid']}/participants"
    moderator = served.ok(
        "POST", base, {"label": "moderator", "end_conference_on_exit": True}, status=201
    )
    served.ok("POST", base, {"label": "guest"}, status=201)
    kicked = served.ok("POST", f"{base}/moderator/kick", {})
    assert kicked["scheduled"] is False
    ended = served.client().conferences(room["sid"]).fetch()
    assert (ended.status, ended.reason_conference_ended, ended.call_sid_ending_conference) == (
        "completed",
        "participant-with-end-conference-on-exit-kicked",
        moderator["call_sid"],
    )


def test_control_call_outcomes(served: Served) -> None:
    busy = "+15005550001"
    assert served.ok("POST", "call-outcomes", {"number": busy, "outcome": "busy"}) == {
        "number": busy,
        "outcome": "busy",
    }
    room = served.ok("POST", "conferences", {"friendly_name": "Calls"}, status=201)
    participants = served.client().conferences(room["sid"]).participants
    queued = participants.create(from_=CALLER, to=busy)
    assert queued.status == "queued"
    answered = participants.create(from_=CALLER, to="+15005550002")
    assert [p.call_sid for p in participants.list()] == [answered.call_sid]
    bad = served.control("POST", "call-outcomes", {"number": busy, "outcome": "maybe"})
    assert bad.status_code == 400
    missing = served.control("POST", "call-outcomes", {"number": busy})
    assert missing.status_code == 400


@pytest.fixture
def receiver(served: Served) -> Iterator[tuple[str, App]]:
    """A webhook receiver (validating X-Twilio-Signature) on 127.0.0.1, in a thread."""
    app = make_app("wsgi", served.auth_token)
    with served_live(app.wsgi) as base:
        yield base, app


def test_control_webhooks_route_callbacks_to_a_live_receiver(
    served: Served, receiver: tuple[str, App]
) -> None:
    base, app = receiver
    assert served.ok("POST", "webhooks", {"base_url": base}) == {"base_url": base}
    client = served.client()
    alice = dial_in(
        client,
        "Hooked",
        "alice",
        conference_status_callback=f"{base}/conference",
        conference_status_callback_event=["start", "join", "end"],
    )
    dial_in(client, "Hooked", "bob")
    client.conferences(alice.conference_sid).update(status="completed")
    received = app.inbox.at("/conference")
    assert [r.event for r in received] == [
        "participant-join",
        "participant-join",
        "conference-start",
        "conference-end",
    ]
    assert all(r.valid for r in received)  # signed with the server's auth token
    assert {r.params["ConferenceSid"] for r in received} == {alice.conference_sid}
    journal = served.ok("GET", "webhooks")
    assert [(w["kind"], w["status_code"], w["error"]) for w in journal] == [
        ("conference-status", 200, None)
    ] * 4
    assert [w["params"]["StatusCallbackEvent"] for w in journal] == [r.event for r in received]
    assert {w["url"] for w in journal} == {f"{base}/conference"}
    bad = served.control("POST", "webhooks", {"base_url": "not a url"})
    assert bad.status_code == 400


def test_control_journals_of_requests_and_events(served: Served) -> None:
    client = served.client()
    alice = dial_in(client, "Journal", "alice")
    client.conferences(alice.conference_sid).fetch()
    with pytest.raises(TwilioRestException):
        client.conferences("CF" + "0" * 32).fetch()
    journal = served.ok("GET", "requests")
    assert [(r["method"], r["status_code"]) for r in journal] == [
        ("POST", 201),
        ("GET", 200),
        ("GET", 404),
    ]
    assert journal[0]["params"] == {"From": CALLER, "To": "client:alice", "Label": "alice"}
    assert journal[1]["url"].endswith(f"/Conferences/{alice.conference_sid}.json")
    assert all(urlsplit(r["url"]).path.startswith("/2010-04-01/") for r in journal)
    events = served.ok("GET", "events")
    assert [e["kind"] for e in events] == [
        "conference-create",
        "call-initiated",
        "call-ringing",
        "call-answered",
        "participant-join",
    ]
    assert {e["conference_sid"] for e in events} == {alice.conference_sid}
    assert {e["call_sid"] for e in events[1:]} == {alice.call_sid}
    assert served.ok("GET", "webhooks") == []


def test_control_clock_now_advance_and_release(served: Served) -> None:
    past = dt.datetime(2020, 6, 1, 8, 0, 0, tzinfo=UTC)
    assert served.ok("POST", "clock", {"now": "2020-06-01T10:00:00+02:00"})["now"] == rfc2822(past)
    moved = served.ok("POST", "clock", {"advance": 90})
    assert moved["now"] == rfc2822(past + dt.timedelta(seconds=90))
    room = served.ok("POST", "conferences", {"friendly_name": "Stamped"}, status=201)
    assert room["date_created"] == rfc2822(past + dt.timedelta(seconds=90))
    released = served.ok("POST", "clock", {"release": True})
    now = email.utils.parsedate_to_datetime(released["now"])
    assert abs((now - dt.datetime.now(UTC)).total_seconds()) < 5  # real time again
    for bad in [{"advance": "soon"}, {"advance": True}, {"advance": -1}, {"now": "yesterday"},
                {"now": "2030-01-01T10:00:00"}]:  # fmt: skip
        response = served.control("POST", "clock", bad)
        assert response.status_code == 400, bad
        assert "error" in response.json()


def test_control_reset_forgets_everything_but_the_credentials(served: Served) -> None:
    client = served.client()
    alice = dial_in(client, "Before", "alice")
    served.ok("POST", "call-outcomes", {"number": "+15005550001", "outcome": "busy"})
    assert served.ok("POST", "reset") == {"reset": True}
    state = served.control("GET", "state").json()
    assert (state["account_sid"], state["conferences"], state["events"]) == (
        served.account_sid,
        [],
        [],
    )
    assert served.ok("GET", "requests") == []
    with pytest.raises(TwilioRestException) as caught:
        client.conferences(alice.conference_sid).fetch()  # same credentials still work
    assert caught.value.status == 404
    again = dial_in(client, "Before", "alice")  # the name and the label are free again
    kept = client.conferences(again.conference_sid).participants.create(
        from_=CALLER, to="+15005550001"
    )
    assert {p.call_sid for p in client.conferences(again.conference_sid).participants.list()} == {
        again.call_sid,
        kept.call_sid,
    }


# -- faults --------------------------------------------------------------------------------------


def test_control_faults_answer_twilios_429_with_retry_after(served: Served) -> None:
    created = served.ok(
        "POST",
        "faults",
        {"status": 429, "retry_after": 2, "method": "get", "path": "/Conferences.json"},
        status=201,
    )
    assert isinstance(created["id"], int)
    assert (created["status"], created["method"], created["times"]) == (429, "GET", 1)
    assert (created["hits"], created["active"]) == (0, True)
    http = served.http()
    limited = http.get(f"{served.account_url}/Conferences.json", timeout=10)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "2")
    assert limited.json() == {
        "code": 20429,
        "message": "Too Many Requests",
        "more_info": "https://www.twilio.com/docs/errors/20429",
        "status": 429,
    }
    assert http.get(f"{served.account_url}/Conferences.json", timeout=10).status_code == 200
    [listed] = served.ok("GET", "faults")
    assert (listed["id"], listed["hits"], listed["active"]) == (created["id"], 1, False)


def test_control_faults_503_through_the_twilio_client_changes_nothing(served: Served) -> None:
    client = served.client()
    served.ok("POST", "faults", {"status": 503, "method": "POST", "times": 2}, status=201)
    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            dial_in(client, "Busy", "alice")
        assert (caught.value.status, caught.value.code) == (503, 20503)
    state = served.control("GET", "state").json()
    assert state["conferences"] == []
    assert dial_in(client, "Busy", "alice").status == "queued"


def test_control_connection_fault_drops_the_connection(served: Served) -> None:
    served.ok("POST", "faults", {"error": "connection"}, status=201)
    http = served.http()
    with pytest.raises(requests.exceptions.ConnectionError):
        http.get(f"{served.account_url}/Conferences.json", timeout=10)
    assert http.get(f"{served.account_url}/Conferences.json", timeout=10).status_code == 200
    journal = served.ok("GET", "requests")
    assert [(r["status_code"], r["error"]) for r in journal] == [(0, "connection"), (200, None)]


def test_control_faults_delay_moves_the_servers_clock(served: Served) -> None:
    served.ok("POST", "clock", {"now": "2030-01-01T10:00:00Z"})
    served.ok("POST", "faults", {"delay": 45}, status=201)
    assert served.http().get(f"{served.account_url}/Conferences.json", timeout=10).ok
    room = served.ok("POST", "conferences", {"friendly_name": "Later"}, status=201)
    assert room["date_created"] == rfc2822(T0 + dt.timedelta(seconds=45))


def test_control_faults_remove_one_or_all(served: Served) -> None:
    first = served.ok("POST", "faults", {"status": 500, "times": None}, status=201)
    second = served.ok("POST", "faults", {"status": 503, "probability": 0.5}, status=201)
    assert second["times"] is None
    assert [f["id"] for f in served.ok("GET", "faults")] == [first["id"], second["id"]]
    assert served.ok("DELETE", f"faults/{first['id']}")["id"] == first["id"]
    assert served.control("DELETE", f"faults/{first['id']}").status_code == 404
    assert [f["id"] for f in served.ok("GET", "faults")] == [second["id"]]
    served.ok("DELETE", "faults")
    assert served.ok("GET", "faults") == []
    assert served.http().get(f"{served.account_url}/Conferences.json", timeout=10).ok


def test_control_faults_refuse_bad_input_with_400(served: Served) -> None:
    for body, message in [
        ({"error": "timeout"}, "in-process only"),
        ({"status": 404}, "status must be one of"),
        ({"status": 429, "times": 0}, "times must be"),
        ({"status": 429, "probability": 0.5, "times": 2}, "not both"),
        ({"status": 429, "retry": 1}, "unknown fault option"),
        ({}, "needs a status, an error or a delay"),
    ]:
        response = served.control("POST", "faults", body)
        assert response.status_code == 400, (body, response.text)
        assert message in response.json()["error"], body
    assert served.ok("GET", "faults") == []


# -- control errors -------------------------------------------------------------------------------

CONTROL_ROUTES = [
    ("POST", "conferences"),
    ("POST", "conferences/CF00000000000000000000000000000000/end"),
    ("POST", "conferences/CF00000000000000000000000000000000/participants"),
    ("POST", "conferences/CF00000000000000000000000000000000/participants/a/leave"),
    ("POST", "conferences/CF00000000000000000000000000000000/participants/a/kick"),
    ("POST", "call-outcomes"),
    ("GET", "calls"),
    ("GET", "calls/CA00000000000000000000000000000000"),
    ("POST", "calls/CA00000000000000000000000000000000/hang-up"),
    ("POST", "webhooks"),
    ("GET", "requests"),
    ("GET", "webhooks"),
    ("GET", "events"),
    ("POST", "clock"),
    ("POST", "reset"),
    ("POST", "faults"),
    ("GET", "faults"),
    ("DELETE", "faults"),
    ("DELETE", "faults/1"),
]


def test_control_without_credentials_is_401_and_does_nothing(served: Served) -> None:
    room = served.ok("POST", "conferences", {"friendly_name": "Kept"}, status=201)
    for auth in [None, (served.account_sid, "wrong")]:
        for method, path in CONTROL_ROUTES:
            response = requests.request(
                method, f"{served.base_url}/_fakeconf/{path}", json={}, auth=auth, timeout=10
            )
            assert response.status_code == 401, (method, path, auth)
            assert "error" in response.json()
    state = served.control("GET", "state").json()
    assert [c["sid"] for c in state["conferences"]] == [room["sid"]]


def test_unknown_control_paths_are_404(served: Served) -> None:
    for method, path in [("GET", "nope"), ("POST", "nope"), ("GET", "conferences/x"),
                         ("POST", "conferences/CF1/participants/a"), ("DELETE", "faults/1/2"),
                         ("GET", ""), ("POST", "reset/now")]:  # fmt: skip
        response = served.control(method, path, {} if method == "POST" else None)
        assert response.status_code == 404, (method, path)
        assert "error" in response.json()


def _allowed_methods() -> dict[str, set[str]]:
    """Each control path of CONTROL_ROUTES (and state) with the methods it takes."""
    allowed: dict[str, set[str]] = {"state": {"GET"}}
    for method, path in CONTROL_ROUTES:
        allowed.setdefault(path, set()).add(method)
    return allowed


def test_a_method_a_control_path_does_not_take_is_405_with_allow(served: Served) -> None:
    room = served.ok("POST", "conferences", {"friendly_name": "Kept"}, status=201)
    for path, methods in _allowed_methods().items():
        for method in {"GET", "POST", "DELETE", "PUT", "PATCH"} - methods:
            response = served.control(method, path, {} if method != "GET" else None)
            assert response.status_code == 405, (method, path, response.text)
            assert response.headers["Content-Type"].startswith("application/json")
            assert set(response.headers["Allow"].split(", ")) == methods, (method, path)
            assert set(response.json()) == {"error"}
            assert method in response.json()["error"]
    for method, path in [("GET", "conferences"), ("POST", "requests"), ("DELETE", "reset"),
                         ("POST", "state"), ("GET", "clock")]:  # fmt: skip
        assert served.control(method, path).status_code == 405, (method, path)
    state = served.control("GET", "state").json()
    assert [c["sid"] for c in state["conferences"]] == [room["sid"]]


def test_405_needs_the_credentials_first(served: Served) -> None:
    response = requests.get(f"{served.base_url}/_fakeconf/reset", timeout=10)
    assert response.status_code == 401
    response = requests.post(f"{served.base_url}/_fakeconf/state", json={}, timeout=10)
    assert response.status_code == 401


@pytest.mark.parametrize(
    "path",
    [
        "conferences",
        "conferences/{room}/end",
        "conferences/{room}/participants",
        "conferences/{room}/participants/a/leave",
        "conferences/{room}/participants/a/kick",
        "call-outcomes",
        "webhooks",
        "clock",
        "reset",
        "faults",
    ],
)
def test_every_post_refuses_keys_it_does_not_take_with_400_naming_them(
    served: Served, path: str
) -> None:
    room = served.ok("POST", "conferences", {"friendly_name": "Kept"}, status=201)
    served.ok("POST", f"conferences/{room['sid']}/participants", {"label": "a"}, status=201)
    before = served.control("GET", "state").json()
    body = {"sid": 5, "zz_extra": True}
    response = served.control("POST", path.replace("{room}", room["sid"]), body)
    assert response.status_code == 400, (path, response.text)
    message = response.json()["error"]
    assert "'sid'" in message and "'zz_extra'" in message, message
    after = served.control("GET", "state").json()
    assert (after["conferences"], after["events"]) == (before["conferences"], before["events"])
    assert served.ok("GET", "faults") == []


def test_a_conference_refused_with_a_twilio_error_answers_its_status_and_code(
    served: Served,
) -> None:
    room = served.ok("POST", "conferences", {"friendly_name": "Daily"}, status=201)
    duplicate = served.control("POST", "conferences", {"friendly_name": "Daily"})
    assert duplicate.status_code == 409, duplicate.text
    body = duplicate.json()
    assert (set(body), body["code"]) == ({"error", "code"}, 16099)
    assert room["sid"] in body["error"]
    base = f"conferences/{room['sid']}/participants"
    served.ok("POST", base, {"label": "a"}, status=201)
    taken = served.control("POST", base, {"label": "a"})
    assert (taken.status_code, taken.json()["code"]) == (400, 16026)
    served.ok("POST", f"conferences/{room['sid']}/end", {})
    again = served.control("POST", f"conferences/{room['sid']}/end", {})
    assert (again.status_code, again.json()["code"]) == (400, 16001)
    plain = served.control("POST", "clock", {"advance": "soon"})
    assert (plain.status_code, set(plain.json())) == (400, {"error"})  # no Twilio code


def test_a_body_that_is_not_a_json_object_is_400(served: Served) -> None:
    http = served.http()
    url = f"{served.base_url}/_fakeconf/conferences"
    for body in [b"{not json", b"[1, 2]", b'"text"']:
        response = http.post(url, data=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, body
        assert response.json() == {"error": "the body must be a JSON object"}
    state = served.control("GET", "state").json()
    assert state["conferences"] == []


# -- the fixture ----------------------------------------------------------------------------------


def test_the_fixture_exposes_the_fake_behind_the_socket(fakeconf_server: FakeconfServer) -> None:
    fake = fakeconf_server.fake
    assert not fake.started  # the socket is the only door: nothing is patched
    room = fake.create_conference("Scripted")
    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fakeconf_server.base_url
    assert client.conferences(room.sid).fetch().friendly_name == "Scripted"
    created = dial_in(client, "Over the socket", "alice")
    assert [r.sid for r in fake.conferences] == [created.conference_sid, room.sid]
    assert [(r.method, r.status_code) for r in fake.requests] == [("GET", 200), ("POST", 201)]
    assert fake.requests[0].url.startswith(fakeconf_server.base_url + "/2010-04-01/")
