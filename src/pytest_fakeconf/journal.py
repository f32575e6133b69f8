"""The journal of HTTP requests the fake answered."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request and the answer it got, as the application saw them.

    ``query`` and ``form`` are ``(key, value)`` pairs in the order sent, so
    repeated keys survive; :attr:`params` is the friendlier first-value view.
    ``error`` is ``"connection"`` or ``"timeout"`` when an injected fault made
    the transport raise instead of answering (``status_code`` is 0 then, and
    the body empty).
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
