"""One clock for every timestamp the fake stamps.

"Now" is read from the standard library (``time.time``) at the moment of each
operation, so freezegun and time-machine both steer it. ``time.monotonic`` is
never used, and neither is ``datetime.now(tz)``: under freezegun's
``tz_offset`` it adds the offset to UTC (a freezegun quirk), ``time.time`` does not.
Timestamps are truncated to whole seconds, because that is all Twilio's RFC 2822
dates carry: what a test reads from a handle equals what the client parses.
"""

from __future__ import annotations

import datetime as _dt
import time

UTC = _dt.timezone.utc


class Clock:
    """Reads the current UTC time from ``time.time``."""

    __slots__ = ()

    def now(self) -> _dt.datetime:
        return _dt.datetime.fromtimestamp(int(time.time()), UTC)


def as_utc(value: _dt.datetime, name: str) -> _dt.datetime:
    """Return ``value`` in UTC, truncated to seconds; refuse naive datetimes."""
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (for example tzinfo=datetime.timezone.utc); "
            f"got naive {value!r}"
        )
    return value.astimezone(UTC).replace(microsecond=0)


def epoch_seconds(value: _dt.datetime) -> int:
    """Whole seconds since the epoch of an aware datetime (used as a sort key)."""
    return int(value.timestamp())
