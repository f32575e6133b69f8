"""Server mode refuses requests over its limits with Twilio's error body (413/20413):
a body over ``max_body_bytes`` (by ``Content-Length``, chunked, or without a length),
and a form or query string of more than 1000 parameters; it never reads such a body."""

from __future__ import annotations

import io
import json
import socket
from collections.abc import Iterator
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.app import ServerApp
from pytest_fakeconf.server.cli import main, max_body_bytes
from pytest_fakeconf.server.limits import MAX_BODY_BYTES, MAX_PARAMETERS

LIMIT = 4096
CALLER, CALLEE = "+15017122661", "+15558675310"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def too_large(response: requests.Response) -> None:
    """The answer is Twilio's 413 error body."""
    assert response.status_code == 413, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert (body["code"], body["status"]) == (20413, 413)
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20413"


@pytest.fixture
def server() -> Iterator[FakeconfServer]:
    with FakeconfServer(FakeTwilio(seed="limits"), port=0, max_body_bytes=LIMIT) as started:
        yield started


@pytest.fixture
def session(server: FakeconfServer) -> requests.Session:
    http = requests.Session()
    http.auth = (server.fake.account_sid, server.fake.auth_token)
    return http


def conferences_url(server: FakeconfServer) -> str:
    return f"{server.base_url}/2010-04-01/Accounts/{server.fake.account_sid}/Conferences.json"


def test_the_default_limit_is_one_mebibyte() -> None:
    assert MAX_BODY_BYTES == 1024 * 1024
    assert FakeconfServer(FakeTwilio(seed=1)).app.max_body_bytes == MAX_BODY_BYTES


def test_a_body_at_the_limit_is_answered_and_one_byte_more_is_413(
    server: FakeconfServer, session: requests.Session
) -> None:
    room = server.fake.create_conference("Limits")
    url = f"{server.base_url}/2010-04-01/Accounts/{server.fake.account_sid}"
    url += f"/Conferences/{room.sid}/Participants.json"
    form = f"From={CALLER}&To={CALLEE}&Label=".encode()
    at_limit = form + b"a" * (LIMIT - len(form))
    answered = session.post(url, data=at_limit, headers=FORM, timeout=10)
    assert answered.status_code == 400  # read and parsed: Twilio refuses the long label
    assert answered.json()["code"] != 20413
    too_large(session.post(url, data=at_limit + b"a", headers=FORM, timeout=10))
    assert len(server.fake.requests) == 1  # the refused body never reached the fake


def test_the_twilio_client_sees_a_413_rest_exception(server: FakeconfServer) -> None:
    room = server.fake.create_conference("Limits")
    client = Client(server.fake.account_sid, server.fake.auth_token)
    client.api.base_url = server.base_url
    with pytest.raises(TwilioRestException) as caught:
        client.conferences(room.sid).participants.create(
            from_=CALLER, to=CALLEE, status_callback="https://app.example/" + "x" * LIMIT
        )
    assert (caught.value.status, caught.value.code) == (413, 20413)
    assert room.participants == []


def test_control_endpoints_refuse_a_large_body_with_the_same_answer(
    server: FakeconfServer, session: requests.Session
) -> None:
    name = "x" * LIMIT
    response = session.post(
        f"{server.base_url}/_fakeconf/conferences", json={"friendly_name": name}, timeout=10
    )
    too_large(response)
    assert server.fake.conferences == []


def test_a_chunked_body_over_the_limit_is_413_and_one_under_it_is_answered(
    server: FakeconfServer, session: requests.Session
) -> None:
    def chunks(total: int) -> Iterator[bytes]:
        body = json.dumps({"friendly_name": "Chunked"}).encode().ljust(total)
        for i in range(0, len(body), 1000):
            yield body[i : i + 1000]

    url = f"{server.base_url}/_fakeconf/conferences"
    headers = {"Content-Type": "application/json"}
    # Chunked, the limit counts the chunks' framing too (waitress counts received bytes).
    created = session.post(url, data=chunks(LIMIT // 2), headers=headers, timeout=10)
    assert created.status_code == 201, created.text
    too_large(session.post(url, data=chunks(LIMIT * 50), headers=headers, timeout=10))
    assert [room.friendly_name for room in server.fake.conferences] == ["Chunked"]


def test_more_than_1000_form_parameters_are_413(
    server: FakeconfServer, session: requests.Session
) -> None:
    url = conferences_url(server)
    many = "&".join(f"p{i}=1" for i in range(MAX_PARAMETERS + 1))
    too_large(session.post(url, data=many[: LIMIT * 10], headers=FORM, timeout=10))
    few = "&".join(f"p{i}=1" for i in range(300))  # unknown parameters are ignored
    assert session.get(f"{url}?{few}", timeout=10).status_code == 200


def test_more_than_1000_query_parameters_are_413(
    server: FakeconfServer, session: requests.Session
) -> None:
    query = "&".join("a" for _ in range(MAX_PARAMETERS + 1))
    too_large(session.get(f"{conferences_url(server)}?{query}", timeout=10))
    exactly = "&".join("a" for _ in range(MAX_PARAMETERS))
    assert session.get(f"{conferences_url(server)}?{exactly}", timeout=10).status_code == 200


def test_a_large_control_body_with_many_ampersands_is_not_a_form(
    server: FakeconfServer, session: requests.Session
) -> None:
    name = "&" * 120  # a JSON body is not counted as form parameters
    response = session.post(
        f"{server.base_url}/_fakeconf/conferences",
        json={"friendly_name": name},
        headers=FORM,
        timeout=10,
    )
    assert response.status_code == 201, response.text


class Unreadable(io.RawIOBase):
    """A request body that fails the test if the app reads it."""

    def read(self, size: int = -1) -> bytes:
        raise AssertionError("the app read a body it should have refused unread")


def call_app(app: ServerApp, **environ: Any) -> tuple[str, dict[str, str], bytes]:
    env: dict[str, Any] = {"REQUEST_METHOD": "POST", "PATH_INFO": "/_fakeconf/conferences"}
    env.update(environ)
    setup_testing_defaults(env)
    seen: list[Any] = []
    body = b"".join(app(env, lambda status, headers, *exc: seen.extend([status, headers])))
    return seen[0], dict(seen[1]), body


def test_a_declared_length_over_the_limit_is_refused_without_reading_the_body() -> None:
    """What used to add 185 MB (a 10 MB body of 2.6 million parameters) is not read."""
    app = ServerApp(FakeTwilio(seed=1), max_body_bytes=LIMIT)
    status, headers, body = call_app(
        app, CONTENT_LENGTH=str(10 * 1024 * 1024), **{"wsgi.input": Unreadable()}
    )
    assert status == "413 Request Entity Too Large"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == 20413


def test_a_body_without_a_length_is_read_up_to_the_limit_only() -> None:
    fake = FakeTwilio(seed=1)
    app = ServerApp(fake, max_body_bytes=LIMIT)
    auth = requests.auth._basic_auth_str(fake.account_sid, fake.auth_token)
    stream = io.BytesIO(b" " * (LIMIT * 100))
    status, _, _ = call_app(
        app, HTTP_AUTHORIZATION=auth, **{"wsgi.input": stream, "wsgi.input_terminated": True}
    )
    assert status.startswith("413")
    assert stream.tell() == LIMIT + 1  # one byte past the limit tells it is over
    body = io.BytesIO(json.dumps({"friendly_name": "Terminated"}).encode())
    status, _, _ = call_app(
        app, HTTP_AUTHORIZATION=auth, **{"wsgi.input": body, "wsgi.input_terminated": True}
    )
    assert status.startswith("201")
    # Neither a length nor an end of input: the body is not read (PEP 3333).
    status, _, _ = call_app(app, HTTP_AUTHORIZATION=auth, **{"wsgi.input": Unreadable()})
    assert status.startswith("201")
    # A Content-Length that is no number counts as no body.
    status, _, _ = call_app(
        app, HTTP_AUTHORIZATION=auth, CONTENT_LENGTH="many", **{"wsgi.input": Unreadable()}
    )
    assert status.startswith("201")
    assert [room.friendly_name for room in fake.conferences][-1] == "Terminated"


def test_waitress_keeps_its_own_answer_for_other_bad_requests(server: FakeconfServer) -> None:
    port = int(server.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.split(b"\r\n\r\n", 1)[0].decode()
    assert head.startswith("HTTP/1.1 400"), head
    assert "text/plain" in head


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "10"])
def test_a_limit_that_is_not_a_whole_number_of_bytes_is_refused(bad: Any) -> None:
    with pytest.raises(ValueError, match="max_body_bytes"):
        ServerApp(FakeTwilio(seed=1), max_body_bytes=bad)


def test_serve_takes_max_body_bytes() -> None:
    assert max_body_bytes("2048") == 2048
    for bad in ("0", "-5", "lots"):
        with pytest.raises(SystemExit):
            main(["serve", "--max-body-bytes", bad])
