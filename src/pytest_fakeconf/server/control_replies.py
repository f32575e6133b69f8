"""What a control handler answers: a JSON reply, or a :class:`ControlError` that becomes
``{"error": "…"}`` with its HTTP status."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

Reply = tuple[int, dict[str, str], bytes]
Body = dict[str, Any]
JSON = {"Content-Type": "application/json; charset=utf-8"}


class ControlError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


def reply(status: int, payload: object, headers: Mapping[str, str] | None = None) -> Reply:
    return status, {**JSON, **(headers or {})}, json.dumps(payload, default=str).encode()
