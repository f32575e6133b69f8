"""``GET /_fakeconf/story``: what the live page draws, behind the account's credentials;
and the page itself (one inline script, one inline style: what the CSP allows)."""

from __future__ import annotations

import re

import pytest
import requests
from twilio.rest import Client

from pytest_fakeconf.server import FakeconfServer
from pytest_fakeconf.server.page import PAGE, SCRIPT, STYLE

CALLER = "+15017122661"


@pytest.fixture
def client(fakeconf_server: FakeconfServer) -> Client:
    fake = fakeconf_server.fake
    client = Client(fake.account_sid, fake.auth_token)
    client.api.base_url = fakeconf_server.base_url
    return client


def story(server: FakeconfServer, query: str = "", auth: bool = True) -> requests.Response:
    fake = server.fake
    return requests.get(
        f"{server.base_url}/_fakeconf/story{query}",
        auth=(fake.account_sid, fake.auth_token) if auth else None,
        timeout=10,
    )


def test_the_story_endpoint_draws_the_newest_conferences_and_the_calls(
    fakeconf_server: FakeconfServer, client: Client
) -> None:
    rooms = [
        client.conferences(f"Room {i}").participants.create(
            from_=CALLER, to=f"client:p{i}", label=f"p{i}"
        )
        for i in range(3)
    ]
    call = client.calls.create(from_=CALLER, to="+15558675310", twiml="<Response/>")

    answer = story(fakeconf_server)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
    view = answer.json()
    assert [c["friendly_name"] for c in view["conferences"]] == ["Room 2", "Room 1", "Room 0"]
    (bar,) = view["conferences"][0]["participants"]
    assert (bar["call_sid"], bar["label"], bar["left"]) == (rooms[2].call_sid, "p2", None)
    assert [c["sid"] for c in view["calls"]] == [call.sid]  # not the participant legs
    assert view["account_sid"] == fakeconf_server.fake.account_sid
    assert view["counts"]["request"] == 4

    newest = story(fakeconf_server, "?conferences=1").json()
    assert [c["friendly_name"] for c in newest["conferences"]] == ["Room 2"]


def test_since_an_unchanged_cursor_the_answer_is_short(
    fakeconf_server: FakeconfServer, client: Client
) -> None:
    fakeconf_server.fake.clock.freeze(fakeconf_server.fake.clock.now())
    first = story(fakeconf_server).json()
    assert first["changed"] is True and first["conferences"] == []
    cursor = first["cursor"]

    again = story(fakeconf_server, f"?since={cursor}").json()
    assert again == {"cursor": cursor, "changed": False}

    client.conferences("Later").participants.create(from_=CALLER, to="client:a", label="a")
    moved = story(fakeconf_server, f"?since={cursor}").json()
    assert moved["changed"] is True and moved["cursor"] != cursor
    assert [c["friendly_name"] for c in moved["conferences"]] == ["Later"]
    fakeconf_server.fake.clock.advance(1)  # the clock moving is a change too
    assert story(fakeconf_server, f"?since={moved['cursor']}").json()["changed"] is True


@pytest.mark.parametrize("query", ["?conferences=0", "?conferences=101", "?conferences=x"])
def test_a_bad_bound_is_refused(fakeconf_server: FakeconfServer, query: str) -> None:
    answer = story(fakeconf_server, query)
    assert answer.status_code == 400
    assert answer.json() == {"error": "conferences takes a whole number from 1 to 100"}


def test_the_story_needs_the_credentials(fakeconf_server: FakeconfServer) -> None:
    answer = story(fakeconf_server, auth=False)
    assert answer.status_code == 401
    assert "credentials" in answer.json()["error"]


def test_the_page_reads_the_story_with_one_inline_script_and_style(
    fakeconf_server: FakeconfServer,
) -> None:
    answer = requests.get(f"{fakeconf_server.base_url}/", timeout=10)
    assert answer.status_code == 200
    assert answer.text == PAGE
    assert re.findall(r"<script>(.*?)</script>", PAGE, re.DOTALL) == [SCRIPT]
    assert re.findall(r"<style>(.*?)</style>", PAGE, re.DOTALL) == [STYLE]
    assert 'fetch("/_fakeconf/story"' in SCRIPT
    assert "innerHTML" not in SCRIPT and "insertAdjacentHTML" not in SCRIPT
    assert "sessionStorage" in SCRIPT and "localStorage" not in SCRIPT
    assert "history.replaceState" in SCRIPT  # the fragment's credentials leave the URL
