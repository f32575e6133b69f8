"""The journal of HTTP requests the fake answered."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from .core.bounded import RecentMap

# A journal holds thousands of requests whose headers are the same (one client, one
# credential): each distinct set is kept once, read-only, among the newest this many.
SHARED_HEADER_SETS = 256
_header_sets: RecentMap[tuple[tuple[str, str], ...], Mapping[str, str]] = RecentMap(
    SHARED_HEADER_SETS
)


def shared_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy of ``headers``: the same object for every entry that has the
    same headers in the same order, so a journal entry does not copy them again."""
    items = tuple(headers.items())
    found = _header_sets.get(items)
    if found is None:
        found = MappingProxyType(dict(items))
        _header_sets[items] = found
    return found


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request and the answer it got, as the application saw them.

    ``query`` and ``form`` are ``(key, value)`` pairs in the order sent, so
    repeated keys survive; :attr:`params` is the friendlier first-value view.
    ``error`` is ``"connection"`` or ``"timeout"`` when an injected fault made
    the transport raise instead of answering (``status_code`` is 0 then, and
    the body empty). The repr shows the method, path, parameters, status and
    error: never the headers (they carry the credentials) nor the body.

    Attributes:
        method: ``GET``, ``POST`` or ``DELETE``.
        url: the full URL, query string included.
        path: the URL's path.
        query: the query string's ``(key, value)`` pairs.
        form: the form body's ``(key, value)`` pairs.
        headers: the request headers (read-only; entries with the same headers share
            one mapping).
        status_code: the status the fake answered (0 for an injected transport error).
        response_headers: the headers of the answer (read-only, shared the same way).
        response_body: the body of the answer (bytes).
        error: ``"connection"`` or ``"timeout"`` for an injected transport error, else None.
        at: when the fake answered it, on the fake's clock (UTC).
        params: query and form values by key (first value of a repeated key).
    """

    method: str
    url: str
    path: str
    query: tuple[tuple[str, str], ...]
    form: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    status_code: int
    response_headers: Mapping[str, str]
    response_body: bytes
    error: str | None = None
    at: _dt.datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "headers", shared_headers(self.headers))
        object.__setattr__(self, "response_headers", shared_headers(self.response_headers))

    @property
    def params(self) -> dict[str, str]:
        """Query and form values by key (first value of a repeated key)."""
        out: dict[str, str] = {}
        for key, value in self.query + self.form:
            out.setdefault(key, value)
        return out

    def json(self) -> Any:
        """The response body parsed, or None when it was empty (204)."""
        return json.loads(self.response_body) if self.response_body else None

    def __repr__(self) -> str:
        error = "" if self.error is None else f", error={self.error!r}"
        return (
            f"RecordedRequest(method={self.method!r}, path={self.path!r}, params={self.params!r},"
            f" status_code={self.status_code!r}{error})"
        )
