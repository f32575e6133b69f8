"""Test applications that receive the fake's webhooks the way a production app would.

Every request is checked with ``twilio.request_validator.RequestValidator`` and the
account's auth token: the app rebuilds the URL Twilio requested (from the WSGI
environ, or Flask's ``request.url``), takes the form fields of a POST (none for a
GET, whose data is in the query string) and answers 403 when the signature does
not match. It records what it received and serves TwiML for voice routes.

Two flavours share one :class:`Inbox` (what to answer, what was received):
:func:`wsgi_app`, a bare WSGI callable, and :func:`flask_app`, a ``flask.Flask`` app.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote
from wsgiref.simple_server import WSGIRequestHandler, make_server

import flask
from twilio.request_validator import RequestValidator

from pytest_fakeconf import FakeTwilio

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Hook = Callable[["Received"], None]
SIGNATURE_HEADER = "X-Twilio-Signature"


class Form(dict[str, list[str]]):
    """Form fields with every value of a repeated key (``getlist``, as Django's QueryDict)."""

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Form:
        form = cls()
        for key, value in pairs:
            form.setdefault(key, []).append(value)
        return form

    def getlist(self, key: str) -> list[str]:
        return list(self[key])


@dataclass(frozen=True)
class Received:
    """One request as the app saw it."""

    method: str
    path: str
    url: str  # as the app rebuilt it (what it validated)
    params: Mapping[str, str]  # first value of each key: form for POST, query for GET
    valid: bool
    signature: str | None

    @property
    def event(self) -> str | None:
        return self.params.get("StatusCallbackEvent")


@dataclass
class Inbox:
    """What the app answers, and everything it received.

    ``twiml`` maps a path to the TwiML served there (voice routes); any other path
    answers 200 with an empty body, as a status-callback handler does. ``hooks`` run
    for a validated request on their path (after it is recorded): they may call the
    REST API back, or raise. ``status`` forces the status code of a path.
    """

    auth_token: str
    twiml: dict[str, str] = field(default_factory=dict)
    hooks: dict[str, Hook] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def validator(self) -> RequestValidator:
        return RequestValidator(self.auth_token)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def handle(
        self,
        method: str,
        path: str,
        url: str,
        signed: Any,
        data: Mapping[str, str],
        signature: str | None,
    ) -> tuple[int, str, str]:
        """The app's logic once its flavour rebuilt the request: (status, type, body).

        ``signed`` is what goes to the validator (the POST form, or nothing for a
        GET); ``data`` is what the request carried (form or query string).
        """
        valid = signature is not None and self.validator().validate(url, signed, signature)
        self.received.append(Received(method, path, url, dict(data), valid, signature))
        if not valid:
            return 403, "text/plain", "invalid X-Twilio-Signature"
        if path in self.hooks:
            self.hooks[path](self.received[-1])
        if path in self.status:
            return self.status[path], "text/plain", "forced"
        if path in self.twiml:
            return 200, "text/xml", self.twiml[path]
        return 200, "text/plain", ""


def rebuild_url(environ: Mapping[str, Any]) -> str:
    """The request URL, reconstructed as PEP 3333 describes."""
    scheme = environ["wsgi.url_scheme"]
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ["SERVER_NAME"]
        default = "443" if scheme == "https" else "80"
        if environ["SERVER_PORT"] != default:
            host += ":" + environ["SERVER_PORT"]
    path = quote(environ.get("SCRIPT_NAME", "")) + quote(environ.get("PATH_INFO", ""))
    query = environ.get("QUERY_STRING", "")
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def wsgi_app(inbox: Inbox) -> WsgiApp:
    """A bare WSGI application validating and recording every request into ``inbox``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        signed = Form()
        query = Form.from_pairs(parse_qsl(environ.get("QUERY_STRING", "")))
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length).decode()
            signed = Form.from_pairs(parse_qsl(body, keep_blank_values=True))
        data = signed if method == "POST" else query
        status, content_type, body_text = inbox.handle(
            method,
            environ.get("PATH_INFO", "/"),
            rebuild_url(environ),
            signed,
            {key: values[0] for key, values in data.items()},
            environ.get("HTTP_X_TWILIO_SIGNATURE"),
        )
        content = body_text.encode()
        start_response(
            f"{status} {'OK' if status < 400 else 'ERROR'}",
            [("Content-Type", content_type), ("Content-Length", str(len(content)))],
        )
        return [content]

    return app


def flask_app(inbox: Inbox) -> flask.Flask:
    """The same app written with Flask (``request.url``, ``request.form``)."""
    app = flask.Flask(__name__)

    @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
    @app.route("/<path:path>", methods=["GET", "POST"])
    def webhook(path: str) -> flask.Response:
        request = flask.request
        post = request.method == "POST"
        signed = request.form if post else {}
        data = request.form if post else request.args
        status, content_type, body = inbox.handle(
            request.method,
            request.path,
            request.url,
            signed,
            data.to_dict(),  # first value of each key
            request.headers.get(SIGNATURE_HEADER),
        )
        return flask.Response(body, status=status, content_type=content_type)

    return app


FLAVOURS: dict[str, Callable[[Inbox], WsgiApp]] = {"wsgi": wsgi_app, "flask": flask_app}


@dataclass
class App:
    """A receiver app of one flavour and the inbox it shares with the test."""

    flavour: str
    inbox: Inbox
    wsgi: WsgiApp


def make_app(flavour: str, auth_token: str) -> App:
    inbox = Inbox(auth_token)
    return App(flavour, inbox, FLAVOURS[flavour](inbox))


def routed_app(fake: FakeTwilio, flavour: str, base_url: str) -> App:
    """An app of ``flavour`` receiving every webhook ``fake`` sends under ``base_url``."""
    built = make_app(flavour, fake.auth_token)
    fake.route_webhooks(base_url, built.wsgi)
    return built


def response(*verbs: str) -> str:
    """A TwiML document holding ``verbs``."""
    return "<Response>" + "".join(verbs) + "</Response>"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def served_live(wsgi: Any) -> Iterator[str]:
    """Serve ``wsgi`` with wsgiref on 127.0.0.1 (a free port) in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, wsgi, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
