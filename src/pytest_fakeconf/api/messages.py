"""The plain request and response the api layer speaks."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

if TYPE_CHECKING:
    from .faults import Fault


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """An HTTP request reduced to what the API reads.

    ``path`` keeps its percent-encoding (Twilio's 404 message quotes it as sent);
    ``query`` and ``form`` are ordered ``(key, value)`` pairs, repeated keys kept;
    ``headers`` has lower-case names. ``malformed`` says why the URL does not
    parse (a host such as ``[``); the API refuses such a request with a 400.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    malformed: str | None = None

    @classmethod
    def from_url(
        cls,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> ApiRequest:
        """Build a request from a full URL (or a path with a query) and a form body.

        Never raises for a URL a client (or a ``Host`` header) can send: one that
        does not parse keeps the path and query it carries and is ``malformed``.
        """
        malformed = None
        try:
            parts = urlsplit(url)
            path, query = parts.path, parts.query
        except ValueError as error:
            # Only the authority makes urlsplit fail ("Invalid IPv6 URL", a bracketed
            # host that is no address): what follows it is still the path and query.
            path, _, query = _AUTHORITY.sub("", url, count=1).partition("#")[0].partition("?")
            malformed = str(error)
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        return cls(
            method=method.upper(),
            path=path or "/",
            query=tuple(parse_qsl(query, keep_blank_values=True)),
            form=tuple(parse_qsl(body, keep_blank_values=True)) if body else (),
            headers={k.lower(): v for k, v in (headers or {}).items()},
            malformed=malformed,
        )


_AUTHORITY = re.compile(r"\A(?:[A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#]*")


JSON_HEADERS: Mapping[str, str] = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class ApiResponse:
    """``fault`` is the injected fault that answered instead of the operation
    (see :mod:`.faults`); when it names an :attr:`error`, the transport raises
    what its client library raises for that instead of answering."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    fault: Fault | None = None

    @property
    def error(self) -> str | None:
        """``"connection"`` or ``"timeout"``: raise instead of answering."""
        return None if self.fault is None else self.fault.error

    @classmethod
    def json(
        cls, status: int, payload: object, headers: Mapping[str, str] | None = None
    ) -> ApiResponse:
        merged = dict(JSON_HEADERS)
        if headers:
            merged.update(headers)
        return cls(status, json.dumps(payload).encode(), merged)

    def parsed(self) -> object:
        """The JSON body, or None for an empty one."""
        return json.loads(self.body) if self.body else None
