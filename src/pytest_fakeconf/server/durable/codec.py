"""Records as JSON and back, exactly: the durable store's row format.

A record (a slots dataclass of ``core/*_store.py``) is saved as a JSON object of its
fields. Values JSON has no type for are tagged objects whose one key starts with ``$``
(no field name or Twilio parameter does): ``{"$d": iso}`` a datetime, ``{"$td": [days,
seconds, µs]}`` a timedelta, ``{"$t": [...]}`` a tuple, ``{"$m": [[key, value], ...]}`` a
dict, ``{"$c": name, "$f": {...}}`` a nested dataclass (conference settings, machine
detection, a number's call outcome). They are read back by the JSON parser's object
hook, in one pass. A conference's participants and recordings are rows of their own.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from typing import Any, TypeVar

from ...core.call_store import Amd, NumberSetup
from ...core.conference_store import ConferenceSettings

T = TypeVar("T")

# Nested dataclasses a record may hold, by name.
_NESTED: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (ConferenceSettings, Amd, NumberSetup)
}
# Fields that are not data: a conference's sub-stores are rebuilt from their own rows,
# an account's API keys from theirs.
_SKIP = frozenset({"participants", "recordings", "api_keys"})
_PLAIN = frozenset({str, int, float, bool, type(None)})
_NAMES: dict[type[Any], tuple[str, ...]] = {}


class CodecError(ValueError):
    """A row this version cannot read."""


def _encode(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, _dt.datetime):
        return {"$d": value.isoformat()}
    if isinstance(value, _dt.timedelta):
        return {"$td": [value.days, value.seconds, value.microseconds]}
    if isinstance(value, tuple):
        return {"$t": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$m": [[k, _encode(v)] for k, v in value.items()]}
    if type(value).__name__ in _NESTED:
        return {"$c": type(value).__name__, "$f": _fields(value)}
    raise TypeError(f"cannot save a {type(value).__name__}")


_TAGS: dict[str, Any] = {
    "$d": _dt.datetime.fromisoformat,
    "$t": tuple,
    "$m": dict,
    "$td": lambda parts: _dt.timedelta(*parts),
}


def _hook(obj: dict[str, Any]) -> Any:
    """A tagged object as its value (the parser calls it inner objects first)."""
    if len(obj) == 1:
        [(tag, value)] = obj.items()
        read = _TAGS.get(tag)
        return obj if read is None else read(value)
    if "$c" in obj:
        return _NESTED[obj["$c"]](**obj["$f"])
    return obj


def _names(cls: type[Any]) -> tuple[str, ...]:
    """The saved fields of a record class (cached: a row is written per change)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.name not in _SKIP)
    return names


def _fields(record: Any) -> dict[str, Any]:
    return {name: _encode(getattr(record, name)) for name in _names(type(record))}


def dumps_value(value: Any) -> str:
    """Any value a record may hold (call outcomes: a dict of :class:`NumberSetup`)."""
    return json.dumps(_encode(value), separators=(",", ":"), ensure_ascii=False)


def loads_value(row: str) -> Any:
    return json.loads(row, object_hook=_hook)


def dumps(record: Any) -> str:
    """The JSON row of ``record``."""
    return json.dumps(_fields(record), separators=(",", ":"), ensure_ascii=False)


def loads(cls: type[T], row: str) -> T:
    """The record of class ``cls`` a row holds; :class:`CodecError` if it cannot be read."""
    try:
        return cls(**json.loads(row, object_hook=_hook))
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise CodecError(f"unreadable {cls.__name__} row ({error})") from error
