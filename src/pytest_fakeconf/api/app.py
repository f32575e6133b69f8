"""Routing, authentication and error handling around the resource handlers."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..core.backend import Backend
from ..core.errors import NotFoundError, TwilioError, invalid
from . import conferences, participants, recordings
from .auth import WWW_AUTHENTICATE, authenticate, unauthorized
from .faults import Faults
from .messages import ApiRequest, ApiResponse

Handler = Callable[..., ApiResponse]

_ACCOUNT = r"/2010-04-01/Accounts/(?P<account>[^/]+)"
_ACCOUNT_RE = re.compile(_ACCOUNT + r"(?:/|\.json$|$)")


@dataclass(frozen=True, slots=True)
class Route:
    pattern: re.Pattern[str]
    methods: Mapping[str, Handler]


def _route(suffix: str, **methods: Handler) -> Route:
    return Route(re.compile(_ACCOUNT + suffix + r"\Z"), methods)


ROUTES = (
    _route(r"/Conferences\.json", GET=conferences.list_conferences),
    _route(
        r"/Conferences/(?P<sid>[^/]+)\.json",
        GET=conferences.fetch_conference,
        POST=conferences.update_conference,
    ),
    _route(
        r"/Conferences/(?P<conference>[^/]+)/Participants\.json",
        GET=participants.list_participants,
        POST=participants.create_participant,
    ),
    _route(
        r"/Conferences/(?P<conference>[^/]+)/Participants/(?P<call>[^/]+)\.json",
        GET=participants.fetch_participant,
        POST=participants.update_participant,
        DELETE=participants.delete_participant,
    ),
    _route(r"/Conferences/(?P<conference>[^/]+)/Recordings\.json", GET=recordings.list_recordings),
    _route(
        r"/Conferences/(?P<conference>[^/]+)/Recordings/(?P<sid>[^/]+)\.json",
        GET=recordings.fetch_recording,
        POST=recordings.update_recording,
        DELETE=recordings.delete_recording,
    ),
)

UNIMPLEMENTED = " (pytest-fakeconf does not implement this endpoint)"


class Api:
    """Answers one request at a time against a :class:`Backend`."""

    def __init__(self, backend: Backend, faults: Faults | None = None) -> None:
        self.backend = backend
        self.faults = faults if faults is not None else Faults(0)

    def handle(self, request: ApiRequest) -> ApiResponse:
        try:
            return self._dispatch(request)
        except TwilioError as error:
            headers = WWW_AUTHENTICATE if error.status == 401 else None
            return ApiResponse.json(error.status, error.body(), headers)

    def _dispatch(self, request: ApiRequest) -> ApiResponse:
        if request.malformed is not None:
            # A URL that does not parse (in server mode: a bad Host header) is refused
            # before anything else, as an HTTP server must (RFC 9112 3.2: 400 for an
            # invalid Host). Twilio's own answer is unknown; 20001 is its generic
            # "invalid parameter" 400, the closest code it documents.
            raise invalid(f"Invalid URL: {request.malformed}")
        account = authenticate(self.backend.accounts, request.headers)
        owner = _ACCOUNT_RE.match(request.path)
        if owner is not None and owner.group("account") != account.sid:
            raise unauthorized()
        injected = self.faults.intercept(request, self.backend)
        if injected is not None:  # instead of the operation: nothing changes
            return injected
        for route in ROUTES:
            match = route.pattern.match(request.path)
            if match is None:
                continue
            handler = route.methods.get(request.method)
            if handler is None:
                raise TwilioError(405, 20004, "Method not allowed")
            args = match.groupdict()
            return handler(self.backend, request, args.pop("account"), **args)
        implemented = "/Conferences" in request.path
        raise NotFoundError(request.path, "" if implemented else UNIMPLEMENTED)
