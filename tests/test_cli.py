"""``fakeconf`` on the command line: ``--version``, the defaults in ``--help``, and
``serve --log-requests`` (one line per request on stderr)."""

from __future__ import annotations

import importlib.metadata
import io
import re
import signal
from wsgiref.util import setup_testing_defaults

import pytest
import requests

import pytest_fakeconf
from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server.app import ServerApp
from pytest_fakeconf.server.cli import RequestLog, main

from .test_server import PROMPTLY, Served, ServeProcess

LOG_LINE = re.compile(r"(GET|POST|PUT|DELETE) (/\S*) (\d{3}|-) (\d+\.\d)ms")


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    # In-process: `python -m pytest_fakeconf.server.cli` itself runs in the serve tests,
    # and CI runs the installed `fakeconf --version` against the built wheel.
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out == f"fakeconf {importlib.metadata.version('pytest-fakeconf')}\n"
    assert out == f"fakeconf {pytest_fakeconf.__version__}\n"


def test_serve_help_shows_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for expected in (
        "--host HOST address to bind (default: 127.0.0.1)",
        "--port PORT port; 0 picks a free one (default: 8080)",
        "(default: drawn from --seed)",
        "--seed SEED seed of SIDs and of the default credentials (default: fakeconf)",
        "--threads THREADS worker threads (default: 8)",
        "--log-requests print one line per request to stderr: method, path, status, "
        "milliseconds (default: off)",
    ):
        assert expected in text


def wsgi_get(app: RequestLog, path: str, method: str = "GET") -> str:
    environ: dict[str, object] = {"PATH_INFO": path, "REQUEST_METHOD": method}
    setup_testing_defaults(environ)
    statuses: list[str] = []
    app(environ, lambda status, headers, *exc: statuses.append(status))
    return statuses[0]


def test_request_log_writes_method_path_status_and_milliseconds() -> None:
    fake = FakeTwilio(seed=1)
    stream = io.StringIO()
    app = RequestLog(ServerApp(fake), stream)
    assert wsgi_get(app, f"/2010-04-01/Accounts/{fake.account_sid}/Conferences.json") == (
        "401 Unauthorized"
    )
    assert wsgi_get(app, "/").startswith("200")
    lines = stream.getvalue().splitlines()
    matches = [LOG_LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    assert [(m.group(1), m.group(2), m.group(3)) for m in matches if m] == [
        ("GET", f"/2010-04-01/Accounts/{fake.account_sid}/Conferences.json", "401"),
        ("GET", "/", "200"),
    ]


def test_serve_log_requests_over_the_socket() -> None:
    started = ServeProcess("--port", "0", "--seed", "log", "--log-requests")
    try:
        served = Served(*started.banner(), process=started)
        session = served.http()
        assert session.get(f"{served.account_url}/Conferences.json", timeout=10).ok
        served.ok("POST", "conferences", {"friendly_name": "Logged"}, status=201)
        served.ok("POST", "faults", {"error": "connection"}, status=201)
        with pytest.raises(requests.ConnectionError):
            session.get(f"{served.account_url}/Conferences.json", timeout=10)
        started.popen.send_signal(signal.SIGTERM)
        assert started.wait(timeout=PROMPTLY) == 0
        lines = started.stderr().splitlines()
    finally:
        started.close()
    parsed = [LOG_LINE.fullmatch(line) for line in lines]
    assert all(parsed), lines
    assert [(m.group(1), m.group(2), m.group(3)) for m in parsed if m] == [
        ("GET", f"/2010-04-01/Accounts/{served.account_sid}/Conferences.json", "200"),
        ("POST", "/_fakeconf/conferences", "201"),
        ("POST", "/_fakeconf/faults", "201"),
        ("GET", f"/2010-04-01/Accounts/{served.account_sid}/Conferences.json", "-"),
    ]


def test_serve_logs_nothing_without_the_flag() -> None:
    started = ServeProcess("--port", "0", "--seed", "quiet")
    try:
        served = Served(*started.banner(), process=started)
        assert served.http().get(f"{served.account_url}/Conferences.json", timeout=10).ok
        started.popen.send_signal(signal.SIGTERM)
        assert started.wait(timeout=PROMPTLY) == 0
        assert started.stderr() == ""
    finally:
        started.close()
