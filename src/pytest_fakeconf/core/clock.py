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
# The moments the clock holds and records may carry. Twilio's dates are never
# before the epoch; the year 9999 is kept free so that everything done with a
# held moment (a date filter's day added, a duration, a scheduled action, RFC 2822
# formatting) stays inside datetime's range. Outside: ValueError, never an
# OverflowError from deep inside an operation.
EARLIEST = _dt.datetime(1970, 1, 1, tzinfo=UTC)
LATEST = _dt.datetime(9998, 12, 31, 23, 59, 59, tzinfo=UTC)
_RANGE = f"between {EARLIEST.isoformat()} and {LATEST.isoformat()}"


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
        # Whole seconds, like every stamp: a fractional advance must not leak microseconds.
        return (real + self._offset).replace(microsecond=0) if self._offset else real

    def freeze(self, moment: _dt.datetime) -> None:
        """Stop the clock at ``moment`` (timezone-aware)."""
        self._frozen = as_utc(moment, "moment")

    def advance(self, delta: _dt.timedelta | float) -> None:
        """Move the clock forward by a timedelta or a number of seconds (a frozen
        clock stays frozen, later). ValueError, the clock unmoved, for a step
        back, NaN or infinity, or one past :data:`LATEST`."""
        if not isinstance(delta, _dt.timedelta):
            delta = _seconds(delta)
        if delta < _dt.timedelta(0):
            raise ValueError("the clock only moves forward")
        if self._frozen is not None:
            self._frozen = _shifted(self._frozen, delta).replace(microsecond=0)
        else:
            real = _dt.datetime.fromtimestamp(int(time.time()), UTC)
            _shifted(real + self._offset, delta)  # refuses before the offset moves
            self._offset += delta

    @property
    def state(self) -> tuple[_dt.datetime | None, _dt.timedelta]:
        """``(frozen moment or None, offset from real time)``: what a durable store
        saves so that a restarted server's clock goes on where it was moved to."""
        return self._frozen, self._offset

    def restore(self, frozen: _dt.datetime | None, offset: _dt.timedelta) -> None:
        """Set the clock to a saved :attr:`state`."""
        self._frozen = None if frozen is None else as_utc(frozen, "frozen")
        self._offset = offset

    def release(self) -> None:
        """Back to real time (plus any offset advanced so far, so time never goes back)."""
        if self._frozen is not None:
            real = _dt.datetime.fromtimestamp(int(time.time()), UTC)
            self._offset = max(_dt.timedelta(0), self._frozen - real)
            self._frozen = None


def as_utc(value: _dt.datetime, name: str) -> _dt.datetime:
    """Return ``value`` in UTC, truncated to seconds; refuse naive datetimes and
    moments outside :data:`EARLIEST` … :data:`LATEST` (ValueError)."""
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{name} must be timezone-aware (for example tzinfo=datetime.timezone.utc); "
            f"got naive {value!r}"
        )
    try:
        utc = value.astimezone(UTC)  # 0001-01-01T00:00+14:00 is before year 1 in UTC
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise ValueError(f"{name} must be {_RANGE}; got {value.isoformat()}")
    return utc.replace(microsecond=0)


def _seconds(seconds: float) -> _dt.timedelta:
    """A forward step of ``seconds`` the clock can take (at most the whole range)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"advance takes a timedelta or seconds, not {type(seconds).__name__}")
    if not 0 <= seconds <= (LATEST - EARLIEST).total_seconds():  # NaN compares False
        raise ValueError(f"advance takes a finite, non-negative step; got {seconds!r}")
    return _dt.timedelta(seconds=seconds)


def _shifted(moment: _dt.datetime, delta: _dt.timedelta) -> _dt.datetime:
    """``moment + delta``, refused (ValueError) when it leaves the clock's range."""
    try:
        shifted = moment + delta
    except OverflowError:
        shifted = None
    if shifted is None or not EARLIEST <= shifted <= LATEST:
        raise ValueError(f"the clock must stay {_RANGE}; {moment.isoformat()} + {delta} is not")
    return shifted


def epoch_seconds(value: _dt.datetime) -> int:
    """Whole seconds since the epoch of an aware datetime (used as a sort key)."""
    return int(value.timestamp())
