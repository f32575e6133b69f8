"""Carrying a webhook to an ASGI application in-process (FastAPI, Starlette, Django's
``get_asgi_application()``, a bare ``async def app(scope, receive, send)``).

The HTTP scope reproduces the signed URL as the WSGI environ does (scheme, the
``host`` header as given, the server's port defaulted the same way, path and
query), so ``str(request.url)`` or ``request.build_absolute_uri()`` validates with
``RequestValidator``. The app runs on a fresh event loop: ``asyncio.run`` when this
thread runs none, else on a worker thread waited for, so a webhook sent while a
coroutine calls the fake does not deadlock its loop. No lifespan events are sent.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import Awaitable, Callable, Coroutine, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from .delivery import Receiver

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
AsgiApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

T = TypeVar("T")


def is_asgi(app: object) -> bool:
    """Whether ``app`` is an ASGI app: a coroutine function, or an object whose
    ``__call__`` is one (Starlette, FastAPI, Django's ``ASGIHandler``)."""
    if inspect.iscoroutinefunction(app):
        return True
    return callable(app) and inspect.iscoroutinefunction(type(app).__call__)


def scope_for(method: str, url: str, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
    """The ASGI HTTP scope of a request to ``url``, as a server in front of the app builds it."""
    parts = urlsplit(url)
    scheme = parts.scheme or "http"
    raw_path = parts.path or "/"
    default_port = 443 if scheme == "https" else 80
    pairs: list[tuple[bytes, bytes]] = [
        (b"host", parts.netloc.encode("latin-1")),
        (b"content-length", str(len(body)).encode("latin-1")),
    ]
    for name, value in headers.items():
        if name.lower() not in ("host", "content-length"):
            pairs.append((name.lower().encode("latin-1"), value.encode("latin-1")))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": scheme,
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("utf-8"),
        "query_string": parts.query.encode("utf-8"),
        "root_path": "",
        "headers": pairs,
        "server": (parts.hostname or "localhost", parts.port or default_port),
        "client": ("127.0.0.1", 0),
        "state": {},
    }


async def exchange(app: AsgiApp, scope: dict[str, Any], body: bytes) -> tuple[int, bytes]:
    """Run one request through ``app``: (status, body).

    ``receive`` gives the body in one ``http.request``, then ``http.disconnect`` only
    once the response is complete (Django cancels a view on an early disconnect).
    """
    complete = asyncio.Event()
    body_sent = False
    status: int | None = None
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal body_sent
        if not body_sent:
            body_sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body" and status is not None:
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                complete.set()

    try:
        await app(scope, receive, send)
    finally:
        complete.set()
    if status is None:
        raise RuntimeError("the ASGI app returned without sending http.response.start")
    return status, b"".join(chunks)


def run(coroutine: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``coroutine()`` to completion on a fresh event loop, from sync code.

    With an event loop running in this thread (a coroutine called the fake), the
    loop is blocked by this call: the app runs on a worker thread's own loop.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine())
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="fakeconf-asgi") as pool:
        return pool.submit(context.run, lambda: asyncio.run(coroutine())).result()


def asgi_receiver(app: AsgiApp) -> Receiver:
    """Call ``app`` in-process with an ASGI HTTP scope built from the request."""

    def receive(
        method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        scope = scope_for(method, url, headers, body)
        return run(lambda: exchange(app, scope, body))

    return receive
