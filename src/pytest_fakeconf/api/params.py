"""Reading Twilio's query and form parameters, refusing bad values with 400s.

Unknown parameters are accepted and ignored, as Twilio does (newer clients
send more than an older API knows).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from ..core.errors import invalid_parameter, invalid_url, not_found
from ..core.sids import is_sid

Pairs = Sequence[tuple[str, str]]

_DATE_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
_INT_RE = re.compile(r"\A[+-]?\d{1,18}\Z")
_HEX_RE = re.compile(r"\A[0-9a-fA-F]{32}\Z")
_UTC = _dt.timezone.utc
HTTP_METHODS = ("GET", "POST")
W = TypeVar("W", bound=str)
R = TypeVar("R")


class Params:
    """First value of each key, in the order the client sent them."""

    __slots__ = ("_pairs", "_values")

    def __init__(self, pairs: Pairs) -> None:
        self._pairs = pairs
        values: dict[str, str] = {}
        for key, value in pairs:
            values.setdefault(key, value)
        self._values = values

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._values

    def all(self, key: str) -> list[str]:
        """Every value of an array parameter: repeated keys, or one space-separated value."""
        return [part for k, v in self._pairs if k == key for part in v.split()]

    def first_values(self) -> dict[str, str]:
        return dict(self._values)

    def ordered(self, keys: Iterable[str]) -> list[tuple[str, str]]:
        """The pairs whose key is in ``keys``, first occurrence only, in request order."""
        wanted = set(keys)
        seen: set[str] = set()
        out = []
        for key, value in self._pairs:
            if key in wanted and key not in seen:
                seen.add(key)
                out.append((key, value))
        return out


def day_start(name: str, value: str) -> int:
    """Epoch seconds of midnight UTC of a ``YYYY-MM-DD`` value; 400 otherwise."""
    if not _DATE_RE.match(value):
        raise invalid_parameter(f"Invalid {name}: '{value}' is not a date in the format YYYY-MM-DD")
    try:
        day = _dt.date.fromisoformat(value)
    except ValueError:
        raise invalid_parameter(f"Invalid {name}: '{value}' is not a valid calendar date") from None
    return int(_dt.datetime(day.year, day.month, day.day, tzinfo=_UTC).timestamp())


DateRange = tuple[int | None, int | None]


def date_range(params: Params, field: str) -> DateRange:
    """Inclusive bounds from ``Field``, ``Field<`` and ``Field>`` (§3.5).

    ``Field=D`` is the UTC day D; ``Field<=D`` is "on or before midnight of D";
    ``Field>=D`` is "on or after midnight of D".
    """
    lo: int | None = None
    hi: int | None = None
    exact = params.get(field)
    if exact is not None:
        lo = day_start(field, exact)
        hi = lo + 86399
    before = params.get(field + "<")
    if before is not None:
        bound = day_start(field + "<", before)
        hi = bound if hi is None else min(hi, bound)
    after = params.get(field + ">")
    if after is not None:
        bound = day_start(field + ">", after)
        lo = bound if lo is None else max(lo, bound)
    return lo, hi


_INSTANT_RE = re.compile(
    r"\A(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:?\d{2})?)?\Z"
)


def instant(name: str, value: str) -> tuple[int, bool]:
    """Epoch seconds of a ``YYYY-MM-DD`` date (midnight UTC) or an ISO 8601 date-time
    (``YYYY-MM-DDTHH:MM:SSZ`` is what twilio-python sends for the Calls and account
    Recordings filters; no offset means UTC), and whether it was a date alone; 400
    otherwise."""
    match = _INSTANT_RE.match(value)
    if match is None:
        raise invalid_parameter(
            f"Invalid {name}: '{value[:100]}' is not a date (YYYY-MM-DD) or a date-time "
            "(YYYY-MM-DDTHH:MM:SSZ)"
        )
    day, time, zone = match.groups()
    if time is None:
        return day_start(name, day), True
    text = f"{day}T{time}{'+00:00' if zone in (None, 'Z') else zone}"
    try:
        moment = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise invalid_parameter(
            f"Invalid {name}: '{value[:100]}' is not a valid date-time"
        ) from None
    return int(moment.timestamp()), False


def instant_range(params: Params, field: str, *, strictly_before: bool) -> DateRange:
    """Inclusive epoch-second bounds from ``Field``, ``Field<`` and ``Field>`` given as
    dates or date-times. ``Field=V`` is the UTC day of V; ``Field>V`` is "on or after"
    V; ``Field<V`` is "before" V (``strictly_before``: the Calls filters, §1.7) or "on
    or before" V (the account Recordings filters, §7). A date alone means its midnight."""
    lo: int | None = None
    hi: int | None = None
    exact = params.get(field)
    if exact is not None:
        seconds, _ = instant(field, exact)
        lo = seconds - seconds % 86400
        hi = lo + 86399
    before = params.get(field + "<")
    if before is not None:
        bound, _ = instant(field + "<", before)
        bound -= 1 if strictly_before else 0
        hi = bound if hi is None else min(hi, bound)
    after = params.get(field + ">")
    if after is not None:
        bound, _ = instant(field + ">", after)
        lo = bound if lo is None else max(lo, bound)
    return lo, hi


def integer(name: str, value: str, low: int, high: int | None = None) -> int:
    if not _INT_RE.match(value):
        raise invalid_parameter(f"Invalid {name}: '{value}' is not an integer")
    number = int(value)
    if number < low or (high is not None and number > high):
        limit = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise invalid_parameter(f"Invalid {name}: {number} must be {limit}")
    return number


def enum(name: str, value: str, allowed: Sequence[W]) -> W:
    """``value`` as one of ``allowed`` (typed as they are), else a 400 / 20001
    (FIDELITY: F16)."""
    for word in allowed:
        if value == word:
            return word
    raise invalid_parameter(f"Invalid {name}: '{value}' is not one of {', '.join(allowed)}")


def boolean(name: str, value: str) -> bool:
    lowered = value.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise invalid_parameter(f"Invalid {name}: '{value}' is not true or false")


def url(name: str, value: str) -> str:
    """An absolute http(s) URL, else Twilio's 21205."""
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(value) > 4096:
        raise invalid_url(name, value)
    return value


def http_method(name: str, value: str) -> str:
    return enum(name, value.upper(), HTTP_METHODS)


def sid(name: str, value: str, prefix: str) -> str:
    if not (len(value) == 34 and value.startswith(prefix) and _HEX_RE.match(value[2:])):
        raise invalid_parameter(f"Invalid {name}: '{value[:100]}' is not a valid {prefix} SID")
    return value


def events(name: str, values: Sequence[str], allowed: Sequence[W]) -> tuple[W, ...]:
    return tuple(enum(name, value, allowed) for value in values)


def by_sid(path: str, raw: str, prefix: str, get: Callable[[str], R | None]) -> R:
    """The record a path's (percent-encoded) SID segment names; 404 for ``path`` when the
    SID lacks ``prefix`` or names nothing (a malformed SID is a 404, not a 400)."""
    wanted = unquote(raw)
    found = get(wanted) if is_sid(wanted, prefix) else None
    if found is None:
        raise not_found(path)
    return found
