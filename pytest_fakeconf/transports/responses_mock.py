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
    """First-match registry whose ``fallback`` responses are tried after every stub."""

    def __init__(self) -> None:
        super().__init__()
        self.fallback: list[responses.BaseResponse] = []

    def find(self, request: Any) -> tuple[Any, list[str]]:
        found, reasons = super().find(request)
        if found is None:
            for response in self.fallback:
                matched, _ = response.matches(request)
                if matched:
                    return response, reasons
        return found, reasons


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
        mock = responses.RequestsMock(
            assert_all_requests_are_fired=False,
            registry=_FakeLastRegistry,
            real_adapter_send=HTTPAdapter.send,  # chain to whatever was patched before us
        )
        mock.add_passthru(NOT_TWILIO)
        registry = mock.get_registry()
        assert isinstance(registry, _FakeLastRegistry)
        for method in METHODS:
            registry.fallback.append(
                responses.CallbackResponse(method, TWILIO_URL, self._callback, content_type=None)
            )
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
        return answer.status, dict(answer.headers), answer.body
