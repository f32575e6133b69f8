"""The async door: twilio's ``AsyncTwilioHttpClient`` talks aiohttp, which
``responses`` cannot see. With ``aioresponses`` installed (the ``async``
extra), every aiohttp request to a Twilio host is answered by the fake; other
hosts pass through untouched.
"""

from __future__ import annotations

import base64
import errno
import functools
import threading
from collections.abc import Callable, Mapping
from typing import Any
from unittest.mock import patch
from urllib.parse import urlencode, urlsplit

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
    """Patches ``ClientSession._request`` while started. The aioresponses mock
    that answers (with its matchers) is built by the first aiohttp request, so
    a test that never uses aiohttp pays for the patch only."""

    def __init__(self, answer: Answer) -> None:
        self._answer = answer
        self.mock: Any = None
        self._patcher: Any = None
        self._lock = threading.Lock()

    def start(self) -> None:
        if self._patcher is not None or not available():
            return
        patcher = _patch_request(self._aioresponses_mock)
        patcher.start()
        self._patcher = patcher

    def stop(self) -> None:
        with self._lock:
            patcher, mock = self._patcher, self.mock
            self._patcher = self.mock = None
        if mock is not None:
            mock.stop()  # closes its responses, then stops the patcher
        elif patcher is not None:
            patcher.stop()

    def _aioresponses_mock(self) -> Any:
        """The aioresponses mock answering for the fake: built on first use."""
        with self._lock:
            if self.mock is None:
                mock = _aioresponses().aioresponses(passthrough_unmatched=True)
                mock.patcher = self._patcher  # started: passthrough calls its original
                mock._responses, mock._matches = [], {}  # what aioresponses.start() sets
                for method in METHODS:
                    callback = self._callback_for(method)
                    mock.add(TWILIO_URL, method=method, callback=callback, repeat=True)
                self.mock = mock
            return self.mock

    def _callback_for(self, method: str) -> Any:
        callback_result = _aioresponses().CallbackResult

        def callback(url: Any, **kwargs: Any) -> Any:
            # ``auth=BasicAuth(...)`` is already the Authorization header (_auth_as_header).
            headers = {str(k): str(v) for k, v in (kwargs.get("headers") or {}).items()}
            answer = self._answer(method, str(url), headers, _body(kwargs.get("data")))
            if answer.error is not None:
                raise transport_error(answer.error, url)
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


def transport_error(kind: str, url: Any) -> Exception:
    """What aiohttp raises for a refused connection or a read timeout (an
    injected fault): ``ClientConnectorError`` and ``SocketTimeoutError`` (a
    ``ServerTimeoutError``, so an ``asyncio.TimeoutError`` too)."""
    import aiohttp

    if kind == "timeout":
        timeout = getattr(aiohttp, "SocketTimeoutError", aiohttp.ServerTimeoutError)
        return timeout(f"Timeout on reading data from socket (injected fault): {url}")
    refused = OSError(errno.ECONNREFUSED, "Connect call failed (injected fault)")
    try:
        from aiohttp.client_reqrep import ConnectionKey

        known = {"host": url.host, "port": url.port, "is_ssl": url.scheme == "https", "ssl": True}
        fields: dict[str, Any] = {name: known.get(name) for name in ConnectionKey._fields}
        key = ConnectionKey(**fields)
        return aiohttp.ClientConnectorError(key, refused)
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - other aiohttp keys
        return aiohttp.ClientConnectionError(f"Cannot connect to host {url} [{refused.strerror}]")


@functools.cache
def _client_session() -> Any:
    from aiohttp.client import ClientSession

    return ClientSession


def _patch_request(aioresponses_mock: Callable[[], Any]) -> Any:
    """A patch of ``ClientSession._request`` handing requests to ``aioresponses_mock()``.

    aioresponses' own patch builds an autospec of ``ClientSession._request`` on
    every start, about 3 ms: forty times the rest of the fixture's setup. A
    plain function patched onto the class does the same job.
    """

    async def _request(session: Any, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:
        mock = aioresponses_mock()
        return await mock._request_mock(session, method, url, *args, **_auth_as_header(url, kwargs))

    return patch.object(_client_session(), "_request", new=_request)


def _auth_as_header(url: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``kwargs`` with a request's ``auth=BasicAuth(...)`` turned into its
    ``Authorization`` header, as aiohttp itself would send it.

    twilio's ``AsyncTwilioHttpClient`` passes ``auth=``, which aiohttp >= 3.14
    deprecates with a ``DeprecationWarning`` raised inside ``ClientSession._request``:
    aioresponses hands ``auth`` on to it for passed-through hosts, so the warning would
    point into the fake. The header is the same request without the warning. Where
    aiohttp refuses the combination (credentials in the URL, or an ``Authorization``
    header already), its ``ValueError`` is raised here, for a Twilio host too.
    """
    auth = kwargs.get("auth")
    if auth is None or not hasattr(auth, "login"):
        return kwargs
    from multidict import CIMultiDict

    headers: CIMultiDict[str] = CIMultiDict(kwargs.get("headers") or {})
    if "@" in urlsplit(str(url)).netloc:
        raise ValueError("Cannot combine AUTH argument with credentials encoded in URL")
    if "Authorization" in headers:
        raise ValueError(
            "Cannot combine AUTHORIZATION header with AUTH argument or credentials encoded in URL"
        )
    credentials = f"{auth.login}:{auth.password}".encode(auth.encoding)
    headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
    return {**{k: v for k, v in kwargs.items() if k != "auth"}, "headers": headers}


class _SentWriter:
    """Stands for the stream writer of a request already sent (aiohttp >= 3.14)."""

    output_size = 0


def _response_class() -> Any:
    """``ClientResponse`` that also builds on aiohttp versions aioresponses
    does not know yet (3.14 added a required ``stream_writer``)."""
    import inspect

    from aiohttp import ClientResponse

    if "stream_writer" not in inspect.signature(ClientResponse.__init__).parameters:
        return ClientResponse  # pragma: no cover - aiohttp < 3.14; the installed one has it

    class Response(ClientResponse):
        def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
            kwargs.setdefault("stream_writer", _SentWriter())
            super().__init__(method, url, **kwargs)

    return Response


def _body(data: object) -> bytes | str | None:
    """The request body as aiohttp would send it: bytes or text as given, a mapping or
    a list of pairs form-encoded; anything else (a stream, multipart ``FormData``) is
    no form the fake reads (Twilio's API takes form-encoded bodies only)."""
    if data is None or isinstance(data, (bytes, str)):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, Mapping):
        pairs = list(data.items())
    elif isinstance(data, (list, tuple)):
        pairs = list(data)
    else:
        return None
    return urlencode([(k, v) for k, v in pairs if v is not None], doseq=True)
