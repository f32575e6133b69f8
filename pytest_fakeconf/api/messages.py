"""The plain request and response the api layer speaks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """An HTTP request reduced to what the API reads.

    ``path`` keeps its percent-encoding (Twilio's 404 message quotes it as sent);
    ``query`` and ``form`` are ordered ``(key, value)`` pairs, repeated keys kept;
    ``headers`` has lower-case names.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    form: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_url(
        cls,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> ApiRequest:
        """Build a request from a full URL (or a path with a query) and a form body."""
        parts = urlsplit(url)
        if isinstance(body, bytes):
            body = body.decode("utf-8", errors="replace")
        return cls(
            method=method.upper(),
            path=parts.path or "/",
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            form=tuple(parse_qsl(body, keep_blank_values=True)) if body else (),
            headers={k.lower(): v for k, v in (headers or {}).items()},
        )


JSON_HEADERS: Mapping[str, str] = {"Content-Type": "application/json; charset=utf-8"}


@dataclass(frozen=True, slots=True)
class ApiResponse:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

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
