"""The WSGI door: Twilio's API, the control endpoints, and the live page.

One lock serialises every request: the fake is a single in-memory store, and
a request is answered in microseconds, so concurrent clients wait briefly
instead of racing each other. The lock is released while the fake waits on the
app (a TwiML fetch, a status callback over HTTP): an app whose webhook handler
calls the API back (a warm transfer adding a participant) is answered meanwhile.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn
from urllib.parse import quote

from ..fake import FakeTwilio
from . import control, page

CONTROL_PREFIX = "/_fakeconf/"
StartResponse = Callable[..., Any]


class ServerApp:
    def __init__(self, fake: FakeTwilio) -> None:
        self.fake = fake
        self.lock = threading.Lock()
        self._holder: int | None = None
        fake._outside = self._unlocked

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self.lock:
            self._holder = threading.get_ident()
            try:
                yield
            finally:
                self._holder = None

    @contextmanager
    def _unlocked(self) -> Iterator[None]:
        """Release the lock around a delivery made by the request that holds it."""
        if self._holder != threading.get_ident():
            yield
            return
        self._holder = None
        self.lock.release()
        try:
            yield
        finally:
            self.lock.acquire()
            self._holder = threading.get_ident()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO") or "/"
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        headers = {
            key[5:].replace("_", "-").title(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = environ["CONTENT_TYPE"]
        with self._locked():
            if path == "/" and method == "GET":
                status, reply_headers, content = page.render()
            elif path.startswith(CONTROL_PREFIX):
                status, reply_headers, content = control.handle(
                    self.fake, method, path, headers, body
                )
            else:
                answer = self.fake.answer(method, _url(environ), headers, body)
                if answer.error is not None:
                    _drop_connection()
                status, reply_headers, content = answer.status, dict(answer.headers), answer.body
        start_response(f"{status} {_REASONS.get(status, 'Status')}", list(reply_headers.items()))
        return [content]


def _drop_connection() -> NoReturn:
    """Close the connection without answering (an injected ``error`` fault).

    waitress closes the socket, writing nothing, when the app raises its
    ``ClientDisconnected`` before any header is out: the client sees the
    connection closed without a response (a connection error), never a 500.
    """
    from waitress.channel import ClientDisconnected

    raise ClientDisconnected("injected fault: the connection is dropped")


def _url(environ: dict[str, Any]) -> str:
    """The URL as the client sent it (percent-encoding kept: labels may hold spaces)."""
    raw = environ.get("REQUEST_URI") or environ.get("RAW_URI")
    if not raw:
        raw = quote(environ.get("PATH_INFO") or "/", encoding="latin-1")
        if environ.get("QUERY_STRING"):
            raw += "?" + environ["QUERY_STRING"]
    host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{raw}"


_REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
