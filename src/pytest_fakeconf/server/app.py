"""The WSGI door: Twilio's API, the control endpoints, and the live page.

One lock serialises every request: the fake is a single in-memory store, and
a request is answered in microseconds, so concurrent clients wait briefly
instead of racing each other. The lock is released while the fake waits on the
app (a TwiML fetch, a status callback over HTTP): an app whose webhook handler
calls the API back (a warm transfer adding a participant) is answered meanwhile.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn
from urllib.parse import quote

from ..core.errors import TwilioError
from ..fake import FakeTwilio
from . import control, page
from .exposure import HostCheck, page_headers
from .limits import MAX_BODY_BYTES, TooLarge, check_parameters, check_size, read_body

CONTROL_PREFIX = "/_fakeconf/"
StartResponse = Callable[..., Any]


class ServerApp:
    """``max_body_bytes`` bounds a request body (see :mod:`.limits`); ``host`` (the
    bound address) and ``allowed_hosts`` are the ``Host`` names the control endpoints
    and the page answer (see :mod:`.exposure`)."""

    def __init__(
        self,
        fake: FakeTwilio,
        *,
        max_body_bytes: int = MAX_BODY_BYTES,
        host: str = "127.0.0.1",
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        self.fake = fake
        self.max_body_bytes = check_size(max_body_bytes)
        self.hosts = HostCheck(host, allowed_hosts)
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
        query = environ.get("QUERY_STRING") or ""
        own = (path == "/" and method == "GET") or path.startswith(CONTROL_PREFIX)
        if own and not self.hosts.allows(environ.get("HTTP_HOST"), environ.get("SERVER_PORT", "")):
            return _answer(start_response, _forbidden(path))
        try:
            body = read_body(environ, self.max_body_bytes)
            form = "form-urlencoded" in (environ.get("CONTENT_TYPE") or "")
            check_parameters(query, body, form and not own)
        except TooLarge as refused:
            return _answer(start_response, _twilio(refused.error))
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
                reply_headers = {**page_headers(content), **reply_headers}  # the page's win
            elif path.startswith(CONTROL_PREFIX):
                status, reply_headers, content = control.handle(
                    self.fake, method, path, headers, body, query
                )
            else:
                answer = self.fake.answer(method, _url(environ), headers, body)
                if answer.error is not None:
                    _drop_connection()
                status, reply_headers, content = answer.status, dict(answer.headers), answer.body
        return _answer(start_response, (status, reply_headers, content))


Reply = tuple[int, dict[str, str], bytes]


def _answer(start_response: StartResponse, answer: Reply) -> list[bytes]:
    status, headers, content = answer
    start_response(f"{status} {_REASONS.get(status, 'Status')}", list(headers.items()))
    return [content]


def _forbidden(path: str) -> Reply:
    """403 for the page or a control endpoint asked for under a name not the server's."""
    why = "this Host is not the server's own (fakeconf serve --allow-host adds names)"
    if path == "/":
        return 403, {"Content-Type": "text/plain; charset=utf-8"}, why.encode()
    return control.reply(403, {"error": why})


def _twilio(error: TwilioError) -> Reply:
    return error.status, {"Content-Type": "application/json"}, json.dumps(error.body()).encode()


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
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
