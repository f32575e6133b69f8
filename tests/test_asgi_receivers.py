"""ASGI receivers: ``route_webhooks`` takes a FastAPI, Starlette or Django ASGI app (or a
bare ``async def app(scope, receive, send)``) as it takes a WSGI app, with no adapter.

Each app validates ``X-Twilio-Signature`` with ``RequestValidator`` against the URL it
rebuilds itself (``str(request.url)``, ``request.build_absolute_uri()``) and serves
TwiML, through the shared :class:`Inbox` of ``webhook_apps``.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from html import escape
from typing import Any
from urllib.parse import parse_qsl

import django
import flask
import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from pytest_fakeconf import FakeTwilio, TwilioError
from pytest_fakeconf.webhooks.asgi import is_asgi, scope_for

from .webhook_apps import SIGNATURE_HEADER, Inbox, wsgi_app

BASE = "https://app.example.com"
VOICE = f"{BASE}/voice"
CALLER = "+15017122661"
LINE = "+15558675310"
ROOM = "<Response><Dial><Conference>Room</Conference></Dial></Response>"


# -- the apps ------------------------------------------------------------------------


async def starlette_endpoint(inbox: Inbox, request: Request) -> Response:
    post = request.method == "POST"
    form = await request.form() if post else None
    data = dict(form) if form is not None else dict(request.query_params)
    status, content_type, body = inbox.handle(
        request.method,
        request.url.path,
        str(request.url),
        form if form is not None else {},
        {k: str(v) for k, v in data.items()},
        request.headers.get(SIGNATURE_HEADER),
    )
    return Response(body, status_code=status, media_type=content_type)


def fastapi_app(inbox: Inbox) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST"])
    async def webhook(request: Request) -> Response:
        return await starlette_endpoint(inbox, request)

    return app


def starlette_app(inbox: Inbox) -> Starlette:
    async def webhook(request: Request) -> Response:
        await asyncio.sleep(0)  # the app's loop runs
        return await starlette_endpoint(inbox, request)

    return Starlette(routes=[Route("/{path:path}", webhook, methods=["GET", "POST"])])


DJANGO_INBOX: list[Inbox] = []  # the inbox of the Django app built last


@csrf_exempt
def django_view(request: HttpRequest) -> HttpResponse:
    inbox = DJANGO_INBOX[-1]
    post = request.method == "POST"
    status, content_type, body = inbox.handle(
        request.method or "GET",
        request.path,
        request.build_absolute_uri(),
        request.POST if post else {},
        (request.POST if post else request.GET).dict(),
        request.headers.get(SIGNATURE_HEADER),
    )
    return HttpResponse(body, status=status, content_type=content_type)


urlpatterns = [re_path(r"^.*$", django_view)]


def django_app(inbox: Inbox) -> Any:
    if not settings.configured:
        settings.configure(
            DEBUG=False,
            SECRET_KEY="fakeconf-tests",
            ALLOWED_HOSTS=["*"],
            ROOT_URLCONF=__name__,
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
            DATABASES={},
            USE_TZ=True,
        )
    from django.core.asgi import get_asgi_application

    DJANGO_INBOX.append(inbox)
    return get_asgi_application()


def bare_app(inbox: Inbox) -> Any:
    """A raw ASGI callable, reading the body in chunks until ``more_body`` is false."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "http"
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        host = headers["host"]
        query = scope["query_string"].decode()
        url = f"{scope['scheme']}://{host}{scope['path']}" + (f"?{query}" if query else "")
        post = scope["method"] == "POST"
        form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        status, content_type, text = inbox.handle(
            scope["method"],
            scope["path"],
            url,
            form if post else {},
            form if post else dict(parse_qsl(query)),
            headers.get(SIGNATURE_HEADER.lower()),
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", content_type.encode())],
            }
        )
        await send({"type": "http.response.body", "body": text.encode()[:2], "more_body": True})
        await send({"type": "http.response.body", "body": text.encode()[2:]})

    return app


FLAVOURS: dict[str, Callable[[Inbox], Any]] = {
    "fastapi": fastapi_app,
    "starlette": starlette_app,
    "django": django_app,
    "bare": bare_app,
}


@pytest.fixture(params=sorted(FLAVOURS))
def inbox(request: pytest.FixtureRequest, fakeconf: FakeTwilio) -> Inbox:
    """An ASGI app of each flavour, routed for BASE, serving the Room TwiML at /voice."""
    box = Inbox(fakeconf.auth_token)
    box.twiml["/voice"] = ROOM
    fakeconf.route_webhooks(BASE, FLAVOURS[request.param](box))
    return box


def room_participant_call_sids(fakeconf: FakeTwilio) -> list[str]:
    rooms = [c for c in fakeconf.conferences if c.friendly_name == "Room"]
    assert len(rooms) == 1
    return [p.call_sid for p in rooms[0].participants]


# -- telling them apart ---------------------------------------------------------------


def test_asgi_apps_are_told_from_wsgi_apps(fakeconf: FakeTwilio) -> None:
    box = Inbox(fakeconf.auth_token)
    for flavour, make in FLAVOURS.items():
        assert is_asgi(make(box)), flavour
    assert not is_asgi(flask.Flask(__name__))
    assert not is_asgi(wsgi_app(box))
    from django.core.wsgi import get_wsgi_application

    assert not is_asgi(get_wsgi_application())


@pytest.mark.parametrize(
    ("url", "server"),
    [
        ("http://localhost:8000/a%20b/c?x=1,2&t=10:30", ("localhost", 8000)),
        ("https://app.example.com/a%20b/c?x=1,2&t=10:30", ("app.example.com", 443)),
        ("http://app.example.com/a%20b/c?x=1,2&t=10:30", ("app.example.com", 80)),
    ],
)
def test_the_scope_reproduces_the_url(url: str, server: tuple[str, int]) -> None:
    headers = {"X-Twilio-Signature": "sig", "Content-Type": "application/x-www-form-urlencoded"}
    scope = scope_for("post", url, headers, b"A=1")
    assert (scope["type"], scope["asgi"]["version"]) == ("http", "3.0")
    assert scope["http_version"] == "1.1"
    assert (scope["method"], scope["scheme"]) == ("POST", url.split(":")[0])
    assert (scope["path"], scope["raw_path"]) == ("/a b/c", b"/a%20b/c")
    assert (scope["query_string"], scope["root_path"], scope["server"]) == (
        b"x=1,2&t=10:30",
        "",
        server,
    )
    assert scope["headers"] == [
        (b"host", url.split("/")[2].encode()),
        (b"content-length", b"3"),
        (b"x-twilio-signature", b"sig"),
        (b"content-type", b"application/x-www-form-urlencoded"),
    ]


# -- voice webhooks --------------------------------------------------------------------


def test_a_call_created_with_the_client_joins_the_room(fakeconf: FakeTwilio, inbox: Inbox) -> None:
    client = Client(fakeconf.account_sid, fakeconf.auth_token)
    call = client.calls.create(to=LINE, from_=CALLER, url=VOICE)
    assert room_participant_call_sids(fakeconf) == [call.sid]
    [seen] = inbox.at("/voice")
    assert (seen.method, seen.url, seen.valid) == ("POST", VOICE, True)
    assert seen.params["CallSid"] == call.sid
    [delivery] = [d for d in fakeconf.webhooks if d.kind == "voice"]
    assert (delivery.status_code, delivery.response_body) == (200, ROOM.encode())


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_dial_in_joins_the_room(fakeconf: FakeTwilio, inbox: Inbox, method: str) -> None:
    participant = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE, method=method)
    assert participant is not None
    assert room_participant_call_sids(fakeconf) == [participant.call_sid]
    [seen] = inbox.at("/voice")
    assert (seen.method, seen.valid) == (method, True)
    assert seen.url.split("?")[0] == VOICE
    assert seen.params["CallSid"] == participant.call_sid
    assert seen.params["From"] == CALLER


@pytest.mark.parametrize(
    "base", ["https://app.example.com:8443", "http://localhost:8000", "https://app.example.com:443"]
)
def test_ports_and_schemes_are_rebuilt_as_signed(fakeconf: FakeTwilio, base: str) -> None:
    box = Inbox(fakeconf.auth_token)
    box.twiml["/hooks/voice"] = ROOM
    fakeconf.route_webhooks(base, starlette_app(box))
    participant = fakeconf.dial_in(f"{base}/hooks/voice?site=eu,1&t=10:30", from_=CALLER, to=LINE)
    assert participant is not None
    [seen] = box.received
    assert (seen.url, seen.valid) == (f"{base}/hooks/voice?site=eu,1&t=10:30", True)


def test_a_wrong_token_is_refused_by_the_app_and_the_call_fails(fakeconf: FakeTwilio) -> None:
    """The control: the apps do check the signature (a 403 is Twilio's 11200)."""
    box = Inbox("0" * 32)
    box.twiml["/voice"] = ROOM
    fakeconf.route_webhooks(BASE, fastapi_app(box))
    with pytest.raises(TwilioError) as raised:
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    assert raised.value.code == 11200
    assert [(r.valid, r.path) for r in box.received] == [(False, "/voice")]
    assert [d.status_code for d in fakeconf.webhooks] == [403]
    assert fakeconf.conferences == []


def test_an_app_that_raises_is_journaled_not_raised(fakeconf: FakeTwilio) -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("the app broke")

    fakeconf.route_webhooks(BASE, broken)
    with pytest.raises(TwilioError):
        fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    [delivery] = fakeconf.webhooks
    assert delivery.status_code is None
    assert delivery.error is not None and "the app broke" in delivery.error


# -- status callbacks ------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_conference_status_callbacks_validate(
    fakeconf: FakeTwilio, inbox: Inbox, method: str
) -> None:
    callback = "/events?tag=a,b&at=10:30"
    inbox.twiml["/voice"] = (
        f'<Response><Dial><Conference statusCallback="{escape(callback)}" '
        f'statusCallbackEvent="start end join leave" statusCallbackMethod="{method}">'
        "Room</Conference></Dial></Response>"
    )
    first = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
    second = fakeconf.dial_in(VOICE, from_="+15005550002", to=LINE)
    assert first is not None and second is not None
    second.leave()
    first.leave()
    expected = [
        "participant-join",
        "participant-join",
        "conference-start",
        "participant-leave",
        "participant-leave",
        "conference-end",
    ]
    deliveries = [d for d in fakeconf.webhooks if d.kind == "conference-status"]
    assert [d.event for d in deliveries] == expected
    assert {d.method for d in deliveries} == {method}
    assert all(d.url.startswith(f"{BASE}/events?tag=a,b&at=10:30") for d in deliveries)
    received = inbox.at("/events")
    assert [(r.method, r.valid, r.event) for r in received] == [(method, True, e) for e in expected]
    assert all(r.url.startswith(f"{BASE}/events?tag=a,b&at=10:30") for r in received)
    if method == "GET":  # the parameters travel in the query string, ':' and ',' literal
        assert all(r.params["tag"] == "a,b" and r.params["at"] == "10:30" for r in received)
        assert all(", " in r.params["Timestamp"] and ":" in r.url[40:] for r in received)


# -- from inside a running event loop --------------------------------------------------


def run_bounded(main: Callable[[], Any], seconds: float = 60) -> Mapping[str, Any]:
    """``asyncio.run(main())`` on a daemon thread: a deadlock fails the test, not the run."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = asyncio.run(main())
        except BaseException as error:  # reported below
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "deadlocked: the ASGI app never answered"
    if "error" in outcome:
        raise outcome["error"]
    return outcome


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")  # twilio's
def test_called_from_a_running_loop_there_is_no_deadlock(
    fakeconf: FakeTwilio, inbox: Inbox
) -> None:
    async def main() -> tuple[str | None, str | None]:
        participant = fakeconf.dial_in(VOICE, from_=CALLER, to=LINE)
        client = Client(
            fakeconf.account_sid, fakeconf.auth_token, http_client=AsyncTwilioHttpClient()
        )
        try:
            call = await client.calls.create_async(to=LINE, from_="+15005550002", url=VOICE)
        finally:
            await client.http_client.close()  # type: ignore[attr-defined]
        return (participant.call_sid if participant else None), call.sid

    dialled, created = run_bounded(main)["result"]
    assert dialled is not None and created is not None
    assert room_participant_call_sids(fakeconf) == [dialled, created]
    assert [(r.valid, r.params["CallSid"]) for r in inbox.at("/voice")] == [
        (True, dialled),
        (True, created),
    ]


def test_django_version_is_an_asgi_one() -> None:
    assert django.VERSION >= (3, 0)
