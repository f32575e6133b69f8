"""Checks of the fields a control request carries: its JSON body, its query string."""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from typing import Any

from .control_replies import Body, ControlError

_REQUIRED = object()


def json_body(body: bytes) -> Body:
    """The JSON object a POST carries (an empty body is ``{}``)."""
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        raise ControlError(400, "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError(400, "the body must be a JSON object")
    return data


def moment(value: object) -> _dt.datetime | None:
    """An ISO 8601 time with a UTC offset, or None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ControlError(400, f"expected an ISO 8601 time, got {value!r}")
    try:
        parsed = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ControlError(400, f"expected an ISO 8601 time, got {value!r}") from None
    if parsed.tzinfo is None:
        raise ControlError(400, f"the time needs a UTC offset: {value!r}")
    return parsed


def text(data: Mapping[str, Any], key: str, default: Any = _REQUIRED) -> str:
    """A string field; without ``default`` it is required. ``null`` is no string."""
    if key not in data and default is not _REQUIRED:
        return str(default)
    if key not in data:
        raise ControlError(400, f"{key} is required")
    value = data[key]
    if not isinstance(value, str):
        raise ControlError(400, f"{key} must be a string, got {json.dumps(value)[:100]}")
    return value


def optional_text(data: Mapping[str, Any], key: str) -> str | None:
    """A string field that may be absent or ``null``."""
    return None if data.get(key) is None else text(data, key)


def flag(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    """A boolean field: JSON true or false only ("false" would be truthy)."""
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ControlError(400, f"{key} must be true or false, got {json.dumps(value)[:100]}")
    return value


def whole(data: Mapping[str, Any], key: str, default: int, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi``: a JSON integer, or digits in a query string."""
    value = data.get(key, default)
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ControlError(400, f"{key} takes a whole number from {lo} to {hi}")
    return value


PARTICIPANT_FLAGS = (
    "start_conference_on_enter", "end_conference_on_exit", "muted", "hold", "coaching",
)  # fmt: skip


def participant_options(data: Body) -> Body:
    """The options as ``add_participant`` takes them (unknown keys were refused)."""
    for key in data:
        if key in PARTICIPANT_FLAGS:
            flag(data, key)
        else:
            optional_text(data, key)
    return data
