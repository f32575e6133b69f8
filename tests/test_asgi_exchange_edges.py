"""Edges of carrying a webhook to an ASGI app: the scope's ``host`` and
``content-length`` come from the URL and body only, messages an app sends that are
neither the response start nor its body are ignored, and an app that returns
without starting a response fails the delivery (Twilio's 11200), never the test run."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pytest_fakeconf import FakeTwilio, TwilioError
from pytest_fakeconf.webhooks.asgi import exchange, scope_for

BASE = "https://asgi.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"
ROOM = b"<Response><Dial><Conference>Room</Conference></Dial></Response>"


def test_host_and_content_length_headers_given_are_replaced_by_the_url_and_body() -> None:
    headers = {"Host": "evil.example", "Content-Length": "999", "X-Twilio-Signature": "s"}
    scope = scope_for("POST", "https://app.example.com:8443/voice", headers, b"A=1&B=2")
    assert scope["headers"] == [
        (b"host", b"app.example.com:8443"),
        (b"content-length", b"7"),
        (b"x-twilio-signature", b"s"),
    ]


def test_messages_other_than_the_response_are_ignored() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.body", "body": b"too early"})  # before the start
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.trailers", "headers": []})
        await send({"type": "http.response.body", "body": b"<Resp", "more_body": True})
        await send({"type": "http.response.body", "body": b"onse/>"})

    scope = scope_for("POST", VOICE, {}, b"")
    assert asyncio.run(exchange(app, scope, b"")) == (200, b"<Response/>")


def test_an_app_that_never_starts_a_response_fails_the_delivery_with_11200(
    fakeconf: FakeTwilio,
) -> None:
    async def silent(scope: Any, receive: Any, send: Any) -> None:
        await receive()

    fakeconf.route_webhooks(BASE, silent)
    with pytest.raises(TwilioError) as raised:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert raised.value.code == 11200
    (delivery,) = fakeconf.webhooks
    assert delivery.status_code is None
    assert delivery.error is not None and "without sending http.response.start" in delivery.error
    assert fakeconf.conferences == []


def test_an_app_that_answers_joins_the_room(fakeconf: FakeTwilio) -> None:
    async def room(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        headers = [(b"content-type", b"text/xml")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": ROOM})

    fakeconf.route_webhooks(BASE, room)
    joined = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert joined is not None
    assert fakeconf.get_conference(joined.conference_sid).friendly_name == "Room"
