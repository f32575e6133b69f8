"""The async door: twilio's ``AsyncTwilioHttpClient`` talks aiohttp, which
``responses`` cannot see. With ``aioresponses`` installed (the ``async``
extra), every aiohttp request to a Twilio host is answered by the fake; other
hosts pass through untouched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .responses_mock import METHODS, TWILIO_URL, Answer


def available() -> bool:
    try:
        import aioresponses  # noqa: F401
    except ImportError:
        return False
    return True


class AiohttpTransport:
    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.mock: Any = None

    def start(self) -> None:
        if self.mock is not None or not available():
            return
        from aioresponses import aioresponses

        mock = aioresponses(passthrough_unmatched=True)
        mock.start()
        for method in METHODS:
            mock.add(TWILIO_URL, method=method, callback=self._callback_for(method), repeat=True)
        self.mock = mock

    def stop(self) -> None:
        if self.mock is not None:
            self.mock.stop()
            self.mock = None

    def _callback_for(self, method: str) -> Any:
        from aioresponses import CallbackResult

        def callback(url: Any, **kwargs: Any) -> CallbackResult:
            headers: dict[str, str] = {
                str(k): str(v) for k, v in (kwargs.get("headers") or {}).items()
            }
            auth = kwargs.get("auth")
            if auth is not None:  # aiohttp.BasicAuth: aiohttp would add the header later
                headers["Authorization"] = auth.encode()
            answer = self._answer(method, str(url), headers, _body(kwargs.get("data")))
            response_headers = dict(answer.headers)
            content_type = response_headers.pop("Content-Type", "application/json")
            return CallbackResult(
                method=method,
                status=answer.status,
                body=answer.body,
                content_type=content_type.split(";")[0],
                headers=response_headers,
                response_class=_response_class(),
            )

        return callback


class _SentWriter:
    """Stands for the stream writer of a request already sent (aiohttp >= 3.14)."""

    output_size = 0


def _response_class() -> Any:
    """``ClientResponse`` that also builds on aiohttp versions aioresponses
    does not know yet (3.14 added a required ``stream_writer``)."""
    import inspect

    from aiohttp import ClientResponse

    if "stream_writer" not in inspect.signature(ClientResponse.__init__).parameters:
        return ClientResponse

    class Response(ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _SentWriter())
            super().__init__(method, url, **kwargs)

    return Response


def _body(data: object) -> bytes | str | None:
    if data is None or isinstance(data, (bytes, str)):
        return data
    if isinstance(data, Mapping):
        return urlencode([(k, v) for k, v in data.items() if v is not None], doseq=True)
    return None
