"""The default door: a private ``responses.RequestsMock`` for every Twilio host.

Every sync ``requests`` call (the official ``twilio`` client included, even one
built before the fixture started) to ``*.twilio.com`` is answered by the fake:
``api.twilio.com`` and the regional ``api.{edge}.{region}.twilio.com`` hosts
alike. Nothing reaches a real Twilio host. Requests to any other host pass
through to whatever ``requests`` did before this mock started: an outer
``responses`` mock, or the real network.

Stubs a test adds to :attr:`ResponsesTransport.mock` (for example for Twilio's
Messages endpoint) are tried first; the fake answers what they do not match.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from unittest import mock as std_mock

import requests
import responses
from requests.adapters import HTTPAdapter
from responses.registries import FirstMatchRegistry

from ..api.messages import ApiResponse

TWILIO_URL = re.compile(
    r"https?://(?:[a-z0-9-]+\.)*twilio\.com(?::\d+)?(?:[/?#].*)?\Z", re.I | re.S
)
NOT_TWILIO = re.compile(r"(?!https?://(?:[a-z0-9-]+\.)*twilio\.com(?::\d+)?(?:[/?#]|\Z))", re.I)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

Answer = Callable[[str, str, Mapping[str, str], "bytes | str | None"], ApiResponse]


class _FakeLastRegistry(FirstMatchRegistry):
    """First-match registry whose ``fallback`` responses are tried after every stub.

    The fallback (one callback response per method, calling ``answer_with``) is
    built by the first request that gets past the stubs, not at every start.
    """

    def __init__(self) -> None:
        super().__init__()
        self.answer_with: Callable[[Any], Any] | None = None
        self._fallback: list[responses.BaseResponse] | None = None

    @property
    def fallback(self) -> list[responses.BaseResponse]:
        if self._fallback is None:
            assert self.answer_with is not None, "set answer_with before the mock starts"
            self._fallback = [
                responses.CallbackResponse(method, TWILIO_URL, self.answer_with, content_type=None)
                for method in METHODS
            ]
        return self._fallback

    def find(self, request: Any) -> tuple[Any, list[str]]:
        found, reasons = super().find(request)
        if found is None:
            for response in self.fallback:
                matched, _ = response.matches(request)
                if matched:
                    return response, reasons
        return found, reasons


class _RequestsMock(responses.RequestsMock):
    """``RequestsMock`` patching ``HTTPAdapter.send`` through the module object.

    ``RequestsMock.start`` resolves its dotted ``target`` on every start, which
    tries (and fails) to import ``requests.adapters.HTTPAdapter`` as a module:
    most of a start's cost. The patch itself is the same.
    """

    def start(self) -> None:
        if self._patcher:
            return
        self._patcher = std_mock.patch.object(
            requests.adapters.HTTPAdapter, "send", new=self.unbound_on_send()
        )
        self._patcher.start()


class ResponsesTransport:
    """Starts and stops the mock; turns each intercepted request into ``answer(...)``."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.mock: responses.RequestsMock | None = None

    @property
    def active(self) -> bool:
        return self.mock is not None

    def start(self) -> responses.RequestsMock:
        if self.mock is not None:
            return self.mock
        mock = _RequestsMock(
            assert_all_requests_are_fired=False,
            registry=_FakeLastRegistry,
            real_adapter_send=HTTPAdapter.send,  # chain to whatever was patched before us
        )
        mock.add_passthru(NOT_TWILIO)
        registry = mock.get_registry()
        assert isinstance(registry, _FakeLastRegistry)
        registry.answer_with = self._callback
        mock.start()
        self.mock = mock
        return mock

    def stop(self) -> None:
        if self.mock is not None:
            self.mock.stop(allow_assert=False)
            self.mock.reset()
            self.mock = None

    def _callback(self, request: Any) -> tuple[int, dict[str, str], bytes]:
        answer = self._answer(request.method, request.url, dict(request.headers), request.body)
        if answer.error is not None:
            raise transport_error(answer.error, request)
        return answer.status, dict(answer.headers), answer.body


def transport_error(kind: str, request: Any) -> Exception:
    """What ``requests`` raises for a refused connection or a read timeout
    (an injected fault); twilio's ``TwilioHttpClient`` lets both propagate."""
    if kind == "timeout":
        return requests.exceptions.ReadTimeout(
            f"Read timed out (injected fault): {request.url}", request=request
        )
    return requests.exceptions.ConnectionError(
        f"Connection refused (injected fault): {request.url}", request=request
    )
