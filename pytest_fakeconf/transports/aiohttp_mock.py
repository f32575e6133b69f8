"""The async door: twilio's ``AsyncTwilioHttpClient`` talks aiohttp, which
``responses`` cannot see. With ``aioresponses`` installed (the ``async``
extra), every aiohttp request to a Twilio host is answered by the fake; other
hosts pass through untouched.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from .responses_mock import METHODS, TWILIO_URL, Answer


@functools.cache
def _aioresponses() -> Any:
    """The aioresponses module, or None when the ``async`` extra is not installed.

    Imported once: fixture setup runs for every test, and even a cached
    import statement costs a module-lock round trip.
    """
    try:
        import aioresponses
    except ImportError:
        return None
    return aioresponses


def available() -> bool:
    return _aioresponses() is not None


class AiohttpTransport:
    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.mock: Any = None

    def start(self) -> None:
        if self.mock is not None or not available():
            return
        mock = _fast_aioresponses()
        mock.start()
        for method in METHODS:
            mock.add(TWILIO_URL, method=method, callback=self._callback_for(method), repeat=True)
        self.mock = mock

    def stop(self) -> None:
        if self.mock is not None:
            self.mock.stop()
            self.mock = None

    def _callback_for(self, method: str) -> Any:
        callback_result = _aioresponses().CallbackResult

        def callback(url: Any, **kwargs: Any) -> Any:
            headers: dict[str, str] = {
                str(k): str(v) for k, v in (kwargs.get("headers") or {}).items()
            }
            auth = kwargs.get("auth")
            if auth is not None:  # aiohttp.BasicAuth: aiohttp would add the header later
                credentials = f"{auth.login}:{auth.password}".encode(auth.encoding)
                headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode()
            answer = self._answer(method, str(url), headers, _body(kwargs.get("data")))
            response_headers = dict(answer.headers)
            content_type = response_headers.pop("Content-Type", "application/json")
            return callback_result(
                method=method,
                status=answer.status,
                body=answer.body,
                content_type=content_type.split(";")[0],
                headers=response_headers,
                response_class=_response_class(),
            )

        return callback


def _fast_aioresponses() -> Any:
    """aioresponses, patched in without ``autospec``.

    Its own patch builds an autospec of ``ClientSession._request`` on every
    start, about 3 ms: forty times the rest of the fixture's setup. A plain
    function patched onto the class does the same job.
    """
    from unittest.mock import patch

    mock = _aioresponses().aioresponses(passthrough_unmatched=True)

    async def _request(session: Any, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        return await mock._request_mock(session, method, url, *args, **kwargs)

    from aiohttp.client import ClientSession

    mock.patcher = patch.object(ClientSession, "_request", new=_request)
    return mock


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
