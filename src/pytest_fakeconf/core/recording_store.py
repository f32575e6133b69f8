"""Conference recordings: the record, its store, its states, its clock and its price.

States (OpenAPI ``conference_recording_enum_status``): ``in-progress`` ⇄ ``paused``
by update; ``stopped`` by update or when the conference ends; then ``processing``
(for ``Recordings.processing``, zero by default) and ``completed`` with a duration
and a price, or ``absent`` with error 16101 when it is too short to keep (§6).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from . import errors
from .collection import Collection
from .index import SortKey
from .vocabulary import PauseBehavior, RecordingStatus

# Twilio's example of a completed 4 s recording: price "-0.0025", price_unit "USD".
# The fake charges that per started minute (FIDELITY: F20).
PRICE_PER_MINUTE = Decimal("0.0025")
PRICE_UNIT = "USD"
CURRENT = "Twilio.CURRENT"
# "The call recording was too short to be processed" -> absent, "Error 16101" (Twilio
# support, "Getting Started with Recording Status Callbacks"). What "too short" means is
# not documented: the fake keeps a recording of at least one second (FIDELITY: F22).
MIN_SECONDS = 1
TOO_SHORT = 16101
# What an update may ask for, from each state.
_ALLOWED: dict[RecordingStatus, set[RecordingStatus]] = {
    "in-progress": {"paused", "stopped", "in-progress"},
    "paused": {"in-progress", "stopped", "paused"},
}


@dataclass(slots=True, eq=False)
class Recording:
    """A conference recording; ``duration``/``price`` are known once it completed."""

    account_sid: str
    conference_sid: str
    sid: str
    key: SortKey
    date_created: _dt.datetime
    date_updated: _dt.datetime
    start_time: _dt.datetime
    status: RecordingStatus = "in-progress"
    duration: int | None = None
    price: str | None = None
    price_unit: str | None = None
    channels: int = 1
    source: str = "Conference"
    error_code: int | None = None
    # The participant whose join started the recording (FIDELITY: F21).
    call_sid: str | None = None
    # Accounting: seconds recorded so far, and since when it is running.
    recorded: int = 0
    running_since: _dt.datetime | None = None


def price_for(seconds: int) -> str:
    minutes = (Decimal(seconds) / 60).to_integral_value(rounding=ROUND_CEILING)
    return f"-{max(minutes, Decimal(1)) * PRICE_PER_MINUTE}"


class RecordingStore(Collection[Recording]):
    __slots__ = ("_by_sid",)

    def __init__(self) -> None:
        super().__init__()
        self._by_sid: dict[str, Recording] = {}

    def add(self, recording: Recording) -> None:
        self._add(recording.key, recording.sid, recording)
        self._by_sid[recording.sid] = recording

    def remove(self, recording: Recording) -> None:
        """Forget a stored recording (a recording is deleted once)."""
        del self._by_sid[recording.sid]
        self._remove(recording.key, recording.sid)

    def get(self, sid: str) -> Recording | None:
        if sid == CURRENT:
            return self.current()
        return self._by_sid.get(sid)

    def current(self) -> Recording | None:
        """The recording still running or paused, if any (``Twilio.CURRENT``)."""
        for recording in self._by_sid.values():
            if recording.status in _ALLOWED:
                return recording
        return None


def change(
    recording: Recording, status: RecordingStatus, pause_behavior: PauseBehavior, at: _dt.datetime
) -> None:
    """Apply an update's ``Status``; refuse a transition Twilio would not make
    (FIDELITY: F26)."""
    if status not in _ALLOWED.get(recording.status, ()):
        raise errors.recording_transition_refused(recording.sid, recording.status, status)
    if status == "paused" and recording.status == "in-progress":
        if pause_behavior == "skip":
            _bank(recording, at)
    elif status == "in-progress" and recording.status == "paused":
        if recording.running_since is None:
            recording.running_since = at
    elif status == "stopped":
        _bank(recording, at)
    recording.status = status
    recording.date_updated = max(recording.date_updated, at)


def process(recording: Recording, at: _dt.datetime) -> None:
    """Stopped → processing (§6: "then `stopped` … → `processing` → `completed`")."""
    _bank(recording, at)
    recording.status = "processing"
    recording.date_updated = max(recording.date_updated, at)


def complete(recording: Recording, at: _dt.datetime) -> bool:
    """Processing → completed (duration from the clock, price in Twilio's format), or
    ``absent`` with ``error_code`` 16101 when shorter than :data:`MIN_SECONDS`: no file,
    so no price (FIDELITY: F22). True if it was kept (``completed``)."""
    _bank(recording, at)
    recording.duration = recording.recorded
    if recording.recorded < MIN_SECONDS:
        recording.status = "absent"
        recording.error_code = TOO_SHORT
    else:
        recording.status = "completed"
        recording.price = price_for(recording.recorded)
        recording.price_unit = PRICE_UNIT
    recording.date_updated = max(recording.date_updated, at)
    return recording.status == "completed"


def _bank(recording: Recording, at: _dt.datetime) -> None:
    if recording.running_since is not None:
        recording.recorded += max(0, int((at - recording.running_since).total_seconds()))
        recording.running_since = None
