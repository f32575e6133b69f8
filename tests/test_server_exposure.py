"""Who may reach the live page and the control endpoints: only requests whose ``Host``
is the server's own (or allowed with ``--allow-host``), and only with an account's
credentials for control (``GET /_fakeconf/state`` too); the page comes with a
Content-Security-Policy naming its inline script and style by hash, ``nosniff``,
``no-referrer`` and ``DENY`` framing. Twilio's API paths answer any ``Host``."""

from __future__ import annotations

import base64
import hashlib
import socket
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
import requests
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio
from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.exposure import HostCheck

FORBIDDEN = "this Host is not the server's own (fakeconf serve --allow-host adds names)"


@pytest.fixture
def server() -> Iterator[FakeconfServer]:
    fake = FakeTwilio(seed="exposure")
    with FakeconfServer(fake, port=0, allowed_hosts=["fake.test", "pinned.test:8443"]) as started:
        yield started


def port_of(server: FakeconfServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def auth(server: FakeconfServer) -> tuple[str, str]:
    return (server.fake.account_sid, server.fake.auth_token)


def state(server: FakeconfServer, host: str) -> requests.Response:
    return requests.get(
        f"{server.base_url}/_fakeconf/state", auth=auth(server), headers={"Host": host}, timeout=10
    )


def test_the_page_and_control_answer_the_servers_own_names(server: FakeconfServer) -> None:
    port = port_of(server)
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        assert state(server, host).status_code == 200, host
        page = requests.get(f"{server.base_url}/", headers={"Host": host}, timeout=10)
        assert page.status_code == 200, host


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1:1", "localhost", "127.0.0.1.evil.example"],
)
def test_another_host_gets_403_on_the_page_and_on_control(
    server: FakeconfServer, host: str
) -> None:
    host = host.format(port=port_of(server))
    refused = state(server, host)
    assert refused.status_code == 403
    assert refused.json() == {"error": FORBIDDEN}
    page = requests.get(f"{server.base_url}/", headers={"Host": host}, timeout=10)
    assert (page.status_code, page.text) == (403, FORBIDDEN)
    assert page.headers["Content-Type"].startswith("text/plain")
    assert server.fake.requests == []


def test_a_request_without_host_is_refused_on_control(server: FakeconfServer) -> None:
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=10) as sock:
        sock.sendall(b"GET /_fakeconf/state HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.0 403"), answer[:200]


def test_allowed_names_open_the_page_and_control(server: FakeconfServer) -> None:
    assert state(server, "fake.test").status_code == 200  # any port
    assert state(server, "fake.test:9999").status_code == 200
    assert state(server, "pinned.test:8443").status_code == 200  # that port only
    assert state(server, "pinned.test:8444").status_code == 403
    assert state(server, "pinned.test").status_code == 403


def test_the_api_answers_any_host(server: FakeconfServer) -> None:
    room = server.fake.create_conference("AnyHost")
    url = f"{server.base_url}/2010-04-01/Accounts/{server.fake.account_sid}/Conferences.json"
    response = requests.get(url, auth=auth(server), headers={"Host": "evil.example"}, timeout=10)
    assert response.status_code == 200
    assert [c["sid"] for c in response.json()["conferences"]] == [room.sid]
    client = Client(*auth(server))
    client.api.base_url = server.base_url
    assert [c.sid for c in client.conferences.list()] == [room.sid]


def test_state_needs_an_accounts_credentials(server: FakeconfServer) -> None:
    url = f"{server.base_url}/_fakeconf/state"
    sid, token = auth(server)
    key = server.fake.create_api_key()
    for credentials in (None, (sid, "wrong"), (key.sid, key.secret), ("", "")):
        response = requests.get(url, auth=credentials, timeout=10)
        assert response.status_code == 401, credentials
        assert "WWW-Authenticate" not in response.headers  # no browser login pop-up
        assert "account_sid" not in response.json()
    assert requests.get(url, auth=(sid, token), timeout=10).json()["account_sid"] == sid


class Inline(HTMLParser):
    """The text of each inline <script> and <style> of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.blocks: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.blocks and not dict(attrs).get("src"):
            self._open = tag
            self.blocks[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.blocks[self._open][-1] += data


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_page_is_served_with_a_policy_naming_its_inline_code(server: FakeconfServer) -> None:
    page = requests.get(f"{server.base_url}/", timeout=10)
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["X-Frame-Options"] == "DENY"
    directives = {
        d.strip().split(" ", 1)[0]: d.strip().split(" ")[1:]
        for d in page.headers["Content-Security-Policy"].split(";")
    }
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in directives["script-src"]
    inline = Inline()
    inline.feed(page.text)
    assert inline.blocks["script"], "the page has an inline script"
    for tag in ("script", "style"):
        for block in inline.blocks[tag]:
            assert sha256(block) in directives[f"{tag}-src"], tag


def test_host_check_names() -> None:
    """The bound address counts (an IPv6 one in brackets); a Host is ``name[:port]``."""
    wildcard = HostCheck("0.0.0.0")
    assert wildcard.allows("0.0.0.0:8080", 8080)
    assert not wildcard.allows("0.0.0.0:8081", 8080)
    assert HostCheck("127.0.0.1").allows("localhost", "80")  # no port: 80
    v6 = HostCheck("::1")
    assert v6.allows("[::1]:8080", "8080")
    assert not v6.allows("[::1]", "8080")
    assert not v6.allows("[::1]:", "8080")
    assert not v6.allows("", 8080)
    assert not v6.allows(None, 8080)
    assert not HostCheck("127.0.0.1").allows("localhost:", "80")
    named = HostCheck("127.0.0.1", [" Fake.Test ", "[fd00::1]:8080"])
    assert named.allows("fake.test:1", "80")
    assert named.allows("[fd00::1]:8080", "80")
    assert not named.allows("[fd00::1]:8081", "80")
