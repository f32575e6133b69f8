"""Carrying a webhook to the application and journaling what happened.

A delivery goes to the receiver routed for the longest matching base URL:
a WSGI application called in-process (Flask, Django, a bare callable), an ASGI
one (see ``asgi``), or a live server reached over HTTP. Whatever the receiver does — answers 5xx,
raises, or is not there at all — is recorded, never raised into the fake.
"""

from __future__ import annotations

import datetime as _dt
import io
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol
from urllib.parse import unquote, urlencode, urlsplit

from ..core.bounded import BoundedLog
from .signature import signature

USER_AGENT = "TwilioProxy/1.1"
FORM = "application/x-www-form-urlencoded"
QUERY_SAFE = ":@,/;!$'()*"  # RFC 3986 allows these in a query component


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    """One request Twilio would have made to the application, and its outcome.

    ``status_code`` is None when nothing received it (no route, a receiver
    that raised, a connection error); ``error`` then says why. The repr leaves out
    the headers and the body.

    Attributes:
        kind: ``conference-status``, ``call-status``, ``recording-status``,
            ``amd-status`` or ``voice`` (a TwiML fetch: voice URL, action, announcement,
            wait or hold music).
        url: the URL as signed (for GET, with the parameters in the query string).
        method: ``GET`` or ``POST``.
        params: the parameters sent, by key.
        headers: the request headers (``X-Twilio-Signature`` among them).
        status_code: what the app answered; None when nothing received it.
        response_body: the app's answer (bytes).
        error: why nothing received it, else None.
        pairs: the parameters as ``(key, value)`` pairs, in the order sent.
        ok: whether the app answered 2xx.
        event: ``StatusCallbackEvent`` (or ``CallStatus``/``RecordingStatus``).
        at: when the fake sent it, on the fake's clock (UTC).
    """

    kind: str  # "conference-status", "call-status", "recording-status", "amd-status", "voice"
    url: str  # as signed: for GET, with the parameters in the query string
    method: str
    status_code: int | None
    response_body: bytes = b""
    error: str | None = None
    at: _dt.datetime | None = None
    # A server's journal keeps thousands of these: the parameters are kept once, as one
    # flat tuple (key, value, key, value, …), and of the headers only the signature
    # (the rest follows from the method); ``pairs``, ``params`` and ``headers`` are
    # made from them when read.
    _flat: tuple[str, ...] = field(default=(), repr=False)
    _signature: str = field(default="", repr=False)

    @property
    def pairs(self) -> tuple[tuple[str, str], ...]:
        flat = self._flat
        return tuple(zip(flat[::2], flat[1::2], strict=True))

    @property
    def params(self) -> Mapping[str, str]:
        flat = self._flat
        params: dict[str, str] = {}
        for index in range(0, len(flat), 2):
            params.setdefault(flat[index], flat[index + 1])
        return MappingProxyType(params)

    @property
    def headers(self) -> Mapping[str, str]:
        return MappingProxyType(_headers(self.method, self._signature))

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def event(self) -> str | None:
        """``StatusCallbackEvent`` (or ``CallStatus``/``RecordingStatus``) of the delivery."""
        params = self.params  # made anew on each read
        for key in ("StatusCallbackEvent", "RecordingStatus", "CallStatus"):
            if key in params:
                return params[key]
        return None

    def __repr__(self) -> str:
        error = "" if self.error is None else f", error={self.error!r}"
        return (
            f"WebhookDelivery(kind={self.kind!r}, method={self.method!r}, url={self.url!r}, "
            f"params={dict(self.params)!r}, status_code={self.status_code!r}{error})"
        )


def _headers(method: str, signature: str) -> dict[str, str]:
    """The headers of a webhook request signed ``signature``."""
    headers = {"X-Twilio-Signature": signature, "User-Agent": USER_AGENT, "Accept": "*/*"}
    if method != "GET":
        headers["Content-Type"] = FORM
    return headers


class Receiver(Protocol):
    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]: ...


WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_receiver(app: WsgiApp) -> Receiver:
    """Call ``app`` in-process with a WSGI environ built from the request."""

    def receive(
        method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        parts = urlsplit(url)
        https = parts.scheme == "https"
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": unquote(parts.path or "/", encoding="latin-1"),
            "QUERY_STRING": parts.query,
            "SERVER_NAME": parts.hostname or "localhost",
            "SERVER_PORT": str(parts.port or (443 if https else 80)),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": parts.scheme or "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": parts.netloc,
        }
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ["HTTP_" + key] = value
        status: list[str] = []

        def start_response(line: str, _headers: Any, _exc_info: Any = None) -> Any:
            status[:] = [line]
            return lambda _data: None

        result = app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(status[0].split()[0]), content

    return receive


def http_receiver(timeout: float = 10.0) -> Receiver:
    """Send the request over the network, for a live server (e.g. on localhost)."""

    def receive(
        method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes]:
        import requests  # a dependency of responses, so always there

        response = requests.request(
            method, url, headers=dict(headers), data=body or None, timeout=timeout
        )
        return response.status_code, response.content

    return receive


class Router:
    """Where webhooks go: receivers by base URL, and the journal of deliveries
    (the newest ``journal_size`` of them, None: every one)."""

    def __init__(
        self,
        auth_token: Callable[[str | None], str],
        outside: Callable[[], AbstractContextManager[object]] = nullcontext,
        journal_size: int | None = None,
        *,
        now: Callable[[], _dt.datetime],
    ) -> None:
        self._now = now  # the fake's clock: stamps each delivery's ``at``
        self._auth_token = auth_token  # the token of an AccountSid (None: the default one)
        # Entered around each request to the app: server mode releases its request lock
        # there, so an app that calls the API back while handling a webhook is answered.
        self._outside = outside
        self._routes: list[tuple[str, Receiver]] = []
        self.journal: BoundedLog[WebhookDelivery] = BoundedLog(journal_size)
        self.listeners: list[Callable[[WebhookDelivery], None]] = []  # hear every delivery

    def route(self, base_url: str, receiver: Receiver) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
        self._routes = [r for r in self._routes if r[0] != base_url.rstrip("/")]
        self._routes.append((base_url.rstrip("/"), receiver))
        self._routes.sort(key=lambda r: len(r[0]), reverse=True)

    def receiver_for(self, url: str) -> Receiver | None:
        for base, receiver in self._routes:
            if url == base or url.startswith((base + "/", base + "?")):
                return receiver
        return None

    def send(
        self, kind: str, url: str, method: str, pairs: Iterable[tuple[str, str]]
    ) -> WebhookDelivery:
        """Sign and deliver; GET puts the parameters in the query string."""
        pairs = tuple(pairs)
        method = method.upper()
        if method == "GET":
            if pairs:
                # Characters a query may hold literally stay literal, so the URL
                # a framework rebuilds (Werkzeug's request.url decodes them) is
                # the URL that was signed.
                query = urlencode(pairs, safe=QUERY_SAFE)
                url = url + ("&" if urlsplit(url).query else "?") + query
            body = b""
            sign_pairs: tuple[tuple[str, str], ...] = ()
        else:
            body = urlencode(pairs).encode()
            sign_pairs = pairs
        account_sid = next((value for key, value in pairs if key == "AccountSid"), None)
        # Signed with the auth token of the account the webhook is about.
        signed = signature(self._auth_token(account_sid), url, sign_pairs)
        headers = _headers(method, signed)
        at = self._now()  # sent now: the app's answer takes no time on the fake's clock
        receiver = self.receiver_for(url)
        status: int | None = None
        content = b""
        error: str | None = None
        if receiver is None:
            error = "no receiver is routed for this URL (see FakeTwilio.route_webhooks)"
        else:
            try:
                with self._outside():
                    status, content = receiver(method, url, headers, body)
            except Exception:  # the application's failure must not break the fake
                error = traceback.format_exc()
        flat = tuple(item for pair in pairs for item in pair)
        delivery = WebhookDelivery(kind, url, method, status, content, error, at, flat, signed)
        self.journal.append(delivery)
        for listener in self.listeners:
            listener(delivery)
        return delivery
