"""Dispatch through the route registry, authentication and error handling."""

from __future__ import annotations

import re

from ..core.backend import Backend
from ..core.errors import TwilioError, invalid_parameter, method_not_allowed, not_found
from .auth import WWW_AUTHENTICATE, authenticate, unauthorized
from .faults import Faults
from .messages import ApiRequest, ApiResponse
from .routes import REGISTRY

_ACCOUNT_RE = re.compile(r"/2010-04-01/Accounts/(?P<account>[^/]+?)(?:/|\.json$|$)")

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
        if request.malformed is not None:  # FIDELITY: F51
            # A URL that does not parse (in server mode: a bad Host header) is refused
            # before anything else, as an HTTP server must (RFC 9112 3.2: 400 for an
            # invalid Host). Twilio's own answer is unknown; 20001 is its generic
            # "invalid parameter" 400, the closest code it documents.
            raise invalid_parameter(f"Invalid URL: {request.malformed}")
        account = authenticate(self.backend.accounts, request.headers)
        owner = _ACCOUNT_RE.match(request.path)
        if owner is not None and owner.group("account") != account.sid:
            raise unauthorized()
        injected = self.faults.intercept(request, self.backend)
        if injected is not None:  # instead of the operation: nothing changes
            return injected
        resolved = REGISTRY.resolve(request.method, request.path)
        if resolved is None:  # no registered template: an endpoint the fake lacks
            raise not_found(request.path, UNIMPLEMENTED)
        if resolved.route is None:
            raise method_not_allowed()
        return resolved.route.handler(self.backend, request, resolved.args)
