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
    """Reads the current UTC time from ``time.time``.

    Server mode has no freezegun: its control API moves this clock instead,
    by freezing it at a moment or shifting it by an offset.
    """

    __slots__ = ("_frozen", "_offset")

    def __init__(self) -> None:
        self._frozen: _dt.datetime | None = None
        self._offset = _dt.timedelta(0)

    def now(self) -> _dt.datetime:
        if self._frozen is not None:
            return self._frozen
        real = _dt.datetime.fromtimestamp(int(time.time()), UTC)
        return real + self._offset if self._offset else real

    def freeze(self, moment: _dt.datetime) -> None:
        """Stop the clock at ``moment`` (timezone-aware)."""
        self._frozen = as_utc(moment, "moment")

    def advance(self, delta: _dt.timedelta) -> None:
        """Move the clock forward (a frozen clock stays frozen, later)."""
        if delta < _dt.timedelta(0):
            raise ValueError("the clock only moves forward")
        if self._frozen is not None:
            self._frozen = (self._frozen + delta).replace(microsecond=0)
        else:
            self._offset += delta

    def release(self) -> None:
        """Back to real time (plus any offset advanced so far, so time never goes back)."""
        if self._frozen is not None:
            real = _dt.datetime.fromtimestamp(int(time.time()), UTC)
            self._offset = max(_dt.timedelta(0), self._frozen - real)
            self._frozen = None


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
